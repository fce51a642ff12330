// rm (and the deprecated rmdir `recursive`) as Node 20 does them: options
// validated ({ recursive, force, maxRetries, retryDelay }; the retries never
// help here, nothing holds a file busy, so they are accepted and ignored);
// the path lstat'ed first (ENOENT is fine with `force`, any other error is
// not; a directory without `recursive` is Node's ERR_FS_EISDIR); then
// Node's rimraf: unlink what is not a directory, rmdir a directory and, when
// it is not empty, remove its entries (paths joined as bytes) and rmdir it
// again. ENOENT anywhere means someone else removed it first: not an error.
import { FsError } from '@iomap/core';
import { isDirectoryMode } from './file-mode.js';
import { removeDirectory, unlinkPath } from './name-removal.js';
import { toPathArgument, type PathLike } from './path-argument.js';
import { openDirectory, typedEntries } from './read-directory.js';
import { SystemError } from './system-error.js';
import type { VfsContext } from './vfs-context.js';
import { checkBoolean, checkInteger, checkOptionsObject } from './write-arguments.js';

/**
 * Options of rm.
 *
 * @example
 * ```ts
 * await fsp.rm('/tmp/build', { recursive: true, force: true });
 * ```
 */
export interface RmOptions {
  /** Remove directories and their contents. Default false. */
  recursive?: boolean;
  /** A missing path is not an error. Default false. */
  force?: boolean;
  /** Accepted for Node compatibility; nothing here is ever busy, so never used. */
  maxRetries?: number;
  /** Accepted for Node compatibility. */
  retryDelay?: number;
}

/** Node's validateRmdirOptions (plus `force` for rm). */
function rmOptions(options: unknown, withForce: boolean): { recursive: boolean; force: boolean } {
  const given = checkOptionsObject(options, 'options');
  const merged = { recursive: false, force: false, retryDelay: 100, maxRetries: 0, ...given };
  checkBoolean(merged.recursive, 'options.recursive');
  checkInteger(merged.retryDelay, 'options.retryDelay', 0, 2 ** 31 - 1);
  checkInteger(merged.maxRetries, 'options.maxRetries', 0, 2 ** 32 - 1);
  if (withForce) checkBoolean(merged.force, 'options.force');
  return { recursive: merged.recursive as boolean, force: merged.force as boolean };
}

function codeOf(err: unknown): string | undefined {
  return err instanceof FsError ? err.code : undefined;
}

function joinBytes(parent: Uint8Array, name: Uint8Array): Uint8Array {
  const out = new Uint8Array(parent.length + 1 + name.length);
  out.set(parent);
  out[parent.length] = 0x2f;
  out.set(name, parent.length + 1);
  return out;
}

/** rmdir, and when the directory is not empty, its entries first. */
async function removeDirectoryTree<I>(context: VfsContext<I>, path: Uint8Array, original: unknown): Promise<void> {
  try {
    await removeDirectory(context, path);
    return;
  } catch (err) {
    const code = codeOf(err);
    if (code === 'ENOTDIR') {
      if (original !== undefined) throw original;
      return;
    }
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'EPERM') throw err;
  }
  const dir = await openDirectory(context, path, 'scandir');
  const names: Uint8Array[] = [];
  for await (const entry of typedEntries(context.fs, dir)) names.push(entry.name.slice());
  for (const name of names) await removeTree(context, joinBytes(path, name));
  await removeDirectory(context, path);
}

/** Node's rimraf of one path. */
async function removeTree<I>(context: VfsContext<I>, path: Uint8Array): Promise<void> {
  try {
    let isDirectory = false;
    try {
      isDirectory = isDirectoryMode((await context.resolve(path, 'lstat', false)).attributes.mode);
    } catch (err) {
      if (codeOf(err) === 'ENOENT') return;
    }
    if (isDirectory) {
      await removeDirectoryTree(context, path, undefined);
      return;
    }
    try {
      await unlinkPath(context, path);
    } catch (err) {
      const code = codeOf(err);
      if (code === 'EISDIR' || code === 'EPERM') await removeDirectoryTree(context, path, err);
      else throw err;
    }
  } catch (err) {
    if (codeOf(err) !== 'ENOENT') throw err;
  }
}

/**
 * rm: removes a file, symlink or (with `recursive`) a directory tree.
 *
 * @example
 * ```ts
 * await removePath(context, '/tmp/build', { recursive: true });
 * ```
 */
export async function removePath<I>(context: VfsContext<I>, path: PathLike, options: unknown): Promise<void> {
  const argument = toPathArgument(path);
  const { recursive, force } = rmOptions(options, true);
  let isDirectory: boolean;
  try {
    isDirectory = isDirectoryMode((await context.resolve(path, 'lstat', false)).attributes.mode);
  } catch (err) {
    if (force && codeOf(err) === 'ENOENT') return;
    throw err;
  }
  if (isDirectory && !recursive) throw new SystemError('ERR_FS_EISDIR', 'EISDIR', 'is a directory', 'rm', argument.display);
  await removeTree(context, argument.bytes);
}

/**
 * rmdir with Node's options: with the deprecated `recursive`, a directory
 * (symlinks followed) is removed like rm's recursion; anything else is rmdir(2).
 *
 * @example
 * ```ts
 * await removeDirectoryWithOptions(context, '/tmp/empty', undefined);
 * ```
 */
export async function removeDirectoryWithOptions<I>(context: VfsContext<I>, path: PathLike, options: unknown): Promise<void> {
  const argument = toPathArgument(path);
  const { recursive } = rmOptions(options, false);
  if (recursive) {
    const { attributes } = await context.resolve(path, 'stat');
    if (isDirectoryMode(attributes.mode)) {
      await removeTree(context, argument.bytes);
      return;
    }
  }
  await removeDirectory(context, path);
}
