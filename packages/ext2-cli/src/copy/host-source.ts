// A host directory (or single file) as a tree source, read with node:fs:
// names as raw bytes, sorted byte-wise so the order (and an image built
// from it) does not depend on the host's directory order. Symlinks are
// entries of their own unless `dereference` (cp -L). Node.js cannot read
// extended attributes or the holes of a sparse file without native code:
// xattrs come from one getfattr run over the tree when asked for
// (host-xattrs.ts), and zero blocks become holes at the sink.
// The walk uses synchronous calls: a command walks one tree at a time, and
// an awaited call costs tens of microseconds per file. A name readdir calls
// a regular file is opened first and stat'ed through its descriptor, which
// the entry's read then uses: one path lookup per file instead of two.
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readlinkSync, readSync, statSync, type BigIntStats } from 'node:fs';
import { FsError } from '@iomap/core';
import { hostXattrKey, type HostXattrs } from './host-xattrs.js';
import type { EntryKind, TreeEntry } from './tree-entry.js';

const CHUNK = 1 << 20;

const { S_IFMT, S_IFREG, S_IFDIR, S_IFLNK, S_IFCHR, S_IFBLK, S_IFIFO } = constants;

/** The kind of an entry of mode `mode` (one switch on numbers: BigIntStats' is*() each convert the mode to a BigInt). */
function kindOf(mode: number): EntryKind {
  switch (mode & S_IFMT) {
    case S_IFREG:
      return 'file';
    case S_IFDIR:
      return 'dir';
    case S_IFLNK:
      return 'symlink';
    case S_IFCHR:
      return 'char';
    case S_IFBLK:
      return 'block';
    case S_IFIFO:
      return 'fifo';
    default:
      return 'socket';
  }
}

/**
 * A regular host file's first `size` bytes (its size when walked, as mke2fs
 * copies st_size bytes), in chunks of at most 1 MiB, each a fresh buffer
 * sized to what is left. Synchronous reads: for a command that copies one
 * file at a time they cost a fraction of an awaited FileHandle call, which
 * matters for trees of many small files.
 */
