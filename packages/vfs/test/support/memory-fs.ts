// A small in-memory filesystem implementing the whole @iomap/vfs contract,
// for tests: regular files, directories, symlinks, device nodes, FIFOs and
// sockets, hard links, extended attributes, names as arbitrary bytes.
// Builder methods (addDirectory, addFile, addSymlink, addNode, addLink) take
// literal tree paths — every parent must be a real directory; no symlinks
// are followed — so a test can lay out any tree, including ones path
// resolution must refuse. The write side (create, mkdir, mknod, symlink,
// link, unlink, rmdir, rename, setattr, xattrs, write, truncate, fsync) keeps
// link counts and times as Linux filesystems do and re-checks what it must
// under its own "lock" (every operation runs without awaiting, so it is
// atomic): EEXIST, ENOENT, ENOTEMPTY, EISDIR/ENOTDIR on rename, EMLINK.
// With `writable: false` it offers only the read side, as before.
import { FsError } from '@iomap/core';
import {
  DirentType,
  S_IFBLK,
  S_IFCHR,
  S_IFDIR,
  S_IFIFO,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  S_IFSOCK,
  direntTypeOfMode,
  encodeName,
  isDotOrDotDot,
  type AttributeChanges,
  type ContentRemovalPolicy,
  type DirEntry,
  type Filesystem,
  type FsStatistics,
  type InodeAttributes,
  type NewInodeAttributes,
  type RenameOptions,
  type XattrSetOptions,
} from '../../src/index.js';

/** An inode of a {@link MemoryFs}. */
export class MemoryInode {
  nlink = 1;
  data: Uint8Array = new Uint8Array(0);
  target: Uint8Array = new Uint8Array(0);
  readonly entries = new Map<string, { name: Uint8Array; inode: MemoryInode }>();
  readonly xattrs = new Map<string, Uint8Array>();
  /** Attributes a test pinned (copied from a real file), overriding the computed ones. */
  pinned: Partial<InodeAttributes> = {};
  atimeNs: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  birthtimeNs: bigint;
  /** Open files of this inode (open minus release). */
  openCount = 0;

  constructor(
    readonly ino: number,
    public mode: number,
    public uid: number,
    public gid: number,
    public rdev: number,
    timeNs: bigint,
  ) {
    this.atimeNs = timeNs;
    this.mtimeNs = timeNs;
    this.ctimeNs = timeNs;
    this.birthtimeNs = timeNs;
  }


  get isDirectory(): boolean {
    return (this.mode & S_IFMT) === S_IFDIR;
  }
}

/** Attributes a builder call may set. */
export interface NodeOptions {
  mode?: number;
  uid?: number;
  gid?: number;
}

export interface MemoryFsOptions {
  readOnly?: boolean;
  /** Record entry types in directories (like ext2's `filetype`); false reports DirentType.Unknown. Default true. */
  recordTypes?: boolean;
  /** readdir yields `.` and `..` first, as ext2 directories hold them. Default true. */
  yieldDots?: boolean;
  /** st_dev of every inode. Default 0x700. */
  dev?: number;
  /** Time given to inodes the builders make, ns since the epoch. Default 1.7e18 (November 2023). */
  timeNs?: bigint;
  /** Offer the write side of the contract. Default true. */
  writable?: boolean;
  /** The clock of changes that bring no time of their own (write, unlink, …). Default Date.now(). */
  now?: () => bigint;
  /** Largest file size; writes and truncates past it are EFBIG. Default 2^44 (ext4's 16 TiB). */
  maxFileSize?: number;
  /** Most links to one inode (EMLINK past it). Default 65000 (ext4's). */
  maxLinks?: number;
  /** Offer removeContents (rm -r's inner loop in one call). Default true; false leaves rm -r entry by entry. */
  removeContents?: boolean;
}

type NodeKind = 'char' | 'block' | 'fifo' | 'socket';

