// bufferedWrite (BUF-11 … BUF-20, BUF-22): copy bytes into the page cache
// through iomap mappings with op WRITE (+NOWAIT, +DONTCACHE).
//
// Per mapping the body takes steps of at most one folio (BUF-12): zero the
// gap after the old EOF when writing past it → start background writeback
// or throttle → write begin (lock, revalidate, RMW/zero partial blocks) →
// copy → write end (credit, mark dirty) → raise the in-core size before
// unlocking (BUF-18) → put the folio. A step credited nothing drops the
// page cache it instantiated beyond EOF (BUF-19), halves the chunk and
// retries with what could be copied.
import { FsError, IomapFlags, IomapIter, IomapOp, PAGE_SIZE, checkRange, iomapProcess } from '@iomap/core';
import type { AddressSpace } from './address-space.js';
import { pagecacheIsizeExtended, truncatePagecacheRange } from './truncate.js';
import { putFolio, writeBegin, writeEnd } from './write-begin.js';
import { toWriteSource, type WriteSource } from './write-source.js';

/**
 * Options for {@link bufferedWrite}.
 *
 * @example
 * ```ts
 * await bufferedWrite(file, pos, data, { nowait: true }); // EAGAIN instead of blocking
 * ```
 */
export interface BufferedWriteOptions {
  /** Never wait (locks, RMW reads, memory, writeback): `EAGAIN` instead (BUF-20). */
  nowait?: boolean;
  /** Drop the written folios from the cache once they are written back (BUF-21). */
  dontcache?: boolean;
}

interface WriteContext {
  mapping: AddressSpace<unknown>;
  src: WriteSource;
  /** File position of the source's byte 0. */
  base: number;
}

/**
 * Writes `data` at `pos` through the page cache (BUF-11). Resolves with the
 * bytes written — fewer than asked when an error stopped the write after
 * some progress — and rejects with the error when nothing was written. The
 * in-core size grows as data lands past EOF (`mapping.size`); the
 * filesystem sees `IomapFlags.SizeChanged` in `iomapEnd` and persists it.
 * Caller holds the inode lock and does permission, limit and timestamp
 * checks itself.
 *
 * @example
 * ```ts
 * const n = await bufferedWrite(file, 1000, new TextEncoder().encode('hello'));
 * ```
 */
export async function bufferedWrite<I>(
  mapping: AddressSpace<I>,
  pos: number,
  data: Uint8Array | WriteSource,
  options: BufferedWriteOptions = {},
): Promise<number> {
  const src = toWriteSource(data);
  checkRange(pos, src.length, 'write');
  if (src.length === 0) return 0;
  if (mapping.writebackOps === undefined) {
    throw new FsError('EROFS', 'this address space has no writeback ops, so it cannot hold dirty data', { syscall: 'write', path: mapping.name });
  }
  let op = IomapOp.Write;
  if (options.nowait) op |= IomapOp.NoWait;
  if (options.dontcache) op |= IomapOp.DontCache;
  const m = mapping as AddressSpace<unknown>;
  const iter = new IomapIter<unknown>({ inode: mapping.inode, pos, length: src.length, op });
  const ctx: WriteContext = { mapping: m, src, base: pos };
  return iomapProcess(iter, m.ops, (it) => writeIter(it, ctx));
}

/** The loop body: one mapping, in folio-sized steps (BUF-12). */
async function writeIter(it: IomapIter<unknown>, ctx: WriteContext): Promise<void> {
  const { mapping } = ctx;
  const nowait = (it.op & IomapOp.NoWait) !== 0;
  let chunk = mapping.maxFolioSize;
  let retry: number | undefined;
  while (it.iomapLength() > 0) {
    const pos = it.pos;
    let bytes = retry ?? Math.min(chunk - (pos % chunk), it.iomapLength());
    retry = undefined;
    // BUF-18: the bytes between the old EOF and this write become file data once the size moves.
    // Zero them in the folio straddling the old EOF *before* that (a writeback running between
    // the size update and the zeroing would store whatever the folio held past EOF as data).
    if (pos > mapping.size) await pagecacheIsizeExtended(mapping, mapping.size, pos);
    if (!mapping.noFsReclaim) {
      const cache = mapping.cache;
      if (!nowait && cache.overDirtyLimit) await cache.balanceDirty();
      else cache.startBackgroundWriteback();
    }
    const step = await beginOrCleanup(it, mapping, pos, bytes);
    if (step === undefined) return; // stale: the iterator re-maps at pos (BUF-14)
    bytes = step.len;
    const copied = ctx.src.copyTo(step.folio.data, pos - step.folio.pos, pos - ctx.base, bytes);
    const written = writeEnd(it, step, pos, copied);
    const oldSize = mapping.size;
    if (pos + written > oldSize) {
      // This folio may straddle the old EOF, its tail read from the device by write begin:
      // zero the gap here too, under the folio lock, before the size exposes it.
      const folio = step.folio;
      if (oldSize < pos && oldSize < folio.end) folio.zero(Math.max(oldSize, folio.pos) - folio.pos, pos - folio.pos);
      mapping.setSize(pos + written);
      it.iomap.flags |= IomapFlags.SizeChanged;
    }
    await putFolio(mapping, step.folio, pos, written);
    if (written === 0) {
      await writeFailed(mapping, pos, bytes);
      if (chunk > PAGE_SIZE) chunk /= 2;
      if (copied === 0) throw new FsError('EFAULT', `nothing could be copied from the source at offset ${pos - ctx.base}`, { syscall: 'write', path: mapping.name });
      retry = copied;
      continue;
    }
    it.advance(written);
  }
}

async function beginOrCleanup(it: IomapIter<unknown>, mapping: AddressSpace<unknown>, pos: number, bytes: number) {
  try {
    return await writeBegin(it, mapping, pos, bytes);
  } catch (err) {
    await writeFailed(mapping, pos, bytes);
    throw err;
  }
}

/**
 * BUF-19: after a failed or uncredited step, drop the page cache the step
 * may have instantiated beyond EOF; cache inside EOF is kept.
 */
async function writeFailed(mapping: AddressSpace<unknown>, pos: number, len: number): Promise<void> {
  const isize = mapping.size;
  if (pos + len <= isize) return;
  let start = Math.max(pos, isize);
  let end = pos + len;
  // A folio lying wholly past EOF holds nothing of the file: drop it entirely.
  const first = mapping.folios.lookup(Math.floor(start / PAGE_SIZE));
  if (first !== undefined && first.pos >= isize) start = first.pos;
  const last = mapping.folios.lookup(Math.floor((end - 1) / PAGE_SIZE));
  if (last !== undefined && last.pos >= isize) end = Math.max(end, last.end);
  await truncatePagecacheRange(mapping, start, end);
}
