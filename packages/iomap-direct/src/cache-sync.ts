// Keeping the page cache coherent with direct I/O (DIO-3, DIO-4, DIO-15,
// IOMAP-SPEC §3.12), through core's CacheCoherency — never by importing
// @iomap/buffered.
//
//   read:   write back dirty cache over the range, wait          (DIO-3)
//   write:  write back and drop the cache over the range; failure
//           -> ENOTBLK (use buffered I/O), or EAGAIN for ATOMIC   (DIO-4)
//           ... I/O ... endIo ... drop the range again            (DIO-4, DIO-8)
//   NOWAIT: dirty (read) or any (write) cache in the range -> EAGAIN, no waiting (DIO-15)
import { FsError, isFsError, type CacheCoherency, type CacheRangeProbe } from '@iomap/core';
import { IocbFlags, type DirectIocb } from './iocb.js';

type Cache = CacheCoherency & Partial<CacheRangeProbe>;

function nowaitRefusal(what: string): FsError {
  return new FsError('EAGAIN', `NOWAIT direct I/O: ${what}; retry without NOWAIT`, { syscall: 'direct_io' });
}

/**
 * NOWAIT check: answers with the probe when the cache has one; without it
 * the answer is unknown, and unknown means "would wait" (CORE-16).
 */
function wouldWait(cache: Cache, start: number, end: number, forWrite: boolean): boolean {
  const probe = forWrite ? cache.rangeHasCached : cache.rangeNeedsWriteback;
  if (typeof probe !== 'function') return true;
  return probe.call(cache, start, end);
}

/** DIO-3: before a direct read, dirty cached data of `[start, end)` reaches storage. */
export async function flushBeforeRead<I>(iocb: DirectIocb<I>, start: number, end: number): Promise<void> {
  const cache = iocb.cache;
  if (cache === undefined) return;
  if ((iocb.flags ?? 0) & IocbFlags.NoWait) {
    if (wouldWait(cache, start, end, false)) throw nowaitRefusal('the range has dirty cached data');
    return;
  }
  await cache.writeAndWaitRange(start, end);
}

/**
 * DIO-4: before a direct write, cached data of `[start, end)` is written back
 * and dropped, so no stale copy outlives the write. A failure means the
 * cache cannot be made coherent: `ENOTBLK` (fall back to buffered I/O), or
 * `EAGAIN` for an atomic write (the kernel's choice: maybe transient).
 */
export async function invalidateBeforeWrite<I>(iocb: DirectIocb<I>, start: number, end: number): Promise<void> {
  const cache = iocb.cache;
  if (cache === undefined) return;
  const flags = iocb.flags ?? 0;
  if (flags & IocbFlags.NoWait) {
    if (wouldWait(cache, start, end, true)) throw nowaitRefusal('the range is cached');
    return;
  }
  try {
    await cache.writeAndWaitRange(start, end);
    await cache.invalidateRange(start, end);
  } catch (err) {
    if (isFsError(err, 'EAGAIN')) throw err;
    const atomic = (flags & IocbFlags.Atomic) !== 0;
    throw new FsError(
      atomic ? 'EAGAIN' : 'ENOTBLK',
      atomic
        ? 'the cached range could not be invalidated before an atomic direct write; retry'
        : 'the cached range could not be invalidated before the direct write; write it with buffered I/O',
      { syscall: 'pwrite', cause: err },
    );
  }
}

/**
 * DIO-4, DIO-8: after a successful write — and after `endIo`, so unwritten
 * extents are already converted — drop whatever was cached over the range
 * meanwhile. The write itself succeeded, so a failure does not fail it
 * (the kernel warns); it is reported to `iocb.onStaleCache`.
 */
export async function invalidateAfterWrite<I>(iocb: DirectIocb<I>, start: number, end: number): Promise<void> {
  const cache = iocb.cache;
  if (cache === undefined) return;
  try {
    await cache.invalidateRange(start, end);
  } catch (err) {
    const error = err instanceof Error ? err : new FsError('EIO', String(err));
    iocb.onStaleCache?.(error, start, end);
  }
}
