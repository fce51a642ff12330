// Block allocation for ExtentMapFs: reference counts per device block (0 =
// free, 1 = owned by one file, >1 = shared by reflink), delayed-allocation
// reservations, and the placement patterns that decide how many mappings a
// file ends up with.
//
// Patterns (one "run" is a physically contiguous allocation):
//   contiguous  next-fit, runs as long as asked: few large mappings
//   fragmented  every other block first (odd, then even), one block per run
//   reverse     from the top of the device downwards, one block per run
//   random      a seeded random free block, a run of random length
import { FsError } from '@iomap/core';
import type { SeededRandom } from './seeded-random.js';

/**
 * Where {@link ExtentMapFs} places new blocks: `'contiguous'` (few large
 * mappings), `'fragmented'` (interleaved single blocks), `'reverse'` (single
 * blocks from the end of the device down) or `'random'` (seeded).
 *
 * @example
 * ```ts
 * const fs = new ExtentMapFs({ allocation: 'fragmented' }); // one mapping per block
 * ```
 */
export type AllocationPattern = 'contiguous' | 'fragmented' | 'reverse' | 'random';

/** A physically contiguous range of device blocks. */
export interface BlockRun {
  start: number;
  count: number;
}

/** Internal: the free-space and reference-count map of one ExtentMapFs. */
export class BlockAllocator {
  private readonly refs: Uint32Array;
  private used = 0;
  private reservedBlocks = 0;
  private cursor: number;
  private topCursor: number;

  constructor(
    /** First block that may be allocated (blocks before it are reserved for "metadata"). */
    readonly firstBlock: number,
    /** One past the last block of the device. */
    readonly endBlock: number,
    private readonly pattern: AllocationPattern,
    private readonly rng: SeededRandom,
  ) {
    this.refs = new Uint32Array(endBlock);
    this.cursor = firstBlock;
    this.topCursor = endBlock - 1;
  }

  /** Blocks neither allocated nor reserved. */
  get available(): number {
    return this.endBlock - this.firstBlock - this.used - this.reservedBlocks;
  }

  /** Blocks promised to delayed allocations. */
  get reserved(): number {
    return this.reservedBlocks;
  }

  refcount(block: number): number {
    return this.refs[block] ?? 0;
  }

  /** Reserves up to `count` blocks for delayed allocation; returns how many were reserved. */
  reserve(count: number): number {
    const n = Math.min(count, this.available);
    this.reservedBlocks += n;
    return n;
  }

  unreserve(count: number): void {
    this.reservedBlocks = Math.max(0, this.reservedBlocks - count);
  }

  /**
   * Allocates one run of 1..`max` blocks placed by the pattern, or returns
   * undefined when the device is full. With `fromReservation` the blocks come
   * out of the delayed-allocation reservation (which guaranteed them).
   */
  allocateRun(max: number, fromReservation = false): BlockRun | undefined {
    const limit = fromReservation ? Math.min(max, this.reservedBlocks) : Math.min(max, this.available);
    if (limit <= 0) return undefined;
    const run = this.place(limit);
    if (run === undefined) return undefined;
    for (let b = run.start; b < run.start + run.count; b++) this.refs[b] = 1;
    this.used += run.count;
    if (fromReservation) this.reservedBlocks -= run.count;
    return run;
  }

  /** Adds one reference to each block of the run (reflink). */
  ref(run: BlockRun): void {
    for (let b = run.start; b < run.start + run.count; b++) {
      if (this.refs[b] === 0) throw new FsError('EIO', `testkit bug: reflink of free block ${b}`);
      this.refs[b] = (this.refs[b] ?? 0) + 1;
    }
  }

  /** Drops one reference from each block of the run; blocks reaching 0 become free. */
  unref(run: BlockRun): void {
    for (let b = run.start; b < run.start + run.count; b++) {
      const r = this.refs[b] ?? 0;
      if (r === 0) throw new FsError('EIO', `testkit bug: double free of block ${b}`);
      this.refs[b] = r - 1;
      if (r === 1) this.used--;
    }
  }

  private place(limit: number): BlockRun | undefined {
    switch (this.pattern) {
      case 'contiguous':
        return this.placeNextFit(limit);
      case 'fragmented':
        return this.placeInterleaved();
      case 'reverse':
        return this.placeFromTop();
      case 'random':
        return this.placeRandom(limit);
    }
  }

  private isFree(block: number): boolean {
    return block >= this.firstBlock && block < this.endBlock && this.refs[block] === 0;
  }

  private extend(start: number, limit: number): BlockRun {
    let count = 1;
    while (count < limit && this.isFree(start + count)) count++;
    return { start, count };
  }

  private placeNextFit(limit: number): BlockRun | undefined {
    const span = this.endBlock - this.firstBlock;
    for (let i = 0; i < span; i++) {
      const b = this.firstBlock + ((this.cursor - this.firstBlock + i) % span);
      if (!this.isFree(b)) continue;
      const run = this.extend(b, limit);
      this.cursor = run.start + run.count >= this.endBlock ? this.firstBlock : run.start + run.count;
      return run;
    }
    return undefined;
  }

  private placeInterleaved(): BlockRun | undefined {
    for (const parity of [1, 0]) {
      for (let b = this.firstBlock + parity; b < this.endBlock; b += 2) {
        if (this.isFree(b)) return { start: b, count: 1 };
      }
    }
    return undefined;
  }

  private placeFromTop(): BlockRun | undefined {
    for (let b = this.topCursor; b >= this.firstBlock; b--) {
      if (this.isFree(b)) {
        this.topCursor = b;
        return { start: b, count: 1 };
      }
    }
    for (let b = this.endBlock - 1; b > this.topCursor; b--) {
      if (this.isFree(b)) return { start: b, count: 1 };
    }
    return undefined;
  }

  private placeRandom(limit: number): BlockRun | undefined {
    const span = this.endBlock - this.firstBlock;
    const from = this.rng.int(0, span);
    for (let i = 0; i < span; i++) {
      const b = this.firstBlock + ((from + i) % span);
      if (this.isFree(b)) return this.extend(b, this.rng.int(1, limit + 1));
    }
    return undefined;
  }
}
