// The fs/promises calls that answer a question about a path: stat, lstat,
// access, readlink, realpath and statfs. Each resolves the path with Node's
// syscall name for errors, then reads what it needs from the inode.
import { ArgumentRangeError, ArgumentTypeError } from './argument-errors.js';
import { callOptions } from './call-options.js';
import { S_IFDIR, S_IFLNK, S_IFMT, S_IFREG, isSymlinkMode } from './file-mode.js';
import { nodeError } from './node-error.js';
import { toPathArgument, type PathLike } from './path-argument.js';
import { pathOfSteps } from './path-resolver.js';
import { Access, mayAccess } from './permission.js';
import { StatFs } from './stat-fs.js';
import { statsOf, type BigIntStats, type Stats } from './stats.js';
import type { VfsContext } from './vfs-context.js';

/**
 * `stat` (follow a final symlink) or `lstat` (do not).
 *
 * @example
 * ```ts
 * const stats = await statPath(context, '/etc/hosts', { bigint: false }, true);
 * ```
 */
export async function statPath<I>(
  context: VfsContext<I>,
  path: PathLike,
  options: { bigint?: boolean } | undefined,
  follow: boolean,
): Promise<Stats | BigIntStats> {
  const { attributes } = await context.resolve(path, follow ? 'stat' : 'lstat', follow);
  return statsOf(attributes, options?.bigint === true);
}

/** Node's validation of access modes. */
function accessMode(mode: unknown): number {
  if (mode === undefined || mode === null) return 0;
  if (typeof mode !== 'number' || !Number.isInteger(mode) || mode < -(2 ** 31) || mode >= 2 ** 31) {
    throw new ArgumentTypeError('ERR_INVALID_ARG_TYPE', 'mode must be int32 or null/undefined');
  }
  if (mode < 0 || mode > 7) throw new ArgumentRangeError('ERR_OUT_OF_RANGE', 'mode is out of range: >= 0 && <= 7');
  return mode;
}

/**
 * `access`: whether the credentials may read, write or execute `path`. Write
 * access to a file, directory or symlink of a read-only filesystem is `EROFS`
 * (before permission bits, as in Linux); missing permission is `EACCES`.
 *
 * @example
 * ```ts
 * await accessPath(context, '/usr/bin/env', constants.X_OK);
 * ```
 */
export async function accessPath<I>(context: VfsContext<I>, path: PathLike, mode: unknown): Promise<void> {
  const mask = accessMode(mode);
  const { attributes } = await context.resolve(path, 'access');
  const { display } = toPathArgument(path);
  const type = attributes.mode & S_IFMT;
  if ((mask & Access.Write) !== 0 && context.fs.readOnly && (type === S_IFREG || type === S_IFDIR || type === S_IFLNK)) {
    throw nodeError('EROFS', 'access', display);
  }
  if (!mayAccess(attributes, context.credentials, mask)) throw nodeError('EACCES', 'access', display);
}

/**
 * `readlink`: the target of the symlink `path` (`EINVAL` if it is none).
 *
 * @example
 * ```ts
 * await readlinkPath(context, '/bin', undefined); // 'usr/bin'
 * ```
 */
export async function readlinkPath<I>(context: VfsContext<I>, path: PathLike, options: unknown): Promise<string | Uint8Array> {
  const call = callOptions(options);
  const resolved = await context.resolve(path, 'readlink', false);
  if (!isSymlinkMode(resolved.attributes.mode)) throw nodeError('EINVAL', 'readlink', toPathArgument(path).display);
  return context.encodeResult(await context.fs.readlink(resolved.inode), call);
}

/**
 * `realpath`: the canonical absolute path of `path`, without `.`, `..` or symlinks.
 *
 * @example
 * ```ts
 * await realpathOf(context, '/usr/../bin/.', undefined); // '/usr/bin' when /bin -> usr/bin
 * ```
 */
export async function realpathOf<I>(context: VfsContext<I>, path: PathLike, options: unknown): Promise<string | Uint8Array> {
  const call = callOptions(options);
  const { steps } = await context.resolve(path, 'realpath');
  return context.encodeResult(pathOfSteps(steps), call);
}

/**
 * `statfs`: usage of the filesystem holding `path`.
 *
 * @example
 * ```ts
 * const { bavail, bsize } = await statfsOf(context, '/', undefined);
 * ```
 */
export async function statfsOf<I>(
  context: VfsContext<I>,
  path: PathLike,
  options: { bigint?: boolean } | undefined,
): Promise<StatFs<number> | StatFs<bigint>> {
  await context.resolve(path, 'statfs');
  const statistics = await context.fs.statfs();
  return options?.bigint === true ? new StatFs(statistics, BigInt) : new StatFs(statistics, Number);
}
