// Walking a mounted image by inode handles rather than by path strings:
// directory entries come as raw name bytes, and a child is found with the
// filesystem's own lookup on those bytes. A crafted name holding '/' or
// '..' therefore names exactly one entry and is never re-parsed as a path.
import { isDotOrDotDot, S_IFDIR, S_IFLNK, S_IFMT, type InodeAttributes } from '@iomap/vfs';
import type { Ext2Filesystem, Ext2Inode } from '@iomap/ext2-lite';
import { FsError } from '@iomap/core';

/** One entry of a directory, looked up. */
export interface ImageEntry {
  name: Uint8Array;
  inode: Ext2Inode;
  attrs: InodeAttributes;
}

/** The entries of `dir` other than '.' and '..', sorted by name bytes (C locale). */
export async function listEntries(fs: Ext2Filesystem, dir: Ext2Inode): Promise<ImageEntry[]> {
  const names: Uint8Array[] = [];
  for await (const entry of fs.readdir(dir)) {
    if (!isDotOrDotDot(entry.name)) names.push(entry.name.slice());
  }
  names.sort(compareBytes);
  const out: ImageEntry[] = [];
  for (const name of names) {
    const inode = await fs.lookup(dir, name);
    // A name readdir just returned that lookup cannot find: a duplicate or damaged entry.
    if (inode === undefined) continue;
    out.push({ name, inode, attrs: await fs.getattr(inode) });
  }
  return out;
}

/** Byte-wise order, like `LC_ALL=C ls`. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

export function isDirectoryAttrs(attrs: InodeAttributes): boolean {
  return (attrs.mode & S_IFMT) === S_IFDIR;
}

/** The inode at `path` in the image (the final symlink followed unless `follow` is false). */
export async function inodeAtPath(fs: Ext2Filesystem, path: string, follow = true): Promise<ImageEntry> {
  const inode = await fs.inodeAt(path, { followFinal: follow });
  const parts = path.split('/').filter((p) => p !== '');
  return { name: new TextEncoder().encode(parts.at(-1) ?? '/'), inode, attrs: await fs.getattr(inode) };
}

/** Reads the whole symlink target. */
export async function symlinkTarget(fs: Ext2Filesystem, inode: Ext2Inode): Promise<Uint8Array> {
  return fs.readlink(inode);
}

/** Joins an image path and a name for messages (bytes shown as UTF-8). */
export function childPath(parent: string, name: Uint8Array): string {
  const text = new TextDecoder().decode(name);
  return parent.endsWith('/') ? `${parent}${text}` : `${parent}/${text}`;
}

/** Throws EISDIR when `attrs` is a directory (for verbs that read file data). */
export function requireNotDirectory(attrs: InodeAttributes, path: string, syscall: string): void {
  if (isDirectoryAttrs(attrs)) throw new FsError('EISDIR', 'illegal operation on a directory', { syscall, path });
}

/** An entry met by walkTree, with its path (bytes: names need not be UTF-8). */
export interface WalkedEntry {
  entry: ImageEntry;
  path: Uint8Array;
}

/**
 * Everything below directory `dir` (whose path is `path`), parents before
 * their contents, names in byte order; symlinks are left out (neither
 * listed nor followed), as getfacl -R and setfacl -R skip them. A child's
 * path is `path` + '/' + name, whatever `path` ends with (getfacl's "d//x"
 * for an operand "d/").
 */
export async function* walkTree(fs: Ext2Filesystem, dir: Ext2Inode, path: Uint8Array): AsyncGenerator<WalkedEntry> {
  for (const entry of await listEntries(fs, dir)) {
    if ((entry.attrs.mode & S_IFMT) === S_IFLNK) continue;
    const childPath = new Uint8Array(path.length + 1 + entry.name.length);
    childPath.set(path);
    childPath[path.length] = 0x2f;
    childPath.set(entry.name, path.length + 1);
    yield { entry, path: childPath };
    if (isDirectoryAttrs(entry.attrs)) yield* walkTree(fs, entry.inode, childPath);
  }
}
