// Folio-level hooks a mapped-memory layer or a filesystem calls directly
// (BUF-10, BUF-29, BUF-30, BUF-31).
import { IomapContractError } from '@iomap/core';
import type { Folio } from './folio.js';

/**
 * Whether every block covering `[from, from + count)` of the folio is
 * uptodate (BUF-10). Without per-block state the folio's own flag decides.
 *
 * @example
 * ```ts
 * isPartiallyUptodate(folio, 0, 2048); // blocks 0-1 of 1 KiB
 * ```
 */
export function isPartiallyUptodate(folio: Folio, from: number, count: number): boolean {
  const len = Math.min(count, folio.size - from);
  return folio.isRangeUptodate(from, len);
}

/**
 * Dirties the whole folio from outside the write path (BUF-29, e.g. a
 * mapped-memory store): every block is marked dirty. The folio must be
 * uptodate.
 *
 * @example
 * ```ts
 * folio.data[10] = 1; dirtyFolio(folio);
 * ```
 */
export function dirtyFolio(folio: Folio): void {
  folio.ensureState();
  folio.setRangeDirty(0, folio.size);
}

/**
 * Frees the folio's per-block state unless it is dirty or under writeback
 * (BUF-30); returns whether it did.
 *
 * @example
 * ```ts
 * if (releaseFolio(folio)) mapping.deleteFolio(folio);
 * ```
 */
export function releaseFolio(folio: Folio): boolean {
  return folio.releaseState();
}

/**
 * Invalidation of `[offset, offset + length)` of a folio (BUF-31): the whole
 * folio cancels its dirtiness and frees its per-block state; a partial range
 * leaves everything alone. The folio must not be under writeback.
 *
 * @example
 * ```ts
 * invalidateFolio(folio, 0, folio.size);
 * ```
 */
export function invalidateFolio(folio: Folio, offset: number, length: number): void {
  if (offset !== 0 || length < folio.size) return;
  if (folio.writeback) {
    throw new IomapContractError('BUF-31', 'a folio under writeback is not invalidated', `folio at ${folio.pos}`);
  }
  folio.clearDirty();
  folio.releaseState();
}
