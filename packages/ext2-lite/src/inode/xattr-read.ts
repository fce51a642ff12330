// getxattr/listxattr (EXT2.md 5): attributes live in the inode body after
// i_extra_isize (256-byte inodes; where mke2fs -d and the ext4 driver put
// small ones) and in the block i_file_acl points at (shared, refcounted).
// In-inode entries come first, as the kernel lists them. POSIX ACLs are
// stored in ext2's ACL encoding and served in the xattr one, and only while
// ACLs are in force on the mount (the kernel hides them with -o noacl).
import { FsError } from '@iomap/core';
import { encodeAclXattr, isAclName, type AclEntry } from '@iomap/vfs';
import { decodeAclDisk, isAclNameIndex } from '../format/posix-acl.js';
import { decodeInodeXattrs, decodeXattrBlock, hasInodeXattrArea, xattrFullName, type XattrEntry } from '../format/xattr.js';
import { checkFileBlock, withBlock, type Volume } from '../mount/volume.js';
import type { Ext2Inode } from './ext2-inode.js';

/** True when `inode` has attributes in its body or an attribute block (a check without reading anything). */
export function hasXattrs(inode: Ext2Inode): boolean {
  const d = inode.disk;
  return d.fileAcl !== 0 || (d.inodeSize > 128 && hasInodeXattrArea(d.raw, d.extraIsize ?? 0));
}

/** Every attribute of `inode`, in-inode ones first. Precondition: inode is live. */
export async function inodeXattrs(vol: Volume, inode: Ext2Inode): Promise<XattrEntry[]> {
  const d = inode.disk;
  const out: XattrEntry[] = [];
  if (d.inodeSize > 128) out.push(...decodeInodeXattrs(d.raw, { ino: inode.ino, extraIsize: d.extraIsize ?? 0 }));
  if (d.fileAcl !== 0) {
    checkFileBlock(vol, d.fileAcl, { structure: `inode ${inode.ino}`, location: 'i_file_acl' });
    const block = await withBlock(vol, d.fileAcl, (data) => decodeXattrBlock(data, { block: d.fileAcl, ino: inode.ino }));
    out.push(...block.entries);
  }
  return out;
}

/** EOPNOTSUPP unless POSIX ACLs are in force on this mount. */
export function requirePosixAcl(vol: Volume, syscall: string): void {
  if (!vol.posixAcl) {
    throw new FsError('EOPNOTSUPP', 'POSIX ACLs are not in force on this mount (s_default_mount_opts lacks acl, or the ext_attr feature is off; mount with { acl: true } to use them)', { syscall });
  }
}

/** The ACL in a stored ACL attribute of `inode`; EUCLEAN naming the inode and attribute when it is malformed. */
export function decodeStoredAcl(inode: Ext2Inode, entry: Pick<XattrEntry, 'nameIndex' | 'name' | 'value'>): AclEntry[] {
  return decodeAclDisk(entry.value, { structure: `inode ${inode.ino}`, location: `extended attribute ${xattrFullName(entry) ?? `index ${entry.nameIndex}`}` });
}

/** The stored ACL attribute under `nameIndex`, or undefined. */
export async function storedAcl(vol: Volume, inode: Ext2Inode, nameIndex: number): Promise<XattrEntry | undefined> {
  return (await inodeXattrs(vol, inode)).find((e) => e.nameIndex === nameIndex && e.name.length === 0);
}

/** The ACL stored under `nameIndex`, decoded (EUCLEAN when malformed); undefined when there is none. */
export async function readPosixAcl(vol: Volume, inode: Ext2Inode, nameIndex: number): Promise<AclEntry[] | undefined> {
  const entry = await storedAcl(vol, inode, nameIndex);
  return entry === undefined ? undefined : decodeStoredAcl(inode, entry);
}

/** The value of attribute `name` (e.g. `user.origin`); ENODATA when absent. */
export async function getXattr(vol: Volume, inode: Ext2Inode, name: string): Promise<Uint8Array> {
  if (isAclName(name)) requirePosixAcl(vol, 'getxattr');
  for (const entry of await inodeXattrs(vol, inode)) {
    if (xattrFullName(entry) !== name) continue;
    if (!isAclNameIndex(entry.nameIndex)) return entry.value;
    return encodeAclXattr(decodeStoredAcl(inode, entry));
  }
  throw new FsError('ENODATA', `inode ${inode.ino} has no extended attribute ${name}`, { syscall: 'getxattr' });
}

/** Names of the attributes of `inode` (entries with unknown name indexes, and ACLs while they are not in force, are left out). */
export async function listXattrs(vol: Volume, inode: Ext2Inode): Promise<string[]> {
  const names: string[] = [];
  for (const entry of await inodeXattrs(vol, inode)) {
    const name = xattrFullName(entry);
    if (name !== undefined && (vol.posixAcl || !isAclNameIndex(entry.nameIndex))) names.push(name);
  }
  return names;
}
