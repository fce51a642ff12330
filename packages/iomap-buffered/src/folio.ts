// A folio: the page cache's unit of memory (BUF-1). A power-of-two multiple
// of the 4 KiB page, never smaller than a filesystem block, aligned in the
// file to its own size. It carries the lock, the uptodate/dirty/writeback
// state and, when it holds more than one block, per-block state (BUF-2).
//
//   file:   |  folio index 0 (4 KiB) | folio index 1 (4 KiB) |   folio index 4 (16 KiB)   |
//   pages:  0                        1                       2 (none cached)  4 ...
//
// State rules (asserted here, so a caller that breaks them fails loudly):
// - the folio is uptodate exactly when every block is (derived, BUF-2);
// - the folio is dirty exactly when some block is dirty, and only uptodate
//   blocks may be dirtied;
// - writeback is started once and ended once, when the last byte of
//   submitted I/O has completed (BUF-36).
import { IomapContractError, PAGE_SIZE } from '@iomap/core';
import { FolioLock, WaitList } from './folio-lock.js';
import { FolioState } from './folio-state.js';

/**
 * Who is told when a folio's dirty or writeback state changes: its address
 * space (which keeps the dirty and writeback sets and the cache counters).
 *
 * @example
 * ```ts
 * const loose = new Folio(0, 4096, 1024, undefined); // no owner: a test folio
 * ```
 */
export interface FolioOwner {
  folioUnlocked(folio: Folio): void;
  folioDirtied(folio: Folio): void;
  folioCleaned(folio: Folio): void;
  folioWritebackStarted(folio: Folio): void;
  folioWritebackEnded(folio: Folio): void;
}

function violated(rule: string, detail: string): never {
  throw new IomapContractError('BUF-2', rule, detail);
}

/**
 * One folio of a file's page cache. Engines lock it before changing its data
 * or state; readers may copy from an uptodate folio without the lock.
 *
 * @example
 * ```ts
 * const folio = mapping.lookup(0);
 * if (folio?.isRangeUptodate(0, 1024)) out.set(folio.data.subarray(0, 1024));
 * ```
 */
export class Folio {
  /** Index of the first 4 KiB page. */
  readonly index: number;
  /** File offset of the first byte. */
  readonly pos: number;
  /** Bytes: a power-of-two multiple of PAGE_SIZE, at least one block (BUF-1). */
  readonly size: number;
  readonly blockSize: number;
  /**
   * The cached bytes. Only uptodate blocks hold file data. Once the folio
   * has left the cache (`owner` undefined) its memory may be reused for
   * another folio: check `owner` after every await before reading it,
   * unless the folio is locked or pinned.
   */
  readonly data: Uint8Array;
  readonly lock = new FolioLock(() => this.owner?.folioUnlocked(this));
  /** Per-block state; only for folios of more than one block, created lazily (BUF-2). */
  state: FolioState | undefined = undefined;
  /** The address space holding the folio; undefined once it was removed from the cache. */
  owner: FolioOwner | undefined;
  /** CLOCK reference bit, set on every access. */
  referenced = true;
  /** Holders that keep the folio from being evicted (block-device cache users). */
  pins = 0;
  /** Dropped from the cache once written back (DONTCACHE, BUF-21). */
  dropBehind = false;
  /** Reaching this folio sequentially starts the next readahead window. */
  readaheadMarker = false;
  /**
   * Mapped-memory stores may go straight in (the write fault was taken).
   * Cleared when writeback starts, so the next store faults again (folio_mkclean).
   */
  writeMapped = false;
  /** Bytes of writeback I/O in flight plus the submission bias (BUF-36). */
  private writePending = 0;
  private writebackFlag = false;
  private uptodateFlag = false;
  private dirtyFlag = false;
  private readonly writebackDone = new WaitList();

  /**
   * `data`, when given, is recycled memory of exactly `size` bytes holding
   * stale bytes: nothing of it is uptodate until filled.
   */
  constructor(index: number, size: number, blockSize: number, owner: FolioOwner | undefined, data?: Uint8Array) {
    const pow2 = (n: number) => Number.isSafeInteger(n) && n > 0 && (n & (n - 1)) === 0;
    if (!pow2(size) || size < PAGE_SIZE || size < blockSize || !pow2(blockSize)) {
      throw new IomapContractError('BUF-1', 'a folio is a power-of-two multiple of the page, at least one block', `size ${size}, block ${blockSize}`);
    }
    if (index % (size / PAGE_SIZE) !== 0) {
      throw new IomapContractError('BUF-1', 'a folio is aligned in the file to its size', `index ${index}, size ${size}`);
    }
    this.index = index;
    this.pos = index * PAGE_SIZE;
    this.size = size;
    this.blockSize = blockSize;
    this.data = data !== undefined && data.length === size ? data : new Uint8Array(size);
    this.owner = owner;
  }

  /** File offset one past the last byte. */
  get end(): number {
    return this.pos + this.size;
  }

  /** Blocks in the folio. */
  get blocks(): number {
    return this.size / this.blockSize;
  }

  /** Every block holds valid data (BUF-2: derived from the block bits when they exist). */
  get uptodate(): boolean {
    return this.state === undefined ? this.uptodateFlag : this.state.allUptodate;
  }

  /** Some block holds data not yet written back. */
  get dirty(): boolean {
    return this.state === undefined ? this.dirtyFlag : this.state.anyDirty;
  }

  /** Writeback I/O of this folio is in flight. */
  get writeback(): boolean {
    return this.writebackFlag;
  }

