// Extent-map changes made outside iomapBegin/iomapEnd: truncate, hole punch,
// preallocation, unwritten conversion at I/O completion, and delayed
// allocation at writeback. Each bumps the validity cookie. Caller holds the
// mapping lock for every function here.
//
// On-disk rule kept by all of them: the bytes of a MAPPED block past EOF are
// zero, so a later extension reads zeros (what iomap_truncate_page and
// zero-on-extend give a kernel filesystem).
import { FsError, IomapOp, type IomapMapping } from '@iomap/core';
import type { ExtentRecord } from './extent-map.js';
import { unpackInline } from './extent-inline.js';
import { findRun, runToIomap } from './extent-run.js';
import type { FsContext, InodeState } from './fs-context.js';

/** Gives `block` a private copy when it is shared; returns its device block (or -1 when not MAPPED). */
async function unshareBlock(ctx: FsContext, inode: InodeState, block: number): Promise<number> {
  const rec = inode.map.find(block);
  if (rec === undefined || rec.kind !== 'mapped') return -1;
  const dev = rec.devBlock + (block - rec.fileBlock);
  if (!ctx.isShared(dev)) return dev;
  const run = ctx.allocator.allocateRun(1);
  if (run === undefined) throw new FsError('ENOSPC', 'no free block to unshare into', { path: inode.name });
  const bs = ctx.blockSize;
  const copy = new Uint8Array(bs);
  await ctx.device.read(dev * bs, copy);
  await ctx.device.write(run.start * bs, copy);
  inode.map.replace({ fileBlock: block, blocks: 1, kind: 'mapped', devBlock: run.start });
  ctx.allocator.unref({ start: dev, count: 1 });
  inode.changed();
  return run.start;
}

/** Writes zeros to bytes `[from, to)` of file block `block` when it is MAPPED (copying it first if shared). */
async function zeroInBlock(ctx: FsContext, inode: InodeState, block: number, from: number, to: number): Promise<void> {
  if (to <= from) return;
  const dev = await unshareBlock(ctx, inode, block);
  if (dev < 0) return;
  await ctx.device.write(dev * ctx.blockSize + from, new Uint8Array(to - from));
}

/** Sets the size: frees blocks past the new EOF and zeroes the tail of the EOF block. */
export async function truncateFile(ctx: FsContext, inode: InodeState, size: number): Promise<void> {
  const bs = ctx.blockSize;
  const inline = inode.inline;
  if (inline !== undefined) {
    if (size <= inline.offset) {
      inode.inline = undefined;
    } else if (size - inline.offset <= inline.data.length) {
      inline.data.fill(0, Math.min(size, inode.size) - inline.offset);
      inode.size = size;
      inode.changed();
      return;
    } else {
      await unpackInline(ctx, inode);
    }
  }
  const edge = Math.min(size, inode.size);
  if (size < inode.size) {
    for (const removed of inode.map.remove(Math.ceil(size / bs), Infinity)) ctx.release(removed);
  }
  if (edge % bs !== 0) await zeroInBlock(ctx, inode, Math.floor(edge / bs), edge % bs, bs);
  inode.size = size;
  inode.changed();
}

/** Deallocates whole blocks of `[pos, pos + length)` and zeroes the partial ones; the size is unchanged. */
export async function punchFile(ctx: FsContext, inode: InodeState, pos: number, length: number): Promise<void> {
  const bs = ctx.blockSize;
  const end = pos + length;
  const inline = inode.inline;
  if (inline !== undefined && end > inline.offset) {
    const from = Math.max(pos, inline.offset) - inline.offset;
    inline.data.fill(0, from, Math.max(from, Math.min(end, inode.size) - inline.offset));
  }
  for (const removed of inode.map.remove(Math.ceil(pos / bs), Math.floor(end / bs))) ctx.release(removed);
  const edges = new Set([Math.floor(pos / bs), Math.floor((end - 1) / bs)]);
  for (const block of edges) {
    const s = Math.max(pos, block * bs) - block * bs;
    const e = Math.min(end, (block + 1) * bs) - block * bs;
    if (e - s < bs) await zeroInBlock(ctx, inode, block, s, e);
  }
  inode.changed();
}

