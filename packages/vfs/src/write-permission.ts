// The permission rules of the calls that change things, as Linux applies
// them on top of the rwx bits (permission.ts): who owns an inode for chmod,
// utimes and the sticky bit, group membership for chown and set-group-ID,
// and who owns a new inode (inode_init_owner: the caller's fsuid, the
// parent's group when the parent is set-group-ID).
import { S_IFDIR, S_IFMT } from './file-mode.js';
import type { InodeAttributes } from './inode-attributes.js';
import { Access, inGroup, mayAccess, type Credentials } from './permission.js';

/**
 * Set-user-ID, set-group-ID and sticky bits (`S_ISUID`, `S_ISGID`, `S_ISVTX`).
 *
 * @example
 * ```ts
 * (mode & ModeBits.SetGid) !== 0; // a set-group-ID directory or file
 * ```
 */
export const ModeBits = { SetUid: 0o4000, SetGid: 0o2000, Sticky: 0o1000, GroupExec: 0o010 } as const;

/** Root has every capability here (CAP_FOWNER, CAP_CHOWN, CAP_FSETID, CAP_MKNOD). */
export function isPrivileged(credentials: Credentials): boolean {
  return credentials.uid === 0;
}

/**
 * `inode_owner_or_capable`: the caller owns the inode, or is root.
 *
 * @example
 * ```ts
 * if (!isOwnerOrPrivileged(attrs, credentials)) throw errors.fail('EPERM'); // chmod by a stranger
 * ```
 */
export function isOwnerOrPrivileged(attributes: InodeAttributes, credentials: Credentials): boolean {
  return isPrivileged(credentials) || attributes.uid === credentials.uid;
}


/**
 * `may_create` and the first half of `may_delete`: write and search
 * permission on the directory that gains or loses a name.
 *
 * @example
 * ```ts
 * if (!mayChangeEntries(parent.attributes, credentials)) throw errors.fail('EACCES');
 * ```
 */
export function mayChangeEntries(directory: InodeAttributes, credentials: Credentials): boolean {
  return mayAccess(directory, credentials, Access.Write | Access.Execute);
}

/**
 * `check_sticky`: in a sticky directory (`/tmp`), only the owner of an entry,
 * the owner of the directory or root may remove or replace it.
 *
 * @example
 * ```ts
 * if (stickyForbids(tmp.attributes, victim.attributes, credentials)) throw errors.fail('EPERM');
 * ```
 */
export function stickyForbids(directory: InodeAttributes, victim: InodeAttributes, credentials: Credentials): boolean {
  if ((directory.mode & ModeBits.Sticky) === 0) return false;
  if (victim.uid === credentials.uid || directory.uid === credentials.uid) return false;
  return !isPrivileged(credentials);
}

/**
 * The mode, owner and group of a new inode of type `type` (an `S_IFx`) made
 * in `parent` with the requested permission bits, as Linux's
 * vfs_prepare_mode and inode_init_owner compute them: the umask clears bits,
 * only `allowedBits` survive (0o1777 for mkdir, 0o7777 for files and nodes),
 * set-group-ID is dropped from an executable file in a set-group-ID directory
 * whose group the caller is not in, and a set-group-ID parent passes on its
 * group (and, to directories, its set-group-ID bit).
 *
 * @example
 * ```ts
 * newInodeOwnership(parent, { uid: 1000, gid: 1000 }, S_IFREG, 0o666, 0o022, 0o7777);
 * // { mode: S_IFREG | 0o644, uid: 1000, gid: 1000 } unless the parent is set-group-ID
 * ```
 */
export function newInodeOwnership(
  parent: InodeAttributes,
  credentials: Credentials,
  type: number,
  requested: number,
  umask: number,
  allowedBits: number,
): { mode: number; uid: number; gid: number } {
  const parentSetGid = (parent.mode & ModeBits.SetGid) !== 0;
  let bits = requested;
  const executableSetGid = (bits & (ModeBits.SetGid | ModeBits.GroupExec)) === (ModeBits.SetGid | ModeBits.GroupExec);
  if (executableSetGid && type !== S_IFDIR && parentSetGid && !inGroup(credentials, parent.gid) && !isPrivileged(credentials)) {
    bits &= ~ModeBits.SetGid;
  }
  bits = bits & ~umask & allowedBits;
  const gid = parentSetGid ? parent.gid : credentials.gid;
  if (parentSetGid && type === S_IFDIR) bits |= ModeBits.SetGid;
  return { mode: (type & S_IFMT) | bits, uid: credentials.uid, gid };
}
