// Starting a direct I/O (the kernel's `__iomap_dio_rw`): checks, cache
// coherency, then one iomap iteration whose body submits device requests
// straight from the caller's buffer, up to the queue depth.
//
//   dioStart ─ check (DIO-5) ─ nothing to do? (DIO-1) ─ prepare:
//     read:  EOF sampled (DIO-9), flush dirty cache (DIO-3)
//     write: OVERWRITE_ONLY (DIO-12), ATOMIC (DIO-16), O_DSYNC (DIO-11),
//            flush + invalidate cache (DIO-4)
//   ─ inode in-flight count +1 (DIO-10)
//   ─ iomapIter(DIRECT [+WRITE] [+NOWAIT] ...) with dioIter as body (DIO-2, DIO-6)
//   ─ ENOTBLK -> bytes done so far (DIO-14); EFAULT + PARTIAL -> bytes done (DIO-13)
//   ─ wait for the requests, or hand completion to iocb.complete (DIO-10)
import { FsError, IomapIter, IomapOp, iomapIter, isFsError, type DirectIoOps, type IomapOps } from '@iomap/core';
import { flushBeforeRead, invalidateBeforeWrite } from './cache-sync.js';
import { completeDio } from './dio-complete.js';
import { DioHandle } from './dio-handle.js';
import { dioIter } from './dio-iter.js';
import { checkDirectIo } from './dio-validate.js';
import { DirectIo } from './direct-io.js';
import { inodeDioBegin } from './inode-dio.js';
import { DIO_QUEUED, DioFlags, IocbFlags, type DirectIocb } from './iocb.js';

function asError(err: unknown): Error {
  return err instanceof Error ? err : new FsError('EIO', `direct I/O body threw a non-error value: ${String(err)}`);
}

/** The op flags for iomapBegin after the checks a write needs (DIO-2, DIO-11, DIO-12, DIO-16). */
function writeOp<I>(dio: DirectIo<I>, op: number): number {
  const flags = dio.iocb.flags ?? 0;
  op |= IomapOp.Write;
  if (dio.dioFlags & DioFlags.OverwriteOnly) {
    const end = dio.startPos + dio.buffer.length;
    if (dio.startPos >= dio.isize || end > dio.isize) {
      throw new FsError('EAGAIN', `OVERWRITE_ONLY: the write ${dio.startPos}..${end} reaches EOF ${dio.isize}; retry without it`, {
        syscall: 'pwrite',
      });
    }
    op |= IomapOp.OverwriteOnly;
  }
  if (flags & IocbFlags.Atomic) op |= IomapOp.Atomic;
  if (flags & (IocbFlags.Dsync | IocbFlags.Sync)) {
    dio.needSync = true;
    // DIO-11: O_DSYNC (not O_SYNC) tries FUA; any write that cannot be FUA clears this.
    dio.writeThrough = (flags & IocbFlags.Sync) === 0;
  }
  return op;
}

/** The op flags for iomapBegin, or undefined when there is nothing to do (DIO-1: a read at or past EOF). */
function prepareOp<I>(dio: DirectIo<I>): number | undefined {
  let op = IomapOp.Direct;
  if ((dio.iocb.flags ?? 0) & IocbFlags.NoWait) op |= IomapOp.NoWait;
  if (!dio.write) return dio.startPos >= dio.isize ? undefined : op;
  return writeOp(dio, op);
}

/** The cache work before the I/O: flush for reads (DIO-3), flush and invalidate for writes (DIO-4). */
function syncCacheBefore<I>(dio: DirectIo<I>): Promise<void> {
  const end = dio.startPos + dio.buffer.length;
  return dio.write ? invalidateBeforeWrite(dio.iocb, dio.startPos, end) : flushBeforeRead(dio.iocb, dio.startPos, end);
}

/** Runs the iteration; resolves to the error that ended it, if any. */
async function runMappings<I>(dio: DirectIo<I>, op: number): Promise<unknown> {
  const { iocb } = dio;
  const iter = new IomapIter({ inode: iocb.inode, pos: dio.startPos, length: dio.buffer.length, op, private: iocb.private });
  try {
    while (await iomapIter(iter, dio.ops)) {
      try {
        const pending = dioIter(iter, dio);
        if (pending !== undefined) await pending;
        // Requests just submitted start on the device's own microtask (a
        // plugged queue): let it run before iomapEnd and the next mapping,
        // which then overlap the transfer instead of delaying it.
        else if (dio.slots.inFlight > 0) await Promise.resolve();
      } catch (err) {
        iter.status = asError(err);
      }
    }
  } catch (err) {
    return err;
  }
  return undefined;
}

