// Writing a tree into a mounted, writable image (cp into an image, mkfs -d).
// Directories are made through fs.promises (mkdir, which also settles what is
// at the copy's root); every other entry through the inode operations, in
// the directory inode the sink keeps for each directory it made or found
// (create/write, symlink, mknod, link): a path walk per entry, and the vfs's
// open-file bookkeeping, cost more than the rest of a small file's copy.
// Exact metadata (mode, owner, nanosecond times) and xattrs go through
// setattr/setxattr on the inode. Directory metadata waits for the
// directory's children. Parents an archive leaves implicit are made like
// `mkdir -p` (0755, root). File data skips zero blocks (holes).
//
// The new inodes' owners are what fs.promises (root, umask 022) would give:
// root, and the group of a set-group-ID directory.
import { FsError } from '@iomap/core';
import { ACL_ACCESS_NAME, ACL_DEFAULT_NAME, type Ext2Filesystem, type Ext2Inode } from '@iomap/ext2-lite';
import type { FsPromises } from '@iomap/vfs';
import { constants, S_IFBLK, S_IFCHR, S_IFIFO, S_IFLNK, S_IFREG, S_IFSOCK, type NewInodeAttributes } from '@iomap/vfs';
import type { Subject } from '../cli/error-report.js';
import type { Progress } from '../cli/progress.js';
import { displayBytes } from '../show/display-name.js';
import { inodeMethod, writeMethod } from '../image/image-write.js';
import { writeSparse } from './sparse-writer.js';
import { createReplacing, existsError, type TreeSink } from './tree-sink.js';
import { joinPath, pathKey, WHOLE_FILE_BYTES, type TreeEntry } from './tree-entry.js';

const SLASH = 0x2f;
const S_ISGID = 0o2000;

const SPECIAL_TYPE: Record<string, number> = { char: S_IFCHR, block: S_IFBLK, fifo: S_IFIFO, socket: S_IFSOCK };

/** Options of {@link ImageSink}. */
export interface ImageSinkOptions {
  /** The image file, for messages. */
  image: string;
  /** Keep owners, special mode bits, times and xattrs of the source (cp -p, mkfs -d). */
  preserve: boolean;
  /** Copy the source's xattrs without the rest of preserve (cp --xattrs). */
  xattrs?: boolean;
  /** Replace existing non-directories of any type (cp -f); regular files are always replaced. */
  force: boolean;
  /** The inode-change time to record (ns since the epoch): the clock, or a fixed time for reproducible images. */
  now: () => bigint;
}

/** Where a new name goes: its directory's inode and the name. */
interface Site {
  dir: Ext2Inode;
  name: Uint8Array;
}

export class ImageSink implements TreeSink {
  private readonly root: Uint8Array;
  /** Inodes of the directories made or found, by the pathKey of their components below the copy's root. */
  private readonly dirInodes = new Map<string, Ext2Inode>();
  /** The first inode of each hard-link group, by linkId. */
  private readonly links = new Map<string, Ext2Inode>();
  /** Where small host files are read whole (TreeEntry.readWhole): one open and read, not a second open of the path. */
  private scratch: Uint8Array | undefined;
  private readonly dirs: { inode: Ext2Inode; entry: TreeEntry }[] = [];

  constructor(
    private readonly fs: Ext2Filesystem,
    /** fs/promises over `fs` (its clock stamps new inodes). */
    private readonly fsp: FsPromises,
    /** Image path where the copy's root entry goes. */
    root: string,
    private readonly options: ImageSinkOptions,
    private readonly progress?: Progress,
  ) {
    this.root = new TextEncoder().encode(root === '/' ? '' : root.replace(/\/+$/, ''));
  }

  describe(path: readonly Uint8Array[]): string {
    return displayBytes(joinPath(this.root, path)) || '/';
  }

  subject(path: readonly Uint8Array[]): Subject {
    return { image: this.options.image, path: this.describe(path) };
  }

  private pathOf(entry: TreeEntry): Uint8Array {
    const path = joinPath(this.root, entry.path);
    return path.length === 0 ? new TextEncoder().encode('/') : path;
  }

