// The request queue of a FileDevice: plugging, merging, a bounded number of
// transfers in flight, ordering of overlapping requests, and barriers.
//
// States of a request: pending (in `pending`, FIFO) -> running (sync: inside
// pump(); async: its range is in `running`) -> settled.
//
// - Plugging: a submission does not start I/O at once; pump() runs in a
//   microtask, so every request made in the same synchronous stretch (e.g.
//   `Promise.all([dev.write(0, a), dev.write(4096, b)])`) is queued first and
//   can be merged, like the kernel's blk_plug.
// - Merging: the head of the queue takes the requests queued right behind it
//   while they are of the same direction and start where it ends (a back
//   merge), up to IOV_MAX buffers and `maxMergeBytes`. The merged transfer is
//   one preadv/pwritev. Only neighbours in the queue merge, so nothing is
//   reordered. If a merged transfer fails, its requests are retried one by one
//   so each gets its own result.
// - Depth: at most `queueDepth` async transfers run at once (libuv's pool has
//   4 threads by default; deeper queues wait there). Small transfers of at
//   most `syncMaxBytes` run synchronously on the descriptor and take no slot.
// - Ordering: a request overlapping a running one, where either writes, waits
//   (and the queue behind it) until that one settles, so overlapping requests
//   take effect in submission order, as on MemoryBlockDevice.
// - Barriers (flush, truncate) run alone: they wait until nothing runs, and
//   nothing starts until they are done.
import type { FileDeviceCounters } from './file-device-stats.js';
import type { FileIo } from './file-io.js';
import { transferAsync, transferSync, type Transfer } from './transfer.js';

/** Settled once: `RESOLVED.then(f)` runs `f` in a microtask, in order with other microtasks. */
const RESOLVED = Promise.resolve();

/** Linux's IOV_MAX: the most buffers one preadv/pwritev takes. */
export const IOV_MAX = 1024;

/** Settings of a {@link RequestQueue}. */
export interface RequestQueueOptions {
  queueDepth: number;
  syncMaxBytes: number;
  maxMergeBytes: number;
  /** Path for error messages. */
  path: string;
}

interface Settle {
  resolve(): void;
  reject(err: unknown): void;
}

interface IoRequest extends Settle {
  kind: 'io';
  write: boolean;
  pos: number;
  end: number;
  buffers: readonly Uint8Array[];
}

interface BarrierRequest extends Settle {
  kind: 'barrier';
  run(): Promise<void>;
}

type QueuedRequest = IoRequest | BarrierRequest;

interface RunningRange {
  write: boolean;
  pos: number;
  end: number;
}

/** Queues, merges and runs the I/O requests of one file. */
export class RequestQueue {
  private pending: QueuedRequest[] = [];
  private head = 0;
  private readonly running: RunningRange[] = [];
  private barrierRunning = false;
  private plugged = false;
  private idleWaiters: (() => void)[] = [];
  /** Bytes of the transfer {@link planMerge} planned last (a field, so planning allocates nothing). */
  private plannedBytes = 0;
  /** The plug's end: one bound function, so queueing a request allocates no closure for it. */
  private readonly unplug = (): void => {
    this.plugged = false;
    this.pump();
  };

  constructor(
    private readonly io: FileIo,
    private readonly options: RequestQueueOptions,
    readonly counters: FileDeviceCounters,
  ) {}

  /** Async transfers running now. */
  get inFlight(): number {
    return this.running.length;
  }

  /** Requests not started yet. */
  get pendingCount(): number {
    return this.pending.length - this.head;
  }