/** The optional operations `writable: false` hides. */
const WRITE_OPERATIONS = [
  'create', 'mkdir', 'mknod', 'symlink', 'link', 'unlink', 'rmdir', 'rename', 'setattr',
  'setxattr', 'removexattr', 'write', 'fsync', 'truncate', 'open', 'release', 'removeContents',
] as const;

const XATTR_NAMESPACES = ['user.', 'trusted.', 'security.', 'system.'];

function fail(code: 'EEXIST' | 'ENOENT' | 'ENOTEMPTY' | 'EISDIR' | 'ENOTDIR' | 'EMLINK' | 'EFBIG' | 'EINVAL' | 'ENODATA' | 'EOPNOTSUPP', what: string): FsError {
  return new FsError(code, `memory filesystem: ${what}`);
}
const KIND_BITS: Record<NodeKind, number> = { char: S_IFCHR, block: S_IFBLK, fifo: S_IFIFO, socket: S_IFSOCK };

/** A name's bytes as a Map key (one char per byte, so any bytes work). */
function keyOf(name: Uint8Array): string {
  return String.fromCharCode(...name);
}

function pathBytes(path: string | Uint8Array): Uint8Array {
  return typeof path === 'string' ? encodeName(path) : path;
}

function splitPath(path: string | Uint8Array): Uint8Array[] {
  const bytes = pathBytes(path);
  const parts: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x2f) {
      if (i > start) parts.push(bytes.slice(start, i));
      start = i + 1;
    }
  }
  return parts;
}

export class MemoryFs implements Filesystem<MemoryInode> {
  readonly root: MemoryInode;
  readonly readOnly: boolean;
  private nextIno = 2;
  private readonly recordTypes: boolean;
  private readonly yieldDots: boolean;
  private readonly dev: number;
  private readonly timeNs: bigint;
  private readonly now: () => bigint;
  private readonly maxFileSize: number;
  private readonly maxLinks: number;
  /** Every name lookup() was asked for, decoded (tests check `.`/`..` never reach it). */
  readonly lookups: string[] = [];
  /** Every fsync, as [ino, datasync]. */
  readonly fsyncs: [number, boolean][] = [];
  /** The O_* flags of every write, in order (tests check O_DIRECT reaches the filesystem). */
  readonly writeFlags: number[] = [];

  constructor(options: MemoryFsOptions = {}) {
    this.readOnly = options.readOnly ?? false;
    this.recordTypes = options.recordTypes ?? true;
    this.yieldDots = options.yieldDots ?? true;
    this.dev = options.dev ?? 0x700;
    this.timeNs = options.timeNs ?? 1_700_000_000_000_000_000n;
    this.now = options.now ?? (() => BigInt(Date.now()) * 1_000_000n);
    this.maxFileSize = options.maxFileSize ?? 2 ** 44;
    this.maxLinks = options.maxLinks ?? 65_000;
    this.root = this.newInode(S_IFDIR | 0o755, {});
    this.root.nlink = 2;
    if (options.removeContents === false) Object.defineProperty(this, 'removeContents', { value: undefined, writable: true, configurable: true });
    if (options.writable === false) {
      for (const op of WRITE_OPERATIONS) Object.defineProperty(this, op, { value: undefined, writable: true, configurable: true });
    }
  }

  // ---- builders (test-only; literal paths, no symlinks followed) ----

  private newInode(mode: number, options: NodeOptions, rdev = 0): MemoryInode {
    return new MemoryInode(this.nextIno++, mode, options.uid ?? 0, options.gid ?? 0, rdev, this.timeNs);
  }

  /** The inode at a literal path. */
  node(path: string | Uint8Array): MemoryInode {
    let at = this.root;
    for (const part of splitPath(path)) {
      const next = at.entries.get(keyOf(part));
      if (next === undefined) throw new FsError('ENOENT', `test tree has no ${new TextDecoder().decode(part)}`);
      at = next.inode;
    }
    return at;
  }

