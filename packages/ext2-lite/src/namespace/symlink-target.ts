// Storing a new symlink's target (EXT2.md 3.5), decided by length the way
// both e2fsprogs and the kernel read it back:
//   < 60 bytes: fast — the bytes in i_block, the rest of i_block zero,
//               no data block, i_blocks 0
//   else:       slow — one block (target, then NUL padding) in i_block[0],
//               i_blocks = bs/512
// The slow block is written through the block-device cache, where
// readSymlink (inode/symlink-read.ts) reads it.
import { FAST_SYMLINK_AREA, encodeFastSymlink, encodeSlowSymlinkBlock } from '../format/symlink.js';
import { N_BLOCKS } from '../format/inode.js';
import type { Ext2Inode } from '../inode/ext2-inode.js';
import { markInodeDirty } from '../inode/inode-write.js';
import type { MountContext } from '../mount/mount-context.js';
import { writeNewMetadataBlock } from './new-metadata-block.js';

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
    const bs = ctx.vol.geometry.blockSize;
    const first = await writeNewMetadataBlock(ctx, inode, encodeSlowSymlinkBlock(target, bs));
    d.block = new Array<number>(N_BLOCKS).fill(0);
    d.block[0] = first;
    d.blocks += bs / 512;
  }
  d.size = target.length;
  markInodeDirty(ctx, inode);
}
