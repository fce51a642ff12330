// Removing and zeroing cached ranges: truncate of the page cache, dropping
// clean folios for direct I/O coherency, and the post-EOF zeroing when the
// size grows (pagecache_isize_extended).
//
// Every function locks each folio and waits for its writeback before it
// touches it, so it never races a writeback that is reading folio memory.
import { FsError, PAGE_SIZE } from '@iomap/core';
import type { AddressSpace } from './address-space.js';
import type { Folio } from './folio.js';
import { splitFolioForRemoval } from './folio-split.js';

/** Locks `folio` and waits for its writeback; false (unlocked) when it left the mapping meanwhile. */
async function lockForRemoval(mapping: AddressSpace<unknown>, folio: Folio): Promise<boolean> {
  await folio.lock.lock();
  if (folio.owner !== mapping) {
    folio.lock.unlock();
    return false;
  }
  await folio.waitWriteback();
  return true;
}

function pageSpan(start: number, end: number): [number, number] {
  return [Math.floor(start / PAGE_SIZE), Math.ceil(Math.min(end, Number.MAX_SAFE_INTEGER) / PAGE_SIZE)];
}

/**
 * Drops cached bytes `[start, end)`: folios wholly inside are removed (their
 * dirty data discarded); a large folio straddling an edge is split so that
 * its pages inside the range leave the cache too, and the rest of the range
 * in the remaining folios is zeroed in memory (the kernel's
 * truncate_pagecache_range). Used for truncate, hole punching
 * and the cleanup of failed writes (BUF-19). Caller holds the inode lock.
 *
 * @example
 * ```ts
 * await truncatePagecacheRange(file, 4096, 65536); // before punching [4096, 65536)
 * ```
 */
export async function truncatePagecacheRange(mapping: AddressSpace<unknown>, start: number, end: number): Promise<void> {
  if (end <= start) return;
  for (const folio of mapping.folios.range(...pageSpan(start, end))) {
    if (!(await lockForRemoval(mapping, folio))) continue;
    try {
      if (start <= folio.pos && folio.end <= end) {
        folio.invalidate();
        mapping.deleteFolio(folio);
      } else {
        // A large folio the range cuts through is split, so what lies inside the range leaves memory.
        for (const part of splitFolioForRemoval(mapping, folio, start, end) ?? [folio]) {
          part.zero(Math.max(start, part.pos) - part.pos, Math.min(end, part.end) - part.pos);
        }
      }
    } finally {
      folio.lock.unlock();
    }
  }
}

/** Trims the cache to a new, smaller EOF (truncate_pagecache). */
export async function truncatePagecache(mapping: AddressSpace<unknown>, newSize: number): Promise<void> {
  await truncatePagecacheRange(mapping, newSize, Number.MAX_SAFE_INTEGER);
}

/**
 * Drops the folios overlapping `[start, end)` (invalidate_inode_pages2_range):
 * whole folios, after their writeback. Dirty and pinned folios are kept
 * and the call fails with `EBUSY` once the others are gone.
 */
export async function invalidateMappingRange(mapping: AddressSpace<unknown>, start: number, end: number): Promise<void> {
  let busy: Folio | undefined;
  for (const folio of mapping.folios.range(...pageSpan(start, end))) {
    if (!(await lockForRemoval(mapping, folio))) continue;
    try {
      if (folio.dirty || folio.pins > 0) busy ??= folio;
      else mapping.deleteFolio(folio);
    } finally {
      folio.lock.unlock();
    }
  }
  if (busy !== undefined) {
    throw new FsError('EBUSY', `folio at ${busy.pos} is dirty and cannot be invalidated; write the range back first`, {
      syscall: 'invalidate',
      path: mapping.name,
    });
  }
}

/**
 * The size grew from `from` to `to` (BUF-18, pagecache_isize_extended):
 * bytes of the folio straddling the old EOF that now lie inside the file
 * must read as zeros, whatever the cache held past the old EOF.
 */
export async function pagecacheIsizeExtended(mapping: AddressSpace<unknown>, from: number, to: number): Promise<void> {
  if (from >= to) return;
  const folio = mapping.folios.lookup(Math.floor(from / PAGE_SIZE));
  if (folio === undefined || folio.pos === from) return;
  if (!(await lockForRemoval(mapping, folio))) return;
  try {
    folio.zero(from - folio.pos, Math.min(to, folio.end) - folio.pos);
  } finally {
    folio.lock.unlock();
  }
}
