// Layout breaking (DAX-11): before a filesystem removes or moves blocks of a
// DAX file (truncate, hole punch, reflink over it), nobody may still hold a
// view of them — the kernel's dax_layout_busy_page_range plus the wait for
// pinned pages in the filesystem's break-layouts loop. See layout-pins.ts.
import { checkRange } from '@iomap/core';
import type { DaxFile } from './dax-file.js';
import { daxState } from './dax-state.js';

/**
 * Whether a live view from `daxMap` pins device memory of `[start, end)`
 * (DAX-11): the kernel's `dax_layout_busy_page_range` finding a busy page.
 *
 * @example
 * ```ts
 * if (daxLayoutBusy(file, 4096)) console.log('someone still maps the tail');
 * ```
 */
export function daxLayoutBusy<I>(file: DaxFile<I>, start: number, end = Number.MAX_SAFE_INTEGER): boolean {
  checkRange(start, Math.max(0, end - start), 'dax_layout_busy_page');
  return daxState(file).pins.busy(start, end);
}

/**
 * Waits until no view from `daxMap` pins device memory of `[start, end)`
 * (DAX-11). First revokes every view meeting the range (`valid` becomes
 * false: its holder must stop using it and `release()` it), then resolves
 * when the last one is released. Call it holding the invalidate lock
 * exclusive, so no new fault maps the range meanwhile, then remove the
 * blocks.
 *
 * @example
 * ```ts
 * await daxTruncatePage(file, 5000);
 * await awaitLayoutIdle(file, 5000); // every view of [5000, EOF) released
 * await fs.truncate(inode, 5000);
 * ```
 */
export async function awaitLayoutIdle<I>(file: DaxFile<I>, start: number, end = Number.MAX_SAFE_INTEGER): Promise<void> {
  checkRange(start, Math.max(0, end - start), 'dax_break_layout');
  const pins = daxState(file).pins;
  pins.revokeOverlapping(start, end);
  await pins.waitIdle(start, end);
}
