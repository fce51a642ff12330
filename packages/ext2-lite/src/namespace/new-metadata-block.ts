// One new metadata block for an inode (a slow symlink's target, a shared
// xattr block): allocated near the inode's group, written, and marked fresh
// so metadata-sync puts it on the device before any inode pointing at it
// (step 3). The caller then points the inode at it.
import { allocateBlocks, releaseUnpublishedBlocks } from '../alloc/block-allocator.js';
import { groupFirstBlock, inodeGroupIndex } from '../format/geometry.js';
import type { Ext2Inode } from '../inode/ext2-inode.js';
import type { MountContext } from '../mount/mount-context.js';
import { overwriteMetadataBlock } from '../xattr/xattr-block-refs.js';
import { mayUseReservedBlocks } from './reserved-blocks.js';

/**
 * Allocates a block for `inode` (reserved blocks only for its privileged
 * owner), writes `bytes` (one block) there and returns its number. A failed
 * write gives the block back and rethrows.
 */
export async function writeNewMetadataBlock(ctx: MountContext, inode: Ext2Inode, bytes: Uint8Array): Promise<number> {
  const g = ctx.vol.geometry;
  const goal = groupFirstBlock(g, inodeGroupIndex(g, inode.ino).group);
  const { uid, gid } = inode.disk;
  const { first } = await allocateBlocks(ctx, { goal, max: 1, min: 1, privileged: mayUseReservedBlocks(ctx, uid, gid) });
  try {
    await overwriteMetadataBlock(ctx, first, bytes);
  } catch (err) {
    await releaseUnpublishedBlocks(ctx, first, 1);
    throw err;
  }
  ctx.alloc.freshMetadata.add(first);
  return first;
}