  async add(entry: TreeEntry): Promise<void> {
    const path = this.pathOf(entry);
    if (entry.kind === 'dir') {
      // Below the root, the parent must exist first (an archive may leave it implicit); mkdir itself goes by path.
      if (entry.path.length > 0) await this.siteOf(entry);
      return this.makeDirectory(path, entry);
    }
    const site = await this.siteOf(entry);
    const first = entry.linkId === undefined ? undefined : this.links.get(entry.linkId);
    if (first !== undefined) {
      await this.createAt(path, entry, () => this.fs.link(first, site.dir, site.name));
      return;
    }
    let inode: Ext2Inode;
    if (entry.kind === 'file') inode = await this.writeFile(site, path, entry);
    else if (entry.kind === 'symlink') {
      const init = await this.newInode(site.dir, S_IFLNK | 0o777);
      inode = await this.createAt(path, entry, () => this.fs.symlink(site.dir, site.name, entry.target ?? new Uint8Array(), init));
    } else {
      const init = { ...(await this.newInode(site.dir, (SPECIAL_TYPE[entry.kind] as number) | (entry.perm & 0o777))), rdev: entry.rdev };
      inode = await this.createAt(path, entry, () => this.fs.mknod(site.dir, site.name, init));
    }
    await this.applyMetadata(inode, entry);
    if (entry.linkId !== undefined) this.links.set(entry.linkId, inode);
  }

  /**
   * The directory `entry` goes into (made like `mkdir -p` when an archive
   * left it implicit) and its name there. The copy's root entry goes into
   * the directory above the destination path.
   */
  private async siteOf(entry: TreeEntry): Promise<Site> {
    const { path } = entry;
    if (path.length === 0) {
      const slash = this.root.lastIndexOf(SLASH);
      const parent = this.root.subarray(0, slash);
      return { dir: await this.fs.inodeAt(parent.length === 0 ? '/' : parent), name: this.root.subarray(slash + 1) };
    }
    const parent = path.slice(0, -1);
    const dir = this.dirInodes.get(pathKey(parent)) ?? (await this.ensureDirectory(parent));
    return { dir, name: path[path.length - 1] as Uint8Array };
  }

  /** mkdir -p of `components` and their parents (the ones an archive did not list; directory sources list them all first). */
  private async ensureDirectory(components: readonly Uint8Array[]): Promise<Ext2Inode> {
    let inode: Ext2Inode | undefined;
    for (let depth = 0; depth <= components.length; depth++) {
      const key = pathKey(components.slice(0, depth));
      inode = this.dirInodes.get(key);
      if (inode !== undefined) continue;
      const path = joinPath(this.root, components.slice(0, depth));
      if (path.length > 0) await writeMethod(this.fsp, 'mkdir')(path, { recursive: true, mode: 0o755 });
      inode = await this.fs.inodeAt(path.length === 0 ? '/' : path);
      this.dirInodes.set(key, inode);
    }
    return inode as Ext2Inode;
  }

  /**
   * What a new inode of `mode` in `dir` starts with: the owner fs.promises
   * gives as root (root, or the directory's group when it is set-group-ID).
   * The copy's own metadata follows (applyMetadata).
   */
  private async newInode(dir: Ext2Inode, mode: number): Promise<NewInodeAttributes> {
    const parent = await this.fs.getattr(dir);
    return { mode, uid: 0, gid: (parent.mode & S_ISGID) !== 0 ? parent.gid : 0, timeNs: this.options.now() };
  }

  /** `create` at `path`, replacing what is in the way as {@link clear} allows (see createReplacing). */
  private createAt<T>(path: Uint8Array, entry: TreeEntry, create: () => Promise<T>): Promise<T> {
    return createReplacing(create, () => this.clear(path, entry));
  }

  /** Removes a non-directory in the way; an existing directory is an error for a non-directory entry. */
  private async clear(path: Uint8Array, entry: TreeEntry): Promise<void> {
    let st;
    try {
      st = await this.fsp.lstat(path);
    } catch (err) {
      if ((err as { code?: string }).code === 'ENOENT') return;
      throw err;
    }
    const shown = displayBytes(path);
    if (st.isDirectory()) throw new FsError('EISDIR', `cannot replace a directory with a ${entry.kind}`, { syscall: 'open', path: shown });
    if (!st.isFile() && !this.options.force) throw existsError(shown, 'not a regular file: use -f to replace it');
    await writeMethod(this.fsp, 'unlink')(path);
  }

