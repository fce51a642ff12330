// The handle of the split API (DIO-18): what dioStart returns and
// dioComplete finishes, so a filesystem can do work in between (drop locks,
// start a transaction) — the kernel's `struct iomap_dio *` between
// `__iomap_dio_rw` and `iomap_dio_complete`.
import { IomapContractError } from '@iomap/core';
import type { DirectIo } from './direct-io.js';

const pending = new WeakMap<DioHandle<unknown>, DirectIo<unknown>>();

/**
 * A direct I/O whose requests have all finished but which is not completed
 * yet: `endIo`, the post-write cache invalidation, the position update and
 * the O_DSYNC sync are still to run. Pass it to `dioComplete` exactly once.
 *
 * @example
 * ```ts
 * const handle = await dioStart(iocb, buffer, fs, dioOps);
 * release(); // e.g. drop a lock that completion must not run under
 * const bytes = handle === undefined ? 0 : handle === DIO_QUEUED ? DIO_QUEUED : await dioComplete(handle);
 * ```
 */
export class DioHandle<I = unknown> {
  /** File position the direct I/O started at. */
  readonly pos: number;
  /** Bytes its requests covered (before EOF clipping, DIO-9). */
  readonly submitted: number;

  /** Internal: made by dioStart only. */
  constructor(dio: DirectIo<I>) {
    this.pos = dio.startPos;
    this.submitted = dio.size;
    pending.set(this as DioHandle<unknown>, dio as DirectIo<unknown>);
  }
}

/** Takes the direct I/O out of its handle; a second call is a contract violation (DIO-18). */
export function takeDio<I>(handle: DioHandle<I>): DirectIo<I> {
  const dio = pending.get(handle as DioHandle<unknown>);
  if (dio === undefined) {
    throw new IomapContractError('DIO-18', 'a direct I/O handle is completed exactly once', `handle at ${handle.pos} was already completed`);
  }
  pending.delete(handle as DioHandle<unknown>);
  return dio as DirectIo<I>;
}
