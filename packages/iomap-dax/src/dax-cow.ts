// Copy on write for DAX (DAX-4): the kernel's dax_iomap_copy_around. When a
// store lands in a SHARED mapping, the filesystem has already given the file
// new blocks (the mapping) and says where the old data is (the source map).
// The pages being stored to are completed from the source before the new
// bytes go in, so the new blocks hold the whole old page plus the change:
//
//   page:      |<------------------ 4096 ------------------>|
//   store:                  [from ....... to)
//   filled:    [head from source)          [tail from source)
//
// No source map, or a HOLE or UNWRITTEN one, means the old data reads as
// zeros: the edges are zeroed instead. (The kernel, which always has a
// srcmap, spells "no separate source" as a srcmap equal to the mapping and
// tests for its SHARED flag; here an absent srcmap is `undefined`, CORE-10.)
import type { DaxDevice, Iomap } from '@iomap/core';
import { checkPageAligned, sourceHasData, sourceView } from './dax-access.js';
import type { DaxFile } from './dax-file.js';

/**
 * Fills the parts of `dest` — the destination view of file bytes
 * `[destPos, destPos + dest.length)`, whole pages — that lie outside
 * `[from, to)` from `src`, or with zeros when `src` has no data. An empty
 * `[from, to)` (a write fault) fills every byte.
 */
export function copyAround(
  file: DaxFile<unknown>,
  src: Iomap | undefined,
  dest: Uint8Array,
  destPos: number,
  from: number,
  to: number,
  fallback: DaxDevice,
  syscall: string,
): void {
  const hasData = sourceHasData(file, src, syscall);
  if (hasData && src !== undefined) checkPageAligned(file, src, syscall);
  const fill = (start: number, end: number): void => {
    if (end <= start) return;
    if (hasData && src !== undefined) {
      dest.set(sourceView(file, src, start, end - start, fallback, syscall), start - destPos);
    } else {
      dest.fill(0, start - destPos, end - destPos);
    }
  };
  fill(destPos, from);
  fill(Math.max(from, to), destPos + dest.length);
}
