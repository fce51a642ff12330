// Device contracts: what every block device and DAX device offers. The
// MemoryBlockDevice is the reference implementation; other devices are
// tested against it.
import { FsError } from './errors.js';
import { checkRange } from './range-checks.js';

/**
 * A block device: a fixed-size array of bytes with asynchronous access.
 *
 * Positions are byte offsets; `read` fills the whole buffer or throws (a short
 * read is never silent). Requests that reach past `size` fail with `EIO`;
 * invalid numbers with `EINVAL`; writes to a read-only device with `EROFS`.
 * `logicalBlockSize` is the smallest unit direct I/O must be aligned to.
 */
export interface BlockDevice {
  /** Size in bytes. */
  readonly size: number;
  /** Smallest addressable unit for aligned I/O (512 or 4096). */
  readonly logicalBlockSize: number;
  /** True when writes are refused with `EROFS`. */
  readonly readOnly: boolean;
  /** Reads `buffer.length` bytes at `pos` into `buffer`. */
  read(pos: number, buffer: Uint8Array): Promise<void>;
  /** Writes all of `data` at `pos`. */
  write(pos: number, data: Uint8Array): Promise<void>;
  /** Reads consecutive bytes starting at `pos` into each buffer in turn. */
  readv(pos: number, buffers: readonly Uint8Array[]): Promise<void>;
  /** Writes each buffer in turn to consecutive bytes starting at `pos`. */
  writev(pos: number, buffers: readonly Uint8Array[]): Promise<void>;
  /** Makes every completed write durable (a cache flush / fdatasync). */
  flush(): Promise<void>;
  /**
   * Optional background flush: makes every write that completed before the
   * call durable, like `flush`, but holds nothing back meanwhile — writes
   * submitted while it runs proceed and may become durable before it ends.
   * So it is no ordering point (use `flush` for that); filesystems start it
   * while streaming data so that a later `flush` has less left to wait for.
   */
  flushWritten?(): Promise<void>;
  /** Tells the device the range is unused. Each device documents what a later read returns. */
  discard?(pos: number, length: number): Promise<void>;
  /** Releases the device; later calls fail with `EBADF`. */
  close(): Promise<void>;
}

/**
 * A byte-addressable device (DAX): gives direct views of its memory, so reads
 * and writes are plain copies with no page cache in between.
 */
export interface DaxDevice {
  readonly size: number;
  /**
   * Returns a view of device memory for `[pos, pos + length)`. Stores through
   * the view change the device at once; a device that is also a
   * {@link BlockDevice} makes them durable with its `flush`. Pass `write`
   * when the caller will store through the view: a read-only device refuses
   * that with `EROFS` (the view itself cannot be made read-only).
   */
  directAccess(pos: number, length: number, write?: boolean): Uint8Array;
}

/** Sum of the lengths of `buffers`. */
export function totalLength(buffers: readonly Uint8Array[]): number {
  let n = 0;
  for (const b of buffers) n += b.length;
  return n;
}

/** Describes a device access for {@link checkDeviceAccess}. */
export interface DeviceAccess {
  pos: number;
  length: number;
  /** `'read'`, `'write'`, `'discard'`, … — used as the error's `syscall`. */
  syscall: string;
  /** True for accesses that modify the device. */
  write: boolean;
}

/**
 * Checks an access against a device: `EINVAL` for invalid numbers, `EIO` for a
 * range past the end, `EROFS` for a write to a read-only device. Every device
 * implementation calls this before touching its storage.
 */
export function checkDeviceAccess(
  device: Pick<BlockDevice, 'size' | 'readOnly'>,
  access: DeviceAccess,
  name = 'device',
): void {
  const { pos, length, syscall } = access;
  checkRange(pos, length, syscall);
  if (access.write && device.readOnly) {
    throw new FsError('EROFS', `${name} is read-only; reopen it writable to ${syscall}`, { syscall });
  }
  if (pos + length > device.size) {
    throw new FsError(
      'EIO',
      `${syscall} of ${length} bytes at ${pos} reaches past the end of the ${name} (size ${device.size})`,
      { syscall },
    );
  }
}
