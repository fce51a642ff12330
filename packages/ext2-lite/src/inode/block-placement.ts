// Where a file's new blocks go (EXT2.md 6.1): right after the block mapping
// the previous logical block (published or allocated by writeback), else at
// the start of the inode's own group. Indirect blocks go just before the
// data they map, so a sequential file reads as [data][IND][data]...
import { groupFirstBlock } from '../format/geometry.js';
import type { MountContext } from '../mount/mount-context.js';
import { mapBlockRun } from './block-map-walk.js';
import type { Ext2Inode } from './ext2-inode.js';

/**
 * The goal block for logical block `lblk` of `inode`.
 * Precondition: caller holds inode.mapLock.
 */
export async function allocationGoal(ctx: MountContext, inode: Ext2Inode, lblk: number): Promise<number> {
  if (lblk > 0) {
    const inflight = inode.delalloc.inflight.lookup(lblk - 1);
    if (inflight !== undefined) return inflight.physical + 1;
    const run = await mapBlockRun(ctx.vol, inode, lblk - 1, 1);
    if (run.physical !== 0) return run.physical + 1;
  }
  const g = ctx.vol.geometry;
  const group = Math.floor((inode.ino - 1) / g.inodesPerGroup);
  return groupFirstBlock(g, group);
}
