// Direct I/Os in flight per inode (DIO-10): the kernel's inode_dio_begin /
// inode_dio_end / inode_dio_wait. Truncate, hole punching and exclusive
// unaligned direct writes wait until an inode has none, because an
// asynchronous direct I/O keeps running after its caller dropped the inode
// lock.
//
// Inodes are whatever the filesystem passes as `iocb.inode`, compared by
// identity; an entry exists only while a direct I/O is in flight, so nothing
// is retained for idle inodes.

interface InFlight {
  count: number;
  waiters: (() => void)[];
}

const inFlight = new Map<unknown, InFlight>();

/** Counts a direct I/O of `inode` as started. */
export function inodeDioBegin(inode: unknown): void {
  const entry = inFlight.get(inode);
  if (entry !== undefined) entry.count++;
  else inFlight.set(inode, { count: 1, waiters: [] });
}

/** Counts a direct I/O of `inode` as finished; wakes waiters at zero. */
export function inodeDioEnd(inode: unknown): void {
  const entry = inFlight.get(inode);
  if (entry === undefined) return;
  entry.count--;
  if (entry.count > 0) return;
  inFlight.delete(inode);
  for (const wake of entry.waiters) wake();
}

/**
 * Direct I/Os of `inode` started and not yet completed.
 *
 * @example
 * ```ts
 * if (inodeDioCount(file) > 0 && nowait) throw new FsError('EAGAIN', 'direct I/O in flight');
 * ```
 */
export function inodeDioCount(inode: unknown): number {
  return inFlight.get(inode)?.count ?? 0;
}

/**
 * Resolves once `inode` has no direct I/O in flight (the kernel's
 * `inode_dio_wait`). Call it holding the inode lock exclusively, so no new
 * direct I/O can start, before truncating or punching a hole.
 *
 * @example
 * ```ts
 * const release = await inodeLock.acquireExclusive();
 * try {
 *   await inodeDioWait(file);
 *   await fs.truncate(file, newSize);
 * } finally {
 *   release();
 * }
 * ```
 */
export function inodeDioWait(inode: unknown): Promise<void> {
  const entry = inFlight.get(inode);
  if (entry === undefined) return Promise.resolve();
  return new Promise((resolve) => entry.waiters.push(resolve));
}
