// SliceDevice: a byte window [offset, offset + length) of another block
// device, e.g. one partition of a disk image. Every access is checked against
// the window before it is forwarded, so a slice never touches base bytes
// outside it.
import { FsError, checkDeviceAccess, checkRange, totalLength, type BlockDevice } from '@iomap/core';

/**
 * Options for {@link SliceDevice}.
 *
 * @example
 * ```ts
 * const ro = new SliceDevice(disk, 1 << 20, 8 << 20, { readOnly: true });
 * ```
 */
export interface SliceDeviceOptions {
  /** Refuse writes with `EROFS` even when the base is writable (default: the base's setting). */
  readOnly?: boolean;
}

/**
 * A block device that is a byte window of another one. Positions are
 * relative to the window; accesses that reach past its end fail with `EIO`
 * without touching the base. `readv`, `writev`, `flush` and `discard` are
 * forwarded (`discard` only exists when the base has it, and reads back as
 * the base documents). Closing a slice does not close the base, which other
 * slices may share.
 *
 * @example
 * ```ts
 * const disk = new MemoryBlockDevice({ size: 64 << 20 });
 * const part = new SliceDevice(disk, 1 << 20, 8 << 20); // 8 MiB starting at 1 MiB
 * await part.write(0, new Uint8Array([1, 2, 3])); // lands at byte 1 MiB of the disk
 * ```
 */
export class SliceDevice implements BlockDevice {
  readonly size: number;
  readonly logicalBlockSize: number;
  readonly readOnly: boolean;
  /** The device this is a window of. */
  readonly base: BlockDevice;
  /** Where the window starts in the base, in bytes. */
  readonly offset: number;
  /** Tells the base the range is unused; present only when the base supports discard. */
  readonly discard?: (pos: number, length: number) => Promise<void>;
  private closed = false;

  constructor(base: BlockDevice, offset: number, length: number, options: SliceDeviceOptions = {}) {
    checkRange(offset, length, 'open');
    if (offset + length > base.size) {
      throw new FsError(
        'EINVAL',
        `slice ${offset}+${length} ends at byte ${offset + length}, past the end of the base device ` +
          `(size ${base.size}); pass a window that lies within the device`,
        { syscall: 'open' },
      );
    }
    this.base = base;
    this.offset = offset;
    this.size = length;
    this.logicalBlockSize = base.logicalBlockSize;
    this.readOnly = (options.readOnly ?? false) || base.readOnly;
    const baseDiscard = base.discard;
    if (baseDiscard !== undefined) {
      this.discard = async (pos: number, len: number): Promise<void> => {
        this.check(pos, len, 'discard', true);
        await baseDiscard.call(base, this.offset + pos, len);
      };
    }
  }

  async read(pos: number, buffer: Uint8Array): Promise<void> {
    this.check(pos, buffer.length, 'read', false);
    await this.base.read(this.offset + pos, buffer);
  }

  async write(pos: number, data: Uint8Array): Promise<void> {
    this.check(pos, data.length, 'write', true);
    await this.base.write(this.offset + pos, data);
  }

  async readv(pos: number, buffers: readonly Uint8Array[]): Promise<void> {
    this.check(pos, totalLength(buffers), 'readv', false);
    await this.base.readv(this.offset + pos, buffers);
  }

  async writev(pos: number, buffers: readonly Uint8Array[]): Promise<void> {
    this.check(pos, totalLength(buffers), 'writev', true);
    await this.base.writev(this.offset + pos, buffers);
  }

  async flush(): Promise<void> {
    this.checkOpen('flush');
    await this.base.flush();
  }

  /** Closes the slice (later calls fail with `EBADF`); the base stays open. */
  async close(): Promise<void> {
    this.closed = true;
  }

  private check(pos: number, length: number, syscall: string, write: boolean): void {
    this.checkOpen(syscall);
    checkDeviceAccess(this, { pos, length, syscall, write }, `slice at byte ${this.offset}`);
  }

  private checkOpen(syscall: string): void {
    if (this.closed) throw new FsError('EBADF', 'the slice device is closed', { syscall });
  }
}