/** The holes of `[start, end)` (file blocks). */
function holesIn(inode: InodeState, start: number, end: number): [number, number][] {
  const holes: [number, number][] = [];
  let at = start;
  for (const rec of inode.map.slice(start, end)) {
    if (rec.fileBlock > at) holes.push([at, rec.fileBlock]);
    at = rec.fileBlock + rec.blocks;
  }
  if (at < end) holes.push([at, end]);
  return holes;
}

/** Allocates UNWRITTEN blocks over the holes of `[pos, pos + length)` (fallocate). */
export async function preallocate(
  ctx: FsContext,
  inode: InodeState,
  pos: number,
  length: number,
  keepSize: boolean,
): Promise<void> {
  const bs = ctx.blockSize;
  if (inode.inline !== undefined && pos + length > inode.inline.offset) await unpackInline(ctx, inode);
  const made: ExtentRecord[] = [];
  for (const [start, end] of holesIn(inode, Math.floor(pos / bs), Math.ceil((pos + length) / bs))) {
    for (let at = start; at < end; ) {
      const run = ctx.allocator.allocateRun(end - at);
      if (run === undefined) {
        for (const rec of made) {
          inode.map.remove(rec.fileBlock, rec.fileBlock + rec.blocks);
          ctx.release(rec);
        }
        throw new FsError('ENOSPC', 'no free blocks to preallocate', { syscall: 'fallocate', path: inode.name });
      }
      const rec: ExtentRecord = { fileBlock: at, blocks: run.count, kind: 'unwritten', devBlock: run.start };
      inode.map.insert(rec);
      made.push(rec);
      at += run.count;
    }
  }
  if (!keepSize && pos + length > inode.size) inode.size = pos + length;
  inode.changed();
}

/** Converts the unshared UNWRITTEN blocks of `[pos, pos + length)` to MAPPED (I/O completion, DIO-8). */
export function convertUnwritten(ctx: FsContext, inode: InodeState, pos: number, length: number): void {
  const bs = ctx.blockSize;
  let changed = false;
  for (const piece of inode.map.slice(Math.floor(pos / bs), Math.ceil((pos + length) / bs))) {
    if (piece.kind !== 'unwritten') continue;
    for (let i = 0; i < piece.blocks; ) {
      let n = 0;
      while (i + n < piece.blocks && !ctx.isShared(piece.devBlock + i + n)) n++;
      if (n > 0) {
        inode.map.replace({ fileBlock: piece.fileBlock + i, blocks: n, kind: 'mapped', devBlock: piece.devBlock + i });
        changed = true;
      }
      i += n + 1;
    }
  }
  if (changed) inode.changed();
}

/**
 * Writeback mapping: allocates every DELALLOC block of `[pos, pos + length)`
 * (whole runs, from the reservation), then returns the mapping at `pos` the
 * way a read sees it — MAPPED, UNWRITTEN (convert at completion) or HOLE.
 */
export async function writebackConvert(
  ctx: FsContext,
  inode: InodeState,
  pos: number,
  length: number,
): Promise<IomapMapping> {
  const bs = ctx.blockSize;
  if (inode.inline !== undefined && pos >= inode.inline.offset) {
    throw new FsError('EIO', 'writeback of INLINE data is forbidden (IOMAP-SPEC 2.1): persist it in iomapEnd', {
      syscall: 'writeback',
      path: inode.name,
    });
  }
  const startBlock = Math.floor(pos / bs);
  const endBlock = Math.ceil((pos + Math.max(length, 1)) / bs);
  for (const piece of inode.map.slice(startBlock, endBlock)) {
    if (piece.kind !== 'delalloc') continue;
    for (let at = piece.fileBlock; at < piece.fileBlock + piece.blocks; ) {
      const run = ctx.allocator.allocateRun(piece.fileBlock + piece.blocks - at, true);
      if (run === undefined) throw new FsError('EIO', 'testkit bug: a delalloc reservation was not honoured');
      try {
        await ctx.initFresh(run, false);
      } catch (err) {
        // The poison write failed: the blocks go back to the reservation the
        // DELALLOC extent still holds (runs converted before stay converted).
        ctx.allocator.unref(run);
        ctx.allocator.reserve(run.count);
        throw err;
      }
      inode.map.replace({ fileBlock: at, blocks: run.count, kind: 'mapped', devBlock: run.start });
      inode.changed(); // per run: an earlier run stays converted if a later one fails
      at += run.count;
    }
  }
  return runToIomap(ctx, inode, findRun(ctx, inode, startBlock, endBlock), IomapOp.Read, false);
}
