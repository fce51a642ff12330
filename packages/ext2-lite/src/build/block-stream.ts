// The image builder's device writes: block contents are copied into a
// staging buffer and leave as one large write when the buffer is full or
// the next block does not follow the staged ones (sequential allocation
// makes nearly everything follow: file after file, indirect blocks after
// their data). Memory stays bounded: a few staging buffers, reused once
// their write is done; `throttle` waits when all are in flight. Completed
// writes start background flushes (flush-behind.ts), so the build's final
// flush finds most of the image already on stable storage.
import type { BlockDevice } from '@iomap/core';
import { FlushBehind } from '../sync/flush-behind.js';

/** Bytes one staging buffer (one device write) holds. */
const STAGING_BYTES = 1024 * 1024;
/** Staging buffers: writes in flight plus the one being filled. */
const STAGING_BUFFERS = 4;
/**
 * Completed writes after which a background flush starts. Smaller than a
 * mount's: a build writes in one burst and ends with a flush, which at
 * this spacing waited for about half as much (10,000 small files, 40 MiB).
 */
export const BUILD_FLUSH_BEHIND_BYTES = 8 << 20;

export class BlockStream {
  private buffer: Uint8Array;
  private filled = 0;
  /** Block of the buffer's first byte (-1: empty). */
  private start = -1;
  private readonly spare: Uint8Array[] = [];
  private readonly inFlight: Promise<void>[] = [];
  private failure: unknown;
  private failed = false;
  /** A write went to the device since the last throttle() (see wantsYield). */
  private submittedSinceYield = false;
  private readonly flushBehind: FlushBehind;

  constructor(
    private readonly device: BlockDevice,
    private readonly blockSize: number,
    flushBehindBytes: number = BUILD_FLUSH_BEHIND_BYTES,
  ) {
    this.flushBehind = new FlushBehind(device, flushBehindBytes);
    this.buffer = new Uint8Array(STAGING_BYTES - (STAGING_BYTES % blockSize));
  }

  /** True when the caller should `await throttle()` before queueing more. */
  get full(): boolean {
    return this.inFlight.length >= STAGING_BUFFERS - 1;
  }

  /**
   * True when the caller should `await throttle()` soon: the buffers are
   * full, or a write was handed to the device since the caller last yielded.
   * A device may hold requests until the current synchronous stretch ends
   * (FileDevice plugs them until its next microtask, to merge neighbours):
   * a caller that queues files without ever yielding would start no write
   * until the buffers are full, then wait for all of them at once.
   */
  get wantsYield(): boolean {
    return this.submittedSinceYield || this.full;
  }

  /**
   * Queues `bytes` (at most one block; shorter is zero-padded) for `block`.
   * Waiting is the caller's: check `full` and `throttle` between entries.
   */
  put(block: number, bytes: Uint8Array): void {
    const bs = this.blockSize;
    if (this.start >= 0 && (block !== this.start + this.filled / bs || this.filled === this.buffer.length)) this.submit();
    if (this.start < 0) this.start = block;
    this.buffer.set(bytes, this.filled);
    if (bytes.length < bs) this.buffer.fill(0, this.filled + bytes.length, this.filled + bs);
    this.filled += bs;
  }

  /** Waits until a staging buffer is free (yielding at least once); rethrows a failed write. */
  async throttle(): Promise<void> {
    this.submittedSinceYield = false;
    while (this.inFlight.length >= STAGING_BUFFERS - 1) await this.inFlight[0];
    if (this.failed) throw this.failure;
  }

  /** Writes what is staged and waits for every write and background flush; rethrows a failed one. */
  async drain(): Promise<void> {
    this.submit();
    while (this.inFlight.length > 0) await this.inFlight[0];
    if (this.failed) throw this.failure;
    await this.flushBehind.settle();
  }

  private submit(): void {
    if (this.filled === 0) return;
    const buffer = this.buffer;
    const length = this.filled;
    const write = this.device.write(this.start * this.blockSize, buffer.subarray(0, length)).then(
      () => {
        this.spare.push(buffer);
        this.flushBehind.noteWritten(length);
      },
      (err: unknown) => {
        if (!this.failed) [this.failed, this.failure] = [true, err];
      },
    );
    const tracked = write.finally(() => this.inFlight.splice(this.inFlight.indexOf(tracked), 1));
    this.inFlight.push(tracked);
    this.submittedSinceYield = true;
    this.buffer = this.spare.pop() ?? new Uint8Array(buffer.length);
    this.filled = 0;
    this.start = -1;
  }
}
