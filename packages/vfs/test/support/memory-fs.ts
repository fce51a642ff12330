// A small in-memory filesystem implementing the @iomap/vfs contract, for
// tests: regular files, directories, symlinks, device nodes, FIFOs and
// sockets, hard links, names as arbitrary bytes. Builder methods
// (addDirectory, addFile, addSymlink, addNode, addLink) take literal tree paths — every parent must
// be a real directory; no symlinks are followed — so a test can lay out any
// tree, including ones path resolution must refuse. It implements only the
// read side of the contract, so the adapter treats it as having no write ops.
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
  type DirEntry,
  type Filesystem,
  type FsStatistics,
  type InodeAttributes,
} from '../../src/index.js';

/** An inode of a {@link MemoryFs}. */
export class MemoryInode {
  nlink = 1;
  data: Uint8Array = new Uint8Array(0);
  target: Uint8Array = new Uint8Array(0);
  readonly entries = new Map<string, { name: Uint8Array; inode: MemoryInode }>();
  /** Attributes a test pinned (copied from a real file), overriding the computed ones. */
  pinned: Partial<InodeAttributes> = {};

  constructor(
    readonly ino: number,
    public mode: number,
    public uid: number,
    public gid: number,
    public rdev: number,
    public timeNs: bigint,
  ) {}

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
  /** Time given to new inodes, ns since the epoch. Default 1.7e18 (November 2023). */
  timeNs?: bigint;
}

type NodeKind = 'char' | 'block' | 'fifo' | 'socket';
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
  /** Every name lookup() was asked for, decoded (tests check `.`/`..` never reach it). */
  readonly lookups: string[] = [];

  constructor(options: MemoryFsOptions = {}) {
    this.readOnly = options.readOnly ?? false;
    this.recordTypes = options.recordTypes ?? true;
    this.yieldDots = options.yieldDots ?? true;
    this.dev = options.dev ?? 0x700;
    this.timeNs = options.timeNs ?? 1_700_000_000_000_000_000n;
    this.root = this.newInode(S_IFDIR | 0o755, {});
    this.root.nlink = 2;
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
      atimeNs: inode.timeNs,
      mtimeNs: inode.timeNs,
      ctimeNs: inode.timeNs,
      birthtimeNs: inode.timeNs,
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

  async read(inode: MemoryInode, pos: number, buffer: Uint8Array): Promise<number> {
    if ((inode.mode & S_IFMT) !== S_IFREG) throw new FsError('EINVAL', 'read of a non-regular inode');
    if (pos >= inode.data.length) return 0;
    const part = inode.data.subarray(pos, Math.min(inode.data.length, pos + buffer.length));
    buffer.set(part);
    return part.length;
  }
}

function joinParts(parts: Uint8Array[]): Uint8Array {
  const out: number[] = [];
  for (const part of parts) out.push(0x2f, ...part);
  return new Uint8Array(out);
}
