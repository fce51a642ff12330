// Editing a directory block where it lives: in the directory's page cache
// (the kernel's ext2_get_folio + ext2_prepare_chunk/ext2_commit_chunk),
// instead of copying it out with bufferedRead and back with bufferedWrite.
//
//   folio holding block b cached and uptodate? -> (dirty-limit check, as a
//   buffered write step makes it) -> lock the folio -> wait for writeback
//   of it (writeback reads folio memory asynchronously) -> edit the block's
//   bytes in place -> mark them dirty -> unlock
//
// A block is only edited in place once it is on the device's map: every
// block below i_size of a directory is (directories never use delayed
// allocation, and a hole there is corruption that the index build rejects),
// so the writeback that stores the folio maps it like any other.
// Not cached (evicted, or never read): the caller reads it through the page
// cache first (dir-edit.ts), and falls back to a copy and a bufferedWrite
// if the cache cannot keep it.
import type { AddressSpace, Folio } from '@iomap/buffered';
import type { Ext2Inode } from '../inode/ext2-inode.js';

/** The folio holding bytes [pos, pos + len) of `mapping`, if cached and uptodate there. */
function cachedUptodate(mapping: AddressSpace<Ext2Inode>, pos: number, len: number): Folio | undefined {
  const folio = mapping.lookup(pos);
  if (folio === undefined || pos + len > folio.end || !folio.isRangeUptodate(pos - folio.pos, len)) return undefined;
  return folio;
}

/** Whether `[pos, pos + len)` of `mapping` is cached and uptodate (an in-place edit can run without a read). */
export function blockCached(mapping: AddressSpace<Ext2Inode>, pos: number, len: number): boolean {
  return cachedUptodate(mapping, pos, len) !== undefined;
}

/** Runs `edit` on bytes [pos, pos + len) of the locked, uptodate `folio` (not under writeback) and marks them dirty. */
function editLocked<T>(folio: Folio, pos: number, len: number, edit: (bytes: Uint8Array) => T): CachedEdit<T> {
  const off = pos - folio.pos;
  const value = edit(folio.data.subarray(off, off + len));
  folio.setRangeDirty(off, len);
  return { done: true, value };
}

/** What an in-place edit did: ran (with `edit`'s result), or could not run without a wait or a read. */
export type CachedEdit<T> = { done: true; value: T } | { done: false };

/**
 * editCachedBlock when it needs no wait: the block cached and uptodate, its
 * folio unlocked and not under writeback, and (when the folio is clean) the
 * cache under its dirty limit. Otherwise `{ done: false }`, having changed
 * nothing. Same preconditions as editCachedBlock.
 */
export function editCachedBlockNow<T>(mapping: AddressSpace<Ext2Inode>, pos: number, len: number, edit: (bytes: Uint8Array) => T): CachedEdit<T> {
  const folio = cachedUptodate(mapping, pos, len);
  if (folio === undefined || folio.writeback || folio.lock.locked) return { done: false };
  if (!folio.dirty && !mapping.noFsReclaim) {
    if (mapping.cache.overDirtyLimit) return { done: false };
    mapping.cache.startBackgroundWriteback();
  }
  if (!folio.lock.tryLock()) return { done: false };
  try {
    if (folio.writeback) return { done: false };
    return editLocked(folio, pos, len, edit);
  } finally {
    folio.lock.unlock();
  }
}

/**
 * Runs `edit` on the cached bytes [pos, pos + len) of `mapping` under the
 * folio lock and marks them dirty; returns `{ done: false }` without calling
 * it when they are not cached and uptodate. `edit` must either change
 * nothing and throw, or finish its change (dir-block-edit.ts's edits check
 * before they write). Precondition: the range is mapped on the device and
 * lies inside i_size; caller holds the directory's lock exclusively.
 */
export async function editCachedBlock<T>(mapping: AddressSpace<Ext2Inode>, pos: number, len: number, edit: (bytes: Uint8Array) => T): Promise<CachedEdit<T>> {
  const first = cachedUptodate(mapping, pos, len);
  if (first === undefined) return { done: false };
  if (!first.dirty && !mapping.noFsReclaim) {
    // What a buffered write step does before dirtying a folio (BUF-12).
    const cache = mapping.cache;
    if (cache.overDirtyLimit) await cache.balanceDirty();
    else cache.startBackgroundWriteback();
  }
  // The folio may have gone while we waited: look it up again.
  const folio = cachedUptodate(mapping, pos, len);
  if (folio === undefined) return { done: false };
  if (!folio.lock.tryLock()) await folio.lock.lock();
  try {
    if (folio.owner !== mapping || !folio.isRangeUptodate(pos - folio.pos, len)) return { done: false };
    while (folio.writeback) await folio.waitWriteback();
    return editLocked(folio, pos, len, edit);
  } finally {
    folio.lock.unlock();
  }
}
