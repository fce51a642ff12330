// A FileIo over memory that can misbehave: short counts, failures on chosen
// ranges, slow completions. Used to drive the transfer loops and the queue
// into the cases a real file rarely shows.
import type { FileIo, IoCallback } from '../src/file-io.js';

/** Options of {@link FakeFileIo}. */
export interface FakeFileIoOptions {
  /** Most bytes one call moves (short counts above it). Default unlimited. */
  maxPerCall?: number;
  /** Calls touching `[pos, end)` fail with this errno-style error. */
  failRange?: { pos: number; end: number; code: string };
  /** Async calls complete only when `release()` is called. */
  manual?: boolean;
}

/** A call the fake has seen. */
export interface FakeCall {
  op: 'read' | 'write';
  sync: boolean;
  pos: number;
  lengths: number[];
}

export class FakeFileIo implements FileIo {
  readonly calls: FakeCall[] = [];
  inFlight = 0;
  peakInFlight = 0;
  private readonly parked: (() => void)[] = [];

  constructor(readonly bytes: Uint8Array, private readonly options: FakeFileIoOptions = {}) {}

  /** Completes every parked async call (manual mode). */
  release(): void {
    const parked = this.parked.splice(0);
    for (const run of parked) run();
  }

  get parkedCount(): number {
    return this.parked.length;
  }

  read(buffer: Uint8Array, pos: number, done: IoCallback): void {
    this.async('read', [buffer], pos, done);
  }

  readv(buffers: readonly Uint8Array[], pos: number, done: IoCallback): void {
    this.async('read', buffers, pos, done);
  }

  write(data: Uint8Array, pos: number, done: IoCallback): void {
    this.async('write', [data], pos, done);
  }

  writev(buffers: readonly Uint8Array[], pos: number, done: IoCallback): void {
    this.async('write', buffers, pos, done);
  }

  readSync(buffer: Uint8Array, pos: number): number {
    return this.sync('read', [buffer], pos);
  }

  readvSync(buffers: readonly Uint8Array[], pos: number): number {
    return this.sync('read', buffers, pos);
  }

  writeSync(data: Uint8Array, pos: number): number {
    return this.sync('write', [data], pos);
  }

  writevSync(buffers: readonly Uint8Array[], pos: number): number {
    return this.sync('write', buffers, pos);
  }

  private sync(op: 'read' | 'write', buffers: readonly Uint8Array[], pos: number): number {
    this.calls.push({ op, sync: true, pos, lengths: buffers.map((b) => b.length) });
    return this.move(op, buffers, pos);
  }

  /** Records the call when it is made; moves the bytes when it completes. */
  private async(op: 'read' | 'write', buffers: readonly Uint8Array[], pos: number, done: IoCallback): void {
    this.calls.push({ op, sync: false, pos, lengths: buffers.map((b) => b.length) });
    const work = (): number => this.move(op, buffers, pos);
    this.inFlight++;
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
    const complete = (): void => {
      this.inFlight--;
      let n: number;
      try {
        n = work();
      } catch (err) {
        done(err as Error, 0);
        return;
      }
      done(null, n);
    };
    if (this.options.manual) this.parked.push(complete);
    else setImmediate(complete);
  }

  /** Copies like pread/pwrite: stops at the end of `bytes` and at `maxPerCall`. */
  private move(op: 'read' | 'write', buffers: readonly Uint8Array[], pos: number): number {
    let budget = Math.min(this.options.maxPerCall ?? Infinity, Math.max(0, this.bytes.length - pos));
    const fail = this.options.failRange;
    const total = buffers.reduce((n, b) => n + b.length, 0);
    if (fail && pos < fail.end && fail.pos < pos + total) {
      throw Object.assign(new Error(`${fail.code}: injected failure, ${op}`), { code: fail.code, syscall: op });
    }
    let at = pos;
    for (const b of buffers) {
      if (budget === 0) break;
      const n = Math.min(b.length, budget);
      if (op === 'read') b.set(this.bytes.subarray(at, at + n));
      else this.bytes.set(b.subarray(0, n), at);
      at += n;
      budget -= n;
    }
    return at - pos;
  }
}