  private attach(path: string | Uint8Array, inode: MemoryInode): MemoryInode {
    const parts = splitPath(path);
    const name = parts.pop();
    if (name === undefined) throw new FsError('EEXIST', 'cannot attach at the root');
    const parent = parts.length === 0 ? this.root : this.node(joinParts(parts));
    if (!parent.isDirectory) throw new FsError('ENOTDIR', 'test tree parent is not a directory');
    if (parent.entries.has(keyOf(name))) throw new FsError('EEXIST', 'test tree entry exists');
    parent.entries.set(keyOf(name), { name, inode });
    if (inode.isDirectory) parent.nlink++;
    return inode;
  }

  addDirectory(path: string | Uint8Array, options: NodeOptions = {}): MemoryInode {
    const inode = this.newInode(S_IFDIR | (options.mode ?? 0o755), options);
    inode.nlink = 2;
    return this.attach(path, inode);
  }

  addFile(path: string | Uint8Array, data: string | Uint8Array, options: NodeOptions = {}): MemoryInode {
    const inode = this.newInode(S_IFREG | (options.mode ?? 0o644), options);
    inode.data = typeof data === 'string' ? encodeName(data) : data.slice();
    return this.attach(path, inode);
  }

  addSymlink(target: string | Uint8Array, path: string | Uint8Array, options: NodeOptions = {}): MemoryInode {
    const inode = this.newInode(S_IFLNK | 0o777, options);
    inode.target = pathBytes(target).slice();
    return this.attach(path, inode);
  }

  addNode(path: string | Uint8Array, kind: NodeKind, rdev = 0, options: NodeOptions = {}): MemoryInode {
    return this.attach(path, this.newInode(KIND_BITS[kind] | (options.mode ?? 0o644), options, rdev));
  }

  addLink(existing: string | Uint8Array, path: string | Uint8Array): MemoryInode {
    const inode = this.node(existing);
    if (inode.isDirectory) throw new FsError('EPERM', 'no hard links to directories');
    this.attach(path, inode);
    inode.nlink++;
    return inode;
  }

  // ---- the contract ----

  async statfs(): Promise<FsStatistics> {
    return { type: 0x01021994, bsize: 4096, blocks: 1024, bfree: 1000, bavail: 990, files: 256, ffree: 200, nameMax: 255 };
  }

  async sync(): Promise<void> {}

  async unmount(): Promise<void> {}

  async lookup(dir: MemoryInode, name: Uint8Array): Promise<MemoryInode | undefined> {
    if (isDotOrDotDot(name)) throw new FsError('EIO', 'the VFS must never look up . or ..');
    this.lookups.push(new TextDecoder().decode(name));
    if (!dir.isDirectory) throw new FsError('ENOTDIR', 'lookup in a non-directory');
    return dir.entries.get(keyOf(name))?.inode;
  }

  async getattr(inode: MemoryInode): Promise<InodeAttributes> {
    return this.attributesNow(inode);
  }

  private attributesNow(inode: MemoryInode): InodeAttributes {
    const type = inode.mode & S_IFMT;
    const size = type === S_IFREG ? inode.data.length : type === S_IFLNK ? inode.target.length : type === S_IFDIR ? 4096 : 0;
    return {
      ino: inode.ino,
      mode: inode.mode,
      nlink: inode.nlink,
      uid: inode.uid,
      gid: inode.gid,
      size,
      blocks: Math.ceil(size / 4096) * 8,
      blksize: 4096,
      atimeNs: inode.atimeNs,
      mtimeNs: inode.mtimeNs,
      ctimeNs: inode.ctimeNs,
      birthtimeNs: inode.birthtimeNs,
      rdev: inode.rdev,
      dev: this.dev,
      ...inode.pinned,
    };
  }

