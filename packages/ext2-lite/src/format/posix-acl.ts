// POSIX ACLs in their two encodings (EXT2.md 5.1, name indexes 2 and 3).
//
// getxattr/setxattr ("system.posix_acl_access" / "_default") speak the VFS
// encoding; ext2 stores a shorter one, and both the kernel and libext2fs
// translate at that boundary:
//
//   xattr: u32 version 2, then per entry {u16 tag, u16 perm, u32 id}; the id
//          of an entry that names nobody is 0xFFFFFFFF (ACL_UNDEFINED_ID)
//   ext2:  u32 version 1, then {u16 tag, u16 perm} for USER_OBJ, GROUP_OBJ,
//          MASK, OTHER and {u16 tag, u16 perm, u32 id} for USER, GROUP
//
// A valid ACL (the kernel's posix_acl_valid): USER_OBJ, USER*, GROUP_OBJ,
// GROUP*, MASK?, OTHER in that order, exactly one of each *_OBJ and OTHER,
// a MASK whenever there is a named USER or GROUP, perms within rwx, and ids
// that are real ids (not 0xFFFFFFFF).
import { CorruptFilesystemError, FsError, type CorruptionSite } from '@iomap/core';

export const ACL_TAG = { userObj: 0x01, user: 0x02, groupObj: 0x04, group: 0x08, mask: 0x10, other: 0x20 } as const;
export const ACL_PERM_MASK = 0o7;
/** The id of entries that name nobody, in the xattr encoding. */
export const ACL_UNDEFINED_ID = 0xffffffff;
export const ACL_XATTR_VERSION = 2;
export const ACL_EXT2_VERSION = 1;

/** Full names of the two ACL attributes, and their e_name_index. */
export const ACL_ACCESS_NAME = 'system.posix_acl_access';
export const ACL_DEFAULT_NAME = 'system.posix_acl_default';
export const ACL_NAME_INDEX = { access: 2, default: 3 } as const;

/** One ACL entry; `id` is meaningful for USER and GROUP only. */
export interface AclEntry {
  readonly tag: number;
  readonly perm: number;
  readonly id: number;
}

const namesSomeone = (tag: number): boolean => tag === ACL_TAG.user || tag === ACL_TAG.group;

/**
 * Decodes a setxattr value. `null` means "no ACL" (a header without entries
 * removes the ACL, as the kernel treats it). EOPNOTSUPP for another
 * version, EINVAL for a malformed or invalid ACL.
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
  return entries.map((e) => (namesSomeone(e.tag) ? e : { ...e, id: ACL_UNDEFINED_ID }));
}

/** The getxattr value of `entries`. */
export function encodeAclXattr(entries: readonly AclEntry[]): Uint8Array {
  const out = new Uint8Array(4 + 8 * entries.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, ACL_XATTR_VERSION, true);
  entries.forEach((e, i) => {
    view.setUint16(4 + 8 * i, e.tag, true);
    view.setUint16(6 + 8 * i, e.perm, true);
    view.setUint32(8 + 8 * i, namesSomeone(e.tag) ? e.id : ACL_UNDEFINED_ID, true);
  });
  return out;
}

/** The ext2 on-disk value of `entries`. */
export function encodeAclDisk(entries: readonly AclEntry[]): Uint8Array {
  const size = entries.reduce((n, e) => n + (namesSomeone(e.tag) ? 8 : 4), 4);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, ACL_EXT2_VERSION, true);
  let at = 4;
  for (const e of entries) {
    view.setUint16(at, e.tag, true);
    view.setUint16(at + 2, e.perm, true);
    if (namesSomeone(e.tag)) view.setUint32(at + 4, e.id, true);
    at += namesSomeone(e.tag) ? 8 : 4;
  }
  return out;
}

/** Decodes an ext2 on-disk ACL; EUCLEAN (naming `site`) when it is malformed or invalid. */
export function decodeAclDisk(value: Uint8Array, site: CorruptionSite): AclEntry[] {
  const corrupt = (detail: string): CorruptFilesystemError => new CorruptFilesystemError(site, `POSIX ACL ${detail}`);
  if (value.length < 4) throw corrupt(`of ${value.length} bytes has no header`);
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
  const version = view.getUint32(0, true);
  if (version !== ACL_EXT2_VERSION) throw corrupt(`version ${version} (ext2 stores version ${ACL_EXT2_VERSION})`);
  const entries: AclEntry[] = [];
  let at = 4;
  while (at < value.length) {
    if (at + 4 > value.length) throw corrupt(`ends inside an entry at byte ${at}`);
    const tag = view.getUint16(at, true);
    const perm = view.getUint16(at + 2, true);
    if (!namesSomeone(tag)) {
      entries.push({ tag, perm, id: ACL_UNDEFINED_ID });
      at += 4;
      continue;
    }
    if (at + 8 > value.length) throw corrupt(`ends inside an entry at byte ${at}`);
    entries.push({ tag, perm, id: view.getUint32(at + 4, true) });
    at += 8;
  }
  const problem = entries.length === 0 ? 'it has no entries' : aclProblem(entries);
  if (problem !== undefined) throw corrupt(`is invalid: ${problem}`);
  return entries;
}

const TAG_NAMES: Readonly<Record<number, string>> = { 1: 'USER_OBJ', 2: 'USER', 4: 'GROUP_OBJ', 8: 'GROUP', 16: 'MASK', 32: 'OTHER' };

/** Why `entries` is not a valid ACL (posix_acl_valid), or undefined when it is. */
export function aclProblem(entries: readonly AclEntry[]): string | undefined {
  // The state machine walks USER_OBJ -> USER* -> GROUP_OBJ -> GROUP* -> MASK? -> OTHER.
  let state: 'userObj' | 'users' | 'groups' | 'mask' | 'done' = 'userObj';
  let needsMask = false;
  for (const [i, e] of entries.entries()) {
    const where = `entry ${i} (${TAG_NAMES[e.tag] ?? `tag 0x${e.tag.toString(16)}`})`;
    if ((e.perm & ~ACL_PERM_MASK) !== 0) return `${where} has permission bits 0x${e.perm.toString(16)} outside rwx`;
    if (namesSomeone(e.tag) && e.id === ACL_UNDEFINED_ID) return `${where} names id 4294967295, which is no id`;
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

/** True for the e_name_index of an ACL attribute. */
export const isAclNameIndex = (nameIndex: number): boolean => nameIndex === ACL_NAME_INDEX.access || nameIndex === ACL_NAME_INDEX.default;
