// The calls that add a name for something other than a directory or a new
// regular file: link(2), symlink(2) and mknod(2) (an extension: node:fs has
// no mknod). Each follows Linux's order: the source walk (link), then the
// new name's checks (name-creation.ts), then the call's own rules.
import { S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK, isDirectoryMode, isRegularMode } from './file-mode.js';
import type { InodeAttributes } from './inode-attributes.js';
import { PATH_MAX } from './name-bytes.js';
import { checkMayCreate, prepareCreate, requireOperation } from './name-creation.js';
import { CallErrors } from './node-error.js';
import { toPathArgument, type PathLike } from './path-argument.js';
import { Access, mayAccess, type Credentials } from './permission.js';
import type { VfsContext } from './vfs-context.js';
import { ModeBits, isOwnerOrPrivileged, isPrivileged, newInodeOwnership } from './write-permission.js';

/**
 * `safe_hardlink_source` (fs.protected_hardlinks = 1, Linux's default): a
 * user may link to another user's file only if it is a regular file that is
 * not set-user-ID, not executable set-group-ID, and that they may read and write.
 */
function mayHardlink(attributes: InodeAttributes, credentials: Credentials): boolean {
  if (isOwnerOrPrivileged(attributes, credentials)) return true;
  if (!isRegularMode(attributes.mode)) return false;
  if ((attributes.mode & ModeBits.SetUid) !== 0) return false;
  const executableSetGid = ModeBits.SetGid | ModeBits.GroupExec;
  if ((attributes.mode & executableSetGid) === executableSetGid) return false;
  return mayAccess(attributes, credentials, Access.Read | Access.Write);
}

/**
 * link(2): a new name `newPath` for the inode at `existingPath` (a final
 * symlink is linked itself, not followed, as Linux's linkat does by default).
 *
 * @example
 * ```ts
 * await linkPath(context, '/data/a', '/data/b');
 * ```
 */
export async function linkPath<I>(context: VfsContext<I>, existingPath: PathLike, newPath: PathLike): Promise<void> {
  const errors = new CallErrors('link', toPathArgument(existingPath, 'existingPath').display, toPathArgument(newPath, 'newPath').display);
  const link = requireOperation(context.fs, 'link', errors);
  const source = await errors.guard(() => context.resolve(existingPath, 'link', false));
  const { parent, name } = await prepareCreate(context, newPath, errors, { makesDirectory: false, checkPermission: false });
  if (!mayHardlink(source.attributes, context.credentials)) throw errors.fail('EPERM');
  checkMayCreate(context, parent, errors);
  if (isDirectoryMode(source.attributes.mode)) throw errors.fail('EPERM');
  if (source.attributes.nlink === 0) throw errors.fail('ENOENT');
  await errors.guard(() => link(source.inode, parent.inode, name));
}

/**
 * symlink(2): a symlink at `path` whose target is `target` (stored as given).
 * An empty target is ENOENT and one of 4096 bytes or more ENAMETOOLONG,
 * before anything else, as Linux copies the target in first.
 *
 * @example
 * ```ts
 * await symlinkPath(context, '../lib/libc.so.6', '/usr/lib/libc.so');
 * ```
 */
export async function symlinkPath<I>(context: VfsContext<I>, target: PathLike, path: PathLike): Promise<void> {
  const targetArgument = toPathArgument(target, 'target');
  const errors = new CallErrors('symlink', targetArgument.display, toPathArgument(path).display);
  const symlink = requireOperation(context.fs, 'symlink', errors);
  if (targetArgument.bytes.length === 0) throw errors.fail('ENOENT');
  if (targetArgument.bytes.length >= PATH_MAX) throw errors.fail('ENAMETOOLONG');
  const { parent, name } = await prepareCreate(context, path, errors, { makesDirectory: false });
  const owner = newInodeOwnership(parent.attributes, context.credentials, S_IFLNK, 0o777, 0, 0o777);
  await errors.guard(() => symlink(parent.inode, name, targetArgument.bytes.slice(), { ...owner, timeNs: context.now() }));
}

/**
 * mknod(2), an extension of the adapter: makes a FIFO, socket, character or
 * block device (`S_IFIFO`, `S_IFSOCK`, `S_IFCHR`, `S_IFBLK` in `mode`, with
 * permission bits), or an empty regular file (`S_IFREG` or no type bits).
 * `dev` is the device number in Linux's encoding (`st_rdev`). Devices need
 * root (EPERM); a directory type is EPERM and an unknown type EINVAL.
 *
 * @example
 * ```ts
 * await makeNode(context, '/dev/null', S_IFCHR | 0o666, (1 << 8) | 3);
 * ```
 */
export async function makeNode<I>(context: VfsContext<I>, path: PathLike, mode: number, dev: number): Promise<void> {
  const errors = new CallErrors('mknod', toPathArgument(path).display);
  const type = mode & S_IFMT;
  // may_mknod comes before the path is even walked.
  if (type === S_IFDIR) throw errors.fail('EPERM');
  if (![0, S_IFREG, S_IFCHR, S_IFBLK, S_IFIFO, S_IFSOCK].includes(type)) throw errors.fail('EINVAL');
  const { parent, name } = await prepareCreate(context, path, errors, { makesDirectory: false });
  if ((type === S_IFCHR || type === S_IFBLK) && !isPrivileged(context.credentials)) throw errors.fail('EPERM');
  const owner = newInodeOwnership(parent.attributes, context.credentials, type === 0 ? S_IFREG : type, mode & 0o7777, context.umask, 0o7777);
  const init = { ...owner, timeNs: context.now() };
  if (type === 0 || type === S_IFREG) {
    const create = requireOperation(context.fs, 'create', errors);
    await errors.guard(() => create(parent.inode, name, init));
    return;
  }
  const mknod = requireOperation(context.fs, 'mknod', errors);
  const rdev = type === S_IFCHR || type === S_IFBLK ? dev : 0;
  await errors.guard(() => mknod(parent.inode, name, { ...init, rdev }));
}
