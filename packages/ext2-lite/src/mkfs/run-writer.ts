// Writes a new filesystem in large device requests: callers add block
// contents in ascending order; adjacent ones join one writev (the inode
// tables' zeros all point into one shared zero buffer, so a run costs no
// memory). Runs are started without waiting; `throttle` waits only when many
// are in flight, `drain` waits for all. No await per block.
import type { BlockDevice } from '@iomap/core';

/** Longest run one request carries. */
const MAX_RUN_BYTES = 32 * 1024 * 1024;
/** Most buffers in one writev (Linux IOV_MAX). */
const MAX_RUN_BUFFERS = 1024;
/** Runs in flight before `throttle` waits. */
const MAX_IN_FLIGHT = 16;
/** Size of the shared zero buffer. */
const ZERO_BUFFER_BYTES = 1024 * 1024;

export class RunWriter {
  private runStart = -1;
  private runBytes = 0;
  private runBuffers: Uint8Array[] = [];
  private inFlight: Promise<void>[] = [];
  private readonly zeros: Uint8Array;

  constructor(
    private readonly device: BlockDevice,
    private readonly blockSize: number,
  ) {
    this.zeros = new Uint8Array(Math.max(blockSize, ZERO_BUFFER_BYTES - (ZERO_BUFFER_BYTES % blockSize)));
  }

  /** Queues `data` (whole blocks) at `block`. Precondition: not below the end of the previous add. */
  add(block: number, data: Uint8Array): void {
    const pos = block * this.blockSize;
    if (this.runStart < 0 || pos !== this.runStart + this.runBytes || this.runBytes + data.length > MAX_RUN_BYTES || this.runBuffers.length >= MAX_RUN_BUFFERS) {
      this.startRun();
      this.runStart = pos;
    }
    this.runBuffers.push(data);
    this.runBytes += data.length;
  }

  /** Queues `count` zero blocks at `block`. */
  addZeros(block: number, count: number): void {
    let at = block;
    let left = count * this.blockSize;
    while (left > 0) {
      const n = Math.min(left, this.zeros.length);
      this.add(at, this.zeros.subarray(0, n));
      at += n / this.blockSize;
      left -= n;
    }
  }

  /** Waits when many runs are in flight (call between groups). */
  async throttle(): Promise<void> {
    if (this.inFlight.length >= MAX_IN_FLIGHT) await this.settle();
  }

  /** Starts the last run and waits for every write; rethrows the first failure. */
  async drain(): Promise<void> {
    this.startRun();
    await this.settle();
  }

  private startRun(): void {
    if (this.runBuffers.length === 0) return;
    const buffers = this.runBuffers;
    this.inFlight.push(buffers.length === 1 ? this.device.write(this.runStart, buffers[0] as Uint8Array) : this.device.writev(this.runStart, buffers));
    this.runBuffers = [];
    this.runBytes = 0;
    this.runStart = -1;
  }

  private async settle(): Promise<void> {
    const batch = this.inFlight;
    this.inFlight = [];
    // allSettled: a failed write must not leave its siblings' rejections unhandled.
    const results = await Promise.allSettled(batch);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }
}
