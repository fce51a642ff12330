// The page-cache half of SEEK_HOLE/SEEK_DATA inside UNWRITTEN extents
// (CORE-19, CORE-20, CORE-21): an uptodate block of a cached folio is data;
// a missing folio or a block that is not uptodate is a hole.
import { PAGE_SIZE, type SeekWhence } from '@iomap/core';
import type { AddressSpace } from './address-space.js';
import type { Folio } from './folio.js';

/**
 * Searches `[start, end)` of the cache. `'data'`: the first byte of an
 * uptodate cached block, or undefined. `'hole'`: the first byte not in an
 * uptodate cached block, or `end`.
 *
 * @example
 * ```ts
 * seekInCache(file, 0, 65536, 'data'); // where cached data starts, if any
 * ```
 */
export function seekInCache(mapping: AddressSpace<unknown>, start: number, end: number, whence: SeekWhence): number | undefined {
  let pos = start;
  const folios = mapping.folios.range(Math.floor(start / PAGE_SIZE), Math.ceil(end / PAGE_SIZE));
  for (const folio of folios) {
    if (pos >= end) break;
    if (folio.pos > pos && whence === 'hole') return pos;
    pos = Math.max(pos, folio.pos);
    const found = seekInFolio(folio, pos, Math.min(end, folio.end), whence);
    if (found !== undefined) return found;
    pos = folio.end;
  }
  if (whence === 'hole') return Math.min(pos, end);
  return undefined;
}

/** The first data (or hole) position in `[from, to)` of one folio, block by block. */
function seekInFolio(folio: Folio, from: number, to: number, whence: SeekWhence): number | undefined {
  if (folio.uptodate) return whence === 'data' ? from : undefined;
  const bs = folio.blockSize;
  for (let b = Math.floor((from - folio.pos) / bs) * bs; folio.pos + b < to; b += bs) {
    const up = folio.isRangeUptodate(b, bs);
    if (up === (whence === 'data')) return Math.max(from, folio.pos + b);
  }
  return undefined;
}
