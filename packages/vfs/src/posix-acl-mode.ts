// How a POSIX ACL and the mode's permission bits follow each other (the
// kernel's fs/posix_acl.c rules, which the ext2 and ext4 drivers apply):
//
//   setting an access ACL  -> the mode's rwx bits become the ACL's owner,
//                             group-class (MASK, else GROUP_OBJ) and other
//                             perms; an ACL of just those three entries says
//                             nothing the mode does not, so it is not stored
//   chmod                  -> USER_OBJ, OTHER and the group class (MASK, else
//                             GROUP_OBJ) take the new bits; named entries stay
//   creating in a directory with a default ACL
//                          -> the new inode's ACL is the default narrowed by
//                             the requested mode, and the mode is narrowed by
//                             the ACL; directories also inherit the default
import { ACL_PERM_MASK, ACL_TAG, type AclEntry } from './posix-acl.js';

const RWX_BITS = 0o777;

/**
 * The mode an access ACL implies (non-rwx bits of `mode` kept), and whether
 * the ACL says more than the mode can (when not, a filesystem stores no ACL,
 * as posix_acl_update_mode decides).
 *
 * @example
 * ```ts
 * const { mode, equivalent } = aclEquivalentMode(entries, attrs.mode);
 * ```
 */
export function aclEquivalentMode(entries: readonly AclEntry[], mode: number): { mode: number; equivalent: boolean } {
  let bits = 0;
  let mask: number | undefined;
  let equivalent = true;
  for (const e of entries) {
    const perm = e.perm & ACL_PERM_MASK;
    if (e.tag === ACL_TAG.userObj) bits |= perm << 6;
    else if (e.tag === ACL_TAG.groupObj) bits |= perm << 3;
    else if (e.tag === ACL_TAG.other) bits |= perm;
    else if (e.tag === ACL_TAG.mask) {
      mask = perm;
      equivalent = false;
    } else equivalent = false;
  }
  if (mask !== undefined) bits = (bits & ~0o70) | (mask << 3);
  return { mode: (mode & ~RWX_BITS) | bits, equivalent };
}

/**
 * The access ACL after chmod to `mode` (posix_acl_chmod). Precondition: `entries` is valid.
 *
 * @example
 * ```ts
 * const updated = aclAfterChmod(entries, 0o100640);
 * ```
 */
export function aclAfterChmod(entries: readonly AclEntry[], mode: number): AclEntry[] {
  const hasMask = entries.some((e) => e.tag === ACL_TAG.mask);
  return entries.map((e) => {
    switch (e.tag) {
      case ACL_TAG.userObj:
        return { ...e, perm: (mode >> 6) & ACL_PERM_MASK };
      case ACL_TAG.other:
        return { ...e, perm: mode & ACL_PERM_MASK };
      case ACL_TAG.mask:
        return { ...e, perm: (mode >> 3) & ACL_PERM_MASK };
      case ACL_TAG.groupObj:
        return hasMask ? e : { ...e, perm: (mode >> 3) & ACL_PERM_MASK };
      default:
        return e;
    }
  });
}

/**
 * What a new inode of `mode` gets under a parent whose default ACL is
 * `defaults`: its narrowed mode, and its access ACL (undefined when the
 * narrowed ACL is equivalent to the mode). Precondition: `defaults` is
 * valid. The kernel's posix_acl_create.
 *
 * @example
 * ```ts
 * const { mode, access } = aclForNewInode(parentDefaults, 0o100666 & ~umask);
 * ```
 */
export function aclForNewInode(defaults: readonly AclEntry[], mode: number): { mode: number; access: AclEntry[] | undefined } {
  let narrowed = mode;
  let equivalent = true;
  const acl = defaults.map((e) => ({ ...e }));
  let groupClass: { perm: number } | undefined;
  let groupObj: { perm: number } | undefined;
  for (const e of acl) {
    switch (e.tag) {
      case ACL_TAG.userObj:
        e.perm &= (narrowed >> 6) & ACL_PERM_MASK;
        narrowed &= (e.perm << 6) | ~0o700;
        break;
      case ACL_TAG.other:
        e.perm &= narrowed & ACL_PERM_MASK;
        narrowed &= e.perm | ~0o7;
        break;
      case ACL_TAG.groupObj:
        groupObj = e;
        break;
      case ACL_TAG.mask:
        groupClass = e;
        equivalent = false;
        break;
      default:
        equivalent = false;
    }
  }
  const group = groupClass ?? groupObj;
  if (group !== undefined) {
    group.perm &= (narrowed >> 3) & ACL_PERM_MASK;
    narrowed &= (group.perm << 3) | ~0o70;
  }
  return { mode: mode & narrowed, access: equivalent ? undefined : acl };
}