  /** Creates the per-block state if the folio has several blocks (BUF-2); returns it. */
  ensureState(): FolioState | undefined {
    if (this.state === undefined && this.blocks > 1) {
      this.state = new FolioState(this.blocks, this.uptodateFlag, this.dirtyFlag);
    }
    return this.state;
  }

  /** First block and one-past-last block covering bytes `[off, off + len)` of the folio. */
  blockSpan(off: number, len: number): [number, number] {
    return [Math.floor(off / this.blockSize), Math.ceil((off + len) / this.blockSize)];
  }

  /** Marks the blocks covering `[off, off + len)` uptodate. The caller made their contents valid. */
  setRangeUptodate(off: number, len: number): void {
    if (len <= 0) return;
    const state = this.ensureState();
    if (state === undefined) this.uptodateFlag = true;
    else state.setUptodate(...this.blockSpan(off, len));
  }

  /**
   * Forgets that the blocks covering `[off, off + len)` hold valid data (a
   * write step that prepared them was credited nothing, BUF-17). They must
   * not be dirty.
   */
  clearRangeUptodate(off: number, len: number): void {
    if (len <= 0) return;
    const [first, end] = this.blockSpan(off, len);
    const state = this.ensureState();
    if (state === undefined) {
      if (this.dirtyFlag) violated('dirty blocks stay uptodate', `folio at ${this.pos}`);
      this.uptodateFlag = false;
      return;
    }
    for (let b = first; b < end; b++) if (state.isDirty(b)) violated('dirty blocks stay uptodate', `folio at ${this.pos}, block ${b}`);
    state.clearUptodate(first, end);
  }

  /** Marks the whole folio uptodate. */
  markUptodate(): void {
    this.setRangeUptodate(0, this.size);
  }

  /**
   * Whether every block covering `[off, off + len)` is uptodate (BUF-10). A
   * folio without per-block state answers with its own flag.
   */
  isRangeUptodate(off: number, len: number): boolean {
    if (this.uptodate) return true;
    if (this.state === undefined || len <= 0) return false;
    return this.state.rangeUptodate(...this.blockSpan(off, len));
  }

  /** Marks the blocks covering `[off, off + len)` dirty; they must be uptodate (BUF-2). */
  setRangeDirty(off: number, len: number): void {
    if (len <= 0) return;
    if (!this.isRangeUptodate(off, len)) {
      violated('only uptodate blocks may be dirtied', `folio at ${this.pos}, range +${off} len ${len}`);
    }
    const was = this.dirty;
    const state = this.ensureState();
    if (state === undefined) this.dirtyFlag = true;
    else state.setDirty(...this.blockSpan(off, len));
    if (!was) this.owner?.folioDirtied(this);
  }

  /** Clears the dirty state of the blocks covering `[off, off + len)`. */
  clearRangeDirty(off: number, len: number): void {
    const was = this.dirty;
    if (this.state === undefined) {
      if (off <= 0 && off + len >= this.size) this.dirtyFlag = false;
    } else {
      this.state.clearDirty(...this.blockSpan(off, len));
    }
    if (was && !this.dirty) this.owner?.folioCleaned(this);
  }

  /** Clears every dirty bit (BUF-35: after writeback, even a failed one). */
  clearDirty(): void {
    this.clearRangeDirty(0, this.size);
  }

  /**
   * Frees the per-block state, keeping the folio-wide flags (BUF-30). Refused
   * (false) while the folio is dirty or under writeback.
   */
  releaseState(): boolean {
    if (this.dirty || this.writebackFlag) return false;
    if (this.state !== undefined) {
      this.uptodateFlag = this.state.allUptodate;
      this.dirtyFlag = false;
      this.state = undefined;
    }
    return true;
  }

  /** Forgets all cached data: not uptodate, not dirty, no block state (BUF-31). */
  invalidate(): void {
    this.clearDirty();
    this.state = undefined;
    this.uptodateFlag = false;
    this.dirtyFlag = false;
  }

  /**
   * Starts writeback with a 1-byte bias (BUF-36): completions of I/O submitted
   * during the walk cannot end writeback before the walk drops the bias.
   */
  startWriteback(): void {
    if (this.writebackFlag) violated('writeback is started once per pass', `folio at ${this.pos} is already under writeback`);
    this.writebackFlag = true;
    this.writeMapped = false;
    this.writePending = 1;
    this.owner?.folioWritebackStarted(this);
  }

  /** Accounts `bytes` of submitted writeback I/O. */
  addWritePending(bytes: number): void {
    if (!this.writebackFlag) violated('I/O is added only while under writeback', `folio at ${this.pos}`);
    this.writePending += bytes;
  }

  /** Accounts `bytes` of finished I/O (or 1 for the bias); ends writeback at zero, exactly once. */
  finishWrite(bytes: number): void {
    if (!this.writebackFlag || bytes > this.writePending) {
      violated('writeback ends exactly once', `folio at ${this.pos}: finishing ${bytes} of ${this.writePending} pending`);
    }
    this.writePending -= bytes;
    if (this.writePending > 0) return;
    this.writebackFlag = false;
    this.owner?.folioWritebackEnded(this);
    this.writebackDone.wake();
  }

  /** Resolves when the folio is not under writeback. */
  async waitWriteback(): Promise<void> {
    while (this.writebackFlag) await this.writebackDone.wait();
  }

  /** Zeroes `[from, to)` of the folio's bytes. */
  zero(from: number, to: number): void {
    if (to > from) this.data.fill(0, from, to);
  }
}