  private async makeDirectory(path: Uint8Array, entry: TreeEntry): Promise<void> {
    try {
      await writeMethod(this.fsp, 'mkdir')(path, { mode: 0o700 });
    } catch (err) {
      if ((err as { code?: string }).code !== 'EEXIST') throw err;
      if (!(await this.fsp.lstat(path)).isDirectory()) {
        throw new FsError('ENOTDIR', 'exists and is not a directory', { syscall: 'mkdir', path: displayBytes(path) });
      }
    }
    const inode = await this.fs.inodeAt(path);
    this.dirInodes.set(pathKey(entry.path), inode);
    this.dirs.push({ inode, entry });
  }

  /** A new regular file at `site` with the entry's bytes, holes where they are zero. */
  private async writeFile(site: Site, path: Uint8Array, entry: TreeEntry): Promise<Ext2Inode> {
    const init = await this.newInode(site.dir, S_IFREG | 0o600);
    const inode = await this.createAt(path, entry, () => this.fs.create(site.dir, site.name, init));
    await this.fs.open(inode, constants.O_WRONLY);
    try {
      const whole = entry.readWhole?.((this.scratch ??= new Uint8Array(WHOLE_FILE_BYTES)));
      const chunks = whole === undefined ? entry.data?.() : [whole];
      if (chunks !== undefined) {
        const target = {
          write: async (data: Uint8Array, position: number): Promise<void> => {
            for (let done = 0; done < data.length; ) done += await this.fs.write(inode, position + done, data.subarray(done));
          },
          setSize: (size: number): Promise<void> => this.fs.truncate(inode, size),
        };
        await writeSparse(chunks, target, this.fs.info.blockSize, (n) => this.progress?.bytes(n));
      }
    } finally {
      await this.fs.release(inode, constants.O_WRONLY);
    }
    return inode;
  }

  /** Mode, owner, times and xattrs in one setattr (exact nanoseconds, symlinks included). */
  private async applyMetadata(inode: Ext2Inode, entry: TreeEntry): Promise<void> {
    const ctimeNs = this.options.now();
    if (!this.options.preserve) {
      if (entry.kind !== 'symlink') await inodeMethod(this.fs, 'setattr')(inode, { mode: entry.perm & 0o777, ctimeNs });
      if (this.options.xattrs === true) await this.applyXattrs(inode, entry);
      return;
    }
    await inodeMethod(this.fs, 'setattr')(inode, {
      ...(entry.kind === 'symlink' ? {} : { mode: entry.perm }),
      uid: entry.uid,
      gid: entry.gid,
      atimeNs: entry.atimeNs,
      mtimeNs: entry.mtimeNs,
      ctimeNs,
    });
    await this.applyXattrs(inode, entry);
    await this.dropAclsNotInSource(inode, entry);
  }
  private async applyXattrs(inode: Ext2Inode, entry: TreeEntry): Promise<void> {
    for (const [name, value] of entry.xattrs ?? []) await inodeMethod(this.fs, 'setxattr')(inode, name, value);
  }

  /**
   * -p keeps the source's permissions exactly, as coreutils cp -p does: a
   * POSIX ACL the copy has but the source lacks (inherited from a default
   * ACL of the destination directory, or left on a replaced file) goes.
   */
  private async dropAclsNotInSource(inode: Ext2Inode, entry: TreeEntry): Promise<void> {
    if (entry.kind === 'symlink') return;
    const present = (await this.fs.listxattr(inode)).filter((name) => name === ACL_ACCESS_NAME || name === ACL_DEFAULT_NAME);
    for (const name of present) {
      if (!(entry.xattrs ?? []).some(([n]) => n === name)) await inodeMethod(this.fs, 'removexattr')(inode, name);
    }
  }

  /** Directory metadata, deepest first, after their children were made. */
  async finish(): Promise<void> {
    for (const { inode, entry } of this.dirs.reverse()) await this.applyMetadata(inode, entry);
  }
}
