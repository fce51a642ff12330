// The write side of createFsPromises: Node's calls that change a
// filesystem, plus the extensions node:fs lacks (mknod and the xattr
// calls). A call is present only when the filesystem implements every
// operation it needs (WRITE_CALL_NEEDS), so `'mkdir' in fsp` tells a caller
// what it can do — at run time, and in the type createFsPromises returns
// for a filesystem class. A read-only filesystem that implements them
// still gets them: they answer EROFS, as on a read-only mount.
import { chmodPath, chownPath, utimesPath } from './attribute-changes.js';
import { callOptions } from './call-options.js';
import { copyFileAtPath } from './copy-file.js';
import { copyTree, type CpOptions } from './copy-tree.js';
import { FileHandle } from './file-handle.js';
import { truncateFile } from './file-writes.js';
import type { Filesystem } from './filesystem.js';
import { linkPath, makeNode, symlinkPath } from './link-calls.js';
import { makeDirectory, makeDirectoryRecursive } from './make-directory.js';
import { makeTempDirectory } from './make-temp-dir.js';
import { unlinkPath } from './name-removal.js';
import { closeFile, openFile } from './open-file.js';
import { constants } from './fs-constants.js';
import type { PathLike } from './path-argument.js';
import { toPathArgument } from './path-argument.js';
import { removeDirectoryWithOptions, removePath, type RmOptions } from './remove-tree.js';
import { renamePath } from './rename-path.js';
import type { BufferEncoding } from './text-encoding.js';
import type { VfsContext } from './vfs-context.js';
import { checkBoolean, checkInteger, parseModeArgument, toUnixSeconds } from './write-arguments.js';
import { writeFileAtPath, type WriteFileOptions } from './write-file.js';
import type { WriteFileData } from './write-request.js';
import { getXattr, listXattrs, removeXattr, setXattr } from './xattr-calls.js';
import { ArgumentTypeError } from './argument-errors.js';

/** Options of mkdir. */
interface MkdirOptions {
  recursive?: boolean;
  mode?: number | string;
}

/** Times as utimes takes them: a Date, seconds since the epoch, or a numeric string. */
type TimeLike = Date | number | string;

/**
 * The calls that change a filesystem, with node:fs/promises' signatures
 * (and `mknod` and the xattr calls as extensions).
 *
 * @example
 * ```ts
 * const fsp = createFsPromises(writableFs); // has the calls its filesystem supports
 * await fsp.mkdir('/srv/data', { recursive: true });
 * await fsp.writeFile('/srv/data/a.txt', 'hello\n');
 * ```
 */
export interface FsWriteCalls {
  writeFile(file: PathLike | FileHandle, data: WriteFileData, options?: BufferEncoding | WriteFileOptions | null): Promise<void>;
  appendFile(file: PathLike | FileHandle, data: WriteFileData, options?: BufferEncoding | WriteFileOptions | null): Promise<void>;
  mkdir(path: PathLike, options: MkdirOptions & { recursive: true }): Promise<string | undefined>;
  mkdir(path: PathLike, options?: number | string | (MkdirOptions & { recursive?: false }) | null): Promise<undefined>;
  mkdir(path: PathLike, options?: number | string | MkdirOptions | null): Promise<string | undefined>;
  mkdtemp(prefix: PathLike, options?: BufferEncoding | { encoding?: BufferEncoding | null } | null): Promise<string>;
  mkdtemp(prefix: PathLike, options: 'buffer' | { encoding: 'buffer' }): Promise<Uint8Array>;
  rmdir(path: PathLike, options?: { recursive?: boolean; maxRetries?: number; retryDelay?: number }): Promise<void>;
  rm(path: PathLike, options?: RmOptions): Promise<void>;
  unlink(path: PathLike): Promise<void>;
  rename(oldPath: PathLike, newPath: PathLike): Promise<void>;
  link(existingPath: PathLike, newPath: PathLike): Promise<void>;
  /** `type` ('file', 'dir', 'junction') is checked and ignored, as on Linux. */
  symlink(target: PathLike, path: PathLike, type?: string | null): Promise<void>;
  /** mknod(2), an extension: a FIFO, socket, device (root only) or empty file; `dev` as `st_rdev`. */
  mknod(path: PathLike, mode: number, dev?: number): Promise<void>;
  chmod(path: PathLike, mode: number | string): Promise<void>;
  chown(path: PathLike, uid: number, gid: number): Promise<void>;
  lchown(path: PathLike, uid: number, gid: number): Promise<void>;
  utimes(path: PathLike, atime: TimeLike, mtime: TimeLike): Promise<void>;
  lutimes(path: PathLike, atime: TimeLike, mtime: TimeLike): Promise<void>;
  truncate(path: PathLike, len?: number): Promise<void>;
  copyFile(src: PathLike, dest: PathLike, mode?: number): Promise<void>;
  cp(src: PathLike | URL, dest: PathLike | URL, options?: CpOptions): Promise<void>;
  /** getxattr(2), an extension: an extended attribute's value. */
  getxattr(path: PathLike, name: string): Promise<Uint8Array>;
  /** lgetxattr(2): getxattr of a symlink itself. */
  lgetxattr(path: PathLike, name: string): Promise<Uint8Array>;
  /** listxattr(2): the extended attributes' names. */
  listxattr(path: PathLike): Promise<string[]>;
  llistxattr(path: PathLike): Promise<string[]>;
  /** setxattr(2): `flags` 0, XATTR_CREATE or XATTR_REPLACE. */
  setxattr(path: PathLike, name: string, value: string | Uint8Array, flags?: number): Promise<void>;
  lsetxattr(path: PathLike, name: string, value: string | Uint8Array, flags?: number): Promise<void>;
  /** removexattr(2). */
  removexattr(path: PathLike, name: string): Promise<void>;
  lremovexattr(path: PathLike, name: string): Promise<void>;
}