/**
 * Turns the iteration's ending into the DIO's state; returns whether the
 * caller must now wait for completion (DIO-13, DIO-14, DIO-19).
 */
function settle<I>(dio: DirectIo<I>, failure: unknown, wait: boolean): boolean {
  if (failure === undefined) return wait;
  if (isFsError(failure, 'EFAULT') && dio.size > 0 && dio.dioFlags & DioFlags.Partial) {
    return ((dio.iocb.flags ?? 0) & IocbFlags.NoWait) === 0 ? true : wait;
  }
  if (isFsError(failure, 'ENOTBLK')) return true; // fall back to buffered I/O for the rest
  dio.setError(failure);
  return wait;
}

/** Async iocb: completes when the last request finishes and reports to `iocb.complete`. */
function completeLater<I>(dio: DirectIo<I>): void {
  const report = dio.iocb.complete as (result: number | Error) => void;
  dio.slots
    .idle()
    .then(async () => completeDio(dio))
    .then(
      (bytes) => report(bytes),
      (err: unknown) => report(asError(err)),
    );
}

/**
 * Internal: everything dioStart does but the wait for the requests; resolves
 * to the direct I/O once every request is submitted (dioRw then waits with
 * `slots.onIdle` and completes it directly, without a handle).
 */
export async function submitDio<I>(
  iocb: DirectIocb<I>,
  buffer: Uint8Array,
  ops: IomapOps<I>,
  dioOps: DirectIoOps<I>,
  flags: number,
): Promise<DirectIo<I> | typeof DIO_QUEUED | undefined> {
  checkDirectIo(iocb, buffer, flags);
  if (buffer.length === 0) return undefined;
  const dio = new DirectIo({ iocb, buffer, ops, dioOps, flags });
  const op = prepareOp(dio);
  if (op === undefined) return undefined;
  if (iocb.cache !== undefined) await syncCacheBefore(dio);
  inodeDioBegin(iocb.inode);
  let wait = iocb.complete === undefined || (flags & DioFlags.ForceWait) !== 0;
  wait = settle(dio, await runMappings(dio, op), wait);
  if (dio.writeThrough) dio.needSync = false; // every write went out durable (DIO-11)
  if (!wait && dio.slots.inFlight > 0) {
    completeLater(dio);
    return DIO_QUEUED;
  }
  return dio;
}

/** Internal: {@link submitDio}, then the wait for every request (dioStart's first half). */
export async function startDio<I>(
  iocb: DirectIocb<I>,
  buffer: Uint8Array,
  ops: IomapOps<I>,
  dioOps: DirectIoOps<I>,
  flags: number,
): Promise<DirectIo<I> | typeof DIO_QUEUED | undefined> {
  const dio = await submitDio(iocb, buffer, ops, dioOps, flags);
  if (dio instanceof DirectIo && dio.slots.inFlight > 0) await dio.slots.idle();
  return dio;
}

/**
 * The first half of the split API (DIO-18): checks, keeps the cache
 * coherent, maps the range and submits every device request, then waits for
 * them. Resolves to a {@link DioHandle} for `dioComplete`, to `undefined`
 * when there was nothing to do (empty buffer, read at or past EOF; DIO-1),
 * or to {@link DIO_QUEUED} when the iocb is asynchronous and requests are
 * still in flight (completion then reaches `iocb.complete`). Errors before
 * any request (EINVAL, EAGAIN, ENOTBLK from the cache) reject; errors after
 * are reported by `dioComplete`.
 *
 * Caller holds the inode lock (see `dioLock`) for the submission.
 *
 * @example
 * ```ts
 * const handle = await dioStart(iocb, buffer, fs, dioOps);
 * if (handle instanceof DioHandle) {
 *   releaseInodeLock(); // completion runs without it
 *   await dioComplete(handle);
 * }
 * ```
 */
export async function dioStart<I>(
  iocb: DirectIocb<I>,
  buffer: Uint8Array,
  ops: IomapOps<I>,
  dioOps: DirectIoOps<I> = {},
  flags = 0,
): Promise<DioHandle<I> | typeof DIO_QUEUED | undefined> {
  const dio = await startDio(iocb, buffer, ops, dioOps, flags);
  return dio instanceof DirectIo ? new DioHandle(dio) : dio;
}
