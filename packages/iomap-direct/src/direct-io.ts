// The state of one direct I/O (the kernel's `struct iomap_dio`): what was
// asked, what EOF was at the start, how many bytes the requests cover, the
// first error, the end-io flags, and the requests in flight.
//
// Lifecycle: dioStart creates it, the loop body (dio-iter.ts) submits
// requests through `submit`, `slots.idle()` waits for them, and dioComplete
// (dio-complete.ts) finishes it exactly once.
import {
  FsError,
  type BlockDevice,
  type DioRequest,
  type DirectIoOps,
  type Iomap,
  type IomapOps,
} from '@iomap/core';
import { DEFAULT_DIO_MAX_REQUEST_BYTES, DEFAULT_DIO_QUEUE_DEPTH, DioFlags, type DirectIocb } from './iocb.js';
import { RequestSlots } from './request-slots.js';
import { deviceMaxRequestBytes, dioSubmitRequest } from './submit-request.js';

/** What dioStart was called with. */
export interface DioArgs<I> {
  iocb: DirectIocb<I>;
  buffer: Uint8Array;
  ops: IomapOps<I>;
  dioOps: DirectIoOps<I>;
  flags: number;
}

/** Internal: one direct I/O in progress. */
export class DirectIo<I = unknown> {
  readonly iocb: DirectIocb<I>;
  readonly buffer: Uint8Array;
  readonly ops: IomapOps<I>;
  readonly dioOps: DirectIoOps<I>;
  /** {@link DioFlags} given by the caller. */
  readonly dioFlags: number;
  readonly write: boolean;
  /** File position the I/O starts at (`iocb.pos` at the start). */
  readonly startPos: number;
  /** EOF sampled at the start (DIO-9). */
  readonly isize: number;
  readonly blockSize: number;
  readonly maxRequestBytes: number;
  readonly slots: RequestSlots;
  /** Bytes covered by submitted requests, zero-fills and inline copies (`dio->size`). */
  size = 0;
  /** The first error recorded (DIO-19). */
  error: Error | undefined = undefined;
  /** DioEndIoFlags gathered from the mappings (DIO-8). */
  endIoFlags = 0;
  /** O_DSYNC/O_SYNC: sync the range after the I/O (DIO-11). */
  needSync = false;
  /** Every write so far went out durable (FUA or no volatile cache): skip the sync (DIO-11). */
  writeThrough = false;
  /** Devices written, flushed by the default O_DSYNC sync (collected only for O_DSYNC/O_SYNC writes). */
  devicesWritten: Set<BlockDevice> | undefined;

  constructor(args: DioArgs<I>) {
    const { iocb } = args;
    this.iocb = iocb;
    this.buffer = args.buffer;
    this.ops = args.ops;
    this.dioOps = args.dioOps;
    this.dioFlags = args.flags;
    this.write = iocb.direction === 'write';
    this.startPos = iocb.pos;
    this.isize = iocb.size();
    this.blockSize = iocb.blockSize;
    const deviceMax = iocb.device === undefined ? undefined : deviceMaxRequestBytes(iocb.device);
    this.maxRequestBytes = iocb.maxRequestBytes ?? deviceMax ?? DEFAULT_DIO_MAX_REQUEST_BYTES;
    this.slots = new RequestSlots(iocb.queueDepth ?? DEFAULT_DIO_QUEUE_DEPTH);
  }

  /** Records `err` unless an earlier error was recorded (DIO-19: first error wins). */
  setError(err: unknown): void {
    this.error ??= err instanceof Error ? err : new FsError('EIO', `direct I/O failed: ${String(err)}`);
  }

  /**
   * The caller's bytes for file range `[pos, pos + length)`: a view, never a
   * copy. A buffer that was detached or shrunk under us is the TypeScript form
   * of a user-buffer fault: `EFAULT` (DIO-13).
   */
  view(pos: number, length: number): Uint8Array {
    const from = pos - this.startPos;
    let view: Uint8Array | undefined;
    try {
      view = this.buffer.subarray(from, from + length);
    } catch {
      view = undefined;
    }
    if (view === undefined || view.length !== length) {
      throw new FsError('EFAULT', `the caller's buffer no longer holds bytes ${from}..${from + length} (detached or resized)`, {
        syscall: this.write ? 'pwrite' : 'pread',
      });
    }
    return view;
  }

  /** Alignment of positions and lengths (DIO-5, DIO-21). */
  alignmentFor(device: BlockDevice | undefined): number {
    if (this.dioFlags & DioFlags.FsblockAligned) return this.blockSize;
    return device?.logicalBlockSize ?? this.iocb.logicalBlockSize ?? 512;
  }

  /** Builds a request for `[pos, pos + buffer.length)` of `iomap` at device address `addr`. */
  request(iomap: Iomap, device: BlockDevice, addr: number, pos: number, buffer: Uint8Array, flags: number): DioRequest {
    return {
      kind: this.write ? 'write' : 'read',
      device,
      addr,
      fileOffset: pos,
      buffer,
      flags,
      iomap,
      writeHint: this.iocb.writeHint,
      priority: this.iocb.priority,
    };
  }

  /**
   * Submits one request once a queue slot is free (DIO-10, DIO-20). The
   * request's completion records its error (DIO-19) and frees the slot; the
   * result only covers the submission: `true` when submitted, `false` (not
   * submitted) when an earlier request failed meanwhile — the kernel stops
   * issuing bios once `dio->error` is set. Synchronous when a slot is free,
   * so the hot path costs no extra promise.
   */
  submit(request: DioRequest): boolean | Promise<boolean> {
    const wait = this.slots.acquire();
    if (wait !== undefined) return wait.then(() => this.start(request));
    return this.start(request);
  }

  /** Issues a request that holds a slot. */
  private start(request: DioRequest): boolean {
    if (this.error !== undefined) {
      this.slots.release();
      return false;
    }
    if (this.needSync && request.kind === 'write') (this.devicesWritten ??= new Set()).add(request.device);
    const bounced = this.dioFlags & DioFlags.Bounce ? bounce(request) : undefined;
    const sent = bounced?.request ?? request;
    let io: Promise<void>;
    try {
      io = this.dioOps.submitIo ? this.dioOps.submitIo(this.iocb.inode, sent) : dioSubmitRequest(sent);
    } catch (err) {
      io = Promise.reject(err);
    }
    io.then(
      () => {
        bounced?.finish();
        this.slots.release();
      },
      (err: unknown) => {
        this.setError(err);
        this.slots.release();
      },
    );
    return true;
  }
}

/**
 * DIO-21 BOUNCE: the device sees a private copy. Writes copy the data before
 * submission (stable pages); reads land in the copy and reach the caller's
 * buffer only when the request succeeded.
 */
function bounce(request: DioRequest): { request: DioRequest; finish: () => void } {
  const copy = request.kind === 'write' ? request.buffer.slice() : new Uint8Array(request.buffer.length);
  const finish = request.kind === 'read' ? () => request.buffer.set(copy) : () => undefined;
  return { request: { ...request, buffer: copy }, finish };
}
