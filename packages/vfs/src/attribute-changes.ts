// chmod, chown and utimes (and their l- and f- forms), with Linux's rules
// (chmod_common, chown_common, vfs_utimes, setattr_prepare): EROFS on a
// read-only filesystem; chmod and explicit times only by the owner or root
// (EPERM); chown of the user only by root, of the group by the owner to a
// group they are in; chmod by someone outside the file's group drops
// set-group-ID; a chown of anything but a directory clears set-user-ID, and
// set-group-ID when group-executable (or when the caller is outside the
// group); every change sets ctime.
import { isDirectoryMode } from './file-mode.js';
import type { AttributeChanges } from './inode-operations.js';
import type { FoundInode } from './name-creation.js';
import { CallErrors } from './node-error.js';
import { toPathArgument, type PathLike } from './path-argument.js';
import type { VfsContext } from './vfs-context.js';
import { timeNsOfSeconds } from './write-arguments.js';
import { inGroup } from './permission.js';
import { ModeBits, isOwnerOrPrivileged, isPrivileged } from './write-permission.js';

/** Applies `changes` (plus ctime) through the filesystem's setattr. */
async function applyChanges<I>(context: VfsContext<I>, inode: I, changes: AttributeChanges, errors: CallErrors): Promise<void> {
  if (context.fs.readOnly) throw errors.fail('EROFS');
  const setattr = context.fs.setattr;
  if (setattr === undefined) throw errors.fail('EPERM');
  await errors.guard(() => setattr.call(context.fs, inode, { ...changes, ctimeNs: context.now() }));
}

/**
 * chmod/fchmod: new permission bits (`mode & 0o7777`) for `target`.
 *
 * @example
 * ```ts
 * await changeMode(context, resolved, 0o600, new CallErrors('chmod', '/a'));
 * ```
 */
export async function changeMode<I>(context: VfsContext<I>, target: FoundInode<I>, mode: number, errors: CallErrors): Promise<void> {
  if (context.fs.readOnly) throw errors.fail('EROFS');
  if (!isOwnerOrPrivileged(target.attributes, context.credentials)) throw errors.fail('EPERM');
  let bits = mode & 0o7777;
  if (!isPrivileged(context.credentials) && !inGroup(context.credentials, target.attributes.gid)) bits &= ~ModeBits.SetGid;
  await applyChanges(context, target.inode, { mode: bits }, errors);
}

/** chown_ok / chgrp_ok: the refusal for changing owner to `uid` and group to `gid` (-1: unchanged). */
function ownerChangeRefused(context: VfsContext<unknown>, target: FoundInode<unknown>, uid: number, gid: number): boolean {
  const { credentials } = context;
  if (isPrivileged(credentials)) return false;
  const { attributes } = target;
  const isOwner = attributes.uid === credentials.uid;
  if (uid !== -1 && !(isOwner && uid === attributes.uid)) return true;
  if (gid !== -1 && !(isOwner && (gid === attributes.gid || inGroup(credentials, gid)))) return true;
  return false;
}

/**
 * chown/lchown/fchown: new owner and group (`-1` keeps one as it is).
 *
 * @example
 * ```ts
 * await changeOwner(context, resolved, 1000, -1, new CallErrors('chown', '/a'));
 * ```
 */
export async function changeOwner<I>(context: VfsContext<I>, target: FoundInode<I>, uid: number, gid: number, errors: CallErrors): Promise<void> {
  if (context.fs.readOnly) throw errors.fail('EROFS');
  if (ownerChangeRefused(context as VfsContext<unknown>, target, uid, gid)) throw errors.fail('EPERM');
  const changes: AttributeChanges = {};
  if (uid !== -1) changes.uid = uid;
  if (gid !== -1) changes.gid = gid;
  const { mode, gid: oldGid } = target.attributes;
  if (!isDirectoryMode(mode)) {
    let kill = mode & ModeBits.SetUid;
    if ((mode & ModeBits.SetGid) !== 0) {
      const groupExecutable = (mode & ModeBits.GroupExec) !== 0;
      if (groupExecutable || !(isPrivileged(context.credentials) || inGroup(context.credentials, oldGid))) kill |= ModeBits.SetGid;
    }
    if (kill !== 0) changes.mode = mode & 0o7777 & ~kill;
  }
  await applyChanges(context, target.inode, changes, errors);
}

/**
 * utimes/lutimes/futimes: explicit access and modification times, in
 * seconds since the epoch (converted as libuv does: microsecond resolution).
 *
 * @example
 * ```ts
 * await changeTimes(context, resolved, 1_700_000_000, 1_700_000_000.5, new CallErrors('utime', '/a'));
 * ```
 */
export async function changeTimes<I>(context: VfsContext<I>, target: FoundInode<I>, atime: number, mtime: number, errors: CallErrors): Promise<void> {
  if (context.fs.readOnly) throw errors.fail('EROFS');
  if (!isOwnerOrPrivileged(target.attributes, context.credentials)) throw errors.fail('EPERM');
  await applyChanges(context, target.inode, { atimeNs: timeNsOfSeconds(atime), mtimeNs: timeNsOfSeconds(mtime) }, errors);
}

/**
 * Resolves `path` for an attribute change: follows a final symlink unless
 * `follow` is false (lchown, lutimes). Errors carry `syscall` and the path.
 *
 * @example
 * ```ts
 * const { target, errors } = await attributeTarget(context, '/a', 'chmod', true);
 * ```
 */
export async function attributeTarget<I>(
  context: VfsContext<I>,
  path: PathLike,
  syscall: string,
  follow: boolean,
): Promise<{ target: FoundInode<I>; errors: CallErrors }> {
  const errors = new CallErrors(syscall, toPathArgument(path).display);
  const resolved = await errors.guard(() => context.resolve(path, syscall, follow));
  return { target: resolved, errors };
}

/**
 * chmod(path, mode): follows a final symlink.
 *
 * @example
 * ```ts
 * await chmodPath(context, '/a', 0o600);
 * ```
 */
export async function chmodPath<I>(context: VfsContext<I>, path: PathLike, mode: number): Promise<void> {
  const { target, errors } = await attributeTarget(context, path, 'chmod', true);
  await changeMode(context, target, mode, errors);
}

/**
 * chown (`follow`) or lchown of a path.
 *
 * @example
 * ```ts
 * await chownPath(context, '/a', 1000, 1000, true);
 * ```
 */
export async function chownPath<I>(context: VfsContext<I>, path: PathLike, uid: number, gid: number, follow: boolean): Promise<void> {
  const { target, errors } = await attributeTarget(context, path, follow ? 'chown' : 'lchown', follow);
  await changeOwner(context, target, uid, gid, errors);
}

/**
 * utimes (`follow`) or lutimes of a path, with times in seconds.
 *
 * @example
 * ```ts
 * await utimesPath(context, '/a', 1_700_000_000, 1_700_000_000, true);
 * ```
 */
export async function utimesPath<I>(context: VfsContext<I>, path: PathLike, atime: number, mtime: number, follow: boolean): Promise<void> {
  const { target, errors } = await attributeTarget(context, path, follow ? 'utime' : 'lutime', follow);
  await changeTimes(context, target, atime, mtime, errors);
}