  /** Queues a read into (or a write from) `buffers` at `pos`; `length` > 0. */
  submit(write: boolean, pos: number, length: number, buffers: readonly Uint8Array[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.counters.requests++;
      this.enqueue({ kind: 'io', write, pos, end: pos + length, buffers, resolve, reject });
    });
  }

  /** Queues `run` to execute with no other request running. */
  barrier(run: () => Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.enqueue({ kind: 'barrier', run, resolve, reject });
    });
  }

  /** Resolves once nothing is pending or running. */
  drain(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private enqueue(request: QueuedRequest): void {
    this.pending.push(request);
    if (!this.plugged) {
      this.plugged = true;
      // A bare promise job, not queueMicrotask: Node wraps every
      // queueMicrotask callback in an AsyncResource (async ids, init/destroy
      // hooks), which measured ~3 µs per request on the 1 MiB write path.
      void RESOLVED.then(this.unplug);
    }
  }

  private isIdle(): boolean {
    return this.pendingCount === 0 && this.running.length === 0 && !this.barrierRunning;
  }

  /** Starts every request that may start now; see the rules at the top of the file. */
  private pump(): void {
    while (this.head < this.pending.length && !this.barrierRunning) {
      const first = this.pending[this.head] as QueuedRequest;
      if (first.kind === 'barrier') {
        if (this.running.length > 0) break;
        this.take(1);
        this.runBarrier(first);
        break;
      }
      if (this.conflictsWithRunning(first)) break;
      const count = this.planMerge(first);
      const sync = this.plannedBytes <= this.options.syncMaxBytes;
      if (!sync && this.running.length >= this.options.queueDepth) break;
      const batch = this.take(count) as IoRequest[];
      if (sync) this.runSync(batch);
      else this.runAsync(batch);
    }
    if (this.isIdle() && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  /** How many queued requests from the head merge into one transfer; its size goes to `plannedBytes`. */
  private planMerge(first: IoRequest): number {
    let count = 1;
    let bytes = first.end - first.pos;
    let buffers = first.buffers.length;
    let end = first.end;
    for (let i = this.head + 1; i < this.pending.length; i++) {
      const next = this.pending[i] as QueuedRequest;
      if (next.kind !== 'io' || next.write !== first.write || next.pos !== end) break;
      const nextBytes = next.end - next.pos;
      if (buffers + next.buffers.length > IOV_MAX || bytes + nextBytes > this.options.maxMergeBytes) break;
      if (this.conflictsWithRunning(next)) break;
      count++;
      bytes += nextBytes;
      buffers += next.buffers.length;
      end = next.end;
    }
    this.plannedBytes = bytes;
    return count;
  }

  private conflictsWithRunning(r: IoRequest): boolean {
    const running = this.running;
    if (running.length === 0) return false;
    for (const run of running) {
      if ((run.write || r.write) && r.pos < run.end && run.pos < r.end) return true;
    }
    return false;
  }

  /** Removes and returns the first `count` pending requests. */
  private take(count: number): QueuedRequest[] {
    const batch = count === 1 ? [this.pending[this.head] as QueuedRequest] : this.pending.slice(this.head, this.head + count);
    this.head += count;
    if (this.head === this.pending.length) {
      this.pending.length = 0; // the same array, emptied: the next request reuses its storage
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.head);
      this.head = 0;
    }
    return batch;
  }

  private runSync(batch: IoRequest[]): void {
    this.count(batch, true);
    try {
      transferSync(this.io, toTransfer(batch), this.options.path);
      this.account(batch);
      for (const r of batch) r.resolve();
    } catch (err) {
      if (batch.length === 1) {
        (batch[0] as IoRequest).reject(err);
        return;
      }
      for (const r of batch) this.runSync([r]);
    }
  }

  private runAsync(batch: IoRequest[]): void {
    this.count(batch, false);
    const first = batch[0] as IoRequest;
    const range: RunningRange = { write: first.write, pos: first.pos, end: (batch[batch.length - 1] as IoRequest).end };
    this.running.push(range);
    if (this.running.length > this.counters.peakInFlight) this.counters.peakInFlight = this.running.length;
    transferAsync(this.io, toTransfer(batch), this.options.path, (err) => {
      if (err === undefined) {
        this.account(batch);
        for (const r of batch) r.resolve();
        this.finishAsync(range);
      } else if (batch.length === 1) {
        first.reject(err);
        this.finishAsync(range);
      } else {
        this.retryAsync(batch, 0, () => this.finishAsync(range));
      }
    });
  }

  /** An async transfer is over: its range stops blocking, and the queue moves on. */
  private finishAsync(range: RunningRange): void {
    const running = this.running;
    const at = running.length === 1 ? 0 : running.indexOf(range);
    if (at === running.length - 1) running.pop();
    else running.splice(at, 1);
    this.pump();
  }

  /** After a merged transfer failed: runs `batch[i..]` one by one, each settling alone. */
  private retryAsync(batch: IoRequest[], i: number, finish: () => void): void {
    const r = batch[i];
    if (r === undefined) {
      finish();
      return;
    }
    this.count([r], false);
    transferAsync(this.io, toTransfer([r]), this.options.path, (err) => {
      if (err === undefined) {
        this.account([r]);
        r.resolve();
      } else {
        r.reject(err);
      }
      this.retryAsync(batch, i + 1, finish);
    });
  }

  private runBarrier(b: BarrierRequest): void {
    this.barrierRunning = true;
    b.run()
      .then(
        () => b.resolve(),
        (err: unknown) => b.reject(err),
      )
      .finally(() => {
        this.barrierRunning = false;
        this.pump();
      });
  }

  private count(batch: IoRequest[], sync: boolean): void {
    this.counters.operations++;
    this.counters.merged += batch.length - 1;
    if (sync) this.counters.syncOperations++;
    else this.counters.asyncOperations++;
  }

  private account(batch: IoRequest[]): void {
    let bytes = 0;
    for (const r of batch) bytes += r.end - r.pos;
    if ((batch[0] as IoRequest).write) this.counters.bytesWritten += bytes;
    else this.counters.bytesRead += bytes;
  }
}

/** One transfer covering the consecutive requests of `batch`. */
function toTransfer(batch: IoRequest[]): Transfer {
  const first = batch[0] as IoRequest;
  if (batch.length === 1) return { write: first.write, pos: first.pos, buffers: first.buffers };
  const buffers: Uint8Array[] = [];
  for (const r of batch) for (const b of r.buffers) buffers.push(b);
  return { write: first.write, pos: first.pos, buffers };
}
