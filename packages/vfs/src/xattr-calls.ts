// Extended attributes by path, an extension of the adapter (node:fs has
// none), named like the Linux syscalls: getxattr, setxattr, listxattr,
// removexattr, and the l- forms that do not follow a final symlink. Linux's
// rules (xattr.c): a name of 0 or more than 255 bytes is ERANGE, a value
// over 64 KiB E2BIG, unknown flags EINVAL; changes on a read-only
// filesystem EROFS; `trusted.*` is root's (others: EPERM to change, ENODATA
// to read, and listxattr leaves them out); `user.*` lives only on regular
// files and directories (EPERM to change, ENODATA to read elsewhere), and in
// a sticky directory only its owner changes them; otherwise the inode's
// read (get) or write (set, remove) permission decides (EACCES). A missing
// attribute is ENODATA; XATTR_CREATE on an existing one EEXIST; a
// namespace the filesystem does not know EOPNOTSUPP.
import { isDirectoryMode, isRegularMode } from './file-mode.js';
import type { InodeAttributes } from './inode-attributes.js';
import { encodeName } from './name-bytes.js';
import { CallErrors } from './node-error.js';
import { toPathArgument, type PathLike } from './path-argument.js';
import { isAclName } from './posix-acl.js';
import { Access, mayAccess } from './permission.js';
import type { VfsContext } from './vfs-context.js';
import { checkInteger, invalidType } from './write-arguments.js';
import { ModeBits, isOwnerOrPrivileged, isPrivileged } from './write-permission.js';

/**
 * setxattr flag: fail with EEXIST when the attribute exists (Linux's value).
 *
 * @example
 * ```ts
 * await fsp.setxattr('/a', 'user.tag', 'x', XATTR_CREATE);
 * ```
 */
export const XATTR_CREATE = 1;
/**
 * setxattr flag: fail with ENODATA when the attribute does not exist (Linux's value).
 *
 * @example
 * ```ts
 * await fsp.setxattr('/a', 'user.tag', 'y', XATTR_REPLACE);
 * ```
 */
export const XATTR_REPLACE = 2;

const NAME_MAX_BYTES = 255;
const VALUE_MAX_BYTES = 65536;

function checkName(name: unknown, errors: CallErrors): string {
  if (typeof name !== 'string') throw invalidType('name', 'of type string', name);
  const length = encodeName(name).length;
  if (length === 0 || length > NAME_MAX_BYTES) throw errors.fail('ERANGE');
  return name;
}

/** xattr_permission: undefined when allowed, else the code. */
function xattrRefusal(attributes: InodeAttributes, name: string, write: boolean, context: VfsContext<unknown>): 'EPERM' | 'ENODATA' | 'EACCES' | undefined {
  const { credentials } = context;
  // POSIX ACLs: only the owner (or a privileged caller) may set them, as the kernel's inode_owner_or_capable.
  if (write && isAclName(name) && !isOwnerOrPrivileged(attributes, credentials)) return 'EPERM';
  if (name.startsWith('security.') || name.startsWith('system.')) return undefined;
  if (name.startsWith('trusted.')) return isPrivileged(credentials) ? undefined : write ? 'EPERM' : 'ENODATA';
  if (name.startsWith('user.')) {
    if (!isRegularMode(attributes.mode) && !isDirectoryMode(attributes.mode)) return write ? 'EPERM' : 'ENODATA';
    const sticky = isDirectoryMode(attributes.mode) && (attributes.mode & ModeBits.Sticky) !== 0;
    if (sticky && write && !isOwnerOrPrivileged(attributes, credentials)) return 'EPERM';
  }
  return mayAccess(attributes, credentials, write ? Access.Write : Access.Read) ? undefined : 'EACCES';
}

async function target<I>(context: VfsContext<I>, path: PathLike, syscall: string, follow: boolean) {
  const errors = new CallErrors(syscall, toPathArgument(path).display);
  const resolved = await errors.guard(() => context.resolve(path, syscall, follow));
  return { errors, resolved };
}

/**
 * getxattr/lgetxattr: the value of attribute `name`.
 *
 * @example
 * ```ts
 * await getXattr(context, '/a', 'user.origin', true);
 * ```
 */
