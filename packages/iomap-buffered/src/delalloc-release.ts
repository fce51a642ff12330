// Releasing delayed-allocation reservations after a short write (BUF-23,
// the kernel's iomap_write_delalloc_release, IOMAP-SPEC §3.4).
//
// A filesystem's iomapEnd calls it for the unwritten tail of a NEW DELALLOC
// mapping. Reservations under dirty cache must stay — that data will be
// written back, and it may come from a racing writer or a mapped-memory
// store — while everything else is punched, and everything past EOF always.
//
//   [start ............................ end)      EOF
//    | clean | dirty blocks | clean |dirty|  |     past EOF
//    punch     keep           punch   keep   punch (always)
import { PAGE_SIZE, checkRange } from '@iomap/core';
import type { AddressSpace } from './address-space.js';
import type { Folio } from './folio.js';

/**
 * Removes the delalloc reservation of file bytes `[pos, pos + length)`;
 * must not lock folios (one may be locked by the caller).
 *
 * @example
 * ```ts
 * const punch: DelallocPunch<MyInode> = (inode, pos, len) => inode.unreserve(pos, len);
 * ```
 */
export type DelallocPunch<I> = (inode: I, pos: number, length: number) => Promise<void>;

/** The dirty block runs of a locked folio inside `[from, to)`, as `[start, end)` file positions. */
function dirtyRanges(folio: Folio, from: number, to: number): [number, number][] {
  const bs = folio.blockSize;
  const first = Math.floor((Math.max(from, folio.pos) - folio.pos) / bs);
  const end = Math.ceil((Math.min(to, folio.end) - folio.pos) / bs);
  const state = folio.state;
  if (state === undefined) return folio.dirty ? [[folio.pos + first * bs, folio.pos + end * bs]] : [];
  const out: [number, number][] = [];
  for (let b = first; b < end; ) {
    const run = state.nextDirtyRun(b, end);
    if (run === undefined) break;
    out.push([folio.pos + run[0] * bs, folio.pos + run[1] * bs]);
    b = run[1];
  }
  return out;
}

/**
 * Punches the delalloc reservations of `[start, end)` that no dirty cached
 * block backs (BUF-23): clean folios, clean blocks of dirty folios and
 * uncached ranges inside EOF, and all of `[EOF, end)`. `start` should be
 * block aligned (`iomapLastWrittenBlock`). Caller holds the invalidate lock
 * exclusively, so no fault or writer can dirty the range meanwhile.
 *
 * @example
 * ```ts
 * async iomapEnd(inode, pos, length, written, op, iomap) {
 *   if (iomap.type === IomapType.Delalloc && iomap.flags & IomapFlags.New && written < length) {
 *     const from = iomapLastWrittenBlock(inode.blockSize, pos, written);
 *     await writeDelallocRelease(inode.mapping, from, pos + length, (i, p, l) => i.punchDelalloc(p, l));
 *   }
 * }
 * ```
 */
export async function writeDelallocRelease<I>(mapping: AddressSpace<I>, start: number, end: number, punch: DelallocPunch<I>): Promise<void> {
  checkRange(start, Math.max(0, end - start), 'delalloc_release');
  const scanEnd = Math.min(mapping.size, end);
  const keep: [number, number][] = [];
  for (const folio of mapping.folios.range(Math.floor(start / PAGE_SIZE), Math.ceil(scanEnd / PAGE_SIZE))) {
    if (!folio.dirty) continue;
    await folio.lock.lock();
    try {
      if (folio.owner === mapping) keep.push(...dirtyRanges(folio, start, scanEnd));
    } finally {
      folio.lock.unlock();
    }
  }
  let punchFrom = start;
  for (const [from, to] of keep) {
    if (from > punchFrom) await punch(mapping.inode, punchFrom, from - punchFrom);
    punchFrom = Math.max(punchFrom, to);
  }
  if (punchFrom < end) await punch(mapping.inode, punchFrom, end - punchFrom);
}
