// A DAX mapping: the userspace form of a range of a DAX file mapped into
// memory (mmap with MAP_SHARED). daxMap builds it from page faults (DAX-5);
// it hands out views of device memory page by page:
//
//   segments:  [device view, pages 0-2]  [zero page]  [zero page]  [device view, page 5]
//   file:      0 ............ 12K        12K ... 16K  16K ... 20K  20K ..... 24K
//
// A device view is device memory itself: loads see stores made through
// daxRw, other views and other threads (over a SharedArrayBuffer) at once. A
// zero view is the file's shared zero page (a read fault on a hole): it must
// never be written. The mapping pins its device pages until release()
// (DAX-11) and becomes invalid (valid = false) when the blocks under it
// change — a write fault or write allocating over a hole it maps as zeros,
// copy on write, unshare, or layout breaking. An invalid mapping is let go
// and mapped again, as a process whose page-table entries were zapped takes
// a new fault.
import { FsError, type DaxDevice } from '@iomap/core';
import type { LayoutPins, Pin } from './layout-pins.js';

/**
 * One contiguous piece of a {@link DaxMapping}.
 *
 * @example
 * ```ts
 * for (const s of mapping.segments) {
 *   if (s.kind === 'device') worker.postMessage({ buffer: s.view.buffer, byteOffset: s.view.byteOffset, length: s.length });
 * }
 * ```
 */
export interface DaxSegment {
  /** File position of `view[0]`. */
  readonly pos: number;
  readonly length: number;
  /**
   * `'device'`: device memory. `'zero'`: the shared zero page of a read fault
   * on a HOLE or UNWRITTEN page, one page long — never store through it
   * (checked; see {@link DaxMapping}).
   */
  readonly kind: 'device' | 'zero';
  /** The memory. For a device segment over a `SharedArrayBuffer`, `view.byteOffset` is the device address. */
  readonly view: Uint8Array;
  /** Stores are allowed: a device segment of a write fault. */
  readonly writable: boolean;
  /** The DAX device of a device segment. */
  readonly device: DaxDevice | undefined;
  /** Device byte address of `view[0]` (device segments), or -1 (`NULL_ADDR`). */
  readonly addr: number;
}

/** Internal: what daxMap gives the DaxMapping constructor. */
export interface DaxMappingInit {
  pos: number;
  length: number;
  write: boolean;
  segments: DaxSegment[];
  major: boolean;
  needsSync: boolean;
  path: string | undefined;
  pins: LayoutPins;
  /** Checks the shared zero page after release (DAX-5). */
  checkZeroPage: () => void;
}

/**
 * A mapped range of a DAX file, returned by `daxMap` (DAX-5). Read
 * `segments` for the raw views, or use `load`/`store`, which check the rules:
 * stores need a write fault (`{ write: true }`) and a valid mapping.
 *
 * Rules for raw views: never store into a `'zero'` segment (the shared zero
 * page is checked on every `daxMap`, `daxSync` and `release`, and a written
 * one is an `IomapContractError`, DAX-5); stop using a mapping once `valid`
 * is false; call `release()` when done — truncate and hole punch wait for it
 * (DAX-11). When `needsSync` is set, persist the metadata with
 * `finishSyncFault` before relying on the data surviving a crash (DAX-6).
 *
 * @example
 * ```ts
 * const m = await daxMap(file, 0, 8192, { write: true });
 * m.store(100, new Uint8Array([1, 2, 3]));
 * console.log(m.load(100, 3)); // Uint8Array [1, 2, 3]
 * m.release();
 * ```
 */
export class DaxMapping {
  /** File position of the first mapped byte (page-aligned). */
  readonly pos: number;
  /** Bytes mapped (whole pages). */
  readonly length: number;
  /** Whether this came from a write fault. */
  readonly write: boolean;
  /** The views, in file order, covering `[pos, pos + length)` without gaps. */
  readonly segments: readonly DaxSegment[];
  /** Some page was freshly allocated (NEW): the kernel counts a major fault. */
  readonly major: boolean;
  readonly #path: string | undefined;
  readonly #pins: LayoutPins;
  readonly #pin: Pin;
  readonly #checkZeroPage: () => void;
  #needsSync: boolean;
  #revoked = false;
  #released = false;