const DATA_WRITES = ['create', 'write', 'truncate'] as const;

/**
 * The filesystem operations each write call needs.
 *
 * @example
 * ```ts
 * WRITE_CALL_NEEDS.rm; // ['unlink', 'rmdir']
 * ```
 */
export const WRITE_CALL_NEEDS = {
  writeFile: DATA_WRITES,
  appendFile: DATA_WRITES,
  mkdir: ['mkdir'],
  mkdtemp: ['mkdir'],
  rmdir: ['rmdir'],
  rm: ['unlink', 'rmdir'],
  unlink: ['unlink'],
  rename: ['rename'],
  link: ['link'],
  symlink: ['symlink'],
  mknod: ['mknod'],
  chmod: ['setattr'],
  chown: ['setattr'],
  lchown: ['setattr'],
  utimes: ['setattr'],
  lutimes: ['setattr'],
  truncate: ['write', 'truncate'],
  copyFile: [...DATA_WRITES, 'setattr'],
  cp: [...DATA_WRITES, 'setattr', 'mkdir'],
  getxattr: ['getxattr'],
  lgetxattr: ['getxattr'],
  listxattr: ['listxattr'],
  llistxattr: ['listxattr'],
  setxattr: ['setxattr'],
  lsetxattr: ['setxattr'],
  removexattr: ['removexattr'],
  lremovexattr: ['removexattr'],
} as const satisfies Record<keyof FsWriteCalls, readonly (keyof Filesystem)[]>;

/** Names of the methods `F` certainly has (not optional). */
type ImplementedMethods<F> = { [K in keyof F]-?: undefined extends F[K] ? never : K }[keyof F];

/**
 * The write calls a filesystem type `F` supports, as createFsPromises
 * returns them for it.
 *
 * @example
 * ```ts
 * type Calls = keyof WriteCallsOf<MyWritableFs>; // 'mkdir' | 'writeFile' | ...
 * ```
 */
export type WriteCallsOf<F> = {
  [C in keyof typeof WRITE_CALL_NEEDS as (typeof WRITE_CALL_NEEDS)[C][number] extends ImplementedMethods<F> ? C : never]: FsWriteCalls[C];
};

const SYMLINK_TYPES = new Set(['dir', 'file', 'junction']);

