// Writeback of ext2 file data (IOMAP-SPEC 2.5, BUF-32 … BUF-42): where dirty
// runs go, and what happens when their device writes finished.
//
//   writebackRange(pos, len, endPos)
//     published / inflight blocks  -> MAPPED (overwrite in place)
//     reserved (delalloc)          -> allocate the whole reserved run up to
//                                     endPos: missing indirect blocks first,
//                                     data right after (one contiguous run
//                                     when free space allows), recorded as
//                                     inflight -> MAPPED
//     hole                         -> HOLE (truncated or punched meanwhile)
//   ioendComplete(ioend)
//     success: publish the inflight blocks of the ioend's range (on-disk
//              bitmap bits, pointers, indirect blocks, i_blocks) and raise
//              i_size to its end — one metadata change (the barrier)
//     failure: the data never reached the device; its blocks go back at once
//
// So a block pointer reaches the cache (and later the device) only after
// the data it points to was written, and a block is marked in use on disk
// only together with the pointer to it: every metadata sync writes a
// consistent image even while writeback is in flight.
import { FsError, IomapType, type Iomap, type Ioend, type WritebackOps } from '@iomap/core';
import { allocateBlocks, publishClaimedBlocks, releaseClaimedBlocks, unreserveBlocks } from '../alloc/block-allocator.js';
import type { BlockExtent } from '../alloc/alloc-state.js';
import type { MountContext } from '../mount/mount-context.js';
import { installRun, missingNodes } from './block-map-write.js';
import { allocationGoal } from './block-placement.js';
import { currentMapping, locked } from './current-mapping.js';
import type { Ext2Inode } from './ext2-inode.js';
import { markInodeDirty } from './inode-write.js';
import { noteFileSize } from './file-size.js';

/**
 * Allocates the reserved run at `lblk` (at most `count` blocks): indirect
 * blocks its pointers will need, then the data. Returns the data run, now
 * inflight. Precondition: caller holds inode.mapLock; lblk is reserved.
 */
async function allocateReserved(ctx: MountContext, inode: Ext2Inode, lblk: number, count: number): Promise<BlockExtent> {
  const state = inode.delalloc;
  const bs = ctx.vol.geometry.blockSize;
  const goal = await allocationGoal(ctx, inode, lblk);
  const nodes = (await missingNodes(ctx, inode, lblk, count)).filter((key) => !state.inflightNodes.has(key));
  let next = goal;
  for (let i = 0; i < nodes.length; ) {
    // Nodes held in the reservation come out of it; others (over-reserved away) from free space.
    let fromReservation = 0;
    const batch = nodes.slice(i);
    for (const key of batch) if (state.consumeNode(key)) fromReservation++;
    let run: BlockExtent;
    try {
      run = await allocateBlocks(ctx, { goal: next, max: batch.length, privileged: true, fromReservation, claim: true });
    } catch (err) {
      // The consumed node reservations left the inode's state: give them back.
      unreserveBlocks(ctx, fromReservation);
      throw err;
    }
    // Reservation consumed beyond what the run took stays counted as used until released.
    if (fromReservation > run.count) unreserveBlocks(ctx, fromReservation - run.count);
    for (let k = 0; k < run.count; k++) state.inflightNodes.set(batch[k] as string, run.first + k);
    i += run.count;
    next = run.first + run.count;
  }
  const data = await allocateBlocks(ctx, { goal: next, max: count, privileged: true, fromReservation: count, claim: true });
  // The data blocks came out of the reservation; nodes nobody reserved for any more go back.
  const { dataBlocks, nodesReleased } = state.unreserve(lblk, lblk + data.count, bs);
  if (dataBlocks !== data.count) {
    throw new FsError('EIO', `inode ${inode.ino}: writeback allocated ${data.count} blocks at ${lblk} but ${dataBlocks} were reserved`, { syscall: 'writeback' });
  }
  unreserveBlocks(ctx, nodesReleased);
  state.startInflight({ lblk, count: data.count, physical: data.first });
  return data;
}

