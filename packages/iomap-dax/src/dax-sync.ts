// DAX writeback (DAX-10): the kernel's dax_writeback_mapping_range, called by
// fsync and writepages. Nothing is copied — the data is already in device
// memory — but CPU caches over the pages stored to through mapped views must
// be written back (dax_flush), then the device flushed, before the data is
// durable. Pages dirtied by write faults are flushed, exactly those; stores
// made by daxRw, zeroing and unshare were flushed as they were made.
//
// The kernel write-protects a page after flushing it, so the next store
// faults and dirties it again. A Uint8Array cannot be write-protected: a page
// still covered by a live writable view therefore stays dirty after a sync
// (its holder may store again at any time) and is flushed by every sync until
// the view is released.
import { PAGE_SIZE, checkRange, type DaxDevice } from '@iomap/core';
import type { DirtyPage } from './dax-entries.js';
import type { DaxFile } from './dax-file.js';
import { daxState } from './dax-state.js';

/**
 * What {@link daxSync} flushed.
 *
 * @example
 * ```ts
 * const { pages, ranges } = await daxSync(file);
 * ```
 */
export interface DaxSyncResult {
  /** Dirty pages whose caches were written back. */
  pages: number;
  /** Calls made to the file's `flushRange` hook (adjacent pages are flushed together). */
  ranges: number;
}

interface FlushRun {
  device: DaxDevice;
  addr: number;
  length: number;
}

/** Coalesces pages adjacent in the file and on the device into runs. */
function runsOf(pages: readonly DirtyPage[]): FlushRun[] {
  const runs: FlushRun[] = [];
  let last: (FlushRun & { index: number }) | undefined;
  for (const p of pages) {
    if (last !== undefined && last.device === p.device && p.index === last.index + 1 && p.addr === last.addr + last.length) {
      last.length += PAGE_SIZE;
      last.index = p.index;
      continue;
    }
    last = { device: p.device, addr: p.addr, length: PAGE_SIZE, index: p.index };
    runs.push(last);
  }
  return runs.map(({ device, addr, length }) => ({ device, addr, length }));
}

/**
 * Makes what was stored to `[start, end)` of a DAX file durable (DAX-10):
 * writes back the caches of exactly the pages dirtied through write faults
 * (the file's `flushRange` hook), then flushes every device stored to since
 * the last sync (`flush()`, when the DAX device is also a block device).
 * Pages no writable view covers any more become clean. Part of fsync: the
 * filesystem persists its own metadata as well.
 *
 * @example
 * ```ts
 * const m = await daxMap(file, 0, 8192, { write: true });
 * m.store(0, data);
 * m.release();
 * await daxSync(file); // flushes pages 0 and 1, then the device
 * ```
 */
export async function daxSync<I>(file: DaxFile<I>, start = 0, end = Number.MAX_SAFE_INTEGER): Promise<DaxSyncResult> {
  checkRange(start, Math.max(0, end - start), 'fsync');
  const state = daxState(file);
  state.zeroPage.check(file.name);
  const pages = state.entries.dirtyIn(start, end);
  const runs = runsOf(pages);
  if (file.flushRange !== undefined) {
    for (const run of runs) await file.flushRange(run.device, run.addr, run.length);
  }
  for (const page of pages) {
    if (!state.pins.writableCovers(page.index * PAGE_SIZE)) state.entries.clean(page.index);
  }
  const devices = new Set<DaxDevice>([...state.entries.takeWrittenDevices(), ...pages.map((p) => p.device)]);
  for (const device of devices) {
    const flush = (device as { flush?: unknown }).flush;
    if (typeof flush === 'function') await (flush as () => Promise<void>).call(device);
  }
  return { pages: pages.length, ranges: file.flushRange === undefined ? 0 : runs.length };
}
