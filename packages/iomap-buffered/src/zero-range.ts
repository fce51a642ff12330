// Zeroing through the page cache (BUF-24, BUF-25, BUF-26).
//
// Mappings whose source is HOLE or UNWRITTEN already read as zeros and are
// skipped — unless the cache over them is dirty: that data would land on
// disk at writeback (and UNWRITTEN would be converted), so the range is
// written back once and re-mapped (STALE) before deciding again. A start
// that is not block aligned and already dirty is zeroed first, so partial
// EOF zeroing does not flush. Everything else goes through write begin/end,
// so partial blocks get their read-modify-write.
//
// The folio-batch variant (BUF-25, iomap_fill_dirty_folios): instead of the
// flush, the filesystem's iomapBegin (op ZERO) calls `fillDirtyFolios` for
// the HOLE/UNWRITTEN mapping it returns; iomap then sets FOLIO_BATCH on the
// mapping and zeroes only those folios, skipping the clean rest.
import { FsError, IomapContractError, IomapFlags, IomapIter, IomapOp, IomapType, PAGE_SIZE, checkRange, iomapLoop } from '@iomap/core';
import type { AddressSpace } from './address-space.js';
import type { Folio } from './folio.js';
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
  const slot: FolioBatchSlot = { folios: undefined };
  const outer = batchSlots.get(m);
  batchSlots.set(m, slot);
  try {
    if (off !== 0 && len > 0 && m.rangeNeedsWriteback(pos, pos + Math.min(len, bs - off))) {
      const head = new IomapIter<unknown>({
        inode: m.inode,
        pos,
        length: Math.min(len, bs - off),
        op: IomapOp.Zero,
      });
      await iomapLoop(head, m.ops, async (it) => {
        slot.folios = undefined; // the head block is zeroed whole anyway
        if (await zeroIter(it, m)) didZero = true;
      });
      at = head.pos;
    }
    const rest = len - (at - pos);
    if (rest === 0) return didZero;
    let rangeDirty = m.rangeNeedsWriteback(at, at + rest);
    const iter = new IomapIter<unknown>({
      inode: m.inode,
      pos: at,
      length: rest,
      op: IomapOp.Zero,
    });
    await iomapLoop(iter, m.ops, async (it) => {
      const src = it.readMap();
      const batch = slot.folios;
      slot.folios = undefined;
      if (batch !== undefined) {
        // BUF-25 folio batch: zero the supplied folios only, no flush and no re-map.
        if (src.type !== IomapType.Hole && src.type !== IomapType.Unwritten) {
          throw new FsError('EIO', `a folio batch is only for HOLE or UNWRITTEN mappings (BUF-25), got type ${src.type} at ${it.pos}`, { path: m.name });
        }
        it.iomap.flags |= IomapFlags.FolioBatch;
        if (await zeroBatch(it, m, batch)) didZero = true;
        return;
      }
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
  } finally {
    if (outer === undefined) batchSlots.delete(m);
    else batchSlots.set(m, outer);
  }
  return didZero;
}

interface FolioBatchSlot {
  folios: Folio[] | undefined;
}

/** The zeroRange running on each address space, where `fillDirtyFolios` leaves its batch. */
const batchSlots = new WeakMap<AddressSpace<unknown>, FolioBatchSlot>();

/**
 * BUF-25 (iomap_fill_dirty_folios): called by the filesystem inside
 * `iomapBegin` of a `zeroRange` (op ZERO) when it is about to return a
 * HOLE or UNWRITTEN mapping: collects the folios overlapping `[pos, end)`
 * that are dirty or under writeback. `zeroRange` then marks that mapping
 * FOLIO_BATCH (visible to `iomapEnd`) and zeroes only those folios instead
 * of writing the range back and re-mapping it. Returns the batch, in file
 * order. Calling it outside a `zeroRange` of this address space is a
 * contract error.
 *
 * @example
 * ```ts
 * async iomapBegin(inode, pos, length, op) {
 *   const map = lookUp(inode, pos, length);
 *   if (op & IomapOp.Zero && map.type === IomapType.Unwritten) fillDirtyFolios(file, pos, map.offset + map.length);
 *   return map;
 * }
 * ```
 */
export function fillDirtyFolios<I>(mapping: AddressSpace<I>, pos: number, end: number): readonly Folio[] {
  const m = mapping as AddressSpace<unknown>;
  const slot = batchSlots.get(m);
  if (slot === undefined)
    throw new IomapContractError(
      'BUF-25',
      'fillDirtyFolios is called from iomapBegin of a zeroRange',
      `no zeroRange is running on ${m.name ?? 'this address space'}`,
    );
  checkRange(pos, Math.max(0, end - pos), 'fill_dirty_folios');
  const folios = m.folios
    .range(Math.floor(pos / PAGE_SIZE), Math.ceil(end / PAGE_SIZE))
    .filter((f) => (f.dirty || f.writeback) && f.pos < end && f.end > pos)
    .sort((a, b) => a.pos - b.pos);
  slot.folios = folios;
  return folios;
}

/** BUF-25: zeroes the parts of the current mapping covered by batch folios; the rest is skipped. */
async function zeroBatch(it: IomapIter<unknown>, mapping: AddressSpace<unknown>, batch: readonly Folio[]): Promise<boolean> {
  let did = false;
  for (const folio of batch) {
    const end = it.pos + it.iomapLength();
    const from = Math.max(folio.pos, it.pos);
    const to = Math.min(folio.end, end);
    if (to <= from) continue;
    if (from > it.pos) it.advance(from - it.pos);
    if (await zeroIter(it, mapping, to)) did = true;
    if (it.iomap.flags & IomapFlags.Stale) return did; // re-mapped (and re-batched) at it.pos
  }
  if (it.iomapLength() > 0) it.advance(it.iomapLength());
  return did;
}

/** Zeroes the current mapping folio by folio, up to file byte `limit`; returns whether anything was zeroed. */
async function zeroIter(it: IomapIter<unknown>, mapping: AddressSpace<unknown>, limit = Infinity): Promise<boolean> {
  let did = false;
  while (it.iomapLength() > 0 && it.pos < limit) {
    if (!mapping.noFsReclaim) {
      const cache = mapping.cache;
      if (cache.overDirtyLimit) await cache.balanceDirty();
      else cache.startBackgroundWriteback();
    }
    const pos = it.pos;
    const step = await writeBegin(it, mapping, pos, Math.min(it.iomapLength(), limit - pos));
    if (step === undefined) return did; // stale
    const off = pos - step.folio.pos;
    step.folio.zero(off, off + step.len);
    const written = writeEnd(it, step, pos, step.len);
    await putFolio(mapping, step.folio, pos, written);
    if (written !== step.len)
      throw new FsError('EIO', `zeroing at ${pos} was not credited`, {
        path: mapping.name,
      });
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
