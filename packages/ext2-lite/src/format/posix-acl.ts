// POSIX ACLs as ext2 stores them (EXT2.md 5.1, name indexes 2 and 3).
// getxattr/setxattr speak the VFS encoding (@iomap/vfs's encodeAclXattr and
// decodeAclXattr); ext2 stores a shorter one, and both the kernel and
// libext2fs translate at that boundary:
//
//   ext2:  u32 version 1, then {u16 tag, u16 perm} for USER_OBJ, GROUP_OBJ,
//          MASK, OTHER and {u16 tag, u16 perm, u32 id} for USER, GROUP
import { CorruptFilesystemError, type CorruptionSite } from '@iomap/core';
import { ACL_UNDEFINED_ID, aclProblem, aclTagNamesSomeone, type AclEntry } from '@iomap/vfs';

const ACL_EXT2_VERSION = 1;

/** The e_name_index of the two ACL attributes. */
export const ACL_NAME_INDEX = { access: 2, default: 3 } as const;

/** The ext2 on-disk value of `entries`. */
export function encodeAclDisk(entries: readonly AclEntry[]): Uint8Array {
  const size = entries.reduce((n, e) => n + (aclTagNamesSomeone(e.tag) ? 8 : 4), 4);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, ACL_EXT2_VERSION, true);
  let at = 4;
  for (const e of entries) {
    view.setUint16(at, e.tag, true);
    view.setUint16(at + 2, e.perm, true);
    if (aclTagNamesSomeone(e.tag)) view.setUint32(at + 4, e.id, true);
    at += aclTagNamesSomeone(e.tag) ? 8 : 4;
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
    if (!aclTagNamesSomeone(tag)) {
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

/** True for the e_name_index of an ACL attribute. */
export const isAclNameIndex = (nameIndex: number): boolean => nameIndex === ACL_NAME_INDEX.access || nameIndex === ACL_NAME_INDEX.default;
