// OverlayDevice: copy-on-write over a base device that is never written.
//
// The device is cut into chunks of `chunkSize` bytes (default 4 KiB). A chunk
// is either clean (its bytes are the base's) or copied (its bytes live in the
// upper device at the same offset). The first write to a chunk copies it up:
// the parts of a partially written chunk that the write does not cover are
// read from the base and written to the upper together with the new data, in
// one writev. Reads are split at chunk-run boundaries and served from the
// upper or the base.
//
// States of a chunk: clean --write/discard--> copied. Nothing returns a chunk
// to clean; the copied set is what changedRanges() reports, coalesced.
// Writes and discards run one at a time (a copy-up is a read-modify-write of
// the base, which a concurrent write to the same chunk would undo); reads run
// freely alongside.
import { FsError, Mutex, checkDeviceAccess, totalLength, type BlockDevice } from '@iomap/core';
import { IntervalSet } from './interval-set.js';
import { SparseMemoryDevice } from './sparse-memory-device.js';

/**
 * Options for {@link OverlayDevice}.
 *
 * @example
 * ```ts
 * const overlay = new OverlayDevice(base, undefined, { chunkSize: 65536 });
 * ```
 */
export interface OverlayDeviceOptions {
  /** Copy-up granularity in bytes, a power of two (default 4096). */
  chunkSize?: number;
}

/**
 * A byte range `[start, start + length)`.
 *
 * @example
 * ```ts
 * const changed: ByteRange[] = overlay.changedRanges(); // [{ start: 0, length: 4096 }, …]
 * ```
 */
export interface ByteRange {
  start: number;
  length: number;
}

/**
 * Options for {@link OverlayDevice.exportImage} and {@link OverlayDevice.exportTo}.
 *
 * @example
 * ```ts
 * for await (const piece of overlay.exportImage({ pieceSize: 4 << 20 })) await sink.write(piece);
 * ```
 */
export interface OverlayExportOptions {
  /** Bytes per read (and per yielded piece), default 1 MiB. */
  pieceSize?: number;
}

/**
 * Options for {@link OverlayDevice.exportTo}.
 *
 * @example
 * ```ts
 * await overlay.exportTo(imageFileDevice, { changedOnly: true }); // commit the changes back
 * ```
 */
export interface OverlayExportToOptions extends OverlayExportOptions {
  /** Write only {@link OverlayDevice.changedRanges} (for a target that already holds the base). */
  changedOnly?: boolean;
}

const DEFAULT_PIECE_SIZE = 1 << 20;

/**
 * A copy-on-write device over `base`: reads see the base until a range is
 * written; writes go to `upper` (default: a {@link SparseMemoryDevice} that
 * allocates only what is written) and never to the base. `changedRanges()`
 * lists what differs from the base; `exportImage()` and `exportTo()` produce
 * the merged image.
 *
 * `discard` zeroes the range in the overlay (a later read returns zeros and
 * the range counts as changed); the base is not touched. `close` closes the
 * default upper; a base or an upper the caller passed stays open. Which chunks
 * were copied is kept in memory only: an upper passed in cannot be reopened
 * as an overlay later.
 *
 * @example
 * ```ts
 * const base = MemoryBlockDevice.from(imageBytes, { readOnly: true });
 * const overlay = new OverlayDevice(base);
 * await overlay.write(1024, new Uint8Array([0xef, 0x53]));
 * overlay.changedRanges(); // [{ start: 0, length: 4096 }]
 * const parts: Uint8Array[] = [];
 * for await (const piece of overlay.exportImage()) parts.push(piece);
 * ```
 */
export class OverlayDevice implements BlockDevice {
  readonly size: number;
  readonly logicalBlockSize: number;
  readonly readOnly = false;
  readonly base: BlockDevice;
  readonly upper: BlockDevice;
  readonly chunkSize: number;
  /** Indices of copied chunks. */
  private readonly copied = new IntervalSet();
  private readonly writeLock = new Mutex();
  /** The default upper, which the overlay owns and closes; its discard frees memory and reads zeros. */
  private readonly sparseUpper: SparseMemoryDevice | undefined;
  private closed = false;

