// POSIX ACLs as the VFS speaks them: the value of getxattr/setxattr of
// "system.posix_acl_access" and "system.posix_acl_default" (Linux's
// posix_acl_xattr format), and the rule a valid ACL obeys. Filesystems store
// ACLs in their own encodings and translate at this boundary.
//
//   value: u32 version 2, then per entry {u16 tag, u16 perm, u32 id}; the id
//          of an entry that names nobody is 0xFFFFFFFF (ACL_UNDEFINED_ID)
//
// A valid ACL (the kernel's posix_acl_valid): USER_OBJ, USER*, GROUP_OBJ,
// GROUP*, MASK?, OTHER in that order, exactly one of each *_OBJ and OTHER,
// a MASK whenever there is a named USER or GROUP, perms within rwx, and ids
// that are real ids (not 0xFFFFFFFF).
import { FsError } from '@iomap/core';

/**
 * ACL entry tags (Linux's `ACL_USER_OBJ` … `ACL_OTHER`).
 *
 * @example
 * ```ts
 * const entry: AclEntry = { tag: ACL_TAG.user, perm: 0o6, id: 1000 };
 * ```
 */
export const ACL_TAG = { userObj: 0x01, user: 0x02, groupObj: 0x04, group: 0x08, mask: 0x10, other: 0x20 } as const;

/**
 * The permission bits an entry may hold (r = 4, w = 2, x = 1).
 *
 * @example
 * ```ts
 * const perm = mode & ACL_PERM_MASK;
 * ```
 */
export const ACL_PERM_MASK = 0o7;

/**
 * The id of entries that name nobody, in the xattr encoding.
 *
 * @example
 * ```ts
 * const other: AclEntry = { tag: ACL_TAG.other, perm: 0o4, id: ACL_UNDEFINED_ID };
 * ```
 */
export const ACL_UNDEFINED_ID = 0xffffffff;

/** The version word of the xattr encoding (`POSIX_ACL_XATTR_VERSION`). */
const ACL_XATTR_VERSION = 2;

/**
 * The attribute holding a file's access ACL.
 *
 * @example
 * ```ts
 * await fs.getxattr(inode, ACL_ACCESS_NAME);
 * ```
 */
export const ACL_ACCESS_NAME = 'system.posix_acl_access';

/**
 * The attribute holding a directory's default ACL (what new entries inherit).
 *
 * @example
 * ```ts
 * await fs.setxattr(dir, ACL_DEFAULT_NAME, encodeAclXattr(defaults));
 * ```
 */
export const ACL_DEFAULT_NAME = 'system.posix_acl_default';

/**
 * True for the names of the two ACL attributes.
 *
 * @example
 * ```ts
 * isAclName('system.posix_acl_access'); // true
 * ```
 */
export const isAclName = (name: string): boolean => name === ACL_ACCESS_NAME || name === ACL_DEFAULT_NAME;

/**
 * One ACL entry; `id` is meaningful for USER and GROUP only.
 *
 * @example
 * ```ts
 * const lp: AclEntry = { tag: ACL_TAG.user, perm: 0o7, id: 7 };
 * ```
 */
export interface AclEntry {
  readonly tag: number;
  readonly perm: number;
  readonly id: number;
}

/**
 * True for the tags whose entries name a user or group (USER, GROUP).
 *
 * @example
 * ```ts
 * aclTagNamesSomeone(ACL_TAG.group); // true
 * ```
 */
export const aclTagNamesSomeone = (tag: number): boolean => tag === ACL_TAG.user || tag === ACL_TAG.group;

/**
 * Decodes a setxattr value. `null` means "no ACL" (a header without entries
 * removes the ACL, as the kernel treats it). EOPNOTSUPP for another
 * version, EINVAL for a malformed or invalid ACL.
 *
 * @example
 * ```ts
 * const entries = decodeAclXattr(await fs.getxattr(inode, ACL_ACCESS_NAME), 'getxattr');
 * ```
 */
