// A BlockDevice that records every write, discard and flush, like Linux's
// dm-log-writes, and can rebuild the device as it was at any point of the log
// — or as it might be after a power cut at that point (crash-states.ts).
//
// Log entries are numbered from 1. `stateAt(n)` applies entries 1..n to the
// image the device started with. A write is logged when it completes; a
// flush is logged when it completes and makes durable exactly the entries
// that had completed when it was issued (`covers`), which is what a flush
// promises even with writes in flight.
import { FsError, MemoryBlockDevice, checkOffset, totalLength, type BlockDevice } from '@iomap/core';
import { applyEntry, type CrashLogEntry } from './crash-log.js';
import { enumerateCrashStates, type CrashState, type CrashStatesOptions } from './crash-states.js';

const CHUNK = 1 << 20;

/**
 * Records writes, discards and flushes of an inner device, passing every
 * operation through. Wrap it *under* a {@link FaultDevice} so the surviving
 * prefix of a torn write is recorded as the write that reached the device.
 * A discarded range is taken to read back as zeros.
 *
 * @example
 * ```ts
 * const dev = await CrashDevice.wrap(new MemoryBlockDevice({ size: 1 << 20 }));
 * await dev.write(0, data);
 * await dev.flush();
 * await dev.write(4096, more);
 * for (const state of dev.crashStates()) await checkRecovers(state.device); // with and without `more`
 * ```
 */
export class CrashDevice implements BlockDevice {
  private readonly entries: CrashLogEntry[] = [];

  /**
   * @param inner the device to pass operations to.
   * @param baseImage the inner device's contents when recording starts (use {@link CrashDevice.wrap} to read it).
   */
  constructor(
    readonly inner: BlockDevice,
    private readonly baseImage: Uint8Array,
  ) {}

  /** Wraps `inner`, reading its current contents as the starting image. */
  static async wrap(inner: BlockDevice): Promise<CrashDevice> {
    const image = new Uint8Array(inner.size);
    for (let pos = 0; pos < inner.size; pos += CHUNK) {
      await inner.read(pos, image.subarray(pos, Math.min(inner.size, pos + CHUNK)));
    }
    return new CrashDevice(inner, image);
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

  /** The log so far. */
  get log(): readonly CrashLogEntry[] {
    return this.entries;
  }

  /** The current end of the log: `stateAt(dev.point)` is the device now. */
  get point(): number {
    return this.entries.length;
  }

  async read(pos: number, buffer: Uint8Array): Promise<void> {
    await this.inner.read(pos, buffer);
  }

  async readv(pos: number, buffers: readonly Uint8Array[]): Promise<void> {
    await this.inner.readv(pos, buffers);
  }

  async write(pos: number, data: Uint8Array): Promise<void> {
    await this.inner.write(pos, data);
    this.append({ kind: 'write', pos, length: data.length, data: data.slice() });
  }

  async writev(pos: number, buffers: readonly Uint8Array[]): Promise<void> {
    await this.inner.writev(pos, buffers);
    const data = new Uint8Array(totalLength(buffers));
    let at = 0;
    for (const b of buffers) {
      data.set(b, at);
      at += b.length;
    }
    this.append({ kind: 'write', pos, length: data.length, data });
  }

  async flush(): Promise<void> {
    const covers = this.entries.length;
    await this.inner.flush();
    this.append({ kind: 'flush', pos: 0, length: 0, covers });
  }

  async discard(pos: number, length: number): Promise<void> {
    await this.inner.discard?.(pos, length);
    this.append({ kind: 'discard', pos, length });
  }

  async close(): Promise<void> {
    await this.inner.close();
  }

  /** A new device holding the image after log entries `1..seq` (no crash: everything applied). */
  stateAt(seq: number = this.point): MemoryBlockDevice {
    this.checkPoint(seq, 'stateAt');
    const device = MemoryBlockDevice.from(this.baseImage, { logicalBlockSize: this.inner.logicalBlockSize });
    for (const entry of this.entries.slice(0, seq)) applyEntry(device.bytes, entry);
    return device;
  }

  /**
   * The states the device may be in after a power cut at log point `at`
   * (default: now): everything a flush covered is there; each later write may
   * be present or absent (and, with `torn`, present in any subset of its
   * sectors). Enumerated exhaustively when there are at most `maxStates`,
   * otherwise sampled with `seed`; identical images are yielded once.
   */
  *crashStates(options: CrashStatesOptions = {}): Generator<CrashState> {
    const at = options.at ?? this.point;
    this.checkPoint(at, 'crashStates');
    const visible = this.entries.slice(0, at);
    let durable = 0;
    for (const e of visible) if (e.kind === 'flush') durable = Math.max(durable, e.covers ?? 0);
    const base = this.stateAt(durable).bytes;
    const pending = visible.slice(durable).filter((e) => e.kind !== 'flush');
    yield* enumerateCrashStates(base, pending, durable, at, this.inner.logicalBlockSize, options);
  }

  private append(entry: Omit<CrashLogEntry, 'seq'>): void {
    this.entries.push({ seq: this.entries.length + 1, ...entry });
  }

  private checkPoint(seq: number, syscall: string): void {
    checkOffset(seq, 'log point', syscall);
    if (seq > this.entries.length) {
      throw new FsError('EINVAL', `log point ${seq} is past the end of the log (${this.entries.length} entries)`, { syscall });
    }
  }
}
