// Permission checks the way Linux's generic_permission makes them: the
// owner gets the owner bits; anyone else, on an inode with an access ACL,
// what the ACL grants (posix_acl_permission: a named-user entry, else every
// group entry that applies, each limited by MASK, else OTHER); without an
// ACL the group, then other bits. Root (uid 0) may read and write anything
// and search any directory, but executes a file only when some x bit is set.
import { isDirectoryMode } from './file-mode.js';
import type { InodeAttributes } from './inode-attributes.js';
import { ACL_TAG, type AclEntry } from './posix-acl.js';

/**
 * Who is asking: the uid, gid and supplementary groups permission checks use.
 *
 * @example
 * ```ts
 * const me: Credentials = { uid: 1000, gid: 1000, groups: [27] };
 * ```
 */
export interface Credentials {
  uid: number;
  gid: number;
  /** Supplementary group ids. */
  groups?: readonly number[];
}

/**
 * Root's credentials, the adapter's default: a tool that opens a disk image
 * is usually meant to see all of it.
 *
 * @example
 * ```ts
 * createFsPromises(fs, { credentials: ROOT_CREDENTIALS });
 * ```
 */
export const ROOT_CREDENTIALS: Credentials = Object.freeze({ uid: 0, gid: 0, groups: Object.freeze([]) });

/**
 * Access bits, with the values of `R_OK`, `W_OK` and `X_OK` (Linux `MAY_*`).
 *
 * @example
 * ```ts
 * mayAccess(attrs, credentials, Access.Read | Access.Write);
 * ```
 */
export const Access = { Execute: 1, Write: 2, Read: 4 } as const;

/**
 * `in_group_p`: `gid` is the caller's group or one of its supplementary groups.
 *
 * @example
 * ```ts
 * inGroup({ uid: 1000, gid: 1000, groups: [27] }, 27); // true
 * ```
 */
export function inGroup(credentials: Credentials, gid: number): boolean {
  return credentials.gid === gid || (credentials.groups ?? []).includes(gid);
}

/** The rwx bits of `mode` that apply to a caller who is not the owner (group or other), as a 3-bit value. */
function groupOrOtherBits(attrs: InodeAttributes, credentials: Credentials): number {
  return inGroup(credentials, attrs.gid) ? (attrs.mode >> 3) & 7 : attrs.mode & 7;
}

/** The perms of `acl[index]` as its group-class MASK (the entry after it, if any) limits them. */
function maskedPerm(acl: readonly AclEntry[], index: number): number {
  const perm = acl[index]!.perm;
  for (let i = index + 1; i < acl.length; i++) if (acl[i]!.tag === ACL_TAG.mask) return perm & acl[i]!.perm;
  return perm;
}

/**
 * posix_acl_permission for a caller who is not the owner: whether `acl`
 * grants every bit of `want`. The first named-user entry for the caller
 * decides; else any applicable group entry (owning group or named) that
 * grants it all; else, if some group entry applied, refused; else OTHER.
 */
function aclGrants(acl: readonly AclEntry[], attrs: InodeAttributes, credentials: Credentials, want: number): boolean {
  let groupApplied = false;
  for (const [i, entry] of acl.entries()) {
    switch (entry.tag) {
      case ACL_TAG.user:
        if (entry.id === credentials.uid) return (maskedPerm(acl, i) & want) === want;
        break;
      case ACL_TAG.groupObj:
      case ACL_TAG.group:
        if (inGroup(credentials, entry.tag === ACL_TAG.groupObj ? attrs.gid : entry.id)) {
          groupApplied = true;
          if ((entry.perm & want) === want) return (maskedPerm(acl, i) & want) === want;
        }
        break;
      case ACL_TAG.other:
        return !groupApplied && (entry.perm & want) === want;
      case ACL_TAG.userObj: // the owner was answered by the mode
      case ACL_TAG.mask: // applied with the entry it limits
        break;
      default:
        // Not an ACL tag: the kernel's EIO, a refusal.
        return false;
    }
  }
  // No OTHER entry: not a valid ACL (the kernel's EIO).
  return false;
}

/**
 * True when `credentials` may access the inode with every bit of `mask`
 * ({@link Access} bits), by its mode and, when `attrs.accessAcl` is
 * given, its access ACL. Read-only filesystems are checked separately
 * (`EROFS` comes before permission bits in Linux).
 *
 * @example
 * ```ts
 * mayAccess({ ...attrs, mode: 0o100644, uid: 0 }, { uid: 1000, gid: 1000 }, Access.Write); // false
 * ```
 */
export function mayAccess(attrs: InodeAttributes, credentials: Credentials, mask: number): boolean {
  if (mask === 0) return true;
  if (credentials.uid === 0) {
    // CAP_DAC_OVERRIDE: everything but executing a file nobody may execute.
    if ((mask & Access.Execute) === 0 || isDirectoryMode(attrs.mode)) return true;
    return (attrs.mode & 0o111) !== 0;
  }
  if (credentials.uid === attrs.uid) return (mask & ~(attrs.mode >> 6) & 7) === 0;
  // An ACL can grant nothing when the group class (MASK) is empty: the kernel skips it then too.
  if (attrs.accessAcl !== undefined && (attrs.mode & 0o070) !== 0) return aclGrants(attrs.accessAcl, attrs, credentials, mask & 7);
  return (mask & ~groupOrOtherBits(attrs, credentials)) === 0;
}
