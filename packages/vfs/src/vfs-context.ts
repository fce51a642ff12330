// What every adapter call shares: the filesystem, the open-file table, the
// caller's working directory and credentials, and how byte results are
// returned. One context per createFsPromises().
import { ArgumentTypeError } from './argument-errors.js';
import { platformWrapBytes, type WrapBytes } from './byte-results.js';
import type { Filesystem } from './filesystem.js';
import { InodeLocks } from './inode-locks.js';
import { OpenFileTable } from './open-file-table.js';
import type { PathLike } from './path-argument.js';
import { resolveParent, resolvePath, type ResolvedParent, type ResolvedPath } from './path-resolver.js';
import { ROOT_CREDENTIALS, type Credentials } from './permission.js';
import { decodeBytes } from './text-encoding.js';
import type { CallOptions } from './call-options.js';

/**
 * Options of {@link createFsPromises}.
 *
 * @example
 * ```ts
 * createFsPromises(fs, { cwd: '/home/me', credentials: { uid: 1000, gid: 1000 }, maxOpenFiles: 1024 });
 * ```
 */
export interface FsPromisesOptions {
  /** Absolute directory relative paths start from. Default `/`. */
  cwd?: string;
  /** Whose permissions `access`, `open` and path search check. Default root. */
  credentials?: Credentials;
  /** Most files open at once (`EMFILE` past it). Default unlimited. */
  maxOpenFiles?: number;
  /**
   * How byte results are returned. Default: as a `Buffer` view where the
   * platform has a global `Buffer` (so `data.toString()` works as with
   * node:fs), else as plain `Uint8Array`.
   */
  wrapBytes?: WrapBytes;
  /**
   * Permission bits cleared from every inode the adapter creates (the
   * process umask). Default 0o022, the usual umask of a login shell.
   */
  umask?: number;
  /** The clock for new inodes and changed times, in ns since the epoch. Default `Date.now()`. */
  now?: () => bigint;
}

const NS_PER_MS = 1_000_000n;

/** Nanoseconds since the epoch from the platform clock (millisecond resolution). */
function platformNow(): bigint {
  return BigInt(Date.now()) * NS_PER_MS;
}

/** The shared state of one adapter. */
export class VfsContext<I> {
  readonly files: OpenFileTable<I>;
  readonly cwd: string;
  readonly credentials: Credentials;
  readonly wrapBytes: WrapBytes;
  readonly umask: number;
  readonly now: () => bigint;
  /** Serializes writes and truncates per inode. */
  readonly inodeLocks = new InodeLocks<I>();

  constructor(
    readonly fs: Filesystem<I>,
    options: FsPromisesOptions,
  ) {
    const cwd = options.cwd ?? '/';
    if (typeof cwd !== 'string' || !cwd.startsWith('/')) {
      throw new ArgumentTypeError('ERR_INVALID_ARG_VALUE', `The option 'cwd' must be an absolute path. Received ${String(cwd)}`);
    }
    this.cwd = cwd;
    this.credentials = options.credentials ?? ROOT_CREDENTIALS;
    this.wrapBytes = options.wrapBytes ?? platformWrapBytes();
    const umask = options.umask ?? 0o022;
    if (!Number.isInteger(umask) || umask < 0 || umask > 0o777) {
      throw new ArgumentTypeError('ERR_INVALID_ARG_VALUE', `The option 'umask' must be an integer from 0 to 0o777. Received ${String(umask)}`);
    }
    this.umask = umask;
    this.now = options.now ?? platformNow;
    this.files = new OpenFileTable<I>(options.maxOpenFiles === undefined ? {} : { maxOpenFiles: options.maxOpenFiles });
  }

  /** Resolves a path for the syscall `syscall` with this context's cwd and credentials. */
  resolve(path: PathLike, syscall: string, followFinal = true): Promise<ResolvedPath<I>> {
    // glibc's realpath(3), behind Node's realpath, has no whole-path length limit.
    const checkPathLength = syscall !== 'realpath';
    return resolvePath(this.fs, path, { cwd: this.cwd, credentials: this.credentials, syscall, followFinal, checkPathLength });
  }

  /** Resolves all but the last component of a path. */
  resolveParent(path: PathLike, syscall: string, deferNameLength = false): Promise<ResolvedParent<I>> {
    return resolveParent(this.fs, path, { cwd: this.cwd, credentials: this.credentials, syscall, deferNameLength });
  }

  /** Bytes as a string in the call's encoding, or as bytes for `'buffer'` (copied: never the filesystem's memory). */
  encodeResult(bytes: Uint8Array, options: CallOptions): string | Uint8Array {
    if (options.encoding === 'buffer') return this.wrapBytes(bytes.slice());
    return decodeBytes(bytes, options.encoding ?? 'utf8');
  }
}
