// The inode lock a caller of direct I/O takes (IOMAP-SPEC 2.6, 2.7, §2.8,
// §3.13) — iomap itself takes none. The rule, as XFS applies it:
//
//   read                                       shared
//   write, fs-block aligned, inside EOF        shared: such writes to different
//                                              ranges run concurrently
//   write, unaligned or extending EOF          exclusive + ForceWait, after the
//                                              inode's in-flight DIOs drained:
//                                              sub-block zeroing and size updates
//                                              are not atomic against other DIOs
//   unaligned overwrite inside EOF (dioRwLocked) first shared + OVERWRITE_ONLY;
//                                              EAGAIN -> exclusive (DIO-12)
//
// Under NOWAIT every wait becomes EAGAIN (CORE-16).
import { FsError, isFsError, type DirectIoOps, type IomapOps, type Release, type RwSemaphore } from '@iomap/core';
import { dioRw } from './dio-rw.js';
import { inodeDioCount, inodeDioWait } from './inode-dio.js';
import { DioFlags, IocbFlags, type DirectIocb } from './iocb.js';

/**
 * What {@link dioLock} granted: the release function, whether the lock is
 * held exclusively, and the direct-I/O flags to use under it (`ForceWait`
 * added for exclusive writes).
 *
 * @example
 * ```ts
 * const grant: DioLockGrant = await dioLock(inode.rwsem, iocb, buffer.length);
 * ```
 */
export interface DioLockGrant {
  release: Release;
  exclusive: boolean;
  dioFlags: number;
}

/**
 * Whether a direct write of `length` bytes at `iocb.pos` must run under the
 * exclusive inode lock with ForceWait: it is not aligned to the filesystem
 * block (sub-block zeroing, DIO-7) or it ends past EOF (size update).
 *
 * @example
 * ```ts
 * dioWriteNeedsExclusive({ ...iocb, pos: 512 }, 512); // true with 4 KiB blocks
 * ```
 */
export function dioWriteNeedsExclusive<I>(iocb: DirectIocb<I>, length: number): boolean {
  return dioWriteUnaligned(iocb, length) || iocb.pos + length > iocb.size();
}

function dioWriteUnaligned<I>(iocb: DirectIocb<I>, length: number): boolean {
  const bs = iocb.blockSize;
  return iocb.pos % bs !== 0 || (iocb.pos + length) % bs !== 0;
}

function busy(what: string): FsError {
  return new FsError('EAGAIN', `NOWAIT direct I/O: ${what}; retry without NOWAIT`, { syscall: 'direct_io' });
}

async function takeShared(lock: RwSemaphore, nowait: boolean): Promise<Release> {
  if (!nowait) return lock.acquireShared();
  const release = lock.tryAcquireShared();
  if (release === undefined) throw busy('the inode lock is held');
  return release;
}

/** Exclusive, then drains the inode's asynchronous direct I/Os (the kernel's inode_dio_wait). */
async function takeExclusive<I>(lock: RwSemaphore, iocb: DirectIocb<I>, nowait: boolean): Promise<Release> {
  const release = nowait ? lock.tryAcquireExclusive() : await lock.acquireExclusive();
  if (release === undefined) throw busy('the inode lock is held');
  if (inodeDioCount(iocb.inode) === 0) return release;
  if (nowait) {
    release();
    throw busy('direct I/O is in flight on the inode');
  }
  await inodeDioWait(iocb.inode);
  return release;
}

/**
 * Takes `lock` (the inode's upper lock) as a direct I/O of `length` bytes
 * needs it: shared for reads and for aligned writes inside EOF; exclusive,
 * with in-flight direct I/O drained and `ForceWait` added, for unaligned or
 * extending writes. EOF is checked again once a shared lock is held.
 *
 * @example
 * ```ts
 * const grant = await dioLock(inode.rwsem, iocb, buffer.length);
 * try {
 *   return await dioRw(iocb, buffer, fs, dioOps, grant.dioFlags);
 * } finally {
 *   grant.release();
 * }
 * ```
 */
export async function dioLock<I>(lock: RwSemaphore, iocb: DirectIocb<I>, length: number, flags = 0): Promise<DioLockGrant> {
  const nowait = ((iocb.flags ?? 0) & IocbFlags.NoWait) !== 0;
  if (iocb.direction === 'read') return { release: await takeShared(lock, nowait), exclusive: false, dioFlags: flags };
  if (!dioWriteNeedsExclusive(iocb, length)) {
    const release = await takeShared(lock, nowait);
    if (!dioWriteNeedsExclusive(iocb, length)) return { release, exclusive: false, dioFlags: flags };
    release(); // EOF moved while we waited
  }
  const release = await takeExclusive(lock, iocb, nowait);
  return { release, exclusive: true, dioFlags: flags | DioFlags.ForceWait };
}

/**
 * `dioRw` under the inode lock, the way a filesystem's direct read/write
 * entry point uses it: {@link dioLock}'s rule, plus the optimistic path
 * for unaligned overwrites inside EOF — try shared with OVERWRITE_ONLY, and
 * on `EAGAIN` retry exclusively (DIO-12). The lock is released when `dioRw`
 * returns (for an asynchronous iocb: after submission; completion is covered
 * by `inodeDioWait`).
 *
 * @example
 * ```ts
 * const n = await dioRwLocked(inode.rwsem, iocb, buffer, fs, dioOps);
 * ```
 */
export async function dioRwLocked<I>(
  lock: RwSemaphore,
  iocb: DirectIocb<I>,
  buffer: Uint8Array,
  ops: IomapOps<I>,
  dioOps: DirectIoOps<I> = {},
  flags = 0,
): Promise<number> {
  const nowait = ((iocb.flags ?? 0) & IocbFlags.NoWait) !== 0;
  const optimistic =
    iocb.direction === 'write' &&
    (flags & DioFlags.OverwriteOnly) === 0 &&
    dioWriteUnaligned(iocb, buffer.length) &&
    iocb.pos + buffer.length <= iocb.size();
  if (optimistic) {
    const release = await takeShared(lock, nowait);
    try {
      return await dioRw(iocb, buffer, ops, dioOps, flags | DioFlags.OverwriteOnly);
    } catch (err) {
      if (!isFsError(err, 'EAGAIN') || nowait) throw err;
    } finally {
      release();
    }
  }
  const grant = await dioLock(lock, iocb, buffer.length, flags);
  try {
    return await dioRw(iocb, buffer, ops, dioOps, grant.dioFlags);
  } finally {
    grant.release();
  }
}
