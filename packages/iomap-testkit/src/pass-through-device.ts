// A BlockDevice that hands every call to another one. Tests that watch or
// bend a few calls (count flushes, drop them, log writes) extend it and
// override just those, instead of restating the whole interface.
import type { BlockDevice } from '@iomap/core';

/**
 * Forwards every BlockDevice call to `inner` (discard only when `inner` has
 * it; flushWritten is left to subclasses that want it).
 *
 * @example
 * ```ts
 * class FlushCounter extends PassThroughDevice {
 *   flushes = 0;
 *   override flush(): Promise<void> {
 *     this.flushes++;
 *     return super.flush();
 *   }
 * }
 * const device = new FlushCounter(new MemoryBlockDevice({ size: 1 << 20 }));
 * ```
 */
export class PassThroughDevice<D extends BlockDevice = BlockDevice> implements BlockDevice {
  discard?(pos: number, length: number): Promise<void>;

  constructor(readonly inner: D) {
    if (inner.discard !== undefined) this.discard = (pos, length) => (inner.discard as (p: number, l: number) => Promise<void>).call(inner, pos, length);
  }
  get size(): number {
    return this.inner.size;
  }
  get logicalBlockSize(): number {
    return this.inner.logicalBlockSize;
  }
  get readOnly(): boolean {
    return this.inner.readOnly;
  }
  read(pos: number, buffer: Uint8Array): Promise<void> {
    return this.inner.read(pos, buffer);
  }
  readv(pos: number, buffers: readonly Uint8Array[]): Promise<void> {
    return this.inner.readv(pos, buffers);
  }
  write(pos: number, data: Uint8Array): Promise<void> {
    return this.inner.write(pos, data);
  }
  writev(pos: number, buffers: readonly Uint8Array[]): Promise<void> {
    return this.inner.writev(pos, buffers);
  }
  flush(): Promise<void> {
    return this.inner.flush();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
