// Range comparison for dedupe (DAX-9): the kernel's
// dax_dedupe_file_range_compare, used by dax_remap_file_range_prep before a
// FIDEDUPERANGE shares blocks between two files. Both files are walked with
// their own iterator, in lockstep, one piece at a time — the piece is as long
// as the shorter of the two current mappings:
//
//   source:  [MAPPED ........][HOLE ....]
//   dest:    [MAPPED ...][MAPPED ........]
//   pieces:  [ bytes    ][b.][hole/data: unequal -> stop]
//
// hole vs hole is equal; hole vs data is unequal (even if the data is zeros,
// as in the kernel); data vs data is compared byte by byte in device memory.
// UNWRITTEN counts as a hole here (it reads as zeros; the kernel would
// compare the stale device bytes).
import {
  FsError,
  IomapIter,
  IomapOp,
  IomapType,
  checkRange,
  iomapIter,
  type IomapOps,
} from '@iomap/core';
import { context, deviceView, rejectMapping } from './dax-access.js';
import type { DaxFile } from './dax-file.js';

/** Whether a mapping reads as zeros without device data (HOLE, UNWRITTEN). */
function isHole<I>(file: DaxFile<I>, it: IomapIter<I>): boolean {
  const map = it.iomap;
  if (map.type === IomapType.Hole || map.type === IomapType.Unwritten) return true;
  if (map.type === IomapType.Mapped) return false;
  return rejectMapping(file, map, 'DAX-9', 'dedupe compares HOLE, UNWRITTEN or MAPPED mappings', 'dedupe');
}

/** Compares the next piece of both walks; returns its length, or 0 when the files differ there. */
function comparePiece<I, J>(src: DaxFile<I>, s: IomapIter<I>, dst: DaxFile<J>, d: IomapIter<J>): number {
  const n = Math.min(s.iomapLength(), d.iomapLength());
  const sHole = isHole(src, s);
  const dHole = isHole(dst, d);
  if (sHole || dHole) return sHole && dHole ? n : 0;
  const a = deviceView(src, s.iomap, s.pos, n, false, 'dedupe');
  const b = deviceView(dst, d.iomap, d.pos, n, false, 'dedupe');
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return 0;
  return n;
}

/** Ends a walk that still holds a mapping, so its iomapEnd runs (with nothing more done). */
async function endWalk<I>(it: IomapIter<I>, ops: IomapOps<I>): Promise<void> {
  if (it.iomap.length !== 0) await iomapIter(it, ops);
}

/**
 * Compares `[srcPos, srcPos + length)` of `src` with `[dstPos, dstPos +
 * length)` of `dst` through both files' DAX mappings (DAX-9, op flags
 * `Dax`), as a dedupe request does before sharing blocks. Both ranges must
 * lie inside their file's EOF (`EINVAL` otherwise). Resolves `true` when the
 * ranges hold the same bytes and the same holes.
 *
 * @example
 * ```ts
 * if (await daxDedupeFileRangeCompare(fileA, 0, fileB, 0, 65536)) await fs.reflink(a, 0, b, 0, 65536);
 * ```
 */
export async function daxDedupeFileRangeCompare<I, J>(
  src: DaxFile<I>,
  srcPos: number,
  dst: DaxFile<J>,
  dstPos: number,
  length: number,
): Promise<boolean> {
  checkRange(srcPos, length, 'dedupe');
  checkRange(dstPos, length, 'dedupe');
  for (const [file, pos] of [[src, srcPos], [dst, dstPos]] as const) {
    if (pos + length > file.size) {
      throw new FsError('EINVAL', `[${pos}, +${length}) reaches past EOF (${file.size}); dedupe only data inside both files`, context(file, 'dedupe'));
    }
  }
  if (length === 0) return true;
  const s = new IomapIter<I>({ inode: src.inode, pos: srcPos, length, op: IomapOp.Dax });
  const d = new IomapIter<J>({ inode: dst.inode, pos: dstPos, length, op: IomapOp.Dax });
  let same = true;
  try {
    while ((await iomapIter(s, src.ops)) && (await iomapIter(d, dst.ops))) {
      const n = comparePiece(src, s, dst, d);
      if (n === 0) {
        same = false; // no progress: the next iomapIter ends both walks
        continue;
      }
      s.advance(n);
      d.advance(n);
    }
    await endWalk(s, src.ops);
    await endWalk(d, dst.ops);
  } catch (err) {
    const error = err instanceof Error ? err : new FsError('EIO', String(err));
    s.status = error;
    d.status = error;
    await Promise.allSettled([endWalk(s, src.ops), endWalk(d, dst.ops)]);
    throw error;
  }
  return same;
}
