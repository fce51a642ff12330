// bufferedRead: copy file bytes out of the page cache, filling it on misses
// (the kernel's filemap_read over iomap_read_folio / iomap_readahead).
//
//   hit, uptodate                 -> copy
//   hit, range uptodate (BUF-10)  -> copy without reading
//   hit, not uptodate             -> lock, read the missing blocks, copy
//   miss                          -> readahead a window (grows while sequential), copy
//   hit on a readahead marker     -> also start the next window in the background
//   large miss, nothing cached    -> straight from the device into the buffer, no folios
//                                    (uncached-read.ts; PageCacheOptions.uncachedReadMin)
//
// The result is clipped to EOF. A folio that cannot be filled fails the
// whole read with its error (EIO from the device): no partially filled
// data is ever returned as good.
import { FsError, PAGE_SIZE, checkRange } from '@iomap/core';
import type { AddressSpace } from './address-space.js';
import type { Folio } from './folio.js';
import { readFolios } from './read.js';
import { asyncReadahead, syncReadahead } from './readahead.js';
import type { ReadaheadState } from './readahead-state.js';
import { fillUncached, uncachedRunEnd } from './uncached-read.js';

/**
 * Options for {@link bufferedRead}.
 *
 * @example
 * ```ts
 * await bufferedRead(file, 0, buf, { ra: handle.ra, nowait: true });
 * ```
 */
export interface BufferedReadOptions {
  /** The handle's readahead state; default the address space's own. */
  ra?: ReadaheadState;
  /** Do not wait for I/O or locks: `EAGAIN` when the data is not cached and uptodate. */
  nowait?: boolean;
  /**
   * Uncached reads: a run of the range with no folio cached is filled
   * straight from the device, creating no folios. Default: for runs of at
   * least the cache's `uncachedReadMin` bytes; `false` never (always fill the
   * cache, e.g. for data about to be read again); `true` for any run.
   * Ignored (always cached) for an address space with custom `readOps` (BUF-8).
   */
  uncached?: boolean;
}

/**
 * Reads up to `buffer.length` bytes at `pos` through the page cache into
 * `buffer`; resolves with the bytes read (fewer at EOF, 0 at or past it).
 * `EINVAL` for an invalid range; the device's error (usually `EIO`) when
 * part of the range cannot be read. Caller holds the inode lock shared.
 *
 * @example
 * ```ts
 * const buf = new Uint8Array(8192);
 * const n = await bufferedRead(file, 4096, buf);
 * ```
 */
export async function bufferedRead<I>(
  mapping: AddressSpace<I>,
  pos: number,
  buffer: Uint8Array,
  options: BufferedReadOptions = {},
): Promise<number> {
  checkRange(pos, buffer.length, 'read');
  const m = mapping as AddressSpace<unknown>;
  const ra = options.ra ?? m.ra;
  const end = Math.min(pos + buffer.length, m.size);
  const nowait = options.nowait === true;
  // Custom read ops (BUF-8) see every device read, so such files always read through the cache.
  const uncachedMin = m.readOps !== undefined ? Infinity : options.uncached === undefined ? m.cache.uncachedReadMin : options.uncached ? 1 : Infinity;
  let at = pos;
  while (at < end) {
    if (!nowait && end - at >= uncachedMin) {
      const runEnd = uncachedRunEnd(m, at, end);
      if (runEnd - at >= uncachedMin) {
        const n = await fillUncached(m, at, buffer.subarray(at - pos, runEnd - pos));
        if (n > 0) {
          m.cache.accountUncachedRead(n);
          // A sequential reader stays sequential: a later miss at the end grows the window.
          ra.start = at;
          ra.size = n;
          at += n;
          continue;
        }
      }
    }
    const folio = await uptodateFolioAt(m, at, end, ra, nowait);
    // Evicted since it was found? Its memory may hold another folio now: look again.
    if (folio === undefined || folio.owner !== m) continue;
    const n = Math.min(end, folio.end) - at;
    buffer.set(folio.data.subarray(at - folio.pos, at - folio.pos + n), at - pos);
    at += n;
  }
  ra.prevEnd = Math.max(at, pos);
  return Math.max(0, at - pos);
}

/**
 * The folio holding `at` with the bytes `[at, min(end, folio end))`
 * uptodate, reading them if needed; undefined when the caller should look
 * again (the folio was removed while we waited).
 */
async function uptodateFolioAt(
  mapping: AddressSpace<unknown>,
  at: number,
  end: number,
  ra: ReadaheadState,
  nowait: boolean,
): Promise<Folio | undefined> {
  let folio = mapping.lookup(at);
  if (folio === undefined) {
    if (nowait) throw again(mapping, at);
    const { folios, errors } = await syncReadahead(mapping, ra, at, end - at);
    folio = folios.find((f) => f.pos <= at && at < f.end);
    if (folio === undefined) return undefined; // someone else created it meanwhile
    const err = errors.get(folio);
    if (err !== undefined) throw err;
    return folio;
  }
  if (folio.readaheadMarker) {
    folio.readaheadMarker = false;
    await asyncReadahead(mapping, ra);
    if (folio.owner !== mapping) return undefined;
  }
  const off = at - folio.pos;
  const len = Math.min(end, folio.end) - at;
  if (folio.isRangeUptodate(off, len)) return folio;
  if (nowait) throw again(mapping, at);
  await folio.lock.lock();
  if (folio.owner !== mapping) {
    folio.lock.unlock();
    return undefined;
  }
  if (folio.isRangeUptodate(off, len)) {
    folio.lock.unlock();
    return folio;
  }
  const errors = await readFolios(mapping, [folio]);
  const err = errors.get(folio);
  if (err !== undefined) throw err;
  return folio;
}

function again(mapping: AddressSpace<unknown>, at: number): FsError {
  return new FsError('EAGAIN', `data at ${at} (page ${Math.floor(at / PAGE_SIZE)}) is not cached and NOWAIT forbids reading it`, {
    syscall: 'read',
    path: mapping.name,
  });
}
