// Unsharing a DAX file (DAX-8): the kernel's dax_file_unshare. For every
// range the filesystem reports SHARED with a MAPPED source, it has already
// given the file new blocks (the mapping); the whole pages are copied from
// the source to them, so the file stops sharing storage with its reflinked
// siblings. Everything else (holes, private blocks) is skipped.
//
//   before:  file A ─┐                 after:  file A ── block 7 (copy)
//            file B ─┴─ block 3                file B ── block 3
//
// Caller holds the inode lock and the invalidate lock exclusive.
import { IomapIter, IomapOp, checkRange, iomapAddress, iomapLoop, iomapWantUnshare } from '@iomap/core';
import { checkPageAligned, daxDeviceOf, deviceView, flushStored, pageDown, pageUp, sourceView } from './dax-access.js';
import type { DaxFile } from './dax-file.js';
import { daxState } from './dax-state.js';

/**
 * Gives `[pos, pos + length)` of a DAX file private copies of its shared
 * blocks (DAX-8), with op flags `Dax | Write | Unshare`. The range is
 * clipped to EOF (nothing to do at or past it); copies are whole pages.
 * Views of the range are revoked (they show the shared blocks). Resolves
 * with the bytes copied.
 *
 * @example
 * ```ts
 * const b = await fs.clone(inode, 'b'); // b shares a's blocks
 * const fileB = new DaxFile({ inode: b, ops: fs, size: () => b.size, blockSize: fs.blockSize });
 * await daxUnshare(fileB, 0, b.size);   // now b has its own
 * ```
 */
export async function daxUnshare<I>(file: DaxFile<I>, pos: number, length: number): Promise<number> {
  checkRange(pos, length, 'dax_file_unshare');
  const size = file.size;
  if (pos >= size || length === 0) return 0;
  const iter = new IomapIter<I>({ inode: file.inode, pos, length: Math.min(length, size - pos), op: IomapOp.Dax | IomapOp.Write | IomapOp.Unshare });
  let copied = 0;
  await iomapLoop(iter, file.ops, async (it) => {
    copied += await unshareStep(file, it);
  });
  return copied;
}

/** Copies the pages of one SHARED mapping from its source; returns the bytes copied. */
async function unshareStep<I>(file: DaxFile<I>, it: IomapIter<I>): Promise<number> {
  const n = it.iomapLength();
  const src = it.srcmap;
  if (!iomapWantUnshare(it) || src === undefined) {
    it.advance(n);
    return 0;
  }
  const map = it.iomap;
  checkPageAligned(file, map, 'dax_file_unshare');
  checkPageAligned(file, src, 'dax_file_unshare');
  const start = pageDown(it.pos);
  const end = pageUp(it.pos + n);
  const state = daxState(file);
  state.pins.revokeOverlapping(start, end);
  state.entries.clearRange(start, end);
  const device = daxDeviceOf(file, map, 'dax_file_unshare');
  const dest = deviceView(file, map, start, end - start, true, 'dax_file_unshare', device);
  dest.set(sourceView(file, src, start, end - start, device, 'dax_file_unshare'));
  await flushStored(file, device, iomapAddress(map, start), end - start);
  state.entries.noteWrite(device);
  it.advance(n);
  return end - start;
}
