// A tree inside a mounted image as a tree source: walked by inode handles
// (image-tree.ts), names as stored on disk — including names a crafted image
// may hold ('/', '..', NUL); the sink decides what it can create safely.
import type { Ext2Filesystem } from '@iomap/ext2-lite';
import { S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG } from '@iomap/vfs';
import { FsError } from '@iomap/core';
import { fileChunks } from '../image/file-data.js';
import { childPath, inodeAtPath, listEntries, type ImageEntry } from '../image/image-tree.js';
import type { EntryKind, TreeEntry } from './tree-entry.js';
import { about } from '../cli/error-report.js';

const KINDS = new Map<number, EntryKind>([
  [S_IFREG, 'file'],
  [S_IFDIR, 'dir'],
  [S_IFLNK, 'symlink'],
  [S_IFCHR, 'char'],
  [S_IFBLK, 'block'],
  [S_IFIFO, 'fifo'],
]);

async function entryOf(fs: Ext2Filesystem, e: ImageEntry, path: Uint8Array[]): Promise<TreeEntry> {
  const a = e.attrs;
  const kind = KINDS.get(a.mode & S_IFMT) ?? 'socket';
  const entry: TreeEntry = {
    path,
    kind,
    perm: a.mode & 0o7777,
    uid: a.uid,
    gid: a.gid,
    atimeNs: a.atimeNs,
    mtimeNs: a.mtimeNs,
    size: kind === 'file' ? a.size : 0,
    rdev: kind === 'char' || kind === 'block' ? a.rdev : 0,
  };
  if (kind !== 'dir' && a.nlink > 1) entry.linkId = `ino:${a.ino}`;
  if (kind === 'symlink') entry.target = await fs.readlink(e.inode);
  if (kind === 'file') entry.data = () => fileChunks(fs, e.inode);
  const names = await fs.listxattr(e.inode);
  if (names.length > 0) {
    entry.xattrs = [];
    for (const name of names.sort()) entry.xattrs.push([name, await fs.getxattr(e.inode, name)]);
  }
  return entry;
}

/** Options of {@link imageTree}. */
export interface ImageTreeOptions {
  /** Follow symlinks inside the image (cp -L); they resolve within the image, never on the host. */
  dereference?: boolean;
  /** The image file, for error reports. */
  image?: string;
  /**
   * Called when a directory cannot be listed (e.g. a corrupt entry, EUCLEAN):
   * its contents are skipped and the walk goes on. Without it the walk throws.
   */
  onDirectoryError?: (err: unknown) => void;
}

/** The tree at `root` (found at image path `rootPath`), parents first, children sorted by name bytes. */
export async function* imageTree(fs: Ext2Filesystem, root: ImageEntry, rootPath: string, options: ImageTreeOptions = {}): AsyncGenerator<TreeEntry> {
  yield* walk(fs, root, rootPath, [], options, new Set());
}

async function* walk(fs: Ext2Filesystem, e: ImageEntry, imagePath: string, path: Uint8Array[], options: ImageTreeOptions, ancestors: Set<number>): AsyncGenerator<TreeEntry> {
  let self = e;
  if (options.dereference && (e.attrs.mode & S_IFMT) === S_IFLNK) self = await inodeAtPath(fs, imagePath, true);
  const entry = await entryOf(fs, self, path);
  yield entry;
  if (entry.kind !== 'dir') return;
  if (ancestors.has(self.attrs.ino)) throw new FsError('ELOOP', 'a symlink leads back to a directory being copied', { syscall: 'scandir', path: imagePath });
  ancestors.add(self.attrs.ino);
  let children: ImageEntry[];
  try {
    children = await about({ ...(options.image === undefined ? {} : { image: options.image }), path: imagePath }, () => listEntries(fs, self.inode));
  } catch (err) {
    if (options.onDirectoryError === undefined) throw err;
    options.onDirectoryError(err);
    return;
  }
  for (const child of children) {
    yield* walk(fs, child, childPath(imagePath, child.name), [...path, child.name], options, ancestors);
  }
  ancestors.delete(self.attrs.ino);
}
