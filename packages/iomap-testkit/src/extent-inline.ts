// Inline data (CORE-2 INLINE): a file may keep the bytes from a block-aligned
// `offset` to EOF in memory instead of in blocks — the whole file when
// `offset` is 0 ("stuffed", like gfs2), or just the tail ("tail packing",
// like erofs). Writes that fit are staged by iomapBegin and persisted by
// iomapEnd; anything that does not fit moves the data to blocks first.
// Caller holds the mapping lock for every function here.
import { FsError } from '@iomap/core';
import type { BlockRun } from './block-allocator.js';
import type { FsContext, InodeState } from './fs-context.js';

/** Moves an inline region to newly allocated MAPPED blocks. No-op for block-mapped files. */
export async function unpackInline(ctx: FsContext, inode: InodeState): Promise<void> {
  const inline = inode.inline;
  if (inline === undefined) return;
  const bs = ctx.blockSize;
  const bytes = Math.max(0, inode.size - inline.offset);
  const blocks = Math.ceil(bytes / bs);
  const padded = new Uint8Array(blocks * bs);
  padded.set(inline.data.subarray(0, bytes));
  const runs: BlockRun[] = [];
  try {
    for (let done = 0; done < blocks; ) {
      const run = ctx.allocator.allocateRun(blocks - done);
      if (run === undefined) {
        throw new FsError('ENOSPC', 'no free blocks to move inline data to', { syscall: 'write', path: inode.name });
      }
      await ctx.device.write(run.start * bs, padded.subarray(done * bs, (done + run.count) * bs));
      runs.push(run);
      done += run.count;
    }
  } catch (err) {
    for (const run of runs) ctx.allocator.unref(run);
    throw err;
  }
  let fileBlock = inline.offset / bs;
  for (const run of runs) {
    inode.map.insert({ fileBlock, blocks: run.count, kind: 'mapped', devBlock: run.start });
    fileBlock += run.count;
  }
  inode.inline = undefined;
  inode.changed();
}

/**
 * Moves the file's tail — the bytes after the last block boundary below EOF,
 * or the whole last block when EOF is block-aligned — into an inline region.
 */
export async function packTail(ctx: FsContext, inode: InodeState): Promise<void> {
  const bs = ctx.blockSize;
  const capacity = ctx.opts.inlineCapacity;
  if (inode.inline !== undefined) return;
  let offset = Math.floor(inode.size / bs) * bs;
  if (offset === inode.size && offset > 0) offset -= bs;
  const tail = inode.size - offset;
  if (tail > capacity) {
    throw new FsError('EINVAL', `a ${tail}-byte tail does not fit inlineCapacity ${capacity}`, {
      syscall: 'packTail',
      path: inode.name,
    });
  }
  const data = new Uint8Array(capacity);
  const rec = inode.map.find(offset / bs);
  if (rec?.kind === 'delalloc') {
    throw new FsError('EINVAL', 'the tail is delayed-allocation space; write it back first', {
      syscall: 'packTail',
      path: inode.name,
    });
  }
  if (rec?.kind === 'mapped' && tail > 0) {
    const devPos = (rec.devBlock + (offset / bs - rec.fileBlock)) * bs;
    await ctx.device.read(devPos, data.subarray(0, tail));
  }
  for (const removed of inode.map.remove(offset / bs, Infinity)) ctx.release(removed);
  inode.inline = { offset, data };
  inode.changed();
}

/** Copies `[pos, pos + written)` of a staged inline buffer into the inode (the persist step of iomapEnd). */
export function commitInline(inode: InodeState, staging: Uint8Array, pos: number, written: number): void {
  const inline = inode.inline;
  if (inline === undefined || written === 0) return;
  const from = pos - inline.offset;
  if (from < 0 || from + written > inline.data.length) return;
  inline.data.set(staging.subarray(from, from + written), from);
  inode.changed();
}