  async *readdir(dir: MemoryInode): AsyncIterable<DirEntry> {
    if (this.yieldDots) {
      yield { name: encodeName('.'), ino: dir.ino, type: this.recordTypes ? DirentType.Directory : DirentType.Unknown };
      yield { name: encodeName('..'), ino: dir.ino, type: this.recordTypes ? DirentType.Directory : DirentType.Unknown };
    }
    for (const { name, inode } of [...dir.entries.values()]) {
      yield { name, ino: inode.ino, type: this.recordTypes ? direntTypeOfMode(inode.mode) : DirentType.Unknown };
    }
  }

  async readlink(inode: MemoryInode): Promise<Uint8Array> {
    if ((inode.mode & S_IFMT) !== S_IFLNK) throw new FsError('EINVAL', 'not a symlink');
    return inode.target;
  }

  async read(inode: MemoryInode, pos: number, buffer: Uint8Array, _flags?: number): Promise<number> {
    if ((inode.mode & S_IFMT) !== S_IFREG) throw new FsError('EINVAL', 'read of a non-regular inode');
    if (pos >= inode.data.length) return 0;
    const part = inode.data.subarray(pos, Math.min(inode.data.length, pos + buffer.length));
    buffer.set(part);
    return part.length;
  }

  // ---- the write side ----

  private entryOf(dir: MemoryInode, name: Uint8Array): MemoryInode | undefined {
    if (!dir.isDirectory) throw fail('ENOTDIR', 'not a directory');
    return dir.entries.get(keyOf(name))?.inode;
  }

  /** Adds `inode` as `name` in `dir`: EEXIST when taken; the directory's times change. */
  private addEntry(dir: MemoryInode, name: Uint8Array, inode: MemoryInode, timeNs: bigint): void {
    if (this.entryOf(dir, name) !== undefined) throw fail('EEXIST', `${new TextDecoder().decode(name)} exists`);
    if (inode.isDirectory && dir.nlink >= this.maxLinks) throw fail('EMLINK', 'too many subdirectories');
    dir.entries.set(keyOf(name), { name: name.slice(), inode });
    if (inode.isDirectory) dir.nlink++;
    dir.mtimeNs = dir.ctimeNs = timeNs;
  }

  private removeEntry(dir: MemoryInode, name: Uint8Array, timeNs: bigint): MemoryInode {
    const inode = this.entryOf(dir, name);
    if (inode === undefined) throw fail('ENOENT', `${new TextDecoder().decode(name)} is gone`);
    dir.entries.delete(keyOf(name));
    if (inode.isDirectory) {
      dir.nlink--;
      inode.nlink = 0;
    } else {
      inode.nlink--;
    }
    inode.ctimeNs = timeNs;
    dir.mtimeNs = dir.ctimeNs = timeNs;
    return inode;
  }

  private made(init: NewInodeAttributes): MemoryInode {
    return new MemoryInode(this.nextIno++, init.mode, init.uid, init.gid, init.rdev ?? 0, init.timeNs);
  }

  async create(dir: MemoryInode, name: Uint8Array, init: NewInodeAttributes): Promise<MemoryInode> {
    const inode = this.made({ ...init, mode: S_IFREG | (init.mode & 0o7777) });
    this.addEntry(dir, name, inode, init.timeNs);
    return inode;
  }

  async mkdir(dir: MemoryInode, name: Uint8Array, init: NewInodeAttributes): Promise<MemoryInode> {
    const inode = this.made({ ...init, mode: S_IFDIR | (init.mode & 0o7777) });
    inode.nlink = 2;
    this.addEntry(dir, name, inode, init.timeNs);
    return inode;
  }

  async mknod(dir: MemoryInode, name: Uint8Array, init: NewInodeAttributes): Promise<MemoryInode> {
    const type = init.mode & S_IFMT;
    if (![S_IFCHR, S_IFBLK, S_IFIFO, S_IFSOCK, S_IFREG].includes(type)) throw fail('EINVAL', 'mknod of that type');
    const inode = this.made(init);
    this.addEntry(dir, name, inode, init.timeNs);
    return inode;
  }

