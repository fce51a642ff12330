// Where the fixed metadata of each group lives (EXT2.md 2.3, 2.4), as
// e2fsprogs reserves it (ext2fs_super_and_bgd_loc2 / reserve_super_and_bgd):
//
//   group with a superblock copy (0, 1, powers of 3/5/7 with sparse_super):
//     superblock | GDT (desc_blocks) | reserved GDT (s_reserved_gdt_blocks)
//   meta_bg, meta group m >= s_first_meta_bg: one descriptor block in the
//     first, second and last group of the meta group, after the superblock
//     copy if that group has one (the old-style table then only covers the
//     first s_first_meta_bg blocks, and reserved GDT blocks are not kept)
//
// Bitmaps and inode tables come from the group descriptors.
import { INCOMPAT } from '../format/features.js';
import { groupFirstBlock, type Geometry } from '../format/geometry.js';
import { hasSuperblockBackup } from '../format/superblock.js';

/** A run of blocks [first, first + count). */
export interface BlockRun {
  readonly first: number;
  readonly count: number;
}

/** The superblock copy and descriptor blocks (primary, backup and reserved) of `group`. */
export function superAndDescriptorRuns(g: Geometry, group: number): BlockRun[] {
  const runs: BlockRun[] = [];
  const start = groupFirstBlock(g, group);
  const hasSuper = hasSuperblockBackup(g, group);
  const metaBg = (g.featureIncompat & INCOMPAT.meta_bg) !== 0;
  const oldDescBlocks = metaBg ? g.firstMetaBg : g.descriptorBlocks + g.reservedGdtBlocks;
  if (hasSuper) runs.push({ first: start, count: 1 });
  const metaGroup = Math.floor(group / g.descriptorsPerBlock);
  if (!metaBg || metaGroup < g.firstMetaBg) {
    if (hasSuper && oldDescBlocks > 0) runs.push({ first: start + 1, count: Math.min(oldDescBlocks, g.blocksCount - (start + 1)) });
  } else {
    const within = group % g.descriptorsPerBlock;
    if (within === 0 || within === 1 || within === g.descriptorsPerBlock - 1) runs.push({ first: start + (hasSuper ? 1 : 0), count: 1 });
  }
  return runs.filter((r) => r.count > 0);
}
