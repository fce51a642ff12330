// Storing a new symlink's target (EXT2.md 3.5), decided by length the way
// both e2fsprogs and the kernel read it back:
//   < 60 bytes: fast — the bytes in i_block, the rest of i_block zero,
//               no data block, i_blocks 0
//   else:       slow — one block (target, then NUL padding) in i_block[0],
//               i_blocks = bs/512
// The slow block is written through the block-device cache, where
// readSymlink (inode/symlink-read.ts) reads it.
import { FAST_SYMLINK_AREA, encodeFastSymlink, encodeSlowSymlinkBlock } from '../format/symlink.js';
import { groupFirstBlock, inodeGroupIndex } from '../format/geometry.js';
import { N_BLOCKS } from '../format/inode.js';
import { allocateBlocks, releaseUnpublishedBlocks } from '../alloc/block-allocator.js';
import type { Ext2Inode } from '../inode/ext2-inode.js';
import { markInodeDirty } from '../inode/inode-write.js';
import type { MountContext } from '../mount/mount-context.js';
import { overwriteMetadataBlock } from '../xattr/xattr-block-refs.js';
import { mayUseReservedBlocks } from './reserved-blocks.js';

/** 'fast' when a target of `length` bytes is stored in i_block. */
export function symlinkStorageFor(length: number): 'fast' | 'slow' {
  return length < FAST_SYMLINK_AREA ? 'fast' : 'slow';
}

/**
 * Stores `target` in the new symlink `inode` and sets i_size (and i_blocks
 * for a slow link). Precondition: inode is a fresh symlink with no blocks;
 * 1 <= target.length < block size; nobody else can reach it yet.
 */
export async function writeSymlinkTarget(ctx: MountContext, inode: Ext2Inode, target: Uint8Array): Promise<void> {
  const d = inode.disk;
  if (symlinkStorageFor(target.length) === 'fast') {
    d.block = encodeFastSymlink(target);
  } else {
    const g = ctx.vol.geometry;
    const bytes = encodeSlowSymlinkBlock(target, g.blockSize);
    const goal = groupFirstBlock(g, inodeGroupIndex(g, inode.ino).group);
    const { first } = await allocateBlocks(ctx, { goal, max: 1, min: 1, privileged: mayUseReservedBlocks(ctx, d.uid, d.gid) });
    try {
      await overwriteMetadataBlock(ctx, first, bytes);
    } catch (err) {
      await releaseUnpublishedBlocks(ctx, first, 1);
      throw err;
    }
    // On the device before any inode pointing at it (metadata-sync step 3).
    ctx.alloc.freshMetadata.add(first);
    d.block = new Array<number>(N_BLOCKS).fill(0);
    d.block[0] = first;
    d.blocks += g.blockSize / 512;
  }
  d.size = target.length;
  markInodeDirty(ctx, inode);
}
