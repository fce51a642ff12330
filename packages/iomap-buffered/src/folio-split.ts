// Splitting a large folio when truncate or a hole punch cuts through it
// (the kernel's truncate_inode_partial_folio → split_folio): the parts of
// the folio wholly inside the removed range leave the cache, the rest stays
// as smaller, naturally aligned folios with the same bytes and per-block
// state. Without it a 1 MiB folio truncated at 4 KiB keeps holding 1 MiB.
//
//   folio [0, 64K), truncate to 9000, 4 KiB pages:
//   keep [0, 12K) -> folios [0, 8K) and [8K, 12K); [12K, 64K) is dropped
//
// Only whole units of the smallest folio size (a page, or a block when
// blocks are bigger) are dropped; the bytes of the removed range inside a
// kept unit are zeroed by the caller, as for a folio that is not split.
import { PAGE_SIZE } from '@iomap/core';
import type { AddressSpace } from './address-space.js';
import { Folio } from './folio.js';

/**
 * Splits the locked, idle `folio` so that no folio covers a whole
 * minimum-size unit of `[start, end)`; returns the folios that remain (in
 * file order, unlocked and not yet visible to anyone else before this
 * returns), or undefined when nothing would be freed or the folio may not be
 * split (pinned by a user of the block-device cache, under writeback). The
 * old folio leaves the cache: whoever waits for its lock sees that its owner
 * is gone and looks the range up again.
 */
export function splitFolioForRemoval(mapping: AddressSpace<unknown>, folio: Folio, start: number, end: number): Folio[] | undefined {
  const unit = mapping.minFolioSize;
  if (folio.size <= unit || folio.pins > 0 || folio.writeback || folio.owner !== mapping) return undefined;
  const cutFrom = Math.max(folio.pos, Math.ceil(start / unit) * unit);
  const cutTo = Math.min(folio.end, Math.floor(Math.min(end, Number.MAX_SAFE_INTEGER) / unit) * unit);
  if (cutTo <= cutFrom) return undefined;
  const keep: [number, number][] = [];
  if (cutFrom > folio.pos) keep.push([folio.pos, cutFrom]);
  if (cutTo < folio.end) keep.push([cutTo, folio.end]);

  // Build the replacements first (their memory may be recycled pool memory), then swap.
  const parts: Folio[] = [];
  for (const [from, to] of keep) {
    for (const [pos, size] of alignedPieces(from, to, unit)) {
      const part = new Folio(pos / PAGE_SIZE, size, folio.blockSize, mapping, mapping.cache.takeBuffer(size));
      part.data.set(folio.data.subarray(pos - folio.pos, pos - folio.pos + size));
      copyBlockState(folio, part);
      part.referenced = folio.referenced;
      part.dropBehind = folio.dropBehind;
      parts.push(part);
    }
  }
  const dirtyRanges = parts.map((part) => dirtyBlockRanges(folio, part));
  folio.invalidate(); // clean: the parts carry the dirty state
  mapping.deleteFolio(folio);
  parts.forEach((part, i) => {
    mapping.folios.insert(part);
    mapping.cache.charge(part);
    for (const [off, len] of dirtyRanges[i] ?? []) part.setRangeDirty(off, len);
  });
  return parts;
}

/** Naturally aligned power-of-two pieces (multiples of `unit`) covering `[from, to)`, largest first at each position. */
function alignedPieces(from: number, to: number, unit: number): [number, number][] {
  const out: [number, number][] = [];
  for (let pos = from; pos < to; ) {
    let size = unit;
    while (pos % (size * 2) === 0 && pos + size * 2 <= to) size *= 2;
    out.push([pos, size]);
    pos += size;
  }
  return out;
}

/** Copies the uptodate bits of the blocks `part` covers (dirty bits are set after the swap, with accounting). */
function copyBlockState(from: Folio, part: Folio): void {
  const off = part.pos - from.pos;
  if (from.isRangeUptodate(off, part.size)) {
    part.markUptodate();
    return;
  }
  const bs = from.blockSize;
  for (let b = 0; b < part.size; b += bs) if (from.isRangeUptodate(off + b, bs)) part.setRangeUptodate(b, bs);
}

/** The dirty blocks of `from` inside `part`, as ranges of `part`. */
function dirtyBlockRanges(from: Folio, part: Folio): [number, number][] {
  if (!from.dirty) return [];
  const off = part.pos - from.pos;
  const state = from.state;
  if (state === undefined) return [[0, part.size]];
  const bs = from.blockSize;
  const out: [number, number][] = [];
  const first = off / bs;
  const end = first + part.size / bs;
  for (let b = first; b < end; ) {
    const run = state.nextDirtyRun(b, end);
    if (run === undefined) break;
    out.push([(run[0] - first) * bs, (run[1] - run[0]) * bs]);
    b = run[1];
  }
  return out;
}
