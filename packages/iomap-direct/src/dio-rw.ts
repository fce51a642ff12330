// The one-call form of direct I/O (the kernel's `iomap_dio_rw`, DIO-1):
// dioStart, then dioComplete (without the handle in between).
import type { DirectIoOps, IomapOps } from '@iomap/core';
import { completeDio } from './dio-complete.js';
import { submitDio } from './dio-start.js';
import { DIO_QUEUED, type DirectIocb } from './iocb.js';

/**
 * Reads into or writes from `buffer` at `iocb.pos`, bypassing any cache:
 * device requests go straight between the caller's buffer and the device.
 *
 * Resolves to the bytes transferred (plus `iocb.doneBefore`) and advances
 * `iocb.pos` by them; 0 for an empty buffer or a read at or past EOF; fewer
 * than asked for a read clipped at EOF (DIO-9), an `ENOTBLK` from the
 * filesystem mid-way (DIO-14: finish the rest with buffered I/O) or a
 * PARTIAL buffer fault (DIO-13); {@link DIO_QUEUED} for an asynchronous iocb
 * still in flight (DIO-10). Rejects with `EINVAL` (alignment, DIO-5),
 * `EAGAIN` (NOWAIT, OVERWRITE_ONLY; DIO-12, DIO-15), `ENOTBLK` (the cache
 * could not be invalidated; DIO-4), `EIO` (holes or DELALLOC given to a
 * write; DIO-6) or the first device error (DIO-19).
 *
 * Caller holds the inode lock as the filesystem requires (`dioLock`).
 *
 * @example
 * ```ts
 * const fs = new ExtentMapFs({ blockSize: 4096 });
 * const file = await fs.create('db');
 * const iocb = { inode: file, pos: 0, direction: 'write' as const, size: () => file.size, blockSize: fs.blockSize, device: fs.device };
 * await dioRw(iocb, new Uint8Array(8192).fill(1), fs);           // 8192; iocb.pos is now 8192
 * const back = new Uint8Array(8192);
 * await dioRw({ ...iocb, pos: 0, direction: 'read' }, back, fs); // 8192
 * ```
 */
export function dioRw<I>(
  iocb: DirectIocb<I>,
  buffer: Uint8Array,
  ops: IomapOps<I>,
  dioOps: DirectIoOps<I> = {},
  flags = 0,
): Promise<number> {
  // One promise of our own, settled from the last request's completion: no
  // await between the device finishing and the caller resuming.
  return new Promise<number>((resolve, reject) => {
    void submitDio(iocb, buffer, ops, dioOps, flags).then((dio) => {
      if (dio === undefined) resolve(0);
      else if (dio === DIO_QUEUED) resolve(DIO_QUEUED);
      else {
        dio.slots.onIdle(() => {
          try {
            resolve(completeDio(dio));
          } catch (err) {
            reject(err);
          }
        });
      }
    }, reject);
  });
}
