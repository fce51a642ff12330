// rename(2) with Linux's checks in Linux's order (do_renameat2, vfs_rename):
// both parents are walked (the old path's errors first); a last component
// of `.`, `..` or `/` on either side is EBUSY; then EROFS; a missing source
// ENOENT; a trailing slash on a non-directory source, or on the target of a
// non-directory, ENOTDIR; moving a directory into itself EINVAL; onto one
// of its own ancestors ENOTEMPTY; two names of one inode succeed and change
// nothing (POSIX); then may_delete on the source, may_delete (replacing)
// or may_create (new name) on the target: EACCES, sticky EPERM, and
// EISDIR/ENOTDIR when a file and a directory would replace each other; a
// directory moving to a new parent needs write permission on itself (its
// `..` changes). A non-empty target directory is the filesystem's ENOTEMPTY.
// Every error carries both paths: `rename '/a' -> '/b'`.
import { isDirectoryMode } from './file-mode.js';
import { lookupChild, requireOperation } from './name-creation.js';
import { deletionRefusal } from './name-removal.js';
import { NAME_MAX, namesEqual } from './name-bytes.js';
import { CallErrors } from './node-error.js';
import { toPathArgument, type PathLike } from './path-argument.js';
import type { PathStep } from './path-resolver.js';
import { Access, mayAccess } from './permission.js';
import type { VfsContext } from './vfs-context.js';
import { mayChangeEntries } from './write-permission.js';

/** The same inode, by inode number (the VFS never compares handles). */
function sameInode(a: { attributes: { ino: number } }, b: { attributes: { ino: number } }): boolean {
  return a.attributes.ino === b.attributes.ino;
}

/**
 * Where `steps` (a directory's chain from the root) passes through an inode
 * with number `ino`, the index of that step; -1 when it does not.
 */
function indexOnChain(steps: readonly PathStep<unknown>[], ino: number): number {
  return steps.findIndex((step) => step.attributes.ino === ino);
}

/**
 * rename(2): moves `oldPath` to `newPath`, replacing what is there by POSIX rules.
 *
 * @example
 * ```ts
 * await renamePath(context, '/a/file', '/b/file');
 * ```
 */
export async function renamePath<I>(context: VfsContext<I>, oldPath: PathLike, newPath: PathLike): Promise<void> {
  const errors = new CallErrors('rename', toPathArgument(oldPath, 'oldPath').display, toPathArgument(newPath, 'newPath').display);
  const rename = requireOperation(context.fs, 'rename', errors);
  // Name lengths are checked where the kernel's lookups would fail: the
  // source's first, and the target's only once the source exists.
  const from = await errors.guard(() => context.resolveParent(oldPath, 'rename', true));
  const to = await errors.guard(() => context.resolveParent(newPath, 'rename', true));
  if (from.kind !== 'normal' || to.kind !== 'normal') throw errors.fail('EBUSY');
  if (context.fs.readOnly) throw errors.fail('EROFS');
  if (from.name.length > NAME_MAX) throw errors.fail('ENAMETOOLONG');
  const source = await errors.guard(() => lookupChild(context.fs, from.parent.inode, from.name));
  if (source === undefined) throw errors.fail('ENOENT');
  if (to.name.length > NAME_MAX) throw errors.fail('ENAMETOOLONG');
  const target = await errors.guard(() => lookupChild(context.fs, to.parent.inode, to.name));
  const sourceIsDirectory = isDirectoryMode(source.attributes.mode);
  if (!sourceIsDirectory && (from.trailingSlash || to.trailingSlash)) throw errors.fail('ENOTDIR');
  const sameParent = sameInode(from.parent, to.parent);
  if (!sameParent) {
    // lock_rename's "trap": the source must not be an ancestor of the new parent...
    if (indexOnChain(to.steps, source.attributes.ino) >= 0) throw errors.fail('EINVAL');
    // ...and the target must not be an ancestor of the old parent.
    if (target !== undefined && indexOnChain(from.steps, target.attributes.ino) >= 0) throw errors.fail('ENOTEMPTY');
  }
  if (target !== undefined && sameInode(source, target)) return;
  const sourceRefusal = deletionRefusal(context, from.parent.attributes, source.attributes, sourceIsDirectory);
  if (sourceRefusal !== undefined) throw errors.fail(sourceRefusal);
  if (target === undefined) {
    if (!mayChangeEntries(to.parent.attributes, context.credentials)) throw errors.fail('EACCES');
  } else {
    const targetRefusal = deletionRefusal(context, to.parent.attributes, target.attributes, sourceIsDirectory);
    if (targetRefusal !== undefined) throw errors.fail(targetRefusal);
  }
  if (!sameParent && sourceIsDirectory && !mayAccess(source.attributes, context.credentials, Access.Write)) {
    throw errors.fail('EACCES');
  }
  if (sameParent && namesEqual(from.name, to.name)) return;
  await errors.guard(() => rename(from.parent.inode, from.name, to.parent.inode, to.name));
}
