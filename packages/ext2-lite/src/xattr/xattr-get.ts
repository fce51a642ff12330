// getxattr / listxattr on a mount that can change attributes: the decoding of
// inode/xattr-read.ts under the inode's lock held shared, so a reader never
// sees a set half applied (block part written, in-inode part not yet).
import type { Ext2Inode } from '../inode/ext2-inode.js';
import { getXattr, listXattrs } from '../inode/xattr-read.js';
import type { MountContext } from '../mount/mount-context.js';

/** The value of attribute `name`; ENODATA when absent. Takes inode.lock shared. */
export function getXattrLocked(ctx: MountContext, inode: Ext2Inode, name: string): Promise<Uint8Array> {
  return inode.lock.withShared(() => getXattr(ctx.vol, inode, name));
}

/** The names of `inode`'s attributes. Takes inode.lock shared. */
export function listXattrsLocked(ctx: MountContext, inode: Ext2Inode): Promise<string[]> {
  return inode.lock.withShared(() => listXattrs(ctx.vol, inode));
}