/** Gives back indirect blocks allocated for inflight data that no longer need them. Caller holds inode.mapLock. */
export async function releaseIdleNodes(ctx: MountContext, inode: Ext2Inode): Promise<void> {
  const state = inode.delalloc;
  if (!state.inflight.empty || !state.reserved.empty || state.inflightNodes.size === 0) return;
  const blocks = [...state.inflightNodes.values()];
  state.inflightNodes.clear();
  for (const b of blocks) await releaseClaimedBlocks(ctx, b, 1);
}

/**
 * Publishes the inflight blocks of logical [start, end): on-disk bitmap bits
 * and counters, pointers, indirect blocks, i_blocks. Caller holds
 * inode.mapLock and is inside the metadata barrier.
 */
async function publish(ctx: MountContext, inode: Ext2Inode, start: number, end: number): Promise<boolean> {
  const state = inode.delalloc;
  const pieces = state.takeInflight(start, end);
  for (const piece of pieces) {
    await publishClaimedBlocks(ctx, piece.physical, piece.count);
    await installRun(ctx, inode, piece.lblk, piece.count, piece.physical, async (key) => {
      const block = state.inflightNodes.get(key);
      if (block !== undefined) {
        state.inflightNodes.delete(key);
        await publishClaimedBlocks(ctx, block, 1);
        return block;
      }
      // Not planned (e.g. a node freed by a hole punch meanwhile): allocate it now.
      const run = await allocateBlocks(ctx, { goal: piece.physical, max: 1, privileged: true });
      return run.first;
    });
  }
  return pieces.length > 0;
}

/** ext2's writeback callbacks of one mount. */
export function ext2WritebackOps(ctx: MountContext): WritebackOps<Ext2Inode> {
  const bs = ctx.vol.geometry.blockSize;
  return {
    async writebackRange(inode: Ext2Inode, pos: number, length: number, endPos: number): Promise<Iomap> {
      return locked(inode, async () => {
        const lblk = Math.floor(pos / bs);
        const endBlock = Math.max(lblk + 1, Math.ceil(Math.max(pos + length, endPos) / bs));
        const current = await currentMapping(ctx, inode, lblk, endBlock - lblk);
        current.validityCookie = inode.removalSeq;
        if (current.type !== IomapType.Delalloc) return current;
        const data = await allocateReserved(ctx, inode, lblk, current.length / bs);
        return { offset: lblk * bs, length: data.count * bs, addr: data.first * bs, type: IomapType.Mapped, flags: 0, device: ctx.vol.device, validityCookie: inode.removalSeq };
      });
    },

    mappingValid: (inode: Ext2Inode, iomap: Iomap) => iomap.validityCookie === inode.removalSeq,

    async ioendComplete(inode: Ext2Inode, ioend: Ioend): Promise<void> {
      const start = Math.floor(ioend.offset / bs);
      const end = Math.ceil((ioend.offset + ioend.size) / bs);
      if (!inode.isRegular) return; // directories and symlinks publish at allocation
      // One metadata change: a sync sees all of this publication or none of it.
      await ctx.barrier.change(() =>
        locked(inode, async () => {
          if (ioend.error !== undefined) {
            // The data is lost (reported by fsync); its claimed blocks go straight back.
            for (const piece of inode.delalloc.takeInflight(start, end)) await releaseClaimedBlocks(ctx, piece.physical, piece.count);
            await releaseIdleNodes(ctx, inode);
            return;
          }
          ctx.flushBehind.noteWritten(ioend.size);
          const changed = await publish(ctx, inode, start, end);
          const sizeChanged = noteFileSize(ctx, inode, Math.min(ioend.offset + ioend.size, inode.size));
          if (changed || sizeChanged) markInodeDirty(ctx, inode);
          await releaseIdleNodes(ctx, inode);
        }),
      );
    },
  };
}