  constructor(base: BlockDevice, upper?: BlockDevice, options: OverlayDeviceOptions = {}) {
    const chunkSize = options.chunkSize ?? 4096;
    if (!Number.isSafeInteger(chunkSize) || chunkSize < 1 || chunkSize > 2 ** 30 || (chunkSize & (chunkSize - 1)) !== 0) {
      throw new FsError('EINVAL', `chunkSize must be a power of two up to 2^30, got ${String(chunkSize)}`, {
        syscall: 'open',
      });
    }
    if (upper !== undefined && (upper.size < base.size || upper.readOnly)) {
      throw new FsError(
        'EINVAL',
        `the upper device must be writable and at least as large as the base (${base.size} bytes); ` +
          `got ${upper.readOnly ? 'a read-only' : 'a writable'} device of ${upper.size} bytes`,
        { syscall: 'open' },
      );
    }
    this.base = base;
    this.size = base.size;
    this.logicalBlockSize = base.logicalBlockSize;
    this.chunkSize = chunkSize;
    this.sparseUpper =
      upper === undefined
        ? new SparseMemoryDevice({ size: base.size, chunkSize, logicalBlockSize: base.logicalBlockSize })
        : undefined;
    this.upper = upper ?? this.sparseUpper!;
  }

  async read(pos: number, buffer: Uint8Array): Promise<void> {
    this.check(pos, buffer.length, 'read', false);
    await this.readMerged(pos, buffer);
  }

  async readv(pos: number, buffers: readonly Uint8Array[]): Promise<void> {
    this.check(pos, totalLength(buffers), 'readv', false);
    const reads: Promise<void>[] = [];
    let at = pos;
    for (const b of buffers) {
      reads.push(this.readMerged(at, b));
      at += b.length;
    }
    await Promise.all(reads);
  }

  async write(pos: number, data: Uint8Array): Promise<void> {
    this.check(pos, data.length, 'write', true);
    await this.writeLock.runExclusive(() => this.writeMerged(pos, [data]));
  }

  async writev(pos: number, buffers: readonly Uint8Array[]): Promise<void> {
    this.check(pos, totalLength(buffers), 'writev', true);
    await this.writeLock.runExclusive(() => this.writeMerged(pos, buffers));
  }

  /** Flushes the upper device; the base is never written, so it needs nothing. */
  async flush(): Promise<void> {
    this.checkOpen('flush');
    await this.upper.flush();
  }

  /** Zeroes `[pos, pos + length)` in the overlay (reads return zeros); the base is untouched. */
  async discard(pos: number, length: number): Promise<void> {
    this.check(pos, length, 'discard', true);
    await this.writeLock.runExclusive(async () => {
      const end = pos + length;
      if (this.sparseUpper === undefined) return this.writeZeros(pos, end);
      // The default upper frees whole chunks on discard and reads them as zeros.
      const cs = this.chunkSize;
      const wholeStart = Math.ceil(pos / cs) * cs;
      const wholeEnd = end === this.size ? end : Math.floor(end / cs) * cs;
      if (wholeStart >= wholeEnd) return this.writeZeros(pos, end);
      await this.writeZeros(pos, wholeStart);
      await this.sparseUpper.discard(wholeStart, wholeEnd - wholeStart);
      this.copied.add(wholeStart / cs, Math.ceil(wholeEnd / cs));
      await this.writeZeros(wholeEnd, end);
    });
  }

  /** Closes the overlay (later calls fail with `EBADF`) and the default upper. */
  async close(): Promise<void> {
    this.closed = true;
    await this.sparseUpper?.close();
  }

  /**
   * The byte ranges that may differ from the base, sorted and coalesced.
   * Granularity is `chunkSize`: every written or discarded byte is inside a
   * range, and each range is whole chunks (the last one ends at the device
   * end).
   */
  changedRanges(): ByteRange[] {
    const cs = this.chunkSize;
    return this.copied.toArray().map(([first, end]) => {
      const start = first * cs;
      return { start, length: Math.min(end * cs, this.size) - start };
    });
  }

  /**
   * The merged image from byte 0 to the end, as consecutive pieces of
   * `pieceSize` bytes (the last may be shorter). Each piece is a new buffer
   * the caller may keep (e.g. `new Blob(pieces)` in a browser). Do not write
   * to the overlay while exporting: the export may or may not include them.
   */
  async *exportImage(options: OverlayExportOptions = {}): AsyncGenerator<Uint8Array> {
    const pieceSize = checkPieceSize(options.pieceSize);
    this.checkOpen('exportImage');
    for (let at = 0; at < this.size; at += pieceSize) {
      const piece = new Uint8Array(Math.min(pieceSize, this.size - at));
      await this.read(at, piece);
      yield piece;
    }
  }