export function decodeAclXattr(value: Uint8Array, syscall = 'setxattr'): AclEntry[] | null {
  if (value.length < 4) throw new FsError('EINVAL', `a POSIX ACL value needs at least its 4-byte header, got ${value.length} bytes`, { syscall });
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
  const version = view.getUint32(0, true);
  if (version !== ACL_XATTR_VERSION) throw new FsError('EOPNOTSUPP', `POSIX ACL xattr version ${version} is not the supported version ${ACL_XATTR_VERSION}`, { syscall });
  if ((value.length - 4) % 8 !== 0) throw new FsError('EINVAL', `a POSIX ACL value of ${value.length} bytes is not a header plus whole 8-byte entries`, { syscall });
  const entries: AclEntry[] = [];
  for (let at = 4; at < value.length; at += 8) {
    entries.push({ tag: view.getUint16(at, true), perm: view.getUint16(at + 2, true), id: view.getUint32(at + 4, true) });
  }
  if (entries.length === 0) return null;
  const problem = aclProblem(entries);
  if (problem !== undefined) throw new FsError('EINVAL', `invalid POSIX ACL: ${problem}`, { syscall });
  return entries.map((e) => (aclTagNamesSomeone(e.tag) ? e : { ...e, id: ACL_UNDEFINED_ID }));
}

/**
 * The getxattr value of `entries`.
 *
 * @example
 * ```ts
 * await fsp.setxattr('/shared', ACL_ACCESS_NAME, encodeAclXattr(entries));
 * ```
 */
export function encodeAclXattr(entries: readonly AclEntry[]): Uint8Array {
  const out = new Uint8Array(4 + 8 * entries.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, ACL_XATTR_VERSION, true);
  entries.forEach((e, i) => {
    view.setUint16(4 + 8 * i, e.tag, true);
    view.setUint16(6 + 8 * i, e.perm, true);
    view.setUint32(8 + 8 * i, aclTagNamesSomeone(e.tag) ? e.id : ACL_UNDEFINED_ID, true);
  });
  return out;
}

const TAG_NAMES: Readonly<Record<number, string>> = { 1: 'USER_OBJ', 2: 'USER', 4: 'GROUP_OBJ', 8: 'GROUP', 16: 'MASK', 32: 'OTHER' };

/**
 * Why `entries` is not a valid ACL (posix_acl_valid), or undefined when it is.
 *
 * @example
 * ```ts
 * aclProblem([{ tag: ACL_TAG.other, perm: 0o4, id: ACL_UNDEFINED_ID }]); // "entry 0 (OTHER) is out of place …"
 * ```
 */
export function aclProblem(entries: readonly AclEntry[]): string | undefined {
  // The state machine walks USER_OBJ -> USER* -> GROUP_OBJ -> GROUP* -> MASK? -> OTHER.
  let state: 'userObj' | 'users' | 'groups' | 'mask' | 'done' = 'userObj';
  let needsMask = false;
  for (const [i, e] of entries.entries()) {
    const where = `entry ${i} (${TAG_NAMES[e.tag] ?? `tag 0x${e.tag.toString(16)}`})`;
    if ((e.perm & ~ACL_PERM_MASK) !== 0) return `${where} has permission bits 0x${e.perm.toString(16)} outside rwx`;
    if (aclTagNamesSomeone(e.tag) && e.id === ACL_UNDEFINED_ID) return `${where} names id 4294967295, which is no id`;
    const ok = ((): boolean => {
      switch (e.tag) {
        case ACL_TAG.userObj:
          if (state !== 'userObj') return false;
          state = 'users';
          return true;
        case ACL_TAG.user:
          needsMask = true;
          return state === 'users';
        case ACL_TAG.groupObj:
          if (state !== 'users') return false;
          state = 'groups';
          return true;
        case ACL_TAG.group:
          needsMask = true;
          return state === 'groups';
        case ACL_TAG.mask:
          if (state !== 'groups') return false;
          state = 'mask';
          return true;
        case ACL_TAG.other:
          if (state !== 'mask' && !(state === 'groups' && !needsMask)) return false;
          state = 'done';
          return true;
        default:
          return false;
      }
    })();
    if (!ok) return `${where} is out of place (order: USER_OBJ, USER..., GROUP_OBJ, GROUP..., MASK, OTHER; MASK required with named entries)`;
  }
  return state === 'done' ? undefined : 'it lacks a USER_OBJ, GROUP_OBJ, MASK or OTHER entry it needs';
}

