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
    for (let b = first; b < end; b++) if (this.set(b)) this.uptodateCount++;
  }

  /** Clears the uptodate bits of blocks `[first, end)`. */
  clearUptodate(first: number, end: number): void {
    for (let b = first; b < end; b++) if (this.clear(b)) this.uptodateCount--;
  }

  /** Marks blocks `[first, end)` dirty. */
  setDirty(first: number, end: number): void {
    for (let b = first; b < end; b++) if (this.set(this.blocks + b)) this.dirtyCount++;
  }

  /** Clears the dirty bits of blocks `[first, end)`. */
  clearDirty(first: number, end: number): void {
    for (let b = first; b < end; b++) if (this.clear(this.blocks + b)) this.dirtyCount--;
  }

  /** Whether every block of `[first, end)` is uptodate. */
  rangeUptodate(first: number, end: number): boolean {
    for (let b = first; b < end; b++) if (!this.test(b)) return false;
    return true;
  }

  /**
   * The first run of dirty blocks starting at or after `from` and before
   * `end`, as `[start, stop)`, or undefined when there is none (BUF-34).
   */
  nextDirtyRun(from: number, end: number): [number, number] | undefined {
    let start = from;
    while (start < end && !this.isDirty(start)) start++;
    if (start >= end) return undefined;
    let stop = start + 1;
    while (stop < end && this.isDirty(stop)) stop++;
    return [start, stop];
  }

  private test(bit: number): boolean {
    return ((this.bits[bit >>> 5] as number) & (1 << (bit & 31))) !== 0;
  }

  /** Sets a bit; returns whether it changed. */
  private set(bit: number): boolean {
    const word = bit >>> 5;
    const mask = 1 << (bit & 31);
    const old = this.bits[word] as number;
    if (old & mask) return false;
    this.bits[word] = old | mask;
    return true;
  }

  /** Clears a bit; returns whether it changed. */
  private clear(bit: number): boolean {
    const word = bit >>> 5;
    const mask = 1 << (bit & 31);
    const old = this.bits[word] as number;
    if (!(old & mask)) return false;
    this.bits[word] = old & ~mask;
    return true;
  }
}
