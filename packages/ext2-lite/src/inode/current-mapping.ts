// The mapping of a file range as it is now, combining the three places a
// block can be: published in the block map, allocated by writeback and
// waiting for its ioend (inflight), or only reserved (delayed allocation).
// A hole stops where an inflight or reserved range begins.
import { IomapFlags, IomapType, NULL_ADDR, type IomapMapping } from '@iomap/core';
import type { MountContext } from '../mount/mount-context.js';
import { mapBlockRun } from './block-map-walk.js';
import type { Ext2Inode } from './ext2-inode.js';

/**
 * The mapping of logical block `lblk` onward (at most `maxBlocks`) as the
 * file is now: published blocks, blocks writeback allocated, reservations,
 * or a hole that stops where one of those starts. Carries the inode's
 * mapping cookie (iomapValid). Precondition: caller holds inode.mapLock.
 */
export async function currentMapping(ctx: MountContext, inode: Ext2Inode, lblk: number, maxBlocks: number): Promise<IomapMapping> {
  const mapping = await mappingAt(ctx, inode, lblk, maxBlocks);
  mapping.validityCookie = inode.mappingCookie;
  return mapping;
}

async function mappingAt(ctx: MountContext, inode: Ext2Inode, lblk: number, maxBlocks: number): Promise<IomapMapping> {
  const bs = ctx.vol.geometry.blockSize;
  const offset = lblk * bs;
  const state = inode.delalloc;
  const inflight = state.inflight.lookup(lblk);
  if (inflight !== undefined) {
    const count = Math.min(inflight.count, maxBlocks);
    return { offset, length: count * bs, addr: inflight.physical * bs, type: IomapType.Mapped, flags: 0, device: ctx.vol.device };
  }
  const reserved = state.reserved.lookup(lblk);
  if (reserved !== undefined) {
    return { offset, length: Math.min(reserved.count, maxBlocks) * bs, addr: NULL_ADDR, type: IomapType.Delalloc, flags: 0 };
  }
  const run = await mapBlockRun(ctx.vol, inode, lblk, maxBlocks);
  if (run.physical !== 0) {
    return { offset, length: run.count * bs, addr: run.physical * bs, type: IomapType.Mapped, flags: run.count > 1 ? IomapFlags.Merged : 0, device: ctx.vol.device };
  }
  const end = Math.min(lblk + run.count, state.inflight.nextCovered(lblk), state.reserved.nextCovered(lblk));
  return { offset, length: (end - lblk) * bs, addr: NULL_ADDR, type: IomapType.Hole, flags: 0 };
}

/** Runs `fn` under inode.mapLock. */
export async function locked<T>(inode: Ext2Inode, fn: () => Promise<T> | T): Promise<T> {
  const release = await inode.mapLock.lock();
  try {
    return await fn();
  } finally {
    release();
  }
}
