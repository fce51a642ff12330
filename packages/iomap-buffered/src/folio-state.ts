// Per-block state of a folio holding more than one block (BUF-2, the
// kernel's `struct iomap_folio_state`): one bitmap of 2 bits per block —
// bits [0, n) uptodate, bits [n, 2n) dirty — plus counts so that "every
// block uptodate" and "any block dirty" are O(1).
//
//   folio of 4 KiB, blocks of 1 KiB:  block   0 1 2 3
//                                     uptodate 0 1 0 0   <- bits 0..3
//                                     dirty    0 1 0 0   <- bits 4..7
//
// Single-block folios never get one: the folio's own flags say everything.

/**
 * Uptodate and dirty bits of each block of one folio (BUF-2).
 *
 * @example
 * ```ts
 * const state = new FolioState(4, false, false);
 * state.setUptodate(1, 2); // block 1 only
 * state.isUptodate(1);     // true
 * state.allUptodate;       // false
 * ```
 */
export class FolioState {
  /** Blocks in the folio. */
  readonly blocks: number;
  private readonly bits: Uint32Array;
  private uptodateCount = 0;
  private dirtyCount = 0;

  /** On creation every uptodate bit copies `uptodate` and every dirty bit copies `dirty` (BUF-2). */
  constructor(blocks: number, uptodate: boolean, dirty: boolean) {
    this.blocks = blocks;
    this.bits = new Uint32Array(Math.ceil((2 * blocks) / 32));
    if (uptodate) this.setUptodate(0, blocks);
    if (dirty) this.setDirty(0, blocks);
  }

  /** Whether every block is uptodate. */
  get allUptodate(): boolean {
    return this.uptodateCount === this.blocks;
  }

  /** Whether any block is dirty. */
  get anyDirty(): boolean {
    return this.dirtyCount > 0;
  }

  /** Number of dirty blocks. */
  get dirtyBlocks(): number {
    return this.dirtyCount;
  }

  isUptodate(block: number): boolean {
    return this.test(block);
  }

  isDirty(block: number): boolean {
    return this.test(this.blocks + block);
  }

  /** Marks blocks `[first, end)` uptodate. */
  setUptodate(first: number, end: number): void {
    this.uptodateCount += this.setBits(first, end);
  }

  /** Clears the uptodate bits of blocks `[first, end)`. */
  clearUptodate(first: number, end: number): void {
    this.uptodateCount -= this.clearBits(first, end);
  }

  /** Marks blocks `[first, end)` dirty. */
  setDirty(first: number, end: number): void {
    this.dirtyCount += this.setBits(this.blocks + first, this.blocks + end);
  }

  /** Clears the dirty bits of blocks `[first, end)`. */
  clearDirty(first: number, end: number): void {
    this.dirtyCount -= this.clearBits(this.blocks + first, this.blocks + end);
  }

  /** Whether every block of `[first, end)` is uptodate. */
  rangeUptodate(first: number, end: number): boolean {
    return first >= end || this.findBit(first, end, false) === end;
  }

  /**
   * The first run of dirty blocks starting at or after `from` and before
   * `end`, as `[start, stop)`, or undefined when there is none (BUF-34).
   */
  nextDirtyRun(from: number, end: number): [number, number] | undefined {
    const n = this.blocks;
    if (from >= end) return undefined;
    const start = this.findBit(n + from, n + end, true) - n;
    if (start >= end) return undefined;
    return [start, this.findBit(n + start, n + end, false) - n];
  }

  private test(bit: number): boolean {
    return ((this.bits[bit >>> 5] as number) & (1 << (bit & 31))) !== 0;
  }

  // Range operations work a 32-bit word at a time: a 1 MiB folio of 4 KiB
  // blocks is 256 blocks, and streaming writes set, test and clear all of
  // them for every folio (bit-by-bit loops showed in the write profile).

  /** Sets bits `[from, to)`; returns how many were clear before. */
  private setBits(from: number, to: number): number {
    let changed = 0;
    for (let bit = from; bit < to; ) {
      const n = Math.min(32 - (bit & 31), to - bit);
      const mask = wordMask(bit & 31, n);
      const word = bit >>> 5;
      const old = this.bits[word] as number;
      const added = ~old & mask;
      if (added !== 0) {
        changed += popcount(added);
        this.bits[word] = old | mask;
      }
      bit += n;
    }
    return changed;
  }

  /** Clears bits `[from, to)`; returns how many were set before. */
  private clearBits(from: number, to: number): number {
    let changed = 0;
    for (let bit = from; bit < to; ) {
      const n = Math.min(32 - (bit & 31), to - bit);
      const mask = wordMask(bit & 31, n);
      const word = bit >>> 5;
      const old = this.bits[word] as number;
      const removed = old & mask;
      if (removed !== 0) {
        changed += popcount(removed);
        this.bits[word] = old & ~mask;
      }
      bit += n;
    }
    return changed;
  }

  /** The first bit in `[from, to)` equal to `value`, or `to` when there is none. */
  private findBit(from: number, to: number, value: boolean): number {
    for (let bit = from; bit < to; ) {
      const lo = bit & 31;
      const n = Math.min(32 - lo, to - bit);
      const word = this.bits[bit >>> 5] as number;
      const hits = (value ? word : ~word) & wordMask(lo, n);
      if (hits !== 0) return bit - lo + lowestBit(hits);
      bit += n;
    }
    return to;
  }
}

/** `n` one bits from bit `lo` of a 32-bit word (lo + n <= 32). */
function wordMask(lo: number, n: number): number {
  return n === 32 ? -1 : ((1 << n) - 1) << lo;
}

/** Number of one bits of a 32-bit word. */
function popcount(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/** Index of the lowest one bit of a non-zero 32-bit word. */
function lowestBit(x: number): number {
  return 31 - Math.clz32(x & -x);
}