  /**
   * Writes the merged image to `target` (at the same offsets) and flushes it.
   * With `changedOnly`, writes only {@link changedRanges} — enough when the
   * target already holds the base image, e.g. to commit the overlay back.
   */
  async exportTo(target: BlockDevice, options: OverlayExportToOptions = {}): Promise<void> {
    const pieceSize = checkPieceSize(options.pieceSize);
    this.checkOpen('exportTo');
    if (target.size < this.size) {
      throw new FsError('EINVAL', `the target (${target.size} bytes) is smaller than the overlay (${this.size} bytes)`, {
        syscall: 'exportTo',
      });
    }
    const ranges = options.changedOnly ? this.changedRanges() : [{ start: 0, length: this.size }];
    const buffer = new Uint8Array(Math.min(pieceSize, this.size));
    for (const { start, length } of ranges) {
      for (let at = start; at < start + length; at += pieceSize) {
        const piece = buffer.subarray(0, Math.min(pieceSize, start + length - at));
        await this.read(at, piece);
        await target.write(at, piece);
      }
    }
    await target.flush();
  }

  /** Fills `buffer` from `pos`, each part from the upper (copied chunks) or the base. */
  private async readMerged(pos: number, buffer: Uint8Array): Promise<void> {
    const cs = this.chunkSize;
    const end = pos + buffer.length;
    const reads: Promise<void>[] = [];
    const readPart = (dev: BlockDevice, from: number, to: number): void => {
      reads.push(dev.read(from, buffer.subarray(from - pos, to - pos)));
    };
    let at = pos;
    for (const [first, last] of this.copied.overlapping(Math.floor(pos / cs), Math.ceil(end / cs))) {
      const from = Math.max(pos, first * cs);
      const to = Math.min(end, last * cs);
      if (from > at) readPart(this.base, at, from);
      readPart(this.upper, from, to);
      at = to;
    }
    if (at < end) readPart(this.base, at, end);
    await Promise.all(reads);
  }

  /** Writes `buffers` at `pos` to the upper, copying up the uncovered parts of partial clean chunks. Caller holds writeLock. */
  private async writeMerged(pos: number, buffers: readonly Uint8Array[]): Promise<void> {
    const length = totalLength(buffers);
    if (length === 0) return;
    const cs = this.chunkSize;
    const end = pos + length;
    const firstChunk = Math.floor(pos / cs);
    const endChunk = Math.ceil(end / cs);
    const headStart = firstChunk * cs;
    const tailEnd = Math.min(endChunk * cs, this.size);
    const head = pos > headStart && !this.copied.has(firstChunk) ? new Uint8Array(pos - headStart) : undefined;
    const tail = end < tailEnd && !this.copied.has(endChunk - 1) ? new Uint8Array(tailEnd - end) : undefined;
    await Promise.all([head && this.base.read(headStart, head), tail && this.base.read(end, tail)]);
    const parts = [...(head ? [head] : []), ...buffers, ...(tail ? [tail] : [])];
    await this.upper.writev(head ? headStart : pos, parts);
    this.copied.add(firstChunk, endChunk);
  }

  /** Writes zeros to `[from, to)` in pieces of at most 1 MiB of memory. Caller holds writeLock. */
  private async writeZeros(from: number, to: number): Promise<void> {
    if (to <= from) return;
    const zeros = new Uint8Array(Math.min(DEFAULT_PIECE_SIZE, to - from));
    for (let at = from; at < to; at += zeros.length) {
      await this.writeMerged(at, [zeros.subarray(0, Math.min(zeros.length, to - at))]);
    }
  }

  private check(pos: number, length: number, syscall: string, write: boolean): void {
    this.checkOpen(syscall);
    checkDeviceAccess(this, { pos, length, syscall, write }, 'overlay device');
  }

  private checkOpen(syscall: string): void {
    if (this.closed) throw new FsError('EBADF', 'the overlay device is closed', { syscall });
  }
}

function checkPieceSize(pieceSize = DEFAULT_PIECE_SIZE): number {
  if (!Number.isSafeInteger(pieceSize) || pieceSize < 1) {
    throw new FsError('EINVAL', `pieceSize must be a positive integer, got ${String(pieceSize)}`, { syscall: 'export' });
  }
  return pieceSize;
}
