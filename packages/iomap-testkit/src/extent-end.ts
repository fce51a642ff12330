// ExtentMapFs's iomapEnd (CORE-11, IOMAP-SPEC 2.3): persist staged inline
// data, undo what iomapBegin created beyond the last written block (drop
// unused reservations, free unused allocations, put shared blocks back after
// an unfinished copy on write), and extend the size of a write.
// Caller holds the mapping lock.
//
//   begin allocated blocks [4, 8); written = 5000 bytes from block 4 (4 KiB blocks):
//   last written block = round_up(pos + written) -> 6, so blocks 6 and 7 are freed.
import { IomapOp, iomapLastWrittenBlock, type Iomap } from '@iomap/core';
import { BeginState, type FreshRange } from './extent-begin.js';
import type { ExtentRecord } from './extent-map.js';
import { commitInline } from './extent-inline.js';
import type { FsContext, InodeState } from './fs-context.js';

/** Ends one mapping. */
export function endMapping(
  ctx: FsContext,
  inode: InodeState,
  pos: number,
  written: number,
  op: number,
  iomap: Iomap,
): void {
  const state = iomap.private instanceof BeginState ? iomap.private : undefined;
  if (state?.staging !== undefined) commitInline(inode, state.staging, pos, written);
  if (state?.fresh !== undefined) {
    const cutoff = iomapLastWrittenBlock(ctx.blockSize, pos, written) / ctx.blockSize;
    undoFresh(ctx, inode, state.fresh, Math.max(cutoff, state.fresh.start));
  }
  // A write fault maps whole pages; it never moves EOF (the page may straddle it).
  const extendingWrite = (op & IomapOp.Write) !== 0 && (op & (IomapOp.Zero | IomapOp.Unshare | IomapOp.Fault)) === 0;
  if (extendingWrite && written > 0 && ctx.opts.extendSizeOnEnd && pos + written > inode.size) {
    inode.size = pos + written;
    inode.metadataDirty = true;
  }
}

/** Whether `piece` still holds the blocks the begin call created. */
function isOurs(piece: ExtentRecord, fresh: FreshRange): boolean {
  if (fresh.how === 'reserve') return piece.kind === 'delalloc';
  return piece.kind !== 'delalloc' && piece.devBlock === fresh.devBlock + (piece.fileBlock - fresh.start);
}

/** Undoes blocks `[from, fresh end)` of a begin call's creation; settles COW references. */
function undoFresh(ctx: FsContext, inode: InodeState, fresh: FreshRange, from: number): void {
  const end = fresh.start + fresh.blocks;
  let changed = false;
  let restored = 0;
  const restoredBlocks = new Uint8Array(fresh.blocks);
  for (const piece of from < end ? inode.map.slice(from, end) : []) {
    if (!isOurs(piece, fresh)) continue;
    inode.map.remove(piece.fileBlock, piece.fileBlock + piece.blocks);
    ctx.release(piece);
    changed = true;
    if (fresh.old !== undefined) {
      const oldDev = fresh.old.devBlock + (piece.fileBlock - fresh.start);
      inode.map.insert({ fileBlock: piece.fileBlock, blocks: piece.blocks, kind: fresh.old.kind, devBlock: oldDev });
      restoredBlocks.fill(1, piece.fileBlock - fresh.start, piece.fileBlock - fresh.start + piece.blocks);
      restored += piece.blocks;
    }
  }
  if (fresh.old !== undefined && restored < fresh.blocks) {
    // The file no longer references old blocks that were written (or whose
    // replacement was truncated away meanwhile): drop its reference to them.
    for (let i = 0; i < fresh.blocks; i++) {
      if (restoredBlocks[i] === 0) ctx.allocator.unref({ start: fresh.old.devBlock + i, count: 1 });
    }
  }
  if (changed) inode.changed();
}
