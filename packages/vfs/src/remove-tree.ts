// rm (and the deprecated rmdir `recursive`) as Node 20 does them: options
// validated ({ recursive, force, maxRetries, retryDelay }; the retries never
// help here, nothing holds a file busy, so they are accepted and ignored);
// the path lstat'ed first (ENOENT is fine with `force`, any other error is
// not; a directory without `recursive` is Node's ERR_FS_EISDIR); then
// Node's rimraf: unlink what is not a directory, rmdir a directory and, when
// it is not empty, remove its entries (paths joined as bytes) and rmdir it
// again. ENOENT anywhere means someone else removed it first: not an error.
//
// Inside a directory being emptied, each entry is removed through the
// directory's handle (as rm -rf does with unlinkat on an open directory),
// not by walking its whole path from the root again for an lstat, an
// unlink's parent and its lookup: the same calls, checks, order and errors
// as the path-based steps, one lookup per entry instead of a walk per call.
// The path-based steps remain for what a handle walk cannot answer the same
// way: a directory the caller may not search (every lstat in it fails, so
// Node unlinks and reports EACCES) and paths of PATH_MAX bytes or more.
// A filesystem with removeContents empties a directory in one call when
// the caller's permissions allow every entry of it by one check per
// directory (mayEmptyWhole); anything else, or a filesystem that stops or
// fails part-way, continues entry by entry as above, so the errors stay Node's.
import { FsError } from '@iomap/core';
import { DirentType, isDirectoryMode } from './file-mode.js';
import type { DirEntry } from './inode-operations.js';
import type { InodeAttributes } from './inode-attributes.js';
import { PATH_MAX } from './name-bytes.js';
import { lookupChild, type FoundInode } from './name-creation.js';
import { deletionRefusal, removeDirectory, unlinkPath } from './name-removal.js';
import { CallErrors, nodeError } from './node-error.js';
import { toPathArgument, type PathLike } from './path-argument.js';
import { Access, mayAccess, type Credentials } from './permission.js';
import { typedEntries } from './read-directory.js';
import { SystemError } from './system-error.js';
import type { VfsContext } from './vfs-context.js';
import { checkBoolean, checkInteger, checkOptionsObject } from './write-arguments.js';
import { isOwnerOrPrivileged, ModeBits } from './write-permission.js';

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

/** A directory whose entries are removed: its handle and attributes. */
interface DirectoryHandle<I> {
  readonly inode: I;
  readonly attributes: InodeAttributes;
}

/** A directory being emptied: also its path (for messages and the path-based fallback). */
interface TreeDirectory<I> extends DirectoryHandle<I> {
  readonly path: Uint8Array;
}

/** The display form of a path given as bytes (what the path-based calls put in their errors). */
function displayOf(path: Uint8Array): string {
  return toPathArgument(path).display;
}

/** Every entry of `dir` but `.` and `..`, typed, read before any is removed. */
async function entriesOf<I>(context: VfsContext<I>, dir: I): Promise<DirEntry[]> {
  const entries: DirEntry[] = [];
  for await (const entry of typedEntries(context.fs, dir)) entries.push({ ...entry, name: entry.name.slice() });
  return entries;
}

/**
 * openDirectory's checks (ENOTDIR, EACCES for `scandir`) on a directory
 * already looked up, with `path` for the messages.
 */
function checkListable<I>(context: VfsContext<I>, attributes: InodeAttributes, path: Uint8Array): void {
  if (!isDirectoryMode(attributes.mode)) throw nodeError('ENOTDIR', 'scandir', displayOf(path));
  if (!mayAccess(attributes, context.credentials, Access.Read)) throw nodeError('EACCES', 'scandir', displayOf(path));
}

