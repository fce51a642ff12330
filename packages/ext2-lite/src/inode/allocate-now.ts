// Immediate allocation (no delayed allocation): directories and slow
// symlinks written through their page cache, direct writes past EOF, DAX
// writes and fallocate. Blocks are allocated and published in the block map
// at once — indirect blocks first, right before the data — and, when the
// caller asks, zeroed on the device before anything can map them (DAX and
// fallocate hand out blocks nobody will write first).
import { releaseUnpublishedBlocks, allocateBlocks } from '../alloc/block-allocator.js';
import type { BlockExtent } from '../alloc/alloc-state.js';
import type { MountContext } from '../mount/mount-context.js';
import { installRun, missingNodes } from './block-map-write.js';
import { allocationGoal } from './block-placement.js';
import type { Ext2Inode } from './ext2-inode.js';
import { markInodeDirty } from './inode-write.js';

/** Largest zero write issued at once. */
const ZERO_CHUNK = 1 << 20;
const zeros = new Uint8Array(ZERO_CHUNK);

/** Writes zeros over blocks [first, first + count) on the device. */
export async function zeroBlocksOnDevice(ctx: MountContext, first: number, count: number): Promise<void> {
  const bs = ctx.vol.geometry.blockSize;
  const end = (first + count) * bs;
  for (let pos = first * bs; pos < end; pos += ZERO_CHUNK) {
    await ctx.vol.device.write(pos, zeros.subarray(0, Math.min(ZERO_CHUNK, end - pos)));
  }
}

/** Allocates `count` single-block tree nodes as runs from `goal`; returns them in order. */
async function allocateNodes(ctx: MountContext, goal: number, count: number, privileged: boolean): Promise<BlockExtent[]> {
  const runs: BlockExtent[] = [];
  let got = 0;
  try {
    while (got < count) {
      const last = runs[runs.length - 1];
      const run = await allocateBlocks(ctx, { goal: last === undefined ? goal : last.first + last.count, max: count - got, privileged });
      runs.push(run);
      got += run.count;
    }
  } catch (err) {
    for (const run of runs) await releaseUnpublishedBlocks(ctx, run.first, run.count);
    throw err;
  }
  return runs;
}

/**
 * Allocates and publishes data blocks for the hole at logical blocks
 * [lblk, lblk + count): as many as one contiguous run gives (at least one),
 * with the indirect blocks their pointers need. Returns the data run.
 * ENOSPC when not even one block (and its indirect blocks) is free.
 * Precondition: caller holds inode.mapLock; [lblk, lblk + count) is a hole
 * with no delayed allocation.
 */
export async function allocateAndPublish(ctx: MountContext, inode: Ext2Inode, lblk: number, count: number, options: { zero: boolean; privileged: boolean }): Promise<BlockExtent> {
  const goal = await allocationGoal(ctx, inode, lblk);
  const missing = await missingNodes(ctx, inode, lblk, count);
  const nodeRuns = missing.length === 0 ? [] : await allocateNodes(ctx, goal, missing.length, options.privileged);
  const nodeBlocks: number[] = [];
  for (const run of nodeRuns) for (let i = 0; i < run.count; i++) nodeBlocks.push(run.first + i);
  const lastNode = nodeBlocks[nodeBlocks.length - 1];
  let data: BlockExtent;
  try {
    data = await allocateBlocks(ctx, { goal: lastNode === undefined ? goal : lastNode + 1, max: count, privileged: options.privileged });
    if (options.zero) await zeroBlocksOnDevice(ctx, data.first, data.count);
  } catch (err) {
    for (const b of nodeBlocks) await releaseUnpublishedBlocks(ctx, b, 1);
    throw err;
  }
  // Nodes only the part of the run that could not be allocated needed go back.
  const needed = data.count === count ? missing : await missingNodes(ctx, inode, lblk, data.count);
  const byKey = new Map<string, number>();
  missing.forEach((key, i) => {
    if (needed.includes(key)) byKey.set(key, nodeBlocks[i] as number);
  });
  for (const [i, key] of missing.entries()) if (!needed.includes(key)) await releaseUnpublishedBlocks(ctx, nodeBlocks[i] as number, 1);
  await installRun(ctx, inode, lblk, data.count, data.first, async (key) => {
    const block = byKey.get(key);
    if (block !== undefined) return block;
    const [extra] = await allocateNodes(ctx, data.first, 1, options.privileged);
    return (extra as BlockExtent).first;
  });
  markInodeDirty(ctx, inode);
  return data;
}
