// Shared helpers of @iomap/direct's tests: a recording block device, a
// recording CacheCoherency double, an ExtentMapFs setup with an iocb
// factory, and byte patterns.
import {
  MemoryBlockDevice,
  type BlockDevice,
  type CacheCoherency,
  type CacheRangeProbe,
  type DirectIoDeviceCapabilities,
} from '@iomap/core';
import { ExtentMapFs, IomapOpsSpy, type ExtentMapFsOptions, type ExtentMapInode } from '@iomap/testkit';
import type { DirectIocb } from '../src/index.js';

/** One device call seen by a {@link RecordingDevice}. */
export interface DeviceCall {
  op: 'read' | 'write' | 'writeFua' | 'flush';
  pos: number;
  length: number;
  /** The buffer the device was given (to check that no copy was made). */
  buffer?: Uint8Array;
}

export interface RecordingDeviceOptions {
  /** Offer writeFua (DIO-11). */
  fua?: boolean;
  volatileWriteCache?: boolean;
  maxRequestBytes?: number;
  /** Milliseconds each read/write takes (so requests overlap). */
  delayMs?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Wraps a device and records every call, the buffers it was given, and how
 * many requests were in flight at once.
 */
export class RecordingDevice implements BlockDevice, DirectIoDeviceCapabilities {
  readonly calls: DeviceCall[] = [];
  inFlight = 0;
  maxInFlight = 0;
  readonly maxRequestBytes: number | undefined;
  readonly volatileWriteCache: boolean | undefined;
  readonly writeFua: ((pos: number, data: Uint8Array) => Promise<void>) | undefined;
  /** Called before each read/write; may throw to fail it. */
  hook: ((call: DeviceCall) => void | Promise<void>) | undefined;

  constructor(
    readonly inner: BlockDevice,
    private readonly options: RecordingDeviceOptions = {},
  ) {
    this.maxRequestBytes = options.maxRequestBytes;
    this.volatileWriteCache = options.volatileWriteCache;
    this.writeFua = options.fua ? (pos, data) => this.io({ op: 'writeFua', pos, length: data.length, buffer: data }, () => inner.write(pos, data)) : undefined;
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

  /** The calls of one kind. */
  of(...ops: DeviceCall['op'][]): DeviceCall[] {
    return this.calls.filter((c) => ops.includes(c.op));
  }

  private async io(call: DeviceCall, run: () => Promise<void>): Promise<void> {
    this.calls.push(call);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.options.delayMs) await sleep(this.options.delayMs);
      await this.hook?.(call);
      await run();
    } finally {
      this.inFlight--;
    }
  }

  read(pos: number, buffer: Uint8Array): Promise<void> {
    return this.io({ op: 'read', pos, length: buffer.length, buffer }, () => this.inner.read(pos, buffer));
  }
  write(pos: number, data: Uint8Array): Promise<void> {
    return this.io({ op: 'write', pos, length: data.length, buffer: data }, () => this.inner.write(pos, data));
  }
  readv(pos: number, buffers: readonly Uint8Array[]): Promise<void> {
    return this.inner.readv(pos, buffers);
  }
  writev(pos: number, buffers: readonly Uint8Array[]): Promise<void> {
    return this.inner.writev(pos, buffers);
  }
  async flush(): Promise<void> {
    this.calls.push({ op: 'flush', pos: 0, length: 0 });
    await this.inner.flush();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** A CacheCoherency double that records its calls into a shared log (and can fail). */
export class RecordingCache implements CacheCoherency, CacheRangeProbe {
  dirty = false;
  cached = false;
  failInvalidate: Error | undefined;
  failWriteback: Error | undefined;

  constructor(readonly log: string[] = []) {}

  async writeAndWaitRange(start: number, end: number): Promise<void> {
    this.log.push(`writeAndWait ${start}-${end}`);
    if (this.failWriteback) throw this.failWriteback;
    this.dirty = false;
  }
  async invalidateRange(start: number, end: number): Promise<void> {
    this.log.push(`invalidate ${start}-${end}`);
    if (this.failInvalidate) throw this.failInvalidate;
    this.cached = false;
  }
  rangeNeedsWriteback(): boolean {
    return this.dirty;
  }
  rangeHasCached(): boolean {
    return this.cached || this.dirty;
  }
}

/** Bytes 0..n-1 filled with a recognisable, never-zero pattern. */
export function pattern(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = ((i * 31 + seed * 7 + 1) & 0xff) || 1;
  return out;
}

/** Byte equality that stays fast on large arrays. */
export function sameBytes(actual: Uint8Array, expected: Uint8Array): boolean {
  if (actual.length !== expected.length) return false;
  for (let i = 0; i < actual.length; i++) if (actual[i] !== expected[i]) return false;
  return true;
}

/** An ExtentMapFs on a recording memory device, a file, a spy, and an iocb factory. */
export interface Setup {
  fs: ExtentMapFs;
  file: ExtentMapInode;
  spy: IomapOpsSpy<ExtentMapInode>;
  device: RecordingDevice;
  memory: MemoryBlockDevice;
  iocb(pos: number, direction: 'read' | 'write', extra?: Partial<DirectIocb<ExtentMapInode>>): DirectIocb<ExtentMapInode>;
}

export interface SetupOptions extends ExtentMapFsOptions {
  deviceOptions?: RecordingDeviceOptions;
  logicalBlockSize?: number;
  /** Wrap the recording device (e.g. in a FaultDevice) before the filesystem gets it. */
  wrap?: (device: BlockDevice) => BlockDevice;
}

export async function setup(options: SetupOptions = {}): Promise<Setup> {
  const memory = new MemoryBlockDevice({ size: options.deviceSize ?? 4 * 1024 * 1024, logicalBlockSize: options.logicalBlockSize ?? 512 });
  const device = new RecordingDevice(memory, options.deviceOptions);
  const fsDevice = options.wrap ? options.wrap(device) : device;
  const fs = new ExtentMapFs({ blockSize: 4096, ...options, device: fsDevice });
  const file = await fs.create('f');
  const spy = new IomapOpsSpy(fs);
  const iocb = (pos: number, direction: 'read' | 'write', extra: Partial<DirectIocb<ExtentMapInode>> = {}) => ({
    inode: file,
    pos,
    direction,
    size: () => file.size,
    blockSize: fs.blockSize,
    device: fsDevice,
    ...extra,
  });
  return { fs, file, spy, device, memory, iocb };
}
