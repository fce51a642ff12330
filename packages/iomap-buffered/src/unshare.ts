// Unsharing reflinked data through the page cache (BUF-27): with op
// WRITE|UNSHARE, every mapping that is SHARED with a MAPPED source map has
// each block that is not uptodate read from the source — even when the
// folio is wholly covered — and the range dirtied, so writeback puts the
// data in the new, private location. Zeroing is never legal here.
import { FsError, IomapIter, IomapOp, checkRange, iomapLoop, iomapWantUnshare } from '@iomap/core';
import type { AddressSpace } from './address-space.js';
import { putFolio, writeBegin, writeEnd } from './write-begin.js';

/**
 * Unshares `[pos, min(pos + len, EOF))` (BUF-27). Nothing happens at or past
 * EOF. Caller holds the inode lock exclusively.
 *
 * @example
 * ```ts
 * await fileUnshare(file, 0, file.size);
 * await file.writeAndWaitRange(0, file.size);
 * ```
 */
export async function fileUnshare<I>(mapping: AddressSpace<I>, pos: number, len: number): Promise<void> {
  checkRange(pos, len, 'unshare');
  const m = mapping as AddressSpace<unknown>;
  const size = m.size;
  if (pos >= size || len === 0) return;
  const iter = new IomapIter<unknown>({ inode: m.inode, pos, length: Math.min(len, size - pos), op: IomapOp.Write | IomapOp.Unshare });
  await iomapLoop(iter, m.ops, (it) => unshareIter(it, m));
}

async function unshareIter(it: IomapIter<unknown>, mapping: AddressSpace<unknown>): Promise<void> {
  if (!iomapWantUnshare(it)) {
    it.advanceFull();
    return;
  }
  while (it.iomapLength() > 0) {
    if (!mapping.noFsReclaim) {
      const cache = mapping.cache;
      if (cache.overDirtyLimit) await cache.balanceDirty();
      else cache.startBackgroundWriteback();
    }
    const pos = it.pos;
    const step = await writeBegin(it, mapping, pos, it.iomapLength());
    if (step === undefined) return; // stale
    const written = writeEnd(it, step, pos, step.len);
    await putFolio(mapping, step.folio, pos, written);
    if (written !== step.len) throw new FsError('EIO', `unshare at ${pos} was not credited`, { path: mapping.name });
    it.advance(step.len);
  }
}
