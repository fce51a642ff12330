// Bitmap arithmetic for ext2's block and inode bitmaps (EXT2.md 2.5): bit i
// is byte i >> 3, mask 1 << (i & 7), LSB first; 1 = in use. Whole 0xff /
// 0x00 bytes are skipped eight bits at a time, so scanning an 8192-bit group
// costs about a thousand byte tests, not eight thousand bit tests.

/** Whether bit `i` is set. */
export function testBit(map: Uint8Array, i: number): boolean {
  return ((map[i >> 3] as number) & (1 << (i & 7))) !== 0;
}

/** Sets bits [from, to). */
export function setBits(map: Uint8Array, from: number, to: number): void {
  for (let i = from; i < to; ) {
    if ((i & 7) === 0 && i + 8 <= to) {
      map[i >> 3] = 0xff;
      i += 8;
    } else {
      map[i >> 3] = (map[i >> 3] as number) | (1 << (i & 7));
      i++;
    }
  }
}

/** Clears bits [from, to); returns how many were set before. */
export function clearBits(map: Uint8Array, from: number, to: number): number {
  let cleared = 0;
  for (let i = from; i < to; i++) {
    const mask = 1 << (i & 7);
    const byte = map[i >> 3] as number;
    if ((byte & mask) !== 0) {
      map[i >> 3] = byte & ~mask;
      cleared++;
    }
  }
  return cleared;
}

/** Number of set bits in [from, to). */
export function countSetBits(map: Uint8Array, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (testBit(map, i)) n++;
  return n;
}

/** First clear bit in [from, to), or -1. */
export function findClearBit(map: Uint8Array, from: number, to: number): number {
  let i = from;
  while (i < to) {
    if ((i & 7) === 0) {
      while (i + 8 <= to && map[i >> 3] === 0xff) i += 8;
      if (i >= to) break;
    }
    if (!testBit(map, i)) return i;
    i++;
  }
  return -1;
}

/** Length of the run of clear bits starting at `from`, at most `max`, not past `to`. */
export function clearRunLength(map: Uint8Array, from: number, to: number, max: number): number {
  const limit = Math.min(to, from + max);
  let i = from;
  while (i < limit) {
    if ((i & 7) === 0) {
      while (i + 8 <= limit && map[i >> 3] === 0) i += 8;
      if (i >= limit) break;
    }
    if (testBit(map, i)) break;
    i++;
  }
  return i - from;
}

/** A run of clear bits: [start, start + length). */
export interface ClearRun {
  readonly start: number;
  readonly length: number;
}

/**
 * The first run of clear bits in [from, to) at least `want` long (capped at
 * `want`); failing that, the longest run found (undefined when there is no
 * clear bit at all).
 */
export function findClearRun(map: Uint8Array, from: number, to: number, want: number): ClearRun | undefined {
  let best: ClearRun | undefined;
  for (let i = findClearBit(map, from, to); i !== -1 && i < to; i = findClearBit(map, i, to)) {
    const length = clearRunLength(map, i, to, want);
    if (length >= want) return { start: i, length };
    if (best === undefined || length > best.length) best = { start: i, length };
    i += length;
  }
  return best;
}