/** rmdir, and when the directory is not empty, its entries first. */
async function removeDirectoryTree<I>(context: VfsContext<I>, path: Uint8Array, original: unknown): Promise<void> {
  if (context.fs.rmdir !== undefined) {
    const site = await callErrors('rmdir', path).guard(() => context.resolveParent(path, 'rmdir'));
    if (site.kind === 'normal') {
      // What removeDirectory does after its walk, then the entries through handles.
      await removeSubdirectory(context, site.parent, site.name, path, original);
      return;
    }
  }
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
  const resolved = await context.resolve(path, 'scandir');
  checkListable(context, resolved.attributes, path);
  await removeEntries(context, { inode: resolved.inode, attributes: resolved.attributes, path }, await entriesOf(context, resolved.inode));
  await removeDirectory(context, path);
}

/** Removes `entries` of `dir` (Node's rimraf of each), through the handle where that answers as the path would. */
async function removeEntries<I>(context: VfsContext<I>, dir: TreeDirectory<I>, entries: readonly DirEntry[]): Promise<void> {
  // Without search permission every lstat of an entry fails: the path-based steps give Node's answers.
  const byHandle = mayAccess(dir.attributes, context.credentials, Access.Execute);
  for (const entry of entries) {
    const path = joinBytes(dir.path, entry.name);
    if (!byHandle || path.length >= PATH_MAX) await removeTree(context, path);
    else await removeEntry(context, dir, entry, path);
  }
}

/** Node's rimraf of entry `entry` of `dir` (at `path`), through the directory's handle. */
async function removeEntry<I>(context: VfsContext<I>, dir: TreeDirectory<I>, entry: DirEntry, path: Uint8Array): Promise<void> {
  try {
    if (entry.type === DirentType.Directory) {
      await removeSubdirectory(context, dir, entry.name, path, undefined);
      return;
    }
    try {
      await unlinkAt(context, dir, entry.name, path);
    } catch (err) {
      const code = codeOf(err);
      if (code === 'EISDIR' || code === 'EPERM') await removeSubdirectory(context, dir, entry.name, path, err);
      else throw err;
    }
  } catch (err) {
    if (codeOf(err) !== 'ENOENT') throw err;
  }
}

/** The errors of one call on `path`, made only when something fails (the display form decodes the path). */
function callErrors(syscall: string, path: Uint8Array): CallErrors {
  return new CallErrors(syscall, displayOf(path));
}

/**
 * The checks unlink and rmdir make after their walk, for entry `name` of
 * `dir`: the call exists, the filesystem is writable, the entry exists and
 * the caller may delete it. Returns the entry; throws the call's error.
 */
async function deletableEntry<I>(context: VfsContext<I>, syscall: 'unlink' | 'rmdir', dir: DirectoryHandle<I>, name: Uint8Array, path: Uint8Array): Promise<FoundInode<I>> {
  const { fs } = context;
  if (fs[syscall] === undefined) throw callErrors(syscall, path).fail('EPERM');
  if (fs.readOnly) throw callErrors(syscall, path).fail('EROFS');
  let victim: FoundInode<I> | undefined;
  try {
    victim = await lookupChild(fs, dir.inode, name);
  } catch (err) {
    throw callErrors(syscall, path).reword(err);
  }
  if (victim === undefined) throw callErrors(syscall, path).fail('ENOENT');
  const refusal = deletionRefusal(context, dir.attributes, victim.attributes, syscall === 'rmdir');
  if (refusal !== undefined) throw callErrors(syscall, path).fail(refusal);
  return victim;
}

/** unlinkPath's checks after its walk, for entry `name` of `dir`. */
async function unlinkAt<I>(context: VfsContext<I>, dir: DirectoryHandle<I>, name: Uint8Array, path: Uint8Array): Promise<void> {
  const { fs } = context;
  await deletableEntry(context, 'unlink', dir, name, path);
  const unlink = fs.unlink as NonNullable<typeof fs.unlink>;
  try {
    await unlink.call(fs, dir.inode, name);
  } catch (err) {
    throw callErrors('unlink', path).reword(err);
  }
}

/**
 * The ContentRemovalPolicy check: `attributes` are a directory's whose
 * every entry the per-entry path would remove without a refusal — listable
 * (scandir), searchable (each lstat), changeable (each unlink and rmdir),
 * and in a sticky directory owned by the caller (or root), so no entry's
 * owner matters.
 */