  /** Internal: created by `daxMap`. */
  constructor(init: DaxMappingInit) {
    this.pos = init.pos;
    this.length = init.length;
    this.write = init.write;
    this.segments = init.segments;
    this.major = init.major;
    this.#needsSync = init.needsSync;
    this.#path = init.path;
    this.#pins = init.pins;
    this.#checkZeroPage = init.checkZeroPage;
    this.#pin = {
      start: init.pos,
      end: init.pos + init.length,
      writable: init.write,
      deviceRanges: init.segments.filter((s) => s.kind === 'device').map((s) => [s.pos, s.pos + s.length] as const),
      revoke: () => {
        this.#revoked = true;
      },
    };
    init.pins.add(this.#pin);
  }

  /**
   * DAX-6: a synchronous write fault (`{ sync: true }`) found metadata not yet
   * persisted (the mapping carried `IomapFlags.Dirty`). The data is in place,
   * but a crash could lose the blocks under it until `finishSyncFault` ran.
   */
  get needsSync(): boolean {
    return this.#needsSync;
  }

  /** False once released or revoked: the views may no longer show the file. */
  get valid(): boolean {
    return !this.#revoked && !this.#released;
  }

  /** Whether `release()` was called. */
  get released(): boolean {
    return this.#released;
  }

  /** The segment holding file position `pos`; `EFAULT` outside the mapping. */
  segmentAt(pos: number): DaxSegment {
    const seg = this.segments.find((s) => pos >= s.pos && pos < s.pos + s.length);
    if (seg === undefined) throw this.#fault(`position ${pos} is outside the mapping [${this.pos}, ${this.pos + this.length})`);
    return seg;
  }

  /** Copies file bytes `[pos, pos + length)` out of the mapping. `EFAULT` outside it or when invalid. */
  load(pos: number, length: number): Uint8Array {
    this.#checkAccess(pos, length);
    const out = new Uint8Array(length);
    this.#each(pos, length, (seg, from, n, at) => out.set(seg.view.subarray(from, from + n), at));
    return out;
  }

  /**
   * Stores `data` at file position `pos` through the views. `EFAULT` outside
   * the mapping, when invalid, or through a read fault's mapping (map again
   * with `{ write: true }`).
   */
  store(pos: number, data: Uint8Array): void {
    this.#checkAccess(pos, data.length);
    if (!this.write) {
      throw this.#fault('the mapping came from a read fault and may show the shared zero page; map it with { write: true }');
    }
    this.#each(pos, data.length, (seg, from, n, at) => seg.view.set(data.subarray(at, at + n), from));
  }

  /**
   * DAX-6, the kernel's `dax_finish_sync_fault`: runs `persist` — the
   * filesystem's fsync of the range (metadata included) — and clears
   * `needsSync`.
   *
   * @example
   * ```ts
   * const m = await daxMap(file, 0, 4096, { write: true, sync: true });
   * if (m.needsSync) await m.finishSyncFault(() => fs.fsync(inode));
   * ```
   */
  async finishSyncFault(persist: (start: number, end: number) => Promise<void>): Promise<void> {
    if (!this.#needsSync) return;
    await persist(this.pos, this.pos + this.length);
    this.#needsSync = false;
  }

  /**
   * Lets go of the views (DAX-11): waiting truncates and hole punches may
   * proceed. Then checks the shared zero page (DAX-5), throwing if it was
   * written. Idempotent.
   */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#pins.remove(this.#pin);
    this.#checkZeroPage();
  }

  #checkAccess(pos: number, length: number): void {
    if (!this.valid) {
      throw this.#fault(this.#released ? 'the mapping was released' : 'the mapping was invalidated (blocks changed under it); map the range again');
    }
    if (!Number.isSafeInteger(pos) || !Number.isSafeInteger(length) || length < 0 || pos < this.pos || pos + length > this.pos + this.length) {
      throw this.#fault(`[${String(pos)}, +${String(length)}) is outside the mapping [${this.pos}, ${this.pos + this.length})`);
    }
  }

  /** Calls `fn(segment, offset in segment, bytes, offset in the caller's buffer)` for each piece of the range. */
  #each(pos: number, length: number, fn: (seg: DaxSegment, from: number, n: number, at: number) => void): void {
    for (let at = 0; at < length; ) {
      const seg = this.segmentAt(pos + at);
      const from = pos + at - seg.pos;
      const n = Math.min(length - at, seg.length - from);
      fn(seg, from, n, at);
      at += n;
    }
  }

  #fault(detail: string): FsError {
    return new FsError('EFAULT', detail, this.#path === undefined ? { syscall: 'dax_mapping' } : { syscall: 'dax_mapping', path: this.#path });
  }
}