  async symlink(dir: MemoryInode, name: Uint8Array, target: Uint8Array, init: NewInodeAttributes): Promise<MemoryInode> {
    const inode = this.made({ ...init, mode: S_IFLNK | 0o777 });
    inode.target = target.slice();
    this.addEntry(dir, name, inode, init.timeNs);
    return inode;
  }

  async link(inode: MemoryInode, dir: MemoryInode, name: Uint8Array): Promise<void> {
    if (inode.isDirectory) throw fail('EINVAL', 'hard link to a directory');
    if (inode.nlink === 0) throw fail('ENOENT', 'inode was unlinked');
    if (inode.nlink >= this.maxLinks) throw fail('EMLINK', 'too many links');
    const now = this.now();
    this.addEntry(dir, name, inode, now);
    inode.nlink++;
    inode.ctimeNs = now;
  }

  async unlink(dir: MemoryInode, name: Uint8Array): Promise<void> {
    const inode = this.entryOf(dir, name);
    if (inode === undefined) throw fail('ENOENT', 'name is gone');
    if (inode.isDirectory) throw fail('EISDIR', 'unlink of a directory');
    this.removeEntry(dir, name, this.now());
  }

  /**
   * removeContents: every entry of `dir` in readdir order, subdirectories
   * emptied first once `policy.mayEmpty` allows; stops (false) at an entry
   * the policy leaves to the caller. Runs without an await, like the rest.
   */
  async removeContents(dir: MemoryInode, policy: ContentRemovalPolicy): Promise<boolean> {
    return this.emptyNow(dir, policy.pathLength, policy);
  }

  private emptyNow(dir: MemoryInode, pathLength: number, policy: ContentRemovalPolicy): boolean {
    if (!dir.isDirectory) throw fail('ENOTDIR', 'not a directory');
    for (const { name, inode } of [...dir.entries.values()]) {
      const entryPath = pathLength + 1 + name.length;
      if (entryPath >= policy.maxPathLength) return false;
      if (inode.isDirectory) {
        if (!policy.mayEmpty(this.attributesNow(inode)) || !this.emptyNow(inode, entryPath, policy)) return false;
      }
      this.removeEntry(dir, name, this.now());
    }
    return true;
  }

  async rmdir(dir: MemoryInode, name: Uint8Array): Promise<void> {
    const inode = this.entryOf(dir, name);
    if (inode === undefined) throw fail('ENOENT', 'name is gone');
    if (!inode.isDirectory) throw fail('ENOTDIR', 'rmdir of a non-directory');
    if (inode.entries.size > 0) throw fail('ENOTEMPTY', 'directory has entries');
    this.removeEntry(dir, name, this.now());
  }

  async rename(oldDir: MemoryInode, oldName: Uint8Array, newDir: MemoryInode, newName: Uint8Array, options: RenameOptions = {}): Promise<void> {
    const source = this.entryOf(oldDir, oldName);
    if (source === undefined) throw fail('ENOENT', 'source is gone');
    const target = this.entryOf(newDir, newName);
    if (target === source) return;
    const now = this.now();
    if (options.exchange === true) {
      if (target === undefined) throw fail('ENOENT', 'exchange target is gone');
      oldDir.entries.set(keyOf(oldName), { name: oldName.slice(), inode: target });
      newDir.entries.set(keyOf(newName), { name: newName.slice(), inode: source });
      if (source.isDirectory !== target.isDirectory && oldDir !== newDir) {
        const moved = source.isDirectory ? 1 : -1;
        oldDir.nlink -= moved;
        newDir.nlink += moved;
      }
      source.ctimeNs = target.ctimeNs = now;
      oldDir.mtimeNs = oldDir.ctimeNs = newDir.mtimeNs = newDir.ctimeNs = now;
      return;
    }
    if (target !== undefined) {
      if (options.noReplace === true) throw fail('EEXIST', 'target exists');
      if (source.isDirectory && !target.isDirectory) throw fail('ENOTDIR', 'directory over a non-directory');
      if (!source.isDirectory && target.isDirectory) throw fail('EISDIR', 'non-directory over a directory');
      if (target.isDirectory && target.entries.size > 0) throw fail('ENOTEMPTY', 'target directory has entries');
      this.removeEntry(newDir, newName, now);
    }
    oldDir.entries.delete(keyOf(oldName));
    if (source.isDirectory) oldDir.nlink--;
    oldDir.mtimeNs = oldDir.ctimeNs = now;
    this.addEntry(newDir, newName, source, now);
    source.ctimeNs = now;
  }

