// Zeroing a DAX file (DAX-7): the kernel's dax_zero_range and
// dax_truncate_page, the DAX forms of BUF-24 and BUF-26. There is no cache to
// zero in, so zeros go straight to device memory:
//
//   source HOLE or UNWRITTEN   skipped: it already reads as zeros
//   whole pages                zeroed in one go (dax_zero_page_range)
//   part of a page             zeroed in place and flushed (dax_memzero); over
//                              SHARED blocks the page is first copied from the
//                              source map so the untouched bytes survive (DAX-4)
//
// Caller holds the inode lock (and the invalidate lock) exclusive.
import { IomapFlags, IomapIter, IomapOp, IomapType, PAGE_SIZE, checkOffset, checkRange, iomapAddress, iomapLoop, type DaxDevice, type Iomap } from '@iomap/core';
import { checkPageAligned, daxDeviceOf, deviceView, flushStored, pageDown, pageUp, rejectMapping } from './dax-access.js';
import { copyAround } from './dax-cow.js';
import type { DaxFile } from './dax-file.js';
import { daxState } from './dax-state.js';

/**
 * Zeroes `[pos, pos + length)` of a DAX file on the device (DAX-7), with op
 * flags `Dax | Zero`. HOLE and UNWRITTEN ranges are skipped (already zero);
 * SHARED ranges are copied on write. Resolves `true` if anything was zeroed
 * (the kernel's `did_zero`). The range is not clipped to EOF and the size
 * does not change.
 *
 * @example
 * ```ts
 * await daxZeroRange(file, 100, 5000); // bytes 100..5099 read as zeros
 * ```
 */
export async function daxZeroRange<I>(file: DaxFile<I>, pos: number, length: number): Promise<boolean> {
  checkRange(pos, length, 'dax_zero_range');
  if (length === 0) return false;
  let didZero = false;
  const iter = new IomapIter<I>({ inode: file.inode, pos, length, op: IomapOp.Dax | IomapOp.Zero });
  await iomapLoop(iter, file.ops, async (it) => {
    if (await zeroStep(file, it)) didZero = true;
  });
  return didZero;
}

/**
 * Zeroes from `pos` to the end of its block (DAX-7), the first step of
 * truncating a DAX file to `pos`: `daxZeroRange(file, pos, blockSize - pos %
 * blockSize)`, nothing when `pos` is block-aligned. Resolves `true` if
 * anything was zeroed. Then the filesystem sets the size and frees the
 * blocks past it — after `awaitLayoutIdle` (DAX-11).
 *
 * @example
 * ```ts
 * await daxTruncatePage(file, 5000);     // bytes 5000..8191 zero on the device
 * await awaitLayoutIdle(file, 5000);     // no view pins the blocks being removed
 * await fs.truncate(inode, 5000);
 * ```
 */
export async function daxTruncatePage<I>(file: DaxFile<I>, pos: number): Promise<boolean> {
  checkOffset(pos, 'pos', 'dax_truncate_page');
  const off = pos % file.blockSize;
  if (off === 0) return false;
  return daxZeroRange(file, pos, file.blockSize - off);
}

/** Zeroes one mapping's worth; returns whether anything was written. */
async function zeroStep<I>(file: DaxFile<I>, it: IomapIter<I>): Promise<boolean> {
  const n = it.iomapLength();
  const src = it.readMap();
  if (src.type === IomapType.Hole || src.type === IomapType.Unwritten) {
    it.advance(n); // already zero
    return false;
  }
  const map = it.iomap;
  const cow = (map.flags & IomapFlags.Shared) !== 0;
  if (map.type !== IomapType.Mapped && !(cow && map.type === IomapType.Unwritten)) {
    rejectMapping(file, map, 'DAX-7', 'DAX zeroing takes HOLE, UNWRITTEN, MAPPED or SHARED mappings', 'dax_zero_range');
  }
  const device = daxDeviceOf(file, map, 'dax_zero_range');
  const start = it.pos;
  const end = it.pos + n;
  if (cow) {
    checkPageAligned(file, map, 'dax_zero_range');
    const state = daxState(file);
    state.pins.revokeOverlapping(pageDown(start), pageUp(end));
    state.entries.clearRange(pageDown(start), pageUp(end));
  }
  // Partial first page, whole pages, partial last page.
  const fullStart = pageUp(start);
  const fullEnd = Math.max(fullStart, pageDown(end));
  if (fullStart > start) await zeroPartial(file, it, map, device, start, Math.min(end, fullStart));
  if (fullEnd > fullStart) {
    deviceView(file, map, fullStart, fullEnd - fullStart, true, 'dax_zero_range', device).fill(0);
    await flushStored(file, device, iomapAddress(map, fullStart), fullEnd - fullStart);
  }
  if (end > fullEnd) await zeroPartial(file, it, map, device, fullEnd, end); // fullEnd >= fullStart >= start here
  daxState(file).entries.noteWrite(device);
  it.advance(n);
  return true;
}

/** dax_memzero: zeroes `[from, to)` inside one page, completing the page from the source map first when SHARED. */
async function zeroPartial<I>(file: DaxFile<I>, it: IomapIter<I>, map: Iomap, device: DaxDevice, from: number, to: number): Promise<void> {
  if ((map.flags & IomapFlags.Shared) === 0) {
    deviceView(file, map, from, to - from, true, 'dax_zero_range', device).fill(0);
    await flushStored(file, device, iomapAddress(map, from), to - from);
    return;
  }
  const pg = pageDown(from);
  const dest = deviceView(file, map, pg, PAGE_SIZE, true, 'dax_zero_range', device);
  copyAround(file, it.srcmap, dest, pg, from, to, device, 'dax_zero_range');
  dest.fill(0, from - pg, to - pg);
  await flushStored(file, device, iomapAddress(map, pg), PAGE_SIZE);
}
