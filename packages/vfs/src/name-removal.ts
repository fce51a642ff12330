// Removing a name: unlink(2) and rmdir(2), with Linux's checks in Linux's
// order (do_unlinkat, do_rmdir, may_delete). unlink: a last component of
// `.`, `..` or `/` is EISDIR, a read-only filesystem EROFS (before the name
// is even looked up), a trailing slash makes a missing name ENOENT, a
// directory EISDIR and anything else ENOTDIR. rmdir: `..` is ENOTEMPTY, `.`
// EINVAL, `/` EBUSY, then EROFS. Both then need write and search permission
// on the parent (EACCES) and, in a sticky directory, ownership of the entry
// or the directory (EPERM); the filesystem answers ENOTEMPTY itself.
import { isDirectoryMode } from './file-mode.js';
import type { InodeAttributes } from './inode-attributes.js';
import { lookupChild, requireOperation, type FoundInode } from './name-creation.js';
import { CallErrors } from './node-error.js';
import { toPathArgument, type PathLike } from './path-argument.js';
import type { VfsContext } from './vfs-context.js';
import { mayChangeEntries, stickyForbids } from './write-permission.js';

/**
 * `may_delete`: may the caller remove (or replace) `victim` from `directory`?
 * `removesDirectory` is true for rmdir and for renaming a directory.
 * Returns the error code, or undefined when it may.
 *
 * @example
 * ```ts
 * const refusal = deletionRefusal(context, parent.attributes, victim.attributes, false);
 * if (refusal !== undefined) throw errors.fail(refusal);
 * ```
 */
export function deletionRefusal<I>(
  context: VfsContext<I>,
  directory: InodeAttributes,
  victim: InodeAttributes,
  removesDirectory: boolean,
): 'EACCES' | 'EPERM' | 'ENOTDIR' | 'EISDIR' | undefined {
  if (!mayChangeEntries(directory, context.credentials)) return 'EACCES';
  if (stickyForbids(directory, victim, context.credentials)) return 'EPERM';
  const victimIsDirectory = isDirectoryMode(victim.mode);
  if (removesDirectory && !victimIsDirectory) return 'ENOTDIR';
  if (!removesDirectory && victimIsDirectory) return 'EISDIR';
  return undefined;
}

/**
 * unlink(2): removes a name that is not a directory.
 *
 * @example
 * ```ts
 * await unlinkPath(context, '/tmp/old.log');
 * ```
 */
export async function unlinkPath<I>(context: VfsContext<I>, path: PathLike): Promise<void> {
  const errors = new CallErrors('unlink', toPathArgument(path).display);
  const unlink = requireOperation(context.fs, 'unlink', errors);
  const site = await errors.guard(() => context.resolveParent(path, 'unlink'));
  if (site.kind !== 'normal') throw errors.fail('EISDIR');
  if (context.fs.readOnly) throw errors.fail('EROFS');
  const victim: FoundInode<I> | undefined = await errors.guard(() => lookupChild(context.fs, site.parent.inode, site.name));
  if (victim === undefined) throw errors.fail('ENOENT');
  if (site.trailingSlash) throw errors.fail(isDirectoryMode(victim.attributes.mode) ? 'EISDIR' : 'ENOTDIR');
  const refusal = deletionRefusal(context, site.parent.attributes, victim.attributes, false);
  if (refusal !== undefined) throw errors.fail(refusal);
  await errors.guard(() => unlink(site.parent.inode, site.name));
}

/**
 * rmdir(2): removes an empty directory.
 *
 * @example
 * ```ts
 * await removeDirectory(context, '/tmp/empty-dir');
 * ```
 */
export async function removeDirectory<I>(context: VfsContext<I>, path: PathLike): Promise<void> {
  const errors = new CallErrors('rmdir', toPathArgument(path).display);
  const rmdir = requireOperation(context.fs, 'rmdir', errors);
  const site = await errors.guard(() => context.resolveParent(path, 'rmdir'));
  if (site.kind === 'dotdot') throw errors.fail('ENOTEMPTY');
  if (site.kind === 'dot') throw errors.fail('EINVAL');
  if (site.kind === 'root') throw errors.fail('EBUSY');
  if (context.fs.readOnly) throw errors.fail('EROFS');
  const victim = await errors.guard(() => lookupChild(context.fs, site.parent.inode, site.name));
  if (victim === undefined) throw errors.fail('ENOENT');
  const refusal = deletionRefusal(context, site.parent.attributes, victim.attributes, true);
  if (refusal !== undefined) throw errors.fail(refusal);
  await errors.guard(() => rmdir(site.parent.inode, site.name));
}
