// SparseMemoryDevice: a block device in memory that allocates storage only
// for chunks that have been written, so a large device that is mostly
// untouched (the upper layer of an overlay over a disk image) costs memory in
// proportion to what was written. Unwritten bytes read as zeros.
import { FsError, checkDeviceAccess, checkOffset, totalLength, type BlockDevice } from '@iomap/core';

/**
 * Options for {@link SparseMemoryDevice}.
 *
 * @example
 * ```ts
 * const dev = new SparseMemoryDevice({ size: 8 << 30, chunkSize: 4096 });
 * ```
 */
export interface SparseMemoryDeviceOptions {
  /** Size in bytes. */
  size: number;
  /** Allocation unit in bytes, a power of two (default 65536). */
  chunkSize?: number;
  /** Logical block size (default 512). */
  logicalBlockSize?: number;
  readOnly?: boolean;
}

/**
 * An in-memory block device that allocates `chunkSize` pieces on first
 * write. Unwritten ranges read as zeros; `discard` zeroes the range and
 * frees the chunks it covers whole, so a discarded range reads back as zeros.
 *
 * @example
 * ```ts
 * const dev = new SparseMemoryDevice({ size: 1 << 40 }); // 1 TiB, nothing allocated
 * await dev.write(1 << 30, new Uint8Array([1, 2, 3]));
 * dev.allocatedBytes; // 65536
 * ```
 */
export class SparseMemoryDevice implements BlockDevice {
  readonly size: number;
  readonly logicalBlockSize: number;
  readonly readOnly: boolean;
  readonly chunkSize: number;
  private readonly chunks = new Map<number, Uint8Array>();
  private closed = false;

  constructor(options: SparseMemoryDeviceOptions) {
    checkOffset(options.size, 'size', 'open');
    this.size = options.size;
    this.chunkSize = powerOfTwo(options.chunkSize ?? 65536, 'chunkSize');
    this.logicalBlockSize = powerOfTwo(options.logicalBlockSize ?? 512, 'logicalBlockSize');
    this.readOnly = options.readOnly ?? false;
  }

  /** Bytes of memory held for written chunks. */
  get allocatedBytes(): number {
    return this.chunks.size * this.chunkSize;
  }

  async read(pos: number, buffer: Uint8Array): Promise<void> {
    this.check(pos, buffer.length, 'read', false);
    this.copyOut(pos, buffer);
  }

  async write(pos: number, data: Uint8Array): Promise<void> {
    this.check(pos, data.length, 'write', true);
    this.copyIn(pos, data);
  }

  async readv(pos: number, buffers: readonly Uint8Array[]): Promise<void> {
    this.check(pos, totalLength(buffers), 'readv', false);
    let at = pos;
    for (const b of buffers) {
      this.copyOut(at, b);
      at += b.length;
    }
  }

  async writev(pos: number, buffers: readonly Uint8Array[]): Promise<void> {
    this.check(pos, totalLength(buffers), 'writev', true);
    let at = pos;
    for (const b of buffers) {
      this.copyIn(at, b);
      at += b.length;
    }
  }

  async flush(): Promise<void> {
    this.checkOpen('flush');
  }

  async discard(pos: number, length: number): Promise<void> {
    this.check(pos, length, 'discard', true);
    this.forEachPiece(pos, length, (chunk, from, to) => {
      const stored = this.chunks.get(chunk);
      if (stored === undefined) return;
      if (to - from === this.chunkSize) this.chunks.delete(chunk);
      else stored.fill(0, from, to);
    });
  }

  /** Releases the memory; later calls fail with `EBADF`. */
  async close(): Promise<void> {
    this.closed = true;
    this.chunks.clear();
  }

  private copyOut(pos: number, buffer: Uint8Array): void {
    let at = 0;
    this.forEachPiece(pos, buffer.length, (chunk, from, to) => {
      const stored = this.chunks.get(chunk);
      if (stored === undefined) buffer.fill(0, at, at + to - from);
      else buffer.set(stored.subarray(from, to), at);
      at += to - from;
    });
  }

  private copyIn(pos: number, data: Uint8Array): void {
    let at = 0;
    this.forEachPiece(pos, data.length, (chunk, from, to) => {
      let stored = this.chunks.get(chunk);
      if (stored === undefined) {
        stored = new Uint8Array(this.chunkSize);
        this.chunks.set(chunk, stored);
      }
      stored.set(data.subarray(at, at + to - from), from);
      at += to - from;
    });
  }

  /** Calls `fn(chunk, from, to)` for each chunk piece of `[pos, pos + length)`, in order. */
  private forEachPiece(pos: number, length: number, fn: (chunk: number, from: number, to: number) => void): void {
    const end = pos + length;
    for (let at = pos; at < end; ) {
      const chunk = Math.floor(at / this.chunkSize);
      const from = at - chunk * this.chunkSize;
      const to = Math.min(this.chunkSize, end - chunk * this.chunkSize);
      fn(chunk, from, to);
      at += to - from;
    }
  }

  private check(pos: number, length: number, syscall: string, write: boolean): void {
    this.checkOpen(syscall);
    checkDeviceAccess(this, { pos, length, syscall, write }, 'sparse memory device');
  }

  private checkOpen(syscall: string): void {
    if (this.closed) throw new FsError('EBADF', 'the device is closed', { syscall });
  }
}

function powerOfTwo(n: number, name: string): number {
  if (!Number.isSafeInteger(n) || n < 1 || n > 2 ** 30 || (n & (n - 1)) !== 0) {
    throw new FsError('EINVAL', `${name} must be a power of two up to 2^30, got ${String(n)}`, { syscall: 'open' });
  }
  return n;
}
