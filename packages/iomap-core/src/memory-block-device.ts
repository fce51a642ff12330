// The reference BlockDevice and DaxDevice: bytes in an ArrayBuffer or a
// SharedArrayBuffer (so workers can share one device).
import { checkDeviceAccess, totalLength, type BlockDevice, type DaxDevice } from './block-device.js';
import { FsError } from './errors.js';
import { checkOffset } from './range-checks.js';

/** Options for {@link MemoryBlockDevice}. */
export interface MemoryBlockDeviceOptions {
  /** Size in bytes; required unless `buffer` is given (then it defaults to the buffer's size). */
  size?: number;
  /** Existing memory to use (not copied). */
  buffer?: ArrayBuffer | SharedArrayBuffer;
  /** Allocate a `SharedArrayBuffer` (ignored when `buffer` is given). */
  shared?: boolean;
  /** Logical block size (default 512). */
  logicalBlockSize?: number;
  readOnly?: boolean;
}

/**
 * A block device in memory. Reads and writes are copies; `directAccess`
 * returns views of the memory itself (DAX). `discard` zeroes the range, so a
 * discarded range reads back as zeros.
 *
 * @example
 * ```ts
 * const dev = new MemoryBlockDevice({ size: 1 << 20 });
 * await dev.write(4096, new TextEncoder().encode('hello'));
 * const out = new Uint8Array(5);
 * await dev.read(4096, out);
 * ```
 */
export class MemoryBlockDevice implements BlockDevice, DaxDevice {
  readonly size: number;
  readonly logicalBlockSize: number;
  readonly readOnly: boolean;
  // A private field and a getter, so deep-equality in tests compares the
  // device by identity instead of walking its whole memory.
  readonly #bytes: Uint8Array;
  private closed = false;

  /** The device's memory. */
  get bytes(): Uint8Array {
    return this.#bytes;
  }

  constructor(options: MemoryBlockDeviceOptions) {
    const lbs = options.logicalBlockSize ?? 512;
    if (!Number.isSafeInteger(lbs) || lbs < 1 || 2 ** Math.round(Math.log2(lbs)) !== lbs) {
      throw new FsError('EINVAL', `logicalBlockSize must be a power of two, got ${String(lbs)}`, { syscall: 'open' });
    }
    let buffer = options.buffer;
    const size = options.size ?? buffer?.byteLength;
    if (size === undefined) {
      throw new FsError('EINVAL', 'a MemoryBlockDevice needs a size or a buffer', { syscall: 'open' });
    }
    checkOffset(size, 'size', 'open');
    if (buffer !== undefined && size > buffer.byteLength) {
      throw new FsError('EINVAL', `size ${size} is larger than the buffer (${buffer.byteLength} bytes)`, {
        syscall: 'open',
      });
    }
    try {
      buffer ??= options.shared ? new SharedArrayBuffer(size) : new ArrayBuffer(size);
      this.#bytes = new Uint8Array(buffer, 0, size);
    } catch (err) {
      throw new FsError('ENOMEM', `cannot allocate ${size} bytes of device memory; use a smaller size or a file-backed device`, {
        syscall: 'open',
        cause: err,
      });
    }
    this.size = size;
    this.logicalBlockSize = lbs;
    this.readOnly = options.readOnly ?? false;
  }

  /** A device holding a copy of `data`. */
  static from(data: Uint8Array, options: Omit<MemoryBlockDeviceOptions, 'size' | 'buffer'> = {}): MemoryBlockDevice {
    const dev = new MemoryBlockDevice({ ...options, size: data.length });
    dev.bytes.set(data);
    return dev;
  }

  async read(pos: number, buffer: Uint8Array): Promise<void> {
    this.check(pos, buffer.length, 'read', false);
    buffer.set(this.bytes.subarray(pos, pos + buffer.length));
  }

  async write(pos: number, data: Uint8Array): Promise<void> {
    this.check(pos, data.length, 'write', true);
    this.bytes.set(data, pos);
  }

  async readv(pos: number, buffers: readonly Uint8Array[]): Promise<void> {
    this.check(pos, totalLength(buffers), 'readv', false);
    let at = pos;
    for (const b of buffers) {
      b.set(this.bytes.subarray(at, at + b.length));
      at += b.length;
    }
  }

  async writev(pos: number, buffers: readonly Uint8Array[]): Promise<void> {
    this.check(pos, totalLength(buffers), 'writev', true);
    let at = pos;
    for (const b of buffers) {
      this.bytes.set(b, at);
      at += b.length;
    }
  }

  async flush(): Promise<void> {
    this.checkOpen('flush');
  }

  async discard(pos: number, length: number): Promise<void> {
    this.check(pos, length, 'discard', true);
    this.bytes.fill(0, pos, pos + length);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  directAccess(pos: number, length: number, write = false): Uint8Array {
    this.check(pos, length, 'directAccess', write);
    return this.bytes.subarray(pos, pos + length);
  }

  private check(pos: number, length: number, syscall: string, write: boolean): void {
    this.checkOpen(syscall);
    checkDeviceAccess(this, { pos, length, syscall, write }, 'memory device');
  }

  private checkOpen(syscall: string): void {
    if (this.closed) throw new FsError('EBADF', 'the device is closed', { syscall });
  }
}