  async setattr(inode: MemoryInode, changes: AttributeChanges): Promise<void> {
    if (changes.mode !== undefined) inode.mode = (inode.mode & S_IFMT) | (changes.mode & 0o7777);
    if (changes.uid !== undefined) inode.uid = changes.uid;
    if (changes.gid !== undefined) inode.gid = changes.gid;
    if (changes.atimeNs !== undefined) inode.atimeNs = changes.atimeNs;
    if (changes.mtimeNs !== undefined) inode.mtimeNs = changes.mtimeNs;
    inode.ctimeNs = changes.ctimeNs ?? this.now();
  }

  async getxattr(inode: MemoryInode, name: string): Promise<Uint8Array> {
    const value = inode.xattrs.get(name);
    if (value === undefined) throw fail('ENODATA', `no attribute ${name}`);
    return value.slice();
  }

  async listxattr(inode: MemoryInode): Promise<string[]> {
    return [...inode.xattrs.keys()];
  }

  async setxattr(inode: MemoryInode, name: string, value: Uint8Array, options: XattrSetOptions = {}): Promise<void> {
    if (!XATTR_NAMESPACES.some((prefix) => name.startsWith(prefix) && name.length > prefix.length)) throw fail('EOPNOTSUPP', `namespace of ${name}`);
    const exists = inode.xattrs.has(name);
    if (options.create === true && exists) throw fail('EEXIST', `attribute ${name} exists`);
    if (options.replace === true && !exists) throw fail('ENODATA', `no attribute ${name}`);
    inode.xattrs.set(name, value.slice());
    inode.ctimeNs = this.now();
  }

  async removexattr(inode: MemoryInode, name: string): Promise<void> {
    if (!inode.xattrs.delete(name)) throw fail('ENODATA', `no attribute ${name}`);
    inode.ctimeNs = this.now();
  }

  async open(inode: MemoryInode): Promise<void> {
    inode.openCount++;
  }

  async release(inode: MemoryInode): Promise<void> {
    inode.openCount--;
  }

  async write(inode: MemoryInode, pos: number, data: Uint8Array, flags = 0): Promise<number> {
    if ((inode.mode & S_IFMT) !== S_IFREG) throw fail('EINVAL', 'write to a non-regular inode');
    if (pos + data.length > this.maxFileSize) throw fail('EFBIG', 'past the largest file size');
    this.writeFlags.push(flags);
    const end = pos + data.length;
    if (end > inode.data.length) {
      const grown = new Uint8Array(end);
      grown.set(inode.data);
      inode.data = grown;
    }
    inode.data.set(data, pos);
    inode.mtimeNs = inode.ctimeNs = this.now();
    return data.length;
  }

  async truncate(inode: MemoryInode, size: number): Promise<void> {
    if ((inode.mode & S_IFMT) !== S_IFREG) throw fail('EINVAL', 'truncate of a non-regular inode');
    if (size > this.maxFileSize) throw fail('EFBIG', 'past the largest file size');
    const resized = new Uint8Array(size);
    resized.set(inode.data.subarray(0, size));
    inode.data = resized;
    inode.mtimeNs = inode.ctimeNs = this.now();
  }

  async fsync(inode: MemoryInode, datasync: boolean): Promise<void> {
    this.fsyncs.push([inode.ino, datasync]);
  }
}

function joinParts(parts: Uint8Array[]): Uint8Array {
  const out: number[] = [];
  for (const part of parts) out.push(0x2f, ...part);
  return new Uint8Array(out);
}