function mayEmptyWhole(credentials: Credentials, attributes: InodeAttributes): boolean {
  if (!isDirectoryMode(attributes.mode)) return false;
  if (!mayAccess(attributes, credentials, Access.Read | Access.Write | Access.Execute)) return false;
  return (attributes.mode & ModeBits.Sticky) === 0 || isOwnerOrPrivileged(attributes, credentials);
}

/**
 * Empties directory `dir` (at `path`) with the filesystem's removeContents
 * when it has one and the caller's permissions allow every entry by the
 * per-directory check; true when `dir` is now empty. False (also when the
 * filesystem stopped or failed part-way, with every removal so far
 * complete): the caller lists what is left and removes it entry by entry,
 * which meets any refusal or error again and reports it as Node does.
 */
async function removedContents<I>(context: VfsContext<I>, dir: I, attributes: InodeAttributes, path: Uint8Array): Promise<boolean> {
  const { fs, credentials } = context;
  if (fs.removeContents === undefined || path.length >= PATH_MAX || !mayEmptyWhole(credentials, attributes)) return false;
  try {
    return await fs.removeContents(dir, { pathLength: path.length, maxPathLength: PATH_MAX, mayEmpty: (a) => mayEmptyWhole(credentials, a) });
  } catch (err) {
    // A filesystem error is met again entry by entry, and worded with its path there.
    if (err instanceof FsError) return false;
    throw err;
  }
}

/** What rmdirAt did: removed the directory, or (listing first) found it not empty and left it. */
type RmdirOutcome<I> = { removed: true } | { removed: false; victim: FoundInode<I>; entries: DirEntry[] };

/**
 * removeDirectory's checks after its walk, for entry `name` of `dir`, then
 * the rmdir. With `listFirst`, a directory the caller may list is listed
 * after the checks and, when it has entries, left for the caller to empty
 * (what Node does after rmdir's ENOTEMPTY, without the failing rmdir).
 */
async function rmdirAt<I>(context: VfsContext<I>, dir: DirectoryHandle<I>, name: Uint8Array, path: Uint8Array, listFirst: boolean): Promise<RmdirOutcome<I>> {
  const { fs } = context;
  const victim = await deletableEntry(context, 'rmdir', dir, name, path);
  const rmdir = fs.rmdir as NonNullable<typeof fs.rmdir>;
  if (listFirst && mayAccess(victim.attributes, context.credentials, Access.Read) && !(await removedContents(context, victim.inode, victim.attributes, path))) {
    const entries = await entriesOf(context, victim.inode);
    if (entries.length > 0) return { removed: false, victim, entries };
  }
  try {
    await rmdir.call(fs, dir.inode, name);
  } catch (err) {
    throw callErrors('rmdir', path).reword(err);
  }
  return { removed: true };
}

/** removeDirectoryTree of entry `name` of `dir` (at `path`), through the directory's handle. */
async function removeSubdirectory<I>(context: VfsContext<I>, dir: DirectoryHandle<I>, name: Uint8Array, path: Uint8Array, original: unknown): Promise<void> {
  let outcome: RmdirOutcome<I>;
  try {
    outcome = await rmdirAt(context, dir, name, path, true);
    if (outcome.removed) return;
  } catch (err) {
    const code = codeOf(err);
    if (code === 'ENOTDIR') {
      if (original !== undefined) throw original;
      return;
    }
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'EPERM') throw err;
    const child = await lookupChild(context.fs, dir.inode, name);
    if (child === undefined) throw nodeError('ENOENT', 'scandir', displayOf(path));
    checkListable(context, child.attributes, path);
    outcome = { removed: false, victim: child, entries: await entriesOf(context, child.inode) };
  }
  const { victim, entries } = outcome;
  await removeEntries(context, { inode: victim.inode, attributes: victim.attributes, path }, entries);
  await rmdirAt(context, dir, name, path, false);
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
