// Reserving space for delayed allocation (buffered writes of regular files)
// and giving it back.
//
//   reserveDelalloc  hole at lblk -> reserve data + the indirect blocks that
//                    are neither in the block map nor already reserved;
//                    on shortage write every file's dirty data back (which
//                    turns worst-case reservations into exact allocations)
//                    and commit pending frees, then try once more: ENOSPC
//   releaseReservation  a short write's or a truncate's unused part
//
// Reserved blocks (s_r_blocks_count) are kept for the inode's owner when it
// is uid 0, s_def_resuid or s_def_resgid: the VFS gives ext2 no caller
// credentials on write, so the owner stands in for the writer.
import { FsError, IomapFlags, IomapType, NULL_ADDR, type IomapMapping } from '@iomap/core';
import { reserveBlocksLocked, unreserveBlocks } from '../alloc/block-allocator.js';
import type { MountContext } from '../mount/mount-context.js';
import { mayUseReservedBlocks } from '../namespace/reserved-blocks.js';
import { missingNodes } from './block-map-write.js';
import { treeNodesOf } from './delalloc-state.js';
import type { Ext2Inode } from './ext2-inode.js';
import { currentMapping, locked } from './current-mapping.js';

/** Whether allocations for `inode` may use the reserved blocks. */
export function ownerMayUseReserved(ctx: MountContext, inode: Ext2Inode): boolean {
  return mayUseReservedBlocks(ctx, inode.disk.uid, inode.disk.gid);
}

/** Tree nodes over [lblk, lblk + count) that the block map already has. Caller holds inode.mapLock. */
async function presentNodes(ctx: MountContext, inode: Ext2Inode, lblk: number, count: number): Promise<Set<string>> {
  const bs = ctx.vol.geometry.blockSize;
  const all = new Set<string>();
  for (let at = lblk; at < lblk + count; ) {
    const { keys, span } = treeNodesOf(at, bs);
    for (const key of keys) all.add(key);
    at += Math.min(span, lblk + count - at);
  }
  if (all.size === 0) return all;
  for (const key of await missingNodes(ctx, inode, lblk, count)) all.delete(key);
  return all;
}

/** One attempt: the mapping (DELALLOC|NEW when this call reserved), or undefined when space ran short. */
async function tryReserve(ctx: MountContext, inode: Ext2Inode, lblk: number, maxBlocks: number, privileged: boolean): Promise<IomapMapping | undefined> {
  return locked(inode, async () => {
    const current = await currentMapping(ctx, inode, lblk, maxBlocks);
    if (current.type !== IomapType.Hole) return current;
    const bs = ctx.vol.geometry.blockSize;
    const hole = current.length / bs;
    const state = inode.delalloc;
    for (const count of hole > 1 ? [hole, 1] : [1]) {
      const present = await presentNodes(ctx, inode, lblk, count);
      const cost = state.cost(lblk, count, bs, present);
      const ok = await ctx.alloc.mutex.runExclusive(() => reserveBlocksLocked(ctx, cost, privileged));
      if (!ok) continue;
      const taken = state.reserve(lblk, count, bs, present);
      if (taken !== cost) {
        unreserveBlocks(ctx, cost - taken);
      }
      return {
        offset: lblk * bs,
        length: count * bs,
        addr: NULL_ADDR,
        type: IomapType.Delalloc,
        flags: IomapFlags.New,
        private: { reserved: { lblk, count } },
        validityCookie: inode.mappingCookie,
      };
    }
    return undefined;
  });
}

/**
 * Writes every file's dirty data back (turning worst-case reservations into
 * exact allocations) and commits pending frees: what may make room before a
 * reservation gives up. Errors of that writeback stay recorded for fsync.
 */
export async function makeRoom(ctx: MountContext): Promise<void> {
  for (const other of ctx.inodes.loaded()) {
    if (!other.isRegular || other.mapping === undefined || other.delalloc.reserved.empty) continue;
    try {
      await other.mapping.writeAndWaitRange(0, Number.MAX_SAFE_INTEGER);
    } catch {
      // Recorded in the file's errseq: its next fsync reports it.
    }
  }
  if (ctx.alloc.pendingFreeBlocks > 0 && ctx.alloc.commit !== undefined) await ctx.alloc.commit();
}

/**
 * The write mapping of a regular file's buffered write at `lblk`: what is
 * there, or a new reservation over a hole (DELALLOC|NEW). ENOSPC when not
 * even one block can be reserved after making room.
 * Precondition: caller holds inode.lock exclusively, not inode.mapLock.
 */
export async function reserveDelalloc(ctx: MountContext, inode: Ext2Inode, lblk: number, maxBlocks: number, privileged: boolean): Promise<IomapMapping> {
  const first = await tryReserve(ctx, inode, lblk, maxBlocks, privileged);
  if (first !== undefined) return first;
  await makeRoom(ctx);
  const second = await tryReserve(ctx, inode, lblk, maxBlocks, privileged);
  if (second !== undefined) return second;
  throw new FsError('ENOSPC', `no space left on the ext2 filesystem for inode ${inode.ino} (${ctx.alloc.freeBlocks} free, ${ctx.alloc.reservedBlocks} reserved for delayed allocation, ${ctx.vol.sb.rBlocksCount} kept for root)`, {
    syscall: 'write',
  });
}

/**
 * Gives back the reservations of the whole blocks of file bytes
 * [pos, pos + length) (BUF-23's punch, truncate, hole punching).
 * Precondition: caller does not hold inode.mapLock (this takes it).
 */
export async function releaseReservation(ctx: MountContext, inode: Ext2Inode, pos: number, length: number): Promise<void> {
  const bs = ctx.vol.geometry.blockSize;
  await locked(inode, () => {
    const { dataBlocks, nodesReleased } = inode.delalloc.unreserve(Math.floor(pos / bs), Math.ceil((pos + length) / bs), bs);
    unreserveBlocks(ctx, dataBlocks + nodesReleased);
  });
}