export async function* hostFileChunks(path: HostPath, size: number): AsyncGenerator<Uint8Array> {
  const fd = openSync(path, 'r');
  try {
    for (let pos = 0; pos < size; ) {
      const buffer = new Uint8Array(Math.min(CHUNK, size - pos));
      const n = readSync(fd, buffer, 0, buffer.length, pos);
      if (n === 0) return;
      yield n === buffer.length ? buffer : buffer.subarray(0, n);
      pos += n;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * A regular file the walk opened to stat it (see {@link hostTree}): its
 * descriptor until the entry's bytes are read or the walk moves on.
 */
class OpenedFile {
  constructor(public fd: number | undefined) {}

  /** The descriptor, handed over to the caller (who closes it); undefined once closed. */
  take(): number | undefined {
    const fd = this.fd;
    this.fd = undefined;
    return fd;
  }

  close(): void {
    const fd = this.take();
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * The first `size` bytes of a host file, read into `scratch`; undefined when
 * they do not fit it. Through the walk's descriptor while it is open.
 */
function readWholeInto(path: HostPath, size: number, scratch: Uint8Array, opened?: OpenedFile): Uint8Array | undefined {
  if (size > scratch.length) return undefined;
  const fd = opened?.take() ?? openSync(path, 'r');
  try {
    let done = 0;
    while (done < size) {
      const n = readSync(fd, scratch, done, size - done, done);
      if (n === 0) break;
      done += n;
    }
    return scratch.subarray(0, done);
  } finally {
    closeSync(fd);
  }
}

function entryOf(path: Uint8Array[], hostPath: HostPath, st: BigIntStats, opened?: OpenedFile): TreeEntry {
  const mode = Number(st.mode);
  const kind = kindOf(mode);
  const entry: TreeEntry = {
    path,
    kind,
    perm: mode & 0o7777,
    uid: Number(st.uid),
    gid: Number(st.gid),
    atimeNs: st.atimeNs,
    mtimeNs: st.mtimeNs,
    size: kind === 'file' ? Number(st.size) : 0,
    rdev: kind === 'char' || kind === 'block' ? Number(st.rdev) : 0,
  };
  if (kind !== 'dir' && st.nlink > 1n) entry.linkId = `${st.dev}:${st.ino}`;
  if (kind === 'file') {
    entry.data = () => hostFileChunks(hostPath, entry.size);
    entry.readWhole = (scratch) => readWholeInto(hostPath, entry.size, scratch, opened);
  }
  return entry;
}

/** The error of a walk that `dereference` leads back into a directory being walked. */
export function symlinkLoopError(path: string): FsError {
  return new FsError('ELOOP', 'a symlink leads back to a directory being copied', { syscall: 'scandir', path });
}

/** Options of {@link hostTree}. */
export interface HostTreeOptions {
  /** Follow symlinks (cp -L): a link to a directory is walked, to a file copied as that file. */
  dereference?: boolean;
  /** Extended attributes of the tree's entries (readHostXattrs of the same root, same dereference). */
  xattrs?: HostXattrs;
}

/**
 * The tree at host path `root` (a directory, file, symlink, ...), parents
 * first, children sorted by name bytes. A synchronous generator: the walk
 * makes only synchronous calls, and an async generator's promise per entry
 * cost a quarter of the walk of 10,000 small files.
 */
export function* hostTree(root: string, options: HostTreeOptions = {}): Generator<TreeEntry, void, undefined> {
  const dereference = options.dereference === true;
  const look = dereference ? statSync : lstatSync;
  const xattrs = options.xattrs;
  // One generator with an explicit stack of open directories: a recursive
  // generator would pass every entry up through one generator per level.
  const ancestors = new Set<string>();
  const stack: DirFrame[] = [];
  let opened: OpenedFile | undefined;
  let next: Visit | undefined = { hostPath: root, path: [], st: look(root, { bigint: true }) };
  try {
    while (next !== undefined) {
      const { hostPath, path, st } = next;
      opened = next.opened;
      const entry = entryOf(path, hostPath, st, opened);
      if (xattrs !== undefined) {
        const found = xattrs.get(hostXattrKey(path));
        if (found !== undefined && found.length > 0) entry.xattrs = found;
      }
      if (entry.kind === 'symlink') entry.target = readlinkSync(hostPath, { encoding: 'buffer' });
      yield entry;
      // The consumer is done with the entry: a descriptor it did not use goes.
      opened?.close();
      opened = undefined;
      if (entry.kind === 'dir') {
        // With -L a symlink can lead back to a directory being walked: refuse instead of recursing forever.
        const id = `${st.dev}:${st.ino}`;
        if (ancestors.has(id)) throw symlinkLoopError(hostPath.toString());
        ancestors.add(id);
        stack.push(readDirectory(hostPath, path, id, !dereference));
      }
      next = undefined;
      while (next === undefined && stack.length > 0) {
        const top = stack[stack.length - 1] as DirFrame;
        const i = top.index++;
        const name = top.names[i];
        if (name === undefined) {
          ancestors.delete(top.id);
          stack.pop();
          continue;
        }
        const bytes = Buffer.from(name, 'latin1');
        const child = childPath(top.hostPath, name, bytes);
        const path = [...top.path, bytes];
        next = (top.regular[i] === true ? openRegular(child, path) : undefined) ?? { hostPath: child, path, st: look(child, { bigint: true }) as BigIntStats };
      }
    }
  } finally {
    opened?.close();
  }
}

/** The next entry of the walk: its host path, name components and stat (and descriptor, see openRegular). */
interface Visit {
  hostPath: HostPath;
  path: Uint8Array[];
  st: BigIntStats;
  opened?: OpenedFile;
}

/** Open flags of {@link openRegular}: never follow a symlink, never wait (a FIFO), never take a terminal. */
const OPEN_REGULAR = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY;

/**
 * A name readdir called a regular file, opened and stat'ed through its
 * descriptor: the one path lookup the read needs anyway serves the stat too
 * (lstat + open looked the path up twice). Undefined when it is no longer
 * a regular file or cannot be opened (no read permission: lstat and the read
 * report that as before).
 */
function openRegular(child: HostPath, path: Uint8Array[]): Visit | undefined {
  let fd: number;
  try {
    fd = openSync(child, OPEN_REGULAR);
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd, { bigint: true });
    if (kindOf(Number(st.mode)) === 'file') return { hostPath: child, path, st, opened: new OpenedFile(fd) };
  } catch {
    // Fall through: closed below, then looked at by path.
  }
  closeSync(fd);
  return undefined;
}

/**
 * A directory's names, latin1 (one char per byte: lossless, and a plain string
 * sort is a byte-wise sort; cheaper than a Buffer per name), with which of
 * them readdir reports as regular files when `types` is asked for.
 */
function readDirectory(hostPath: HostPath, path: Uint8Array[], id: string, types: boolean): DirFrame {
  if (!types) return { hostPath, path, id, names: readdirSync(hostPath, { encoding: 'latin1' }).sort(), regular: [], index: 0 };
  const dirents = readdirSync(hostPath, { encoding: 'latin1', withFileTypes: true });
  dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { hostPath, path, id, names: dirents.map((d) => d.name), regular: dirents.map((d) => d.isFile()), index: 0 };
}

/**
 * A host path for node:fs: a string while every name on it is ASCII (a
 * string path is passed as UTF-8, which is the same bytes), else the bytes.
 */
type HostPath = string | Buffer;

const NON_ASCII = /[\x80-\xff]/;

/** `parent`/`name`, where `name` is latin1 (one char per byte) and `bytes` its bytes. */
function childPath(parent: HostPath, name: string, bytes: Buffer): HostPath {
  if (typeof parent === 'string' && !NON_ASCII.test(name)) return `${parent}/${name}`;
  return Buffer.concat([typeof parent === 'string' ? Buffer.from(parent) : parent, SLASH, bytes]);
}

/** A directory being walked: its children by name and how far the walk got. */
interface DirFrame {
  readonly hostPath: HostPath;
  readonly path: Uint8Array[];
  /** dev:ino, for the loop check. */
  readonly id: string;
  /** Names, latin1 (one char per byte), sorted. */
  readonly names: string[];
  /** Which names readdir reported as regular files (empty: not asked). */
  readonly regular: boolean[];
  index: number;
}

const SLASH = Buffer.from('/');
