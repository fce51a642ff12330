// Block reads for the checker, straight from the device (no page cache: the
// checker reads most metadata exactly once, in large requests).
//
// Every block number handed in has been range-checked against s_blocks_count
// by the caller. A device shorter than s_blocks_count blocks is reported as a
// problem (DEVICE_TOO_SMALL) and its missing tail reads as zeros here, so a
// truncated image is checked instead of failing on the first far pointer.
import type { BlockDevice } from '@iomap/core';

/** Largest single device request; bigger reads are split. */
const MAX_REQUEST_BYTES = 16 << 20;

/** Reads whole blocks of one filesystem from its device. */
export class ImageReader {
  /** Device reads issued (for tests and benchmarks). */
  requests = 0;

  constructor(
    private readonly device: BlockDevice,
    readonly blockSize: number,
  ) {}

  /** The bytes of blocks [first, first + count). Precondition: count >= 1. */
  async readBlocks(first: number, count: number): Promise<Uint8Array> {
    const out = new Uint8Array(count * this.blockSize);
    const start = first * this.blockSize;
    const available = Math.max(0, Math.min(out.length, this.device.size - start));
    for (let done = 0; done < available; done += MAX_REQUEST_BYTES) {
      const length = Math.min(MAX_REQUEST_BYTES, available - done);
      this.requests++;
      await this.device.read(start + done, out.subarray(done, done + length));
    }
    return out;
  }

  /** The bytes of block `b`. */
  readBlock(b: number): Promise<Uint8Array> {
    return this.readBlocks(b, 1);
  }
}
