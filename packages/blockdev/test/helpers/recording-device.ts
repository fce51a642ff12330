// Test helper: a BlockDevice wrapper that records every access it forwards,
// so tests can assert which bytes of the underlying device were touched.
import { type BlockDevice, totalLength } from '@iomap/core';

export interface Access {
  op: 'read' | 'write' | 'readv' | 'writev' | 'flush' | 'discard';
  pos: number;
  length: number;
}

export class RecordingDevice implements BlockDevice {
  readonly accesses: Access[] = [];
  constructor(readonly inner: BlockDevice) {}
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
    this.accesses.push({ op: 'read', pos, length: buffer.length });
    return this.inner.read(pos, buffer);
  }
  write(pos: number, data: Uint8Array): Promise<void> {
    this.accesses.push({ op: 'write', pos, length: data.length });
    return this.inner.write(pos, data);
  }
  readv(pos: number, buffers: readonly Uint8Array[]): Promise<void> {
    this.accesses.push({ op: 'readv', pos, length: totalLength(buffers) });
    return this.inner.readv(pos, buffers);
  }
  writev(pos: number, buffers: readonly Uint8Array[]): Promise<void> {
    this.accesses.push({ op: 'writev', pos, length: totalLength(buffers) });
    return this.inner.writev(pos, buffers);
  }
  flush(): Promise<void> {
    this.accesses.push({ op: 'flush', pos: 0, length: 0 });
    return this.inner.flush();
  }
  discard(pos: number, length: number): Promise<void> {
    this.accesses.push({ op: 'discard', pos, length });
    return this.inner.discard!(pos, length);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  /** Accesses that reach outside `[0, size)`. */
  outOfRange(): Access[] {
    return this.accesses.filter((a) => a.pos < 0 || a.pos + a.length > this.size);
  }
  /** True when no access wrote to the device. */
  get neverWritten(): boolean {
    return this.accesses.every((a) => a.op !== 'write' && a.op !== 'writev' && a.op !== 'discard');
  }
}

/** `n` bytes of a repeatable pattern seeded by `seed`. */
export function pattern(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Index of the first byte where `a` and `b` differ, or -1 when they are equal (fast on big arrays). */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}
