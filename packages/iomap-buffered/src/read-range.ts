// The two per-block decisions shared by reads and read-modify-write:
// which blocks of a range still need data (BUF-5), and whether a block's
// data comes from zeros instead of the device (BUF-6).
import { IomapFlags, IomapType, type Iomap } from '@iomap/core';
import type { Folio } from './folio.js';

/** The part of a folio range that still needs data: `skip` leading bytes are already uptodate. */
export interface ReadRange {
  /** Bytes skipped at the start (leading uptodate blocks). */
  skip: number;
  /** Bytes to fill from there (0 when everything is uptodate). */
  length: number;
}

/**
 * Trims a block-aligned range `[off, off + len)` of a folio to the blocks
 * that need data (BUF-5, the kernel's iomap_adjust_read_range): leading
 * uptodate blocks are skipped, the run stops before the next uptodate
 * block, and a run reaching past EOF stops after the block holding EOF so
 * the blocks wholly beyond it are handled (zeroed) on their own.
 *
 * @example
 * ```ts
 * // 4 KiB folio of 1 KiB blocks, blocks 0 and 3 uptodate:
 * adjustReadRange(folio, 0, 4096, 1 << 20); // { skip: 1024, length: 2048 }
 * ```
 */
export function adjustReadRange(folio: Folio, off: number, len: number, isize: number): ReadRange {
  const bs = folio.blockSize;
  let first = Math.floor(off / bs);
  let last = Math.floor((off + len - 1) / bs);
  let skip = 0;
  let plen = len;
  const state = folio.state;
  if (state !== undefined) {
    while (first <= last && state.isUptodate(first)) {
      skip += bs;
      plen -= bs;
      first++;
    }
    for (let i = first; i <= last; i++) {
      if (state.isUptodate(i)) {
        plen -= (last - i + 1) * bs;
        last = i - 1;
        break;
      }
    }
  }
  const origPos = folio.pos + off;
  if (origPos <= isize && origPos + len > isize) {
    const eofBlock = Math.floor((isize - 1 - folio.pos) / bs);
    if (first <= eofBlock && last > eofBlock) plen -= (last - eofBlock) * bs;
  }
  return { skip, length: Math.max(0, plen) };
}

/**
 * Whether the block at file position `pos` must be zero-filled rather than
 * read (BUF-6, IOMAP-SPEC §3.2): the source map is not MAPPED (HOLE,
 * UNWRITTEN, DELALLOC), is NEW, or the block starts at or after EOF.
 *
 * @example
 * ```ts
 * blockNeedsZeroing(iter.readMap(), pos, mapping.size);
 * ```
 */
export function blockNeedsZeroing(srcmap: Iomap, pos: number, isize: number): boolean {
  return srcmap.type !== IomapType.Mapped || (srcmap.flags & IomapFlags.New) !== 0 || pos >= isize;
}
