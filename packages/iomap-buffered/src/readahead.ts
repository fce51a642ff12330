// Readahead (BUF-4): create the missing folios of a window — as large as the
// file allows, naturally aligned — lock them, and read each contiguous run
// of new folios with one iomap iteration. Folios already cached split the
// window into runs; runs are read concurrently.
//
// A sequential reader is kept ahead of: the folio in the middle of each
// window carries a marker, and reaching it starts reading the next (doubled)
// window in the background, so device I/O overlaps the copying. Only the
// I/O runs in the background: the filesystem is asked for mappings before
// the read returns, while the caller still holds the inode lock — a write
// allocating blocks must never race a readahead mapping them (it would read
// the allocated but not yet written blocks: stale data).
//
//   window [0, 64K) marker at 32K -> read reaches 32K -> background [64K, 192K), marker at 128K ...
import { PAGE_SIZE, type FsError } from '@iomap/core';
import type { AddressSpace } from './address-space.js';
import type { Folio } from './folio.js';
import { startRead } from './read.js';
import type { ReadaheadState } from './readahead-state.js';

/**
 * What a readahead created and how each folio's read ended.
 *
 * @example
 * ```ts
 * const { folios, errors } = await readaheadRange(file, 0, 65536);
 * ```
 */
export interface ReadaheadResult {
  /** The folios created (unlocked now), in file order. */
  folios: Folio[];
  /** Folios that could not be filled, with why. */
  errors: Map<Folio, FsError>;
}

/**
 * Creates and reads the folios missing from bytes `[pos, pos + length)`,
 * clipped to EOF. Memory for the whole window is made room for first, so
 * no folio lock is held while waiting for memory. NOWAIT: `EAGAIN` instead
 * of waiting for memory.
 *
 * @example
 * ```ts
 * const { folios, errors } = await readaheadRange(file, 0, 128 << 10);
 * ```
 */
export async function readaheadRange(mapping: AddressSpace<unknown>, pos: number, length: number, nowait = false): Promise<ReadaheadResult> {
  const { folios, done } = await startReadahead(mapping, pos, length, nowait);
  return { folios, errors: await done };
}

/**
 * Creates the window's folios and starts reading them; resolves once the
 * filesystem has mapped everything and the requests are submitted, with
 * `done` for the end of the I/O.
 */
async function startReadahead(
  mapping: AddressSpace<unknown>,
  pos: number,
  length: number,
  nowait: boolean,
): Promise<{ folios: Folio[]; done: Promise<Map<Folio, FsError>> }> {
  const minPages = mapping.folios.minPages;
  const eofPage = Math.ceil(Math.ceil(mapping.size / PAGE_SIZE) / minPages) * minPages;
  const start = Math.floor(pos / PAGE_SIZE / minPages) * minPages;
  const end = Math.min(eofPage, Math.ceil((pos + length) / PAGE_SIZE / minPages) * minPages);
  if (end <= start) return { folios: [], done: Promise.resolve(new Map()) };
  const bytes = (end - start) * PAGE_SIZE;
  await mapping.reserve(bytes, nowait);
  let runs: Folio[][];
  try {
    runs = createWindow(mapping, start, end);
  } finally {
    mapping.cache.unreserve(bytes);
  }
  const started = await Promise.all(runs.map((run) => startRead(mapping, run)));
  const done = Promise.all(started.map((s) => s.done)).then((results) => {
    const errors = new Map<Folio, FsError>();
    for (const r of results) for (const [folio, err] of r) errors.set(folio, err);
    return errors;
  });
  return { folios: runs.flat(), done };
}

/** Creates locked folios in the free slots of pages `[start, end)`, grouped in contiguous runs. */
function createWindow(mapping: AddressSpace<unknown>, start: number, end: number): Folio[][] {
  const runs: Folio[][] = [];
  let run: Folio[] = [];
  for (let i = start; i < end; ) {
    const existing = mapping.folios.lookup(i);
    if (existing !== undefined) {
      if (run.length > 0) runs.push(run);
      run = [];
      i = existing.index + existing.size / PAGE_SIZE;
      continue;
    }
    const folio = mapping.insertFolio(i, windowFolioPages(mapping, i, end));
    folio.lock.tryLock();
    run.push(folio);
    i = folio.index + folio.size / PAGE_SIZE;
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

/** The largest allowed folio starting at page `i` (aligned to it), ending by `end` and over free pages only. */
function windowFolioPages(mapping: AddressSpace<unknown>, i: number, end: number): number {
  const { minPages, maxPages } = mapping.folios;
  let pages = minPages;
  while (pages * 2 <= maxPages && i % (pages * 2) === 0 && i + pages * 2 <= end && mapping.folios.isFree(i, pages * 2)) {
    pages *= 2;
  }
  return pages;
}

/**
 * The synchronous readahead of a cache miss at `pos` (the reader needs
 * `reqLen` bytes): reads the window the readahead state picks and marks
 * where the next one should start in the background.
 */
export async function syncReadahead(mapping: AddressSpace<unknown>, ra: ReadaheadState, pos: number, reqLen: number): Promise<ReadaheadResult> {
  const size = ra.nextWindow(pos, reqLen, mapping.cache.maxReadahead);
  const result = await readaheadRange(mapping, pos, size);
  markNextWindow(result.folios, ra);
  return result;
}

/**
 * Starts the next window (a sequential reader reached the marker) and
 * resolves once the filesystem mapped it and its I/O is submitted — still
 * under the reader's inode lock, as in the kernel — while the I/O completes
 * in the background. Never waits for memory and never fails: a folio it
 * could not fill stays not uptodate, and the reader reads it again (BUF-4).
 */
export async function asyncReadahead(mapping: AddressSpace<unknown>, ra: ReadaheadState): Promise<void> {
  const start = ra.start + ra.size;
  if (start >= mapping.size) return;
  const size = ra.nextWindow(start, PAGE_SIZE, mapping.cache.maxReadahead);
  try {
    const { folios, done } = await startReadahead(mapping, start, size, true);
    markNextWindow(folios, ra);
    done.catch(() => undefined); // the reader reads again what could not be filled
  } catch {
    // readahead is a hint (no memory without waiting, a mapping error): the reader handles what is missing
  }
}

/** Puts the marker on the new folio holding the middle of the current window. */
function markNextWindow(folios: Folio[], ra: ReadaheadState): void {
  const at = ra.start + Math.floor(ra.size / 2);
  const folio = folios.find((f) => f.pos <= at && at < f.end);
  if (folio !== undefined) folio.readaheadMarker = true;
}
