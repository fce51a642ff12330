// Writing a tree into a mounted, writable image (cp into an image, mkfs -d).
// Entries are created through fs.promises (mkdir, open/write, symlink, link,
// mknod); their exact metadata — mode, owner, nanosecond times — and xattrs
// through the inode operations setattr/setxattr. Directory metadata waits
// for the directory's children. Parents an archive leaves implicit are made
// like `mkdir -p` (0755, root). File data skips zero blocks (holes).
import { FsError } from '@iomap/core';
import { ACL_ACCESS_NAME, ACL_DEFAULT_NAME, type Ext2Filesystem, type Ext2Inode } from '@iomap/ext2-lite';
import type { FsPromises } from '@iomap/vfs';
import { S_IFBLK, S_IFCHR, S_IFIFO, S_IFSOCK } from '@iomap/vfs';
import type { Subject } from '../cli/error-report.js';
import type { Progress } from '../cli/progress.js';
import { displayBytes } from '../show/display-name.js';
import { inodeMethod, writeMethod } from '../image/image-write.js';
import { writeSparse } from './sparse-writer.js';
import { createReplacing, existsError, type TreeSink } from './tree-sink.js';
import { joinPath, pathKey, WHOLE_FILE_BYTES, type TreeEntry } from './tree-entry.js';

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

export class ImageSink implements TreeSink {
  private readonly root: Uint8Array;
  private readonly known = new Set<string>();
  private readonly links = new Map<string, Uint8Array>();
  /** Where small host files are read whole (TreeEntry.readWhole): one open and read, not a second open of the path. */
  private scratch: Uint8Array | undefined;
  private readonly dirs: { path: Uint8Array; entry: TreeEntry }[] = [];

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
    await this.ensureParents(entry.path);
    const path = this.pathOf(entry);
    const first = entry.linkId === undefined ? undefined : this.links.get(entry.linkId);
    if (first !== undefined) {
      const link = writeMethod(this.fsp, 'link');
      await this.createAt(path, entry, () => link(first, path));
      return;
    }
    if (entry.kind === 'dir') return this.makeDirectory(path, entry);
    if (entry.kind === 'file') await this.writeFile(path, entry);
    else if (entry.kind === 'symlink') {
      const symlink = writeMethod(this.fsp, 'symlink');
      await this.createAt(path, entry, () => symlink(entry.target ?? new Uint8Array(), path));
    } else {
      const mknod = writeMethod(this.fsp, 'mknod');
      await this.createAt(path, entry, () => mknod(path, (SPECIAL_TYPE[entry.kind] as number) | (entry.perm & 0o777), entry.rdev));
    }
    await this.applyMetadata(path, entry);
    if (entry.linkId !== undefined) this.links.set(entry.linkId, path);
  }

  /** mkdir -p for parents an archive did not list (directory sources always list them first). */
  private async ensureParents(components: readonly Uint8Array[]): Promise<void> {
    if (components.length === 0 || this.known.has(pathKey(components.slice(0, -1)))) return;
    for (let depth = 0; depth < components.length; depth++) {
      const key = pathKey(components.slice(0, depth));
      if (this.known.has(key)) continue;
      const path = joinPath(this.root, components.slice(0, depth));
      if (path.length > 0) await writeMethod(this.fsp, 'mkdir')(path, { recursive: true, mode: 0o755 });
      this.known.add(key);
    }
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
    this.known.add(pathKey(entry.path));
    this.dirs.push({ path, entry });
  }

  private async writeFile(path: Uint8Array, entry: TreeEntry): Promise<void> {
    const open = writeMethod(this.fsp, 'open');
    const handle = await this.createAt(path, entry, () => open(path, 'wx', 0o600));
    try {
      const whole = entry.readWhole?.((this.scratch ??= new Uint8Array(WHOLE_FILE_BYTES)));
      const chunks = whole === undefined ? entry.data?.() : [whole];
      if (chunks !== undefined) {
        const target = {
          write: async (data: Uint8Array, position: number): Promise<void> => {
            for (let done = 0; done < data.length; ) done += (await handle.write(data, done, data.length - done, position + done)).bytesWritten;
          },
          setSize: (size: number): Promise<void> => handle.truncate(size),
        };
        await writeSparse(chunks, target, this.fs.info.blockSize, (n) => this.progress?.bytes(n));
      }
    } finally {
      await handle.close();
    }
  }

  /** Mode, owner, times and xattrs in one setattr (exact nanoseconds, symlinks included). */
  private async applyMetadata(path: Uint8Array, entry: TreeEntry): Promise<void> {
    const inode = await this.fs.inodeAt(path, { followFinal: false });
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
    for (const { path, entry } of this.dirs.reverse()) await this.applyMetadata(path, entry);
  }
}
