// Readahead window state (the kernel's `struct file_ra_state`): the window
// starts small and doubles while reads stay sequential, up to the cache's
// maximum; a random read starts over.
//
//   read 16K @0   -> window [0, 64K)       (initial: 4x a small request)
//   read 16K @64K -> window [64K, 192K)    (sequential: doubled)
//   read 16K @1M  -> window [1M, 1M+64K)   (random: initial again)
import { PAGE_SIZE } from '@iomap/core';

/**
 * Where the last read ended and how big the readahead window is. One per
 * open file handle; an address space keeps a default one.
 *
 * @example
 * ```ts
 * const ra = new ReadaheadState();
 * await bufferedRead(file, 0, buf, { ra });
 * ```
 */
export class ReadaheadState {
  /** First byte of the current window. */
  start = 0;
  /** Window size in bytes (0 before the first read). */
  size = 0;
  /** Where the previous read ended (-1 before the first). */
  prevEnd = -1;

  /**
   * The window to read for a cache miss at `pos` of a request of `reqLen`
   * bytes, at most `max` bytes; remembers it for the next call.
   */
  nextWindow(pos: number, reqLen: number, max: number): number {
    const sequential = this.size > 0 && (pos === this.prevEnd || pos === this.start + this.size);
    const initial = initialWindow(reqLen, max);
    const size = sequential ? Math.min(max, Math.max(this.size * 2, initial)) : initial;
    this.start = pos;
    this.size = size;
    return size;
  }
}

/** First window for a request: 4x small requests, 2x medium ones, the maximum for large ones. */
function initialWindow(reqLen: number, max: number): number {
  let r = PAGE_SIZE;
  while (r < reqLen) r *= 2;
  if (r <= max / 32) return r * 4;
  if (r <= max / 4) return r * 2;
  return max;
}