/** The write calls, each bound to `context`. */
function allWriteCalls<I>(context: VfsContext<I>): FsWriteCalls {
  const wrap = (bytes: Uint8Array, options: unknown): string | Uint8Array => context.encodeResult(bytes, callOptions(options));
  return {
    writeFile: async (file, data, options) => {
      if (file instanceof FileHandle) return file.writeFile(data, options as never);
      return writeFileAtPath(context, file, data, options, 'w');
    },
    appendFile: async (file, data, options) => {
      const call = typeof options === 'object' && options !== null ? { ...options, flag: options.flag || 'a' } : options;
      if (file instanceof FileHandle) return file.appendFile(data, call as never);
      return writeFileAtPath(context, file, data, call, 'a');
    },
    mkdir: (async (path: PathLike, options?: number | string | MkdirOptions | null) => {
      const { recursive = false, mode = 0o777 } = typeof options === 'number' || typeof options === 'string' ? { mode: options } : (options ?? {});
      toPathArgument(path);
      checkBoolean(recursive, 'options.recursive');
      const bits = parseModeArgument(mode, 'mode', 0o777);
      if (recursive) return makeDirectoryRecursive(context, path, bits);
      await makeDirectory(context, path, bits);
      return undefined;
    }) as FsWriteCalls['mkdir'],
    mkdtemp: (async (prefix: PathLike, options?: unknown) => wrap(await makeTempDirectory(context, prefix), options)) as FsWriteCalls['mkdtemp'],
    rmdir: (path, options) => removeDirectoryWithOptions(context, path, options),
    rm: (path, options) => removePath(context, path, options),
    unlink: async (path) => unlinkPath(context, path),
    rename: async (oldPath, newPath) => renamePath(context, oldPath, newPath),
    link: async (existingPath, newPath) => linkPath(context, existingPath, newPath),
    symlink: async (target, path, type) => {
      if (typeof type === 'string' && !SYMLINK_TYPES.has(type)) {
        throw new ArgumentTypeError('ERR_FS_INVALID_SYMLINK_TYPE', `Symlink type must be one of "dir", "file", or "junction". Received "${type}"`);
      }
      return symlinkPath(context, target, path);
    },
    mknod: async (path, mode, dev = 0) => makeNode(context, path, checkInteger(mode, 'mode', 0, 2 ** 32 - 1), checkInteger(dev, 'dev', 0)),
    chmod: async (path, mode) => {
      toPathArgument(path);
      return chmodPath(context, path, parseModeArgument(mode, 'mode'));
    },
    chown: async (path, uid, gid) => {
      toPathArgument(path);
      return chownPath(context, path, checkInteger(uid, 'uid', -1, 2 ** 32 - 1), checkInteger(gid, 'gid', -1, 2 ** 32 - 1), true);
    },
    lchown: async (path, uid, gid) => {
      toPathArgument(path);
      return chownPath(context, path, checkInteger(uid, 'uid', -1, 2 ** 32 - 1), checkInteger(gid, 'gid', -1, 2 ** 32 - 1), false);
    },
    utimes: async (path, atime, mtime) => {
      toPathArgument(path);
      return utimesPath(context, path, toUnixSeconds(atime, 'time'), toUnixSeconds(mtime, 'time'), true);
    },
    lutimes: async (path, atime, mtime) => {
      toPathArgument(path);
      return utimesPath(context, path, toUnixSeconds(atime, 'time'), toUnixSeconds(mtime, 'time'), false);
    },
    truncate: async (path, len = 0) => {
      const file = await openFile(context, path, constants.O_RDWR);
      try {
        await truncateFile(context, file, Math.max(0, checkInteger(len, 'len')), 'ftruncate');
      } finally {
        await closeFile(context, file.fd);
      }
    },
    copyFile: async (src, dest, mode) => copyFileAtPath(context, src, dest, mode),
    cp: async (src, dest, options) => copyTree(context, src, dest, options),
    getxattr: async (path, name) => context.wrapBytes(await getXattr(context, path, name, true)),
    lgetxattr: async (path, name) => context.wrapBytes(await getXattr(context, path, name, false)),
    listxattr: (path) => listXattrs(context, path, true),
    llistxattr: (path) => listXattrs(context, path, false),
    setxattr: (path, name, value, flags) => setXattr(context, path, name, value, flags, true),
    lsetxattr: (path, name, value, flags) => setXattr(context, path, name, value, flags, false),
    removexattr: (path, name) => removeXattr(context, path, name, true),
    lremovexattr: (path, name) => removeXattr(context, path, name, false),
  };
}

/**
 * The write calls `context`'s filesystem supports.
 *
 * @example
 * ```ts
 * Object.assign(fsp, writeCallsFor(context));
 * ```
 */
export function writeCallsFor<I>(context: VfsContext<I>): Partial<FsWriteCalls> {
  const all = allWriteCalls(context);
  const fs = context.fs as unknown as Record<string, unknown>;
  const out: Partial<Record<keyof FsWriteCalls, unknown>> = {};
  for (const [call, needs] of Object.entries(WRITE_CALL_NEEDS) as [keyof FsWriteCalls, readonly string[]][]) {
    if (needs.every((op) => typeof fs[op] === 'function')) out[call] = all[call];
  }
  return out as Partial<FsWriteCalls>;
}
