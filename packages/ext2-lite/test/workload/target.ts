// What the workload runs against: the calls of Node's fs/promises it uses,
// behind one small interface, so the same operations (and the same model)
// drive a host directory through node:fs/promises (host-conformance.test.ts:
// proves the model says what Linux says) and an ext2-lite mount through its
// `.promises` (ext2-workload.test.ts).
import type { ModelStat } from './model/fs-model.js';
import type { WriteFlag } from './ops.js';

/** A FileHandle, reduced to what the workload does with one. */
export interface WorkloadHandle {
  write(data: Uint8Array, pos: number | null): Promise<number>;
  truncate(size: number): Promise<void>;
  /** Reads `[pos, pos + length)` (short at EOF). */
  read(pos: number, length: number): Promise<Uint8Array>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** stat() results the workload compares, plus the inode number (to check hard links). */
export interface TargetStat extends ModelStat {
  ino: number;
  mtimeSec: number;
}

export interface WorkloadTarget {
  readonly name: string;
  /** The umask applied to created files and directories. */
  readonly umask: number;
  /** setxattr/removexattr/getxattr/listxattr are available. */
  readonly xattrs: boolean;
  writeFile(path: string, data: Uint8Array, mode: number): Promise<void>;
  appendFile(path: string, data: Uint8Array): Promise<void>;
  open(path: string, flag: WriteFlag | 'r'): Promise<WorkloadHandle>;
  truncate(path: string, size: number): Promise<void>;
  readFile(path: string): Promise<Uint8Array>;
  readdir(path: string): Promise<string[]>;
  stat(path: string, follow: boolean): Promise<TargetStat>;
  mkdir(path: string, options: { recursive: boolean; mode: number }): Promise<string | undefined>;
  rmdir(path: string): Promise<void>;
  rm(path: string, options: { recursive: boolean; force: boolean }): Promise<void>;
  unlink(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  link(from: string, to: string): Promise<void>;
  symlink(target: string, path: string): Promise<void>;
  readlink(path: string): Promise<string>;
  chmod(path: string, mode: number): Promise<void>;
  chown(path: string, uid: number, gid: number): Promise<void>;
  utimes(path: string, atime: number, mtime: number): Promise<void>;
  setxattr?(path: string, name: string, value: Uint8Array): Promise<void>;
  removexattr?(path: string, name: string): Promise<void>;
  getxattr?(path: string, name: string): Promise<Uint8Array>;
  listxattr?(path: string): Promise<string[]>;
  /** Filesystem-wide sync. */
  sync(): Promise<void>;
  /** Unmounts and mounts again (held handles are closed first by the runner). */
  remount(): Promise<void>;
}

/**
 * The subset of node:fs/promises the workload calls, as both Node and
 * @iomap/vfs's adapter provide it (structural: no import of either).
 */
export interface NodeLikeFsPromises {
  writeFile(path: string, data: Uint8Array, options?: { mode?: number; flag?: string }): Promise<void>;
  appendFile(path: string, data: Uint8Array): Promise<void>;
  open(path: string, flags?: string, mode?: number): Promise<NodeLikeFileHandle>;
  truncate(path: string, len?: number): Promise<void>;
  readFile(path: string): Promise<Uint8Array>;
  readdir(path: string): Promise<string[]>;
  stat(path: string): Promise<NodeLikeStats>;
  lstat(path: string): Promise<NodeLikeStats>;
  mkdir(path: string, options?: { recursive?: boolean; mode?: number }): Promise<string | undefined>;
  rmdir(path: string): Promise<void>;
  rm(path: string, options?: { recursive?: boolean; force?: boolean }): Promise<void>;
  unlink(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  link(from: string, to: string): Promise<void>;
  symlink(target: string, path: string): Promise<void>;
  readlink(path: string): Promise<string>;
  chmod(path: string, mode: number): Promise<void>;
  chown(path: string, uid: number, gid: number): Promise<void>;
  utimes(path: string, atime: number, mtime: number): Promise<void>;
}

export interface NodeLikeFileHandle {
  write(buffer: Uint8Array, offset: number, length: number, position: number | null): Promise<{ bytesWritten: number }>;
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  truncate(len?: number): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

export interface NodeLikeStats {
  mode: number;
  size: number;
  nlink: number;
  uid: number;
  gid: number;
  ino: number;
  mtimeMs: number;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

function handleOf(fh: NodeLikeFileHandle): WorkloadHandle {
  return {
    write: async (data, pos) => (await fh.write(data, 0, data.length, pos)).bytesWritten,
    truncate: (size) => fh.truncate(size),
    read: async (pos, length) => {
      const buffer = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await fh.read(buffer, done, length - done, pos + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return buffer.subarray(0, done);
    },
    sync: () => fh.sync(),
    close: () => fh.close(),
  };
}

function kindOf(st: NodeLikeStats): ModelStat['kind'] {
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isDirectory()) return 'dir';
  if (st.isFile()) return 'file';
  throw new Error(`unexpected file type, mode 0o${st.mode.toString(8)}`);
}

export interface FsPromisesTargetOptions {
  name: string;
  /** Prefix added to every workload path ('' for a filesystem whose root is the workload's root). */
  root: string;
  umask: number;
  remount?: () => Promise<void>;
  sync?: () => Promise<void>;
  xattrs?: Pick<WorkloadTarget, 'setxattr' | 'removexattr' | 'getxattr' | 'listxattr'>;
}

/** A WorkloadTarget over any node:fs/promises-shaped object. */
export function fsPromisesTarget(fsp: NodeLikeFsPromises, options: FsPromisesTargetOptions): WorkloadTarget {
  const at = (path: string): string => (options.root === '' ? path : path === '/' ? options.root : `${options.root}${path}`);
  const unroot = (path: string | undefined): string | undefined => {
    if (path === undefined || options.root === '') return path;
    return path === options.root ? '/' : path.startsWith(`${options.root}/`) ? path.slice(options.root.length) : path;
  };
  const stat = async (path: string, follow: boolean): Promise<TargetStat> => {
    const st = follow ? await fsp.stat(at(path)) : await fsp.lstat(at(path));
    return {
      kind: kindOf(st),
      perm: st.mode & 0o7777,
      size: st.size,
      nlink: st.nlink,
      uid: st.uid,
      gid: st.gid,
      ino: st.ino,
      mtimeSec: Math.floor(st.mtimeMs / 1000),
    };
  };
  return {
    name: options.name,
    umask: options.umask,
    xattrs: options.xattrs !== undefined,
    writeFile: (path, data, mode) => fsp.writeFile(at(path), data, { mode }),
    appendFile: (path, data) => fsp.appendFile(at(path), data),
    open: async (path, flag) => handleOf(await fsp.open(at(path), flag)),
    truncate: (path, size) => fsp.truncate(at(path), size),
    readFile: async (path) => new Uint8Array(await fsp.readFile(at(path))),
    readdir: async (path) => (await fsp.readdir(at(path))).sort(),
    stat,
    mkdir: async (path, o) => unroot(await fsp.mkdir(at(path), o)),
    rmdir: (path) => fsp.rmdir(at(path)),
    rm: (path, o) => fsp.rm(at(path), o),
    unlink: (path) => fsp.unlink(at(path)),
    rename: (from, to) => fsp.rename(at(from), at(to)),
    link: (from, to) => fsp.link(at(from), at(to)),
    symlink: (target, path) => fsp.symlink(target, at(path)),
    readlink: (path) => fsp.readlink(at(path)),
    chmod: (path, mode) => fsp.chmod(at(path), mode),
    chown: (path, uid, gid) => fsp.chown(at(path), uid, gid),
    utimes: (path, atime, mtime) => fsp.utimes(at(path), atime, mtime),
    ...(options.xattrs ?? {}),
    sync: options.sync ?? (async () => undefined),
    remount: options.remount ?? (async () => undefined),
  };
}
