// A BlockDevice wrapper recording every request (kind, position, buffer
// count, bytes) and how many were in flight at once; optionally it holds
// each request until released, or completes without ever yielding.
import { totalLength, type BlockDevice } from '@iomap/core';

export interface DeviceCall {
  kind: 'read' | 'write';
  pos: number;
  buffers: number;
  bytes: number;
}

export class TrackingDevice implements BlockDevice {
  readonly calls: DeviceCall[] = [];
  inflight = 0;
  maxInflight = 0;
  /** When set, requests wait for this promise before running. */
  gate: Promise<void> | undefined = undefined;

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

  get reads(): DeviceCall[] {
    return this.calls.filter((c) => c.kind === 'read');
  }
  get writes(): DeviceCall[] {
    return this.calls.filter((c) => c.kind === 'write');
  }
  clear(): void {
    this.calls.length = 0;
    this.maxInflight = 0;
  }

  read(pos: number, buffer: Uint8Array): Promise<void> {
    return this.track({ kind: 'read', pos, buffers: 1, bytes: buffer.length }, () => this.inner.read(pos, buffer));
  }
  readv(pos: number, buffers: readonly Uint8Array[]): Promise<void> {
    return this.track({ kind: 'read', pos, buffers: buffers.length, bytes: totalLength(buffers) }, () => this.inner.readv(pos, buffers));
  }
  write(pos: number, data: Uint8Array): Promise<void> {
    return this.track({ kind: 'write', pos, buffers: 1, bytes: data.length }, () => this.inner.write(pos, data));
  }
  writev(pos: number, buffers: readonly Uint8Array[]): Promise<void> {
    return this.track({ kind: 'write', pos, buffers: buffers.length, bytes: totalLength(buffers) }, () => this.inner.writev(pos, buffers));
  }
  flush(): Promise<void> {
    return this.inner.flush();
  }
  close(): Promise<void> {
    return this.inner.close();
  }

  private async track(call: DeviceCall, run: () => Promise<void>): Promise<void> {
    this.calls.push(call);
    this.inflight++;
    this.maxInflight = Math.max(this.maxInflight, this.inflight);
    try {
      if (this.gate !== undefined) await this.gate;
      await run();
    } finally {
      this.inflight--;
    }
  }
}
