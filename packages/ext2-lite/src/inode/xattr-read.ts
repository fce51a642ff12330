// getxattr/listxattr (EXT2.md 5): attributes live in the inode body after
// i_extra_isize (256-byte inodes; where mke2fs -d and the ext4 driver put
// small ones) and in the block i_file_acl points at (shared, refcounted).
// In-inode entries come first, as the kernel lists them.
import { FsError } from '@iomap/core';
import { decodeInodeXattrs, decodeXattrBlock, xattrFullName, type XattrEntry } from '../format/xattr.js';
import { checkFileBlock, withBlock, type Volume } from '../mount/volume.js';
import type { Ext2Inode } from './ext2-inode.js';

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

/** The value of attribute `name` (e.g. `user.origin`); ENODATA when absent. */
export async function getXattr(vol: Volume, inode: Ext2Inode, name: string): Promise<Uint8Array> {
  for (const entry of await inodeXattrs(vol, inode)) {
    if (xattrFullName(entry) === name) return entry.value;
  }
  throw new FsError('ENODATA', `inode ${inode.ino} has no extended attribute ${name}`, { syscall: 'getxattr' });
}

/** Names of the attributes of `inode` (entries with unknown name indexes are left out). */
export async function listXattrs(vol: Volume, inode: Ext2Inode): Promise<string[]> {
  const names: string[] = [];
  for (const entry of await inodeXattrs(vol, inode)) {
    const name = xattrFullName(entry);
    if (name !== undefined) names.push(name);
  }
  return names;
}
