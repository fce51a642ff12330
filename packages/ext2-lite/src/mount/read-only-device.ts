// The write guard of a read-only mount: a BlockDevice that forwards reads to
// the real device and refuses every write, writev and discard with EROFS
// before the device sees it. Everything a read-only mount does goes through
// this wrapper, so "a read-only mount writes nothing, ever" does not depend
// on every code path remembering it. flush() is allowed (it changes no bytes)
// but a read-only mount never calls it.
import { FsError, type BlockDevice } from '@iomap/core';

function refuse(syscall: string): FsError {
  return new FsError('EROFS', `the filesystem is mounted read-only; nothing may be written to its device`, { syscall });
}

/** A read-only view of `inner`. Precondition: none; the inner device stays open until unmount. */
export class ReadOnlyDevice implements BlockDevice {
  constructor(readonly inner: BlockDevice) {}

  get size(): number {
    return this.inner.size;
  }

  get logicalBlockSize(): number {
    return this.inner.logicalBlockSize;
  }

  get readOnly(): boolean {
    return true;
  }

  read(pos: number, buffer: Uint8Array): Promise<void> {
    return this.inner.read(pos, buffer);
  }

  readv(pos: number, buffers: readonly Uint8Array[]): Promise<void> {
    return this.inner.readv(pos, buffers);
  }

  async write(): Promise<void> {
    throw refuse('write');
  }

  async writev(): Promise<void> {
    throw refuse('writev');
  }

  async discard(): Promise<void> {
    throw refuse('discard');
  }

  async flush(): Promise<void> {
    // Nothing was written, so there is nothing to make durable.
  }

  async close(): Promise<void> {
    // The caller owns the inner device; unmount does not close it.
  }
}