export async function getXattr<I>(context: VfsContext<I>, path: PathLike, name: unknown, follow: boolean): Promise<Uint8Array> {
  const syscall = follow ? 'getxattr' : 'lgetxattr';
  const key = checkName(name, new CallErrors(syscall, toPathArgument(path).display));
  const { errors, resolved } = await target(context, path, syscall, follow);
  const refusal = xattrRefusal(resolved.attributes, key, false, context as VfsContext<unknown>);
  if (refusal !== undefined) throw errors.fail(refusal);
  const getxattr = context.fs.getxattr;
  if (getxattr === undefined) throw errors.fail('ENODATA');
  return errors.guard(() => getxattr.call(context.fs, resolved.inode, key));
}

/**
 * listxattr/llistxattr: the attribute names (without `trusted.*` for others than root).
 *
 * @example
 * ```ts
 * await listXattrs(context, '/a', true); // ['user.origin']
 * ```
 */
export async function listXattrs<I>(context: VfsContext<I>, path: PathLike, follow: boolean): Promise<string[]> {
  const { errors, resolved } = await target(context, path, follow ? 'listxattr' : 'llistxattr', follow);
  const listxattr = context.fs.listxattr;
  if (listxattr === undefined) return [];
  const names = await errors.guard(() => listxattr.call(context.fs, resolved.inode));
  return isPrivileged(context.credentials) ? names : names.filter((n) => !n.startsWith('trusted.'));
}

/**
 * setxattr/lsetxattr: sets attribute `name` to `value` (a string is UTF-8);
 * `flags` is 0, XATTR_CREATE or XATTR_REPLACE.
 *
 * @example
 * ```ts
 * await setXattr(context, '/a', 'user.origin', 'camera', 0, true);
 * ```
 */
export async function setXattr<I>(
  context: VfsContext<I>,
  path: PathLike,
  name: unknown,
  value: unknown,
  flags: unknown,
  follow: boolean,
): Promise<void> {
  const syscall = follow ? 'setxattr' : 'lsetxattr';
  const display = toPathArgument(path).display;
  const early = new CallErrors(syscall, display);
  const bits = flags === undefined ? 0 : checkInteger(flags, 'flags', 0, 2 ** 31 - 1);
  if ((bits & ~(XATTR_CREATE | XATTR_REPLACE)) !== 0) throw early.fail('EINVAL');
  const key = checkName(name, early);
  if (typeof value !== 'string' && !ArrayBuffer.isView(value)) throw invalidType('value', 'of type string or an instance of Uint8Array', value);
  const bytes = typeof value === 'string' ? encodeName(value) : new Uint8Array(value.buffer, value.byteOffset, value.byteLength).slice();
  if (bytes.length > VALUE_MAX_BYTES) throw early.fail('E2BIG');
  const { errors, resolved } = await target(context, path, syscall, follow);
  if (context.fs.readOnly) throw errors.fail('EROFS');
  const refusal = xattrRefusal(resolved.attributes, key, true, context as VfsContext<unknown>);
  if (refusal !== undefined) throw errors.fail(refusal);
  const setxattr = context.fs.setxattr;
  if (setxattr === undefined) throw errors.fail('EOPNOTSUPP');
  await errors.guard(() =>
    setxattr.call(context.fs, resolved.inode, key, bytes, { create: (bits & XATTR_CREATE) !== 0, replace: (bits & XATTR_REPLACE) !== 0 }),
  );
}

/**
 * removexattr/lremovexattr: removes attribute `name` (ENODATA when absent).
 *
 * @example
 * ```ts
 * await removeXattr(context, '/a', 'user.origin', true);
 * ```
 */
export async function removeXattr<I>(context: VfsContext<I>, path: PathLike, name: unknown, follow: boolean): Promise<void> {
  const syscall = follow ? 'removexattr' : 'lremovexattr';
  const early = new CallErrors(syscall, toPathArgument(path).display);
  const key = checkName(name, early);
  const { errors, resolved } = await target(context, path, syscall, follow);
  if (context.fs.readOnly) throw errors.fail('EROFS');
  const refusal = xattrRefusal(resolved.attributes, key, true, context as VfsContext<unknown>);
  if (refusal !== undefined) throw errors.fail(refusal);
  const removexattr = context.fs.removexattr;
  if (removexattr === undefined) throw errors.fail('EOPNOTSUPP');
  await errors.guard(() => removexattr.call(context.fs, resolved.inode, key));
}
