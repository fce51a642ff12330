// Completing a direct I/O (the kernel's `iomap_dio_complete`), once every
// request finished. The order is the contract:
//
//   1. endIo(inode, pos, size, firstError, flags)   convert, remap, size (DIO-8)
//   2. reads: clip to the EOF sampled at the start  (DIO-9)
//   3. writes: drop the cache over the range        (DIO-4; after 1, DIO-8)
//   4. the inode's in-flight count drops            (DIO-10)
//   5. iocb.pos advances; O_DSYNC/O_SYNC syncs      (DIO-11)
//   6. doneBefore is added, once                    (DIO-13)
import { DioEndIoFlags, FsError } from '@iomap/core';
import { invalidateAfterWrite } from './cache-sync.js';
import type { DirectIo } from './direct-io.js';
import { takeDio, type DioHandle } from './dio-handle.js';
import { inodeDioEnd } from './inode-dio.js';
import { IocbFlags } from './iocb.js';

function asError(err: unknown): Error {
  return err instanceof Error ? err : new FsError('EIO', `direct I/O completion failed: ${String(err)}`);
}

/**
 * DIO-11: makes the written range durable — the filesystem's `syncRange`
 * when it has one (metadata too), else a flush of every device written.
 */
async function syncWritten<I>(dio: DirectIo<I>, start: number, end: number): Promise<void> {
  const { iocb, dioOps } = dio;
  const datasync = ((iocb.flags ?? 0) & IocbFlags.Sync) === 0;
  if (dioOps.syncRange) {
    await dioOps.syncRange(iocb.inode, start, end, datasync);
    return;
  }
  const devices = dio.devicesWritten !== undefined ? [...dio.devicesWritten] : iocb.device ? [iocb.device] : [];
  for (const device of devices) await device.flush();
}

/** Step 1: the filesystem's end-io hook; what it throws replaces the error (DIO-8). */
async function runEndIo<I>(dio: DirectIo<I>, error: Error | undefined): Promise<Error | undefined> {
  const endIo = dio.dioOps.endIo as NonNullable<DirectIo<I>['dioOps']['endIo']>;
  const flags = dio.endIoFlags | (dio.write ? DioEndIoFlags.Write : 0);
  try {
    await endIo(dio.iocb.inode, dio.startPos, dio.size, error, flags);
    return error;
  } catch (err) {
    return asError(err);
  }
}

/** Step 2 for reads: the bytes to report, clipped to the EOF sampled at the start (DIO-9). */
function clippedBytes<I>(dio: DirectIo<I>): number {
  if (dio.write || dio.startPos + dio.size <= dio.isize) return dio.size;
  return Math.max(0, dio.isize - dio.startPos);
}

/** Steps 5-6 once the I/O succeeded with `bytes` > 0. */
function advance<I>(dio: DirectIo<I>, bytes: number): number | Promise<number> {
  const { iocb, startPos } = dio;
  iocb.pos = startPos + bytes;
  const total = bytes + (iocb.doneBefore ?? 0);
  if (!dio.needSync) return total;
  return syncWritten(dio, startPos, startPos + bytes).then(() => total);
}

/** Steps 1-6 with a hook, a cache or a sync to wait for. */
async function completeSlow<I>(dio: DirectIo<I>): Promise<number> {
  const { iocb, startPos } = dio;
  let error = dio.error;
  let bytes = 0;
  try {
    if (dio.dioOps.endIo) error = await runEndIo(dio, error);
    bytes = clippedBytes(dio);
    if (dio.write && dio.error === undefined && dio.size > 0 && iocb.cache !== undefined) {
      await invalidateAfterWrite(iocb, startPos, startPos + dio.size);
    }
  } finally {
    inodeDioEnd(iocb.inode);
  }
  if (error !== undefined) throw error;
  return bytes === 0 ? 0 : advance(dio, bytes);
}

/**
 * Completes a direct I/O whose requests have all finished: the bytes done,
 * or the error thrown. Without an end-io hook, a cache or a sync there is
 * nothing to wait for, and the result comes back without a promise.
 */
export function completeDio<I>(dio: DirectIo<I>): number | Promise<number> {
  const slow = dio.dioOps.endIo !== undefined || (dio.write && dio.iocb.cache !== undefined);
  if (slow) return completeSlow(dio);
  inodeDioEnd(dio.iocb.inode);
  if (dio.error !== undefined) throw dio.error;
  const bytes = clippedBytes(dio);
  return bytes === 0 ? 0 : advance(dio, bytes);
}

/**
 * The second half of the split API (DIO-18): runs `endIo`, clips a read at
 * the EOF sampled at the start, invalidates the cache after a write,
 * advances `iocb.pos`, syncs O_DSYNC writes, and resolves to the bytes done
 * (plus `doneBefore`) or rejects with the first error. Call it exactly once
 * per handle.
 *
 * @example
 * ```ts
 * const handle = await dioStart(iocb, buffer, fs, dioOps);
 * if (handle instanceof DioHandle) {
 *   releaseInodeLock();
 *   const bytes = await dioComplete(handle);
 * }
 * ```
 */
export async function dioComplete<I>(handle: DioHandle<I>): Promise<number> {
  return completeDio(takeDio(handle));
}
