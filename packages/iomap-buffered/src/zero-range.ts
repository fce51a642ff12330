// Zeroing through the page cache (BUF-24, BUF-25, BUF-26).
//
// Mappings whose source is HOLE or UNWRITTEN already read as zeros and are
// skipped — unless the cache over them is dirty: that data would land on
// disk at writeback (and UNWRITTEN would be converted), so the range is
// written back once and re-mapped (STALE) before deciding again. A start
// that is not block aligned and already dirty is zeroed first, so partial
// EOF zeroing does not flush. Everything else goes through write begin/end,
// so partial blocks get their read-modify-write.
import { FsError, IomapIter, IomapOp, IomapType, checkRange, iomapLoop } from '@iomap/core';
import type { AddressSpace } from './address-space.js';
import { putFolio, writeBegin, writeEnd } from './write-begin.js';
import { writeAndWait } from './writeback.js';

/**
 * Zeroes file bytes `[pos, pos + len)` in the page cache with op ZERO
 * (BUF-24); the zeros reach storage at writeback. Does not change the size.
 * Resolves with whether any folio was zeroed (`did_zero`). Caller holds the
 * inode lock (and the invalidate lock) exclusively.
 *
 * @example
 * ```ts
 * await zeroRange(file, 100, 9000);
 * ```
 */
export async function zeroRange<I>(mapping: AddressSpace<I>, pos: number, len: number): Promise<boolean> {
  checkRange(pos, len, 'zero_range');
  const m = mapping as AddressSpace<unknown>;
  const bs = m.blockSize;
  const off = pos % bs;
  let didZero = false;
  let at = pos;
  if (off !== 0 && len > 0 && m.rangeNeedsWriteback(pos, pos + Math.min(len, bs - off))) {
    const head = new IomapIter<unknown>({ inode: m.inode, pos, length: Math.min(len, bs - off), op: IomapOp.Zero });
    await iomapLoop(head, m.ops, async (it) => {
      if (await zeroIter(it, m)) didZero = true;
    });
    at = head.pos;
  }
  const rest = len - (at - pos);
  if (rest === 0) return didZero;
  let rangeDirty = m.rangeNeedsWriteback(at, at + rest);
  const iter = new IomapIter<unknown>({ inode: m.inode, pos: at, length: rest, op: IomapOp.Zero });
  await iomapLoop(iter, m.ops, async (it) => {
    const src = it.readMap();
    if (src.type === IomapType.Hole || src.type === IomapType.Unwritten) {
      if (rangeDirty) {
        rangeDirty = false; // BUF-25: flush once, then re-map what writeback converted
        it.markStale();
        await writeAndWait(m, it.pos, it.pos + it.len);
        return;
      }
      it.advance(it.iomapLength());
      return;
    }
    if (await zeroIter(it, m)) didZero = true;
  });
  return didZero;
}

/** Zeroes the current mapping folio by folio; returns whether anything was zeroed. */
async function zeroIter(it: IomapIter<unknown>, mapping: AddressSpace<unknown>): Promise<boolean> {
  let did = false;
  while (it.iomapLength() > 0) {
    if (!mapping.noFsReclaim && mapping.cache.overDirtyLimit) await mapping.cache.balanceDirty();
    const pos = it.pos;
    const step = await writeBegin(it, mapping, pos, it.iomapLength());
    if (step === undefined) return did; // stale
    const off = pos - step.folio.pos;
    step.folio.zero(off, off + step.len);
    const written = writeEnd(it, step, pos, step.len);
    await putFolio(mapping, step.folio, pos, written);
    if (written !== step.len) throw new FsError('EIO', `zeroing at ${pos} was not credited`, { path: mapping.name });
    it.advance(step.len);
    did = true;
  }
  return did;
}

/**
 * Zeroes from `pos` to the end of its block (BUF-26, iomap_truncate_page):
 * call it with the new size before shrinking a file, so the partial last
 * block holds zeros past EOF. No-op when `pos` is block aligned. Resolves
 * with whether anything was zeroed.
 *
 * @example
 * ```ts
 * await truncatePage(file, newSize);
 * await file.truncate(newSize);
 * ```
 */
export async function truncatePage<I>(mapping: AddressSpace<I>, pos: number): Promise<boolean> {
  checkRange(pos, 0, 'truncate');
  const off = pos % mapping.blockSize;
  if (off === 0) return false;
  return zeroRange(mapping, pos, mapping.blockSize - off);
}
