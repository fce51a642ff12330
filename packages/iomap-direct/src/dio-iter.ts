// The loop body of direct I/O: what each mapping type gets (DIO-6,
// IOMAP-SPEC 2.1) — the kernel's `iomap_dio_iter`:
//
//   type        read                      write
//   HOLE        zero-fill the buffer      EIO (the filesystem broke 2.2 rule 2)
//   UNWRITTEN   zero-fill the buffer      device I/O + zeroing + endIo(Unwritten)
//   MAPPED      device I/O                device I/O (+ zeroing when NEW)
//   INLINE      copy from inline data     copy into inline data
//   DELALLOC    EIO: a buffered/mmap write raced the cache flush (§3.20)
import {
  FsError,
  IomapContractError,
  IomapType,
  describeIomap,
  iomapInlineData,
  type IomapIter,
} from '@iomap/core';
import type { DirectIo } from './direct-io.js';
import { dioBioIter } from './dio-bio-iter.js';

/** Zero-fills the caller's buffer over the current mapping (HOLE, UNWRITTEN reads). */
function dioHoleIter<I>(iter: IomapIter<I>, dio: DirectIo<I>): void {
  const n = iter.iomapLength();
  dio.view(iter.pos, n).fill(0);
  dio.size += n;
  iter.advance(n);
}

/**
 * Copies to or from an INLINE mapping's data. A write past EOF first zeroes
 * the inline bytes between EOF and `pos`; the filesystem's `iomapEnd`
 * persists the inline data and the new size (as the kernel's inline path
 * leaves it to the filesystem to log the inode).
 */
function dioInlineIter<I>(iter: IomapIter<I>, dio: DirectIo<I>): void {
  const iomap = iter.iomap;
  if (iomap.inlineData === undefined) {
    throw new IomapContractError('DIO-6', 'an INLINE mapping must carry inlineData', describeIomap(iomap));
  }
  const n = iter.iomapLength();
  const data = iomapInlineData(iomap, iter.pos).subarray(0, n);
  const user = dio.view(iter.pos, n);
  if (data.length !== n) {
    throw new IomapContractError('DIO-6', 'inlineData must cover the whole INLINE mapping', describeIomap(iomap));
  }
  if (dio.write) {
    dio.writeThrough = false; // inline data reaches storage with the inode: O_DSYNC must sync it (DIO-11)
    const size = dio.iocb.size();
    if (iter.pos > size && size >= iomap.offset) iomap.inlineData.fill(0, size - iomap.offset, iter.pos - iomap.offset);
    data.set(user);
  } else {
    user.set(data);
  }
  dio.size += n;
  iter.advance(n);
}

/**
 * Acts on the current mapping by its type (DIO-6). Returns a promise only
 * when there is something to wait for (device requests), so zero-fills and
 * inline copies cost no promise; throws synchronously for contract errors.
 */
export function dioIter<I>(iter: IomapIter<I>, dio: DirectIo<I>): Promise<void> | void {
  const iomap = iter.iomap;
  switch (iomap.type) {
    case IomapType.Hole:
      if (dio.write) {
        throw new IomapContractError('DIO-6', 'iomapBegin must never return a HOLE for a direct write', describeIomap(iomap));
      }
      return dioHoleIter(iter, dio);
    case IomapType.Unwritten:
      if (!dio.write) return dioHoleIter(iter, dio);
      return dioBioIter(iter, dio);
    case IomapType.Mapped:
      return dioBioIter(iter, dio);
    case IomapType.Inline:
      return dioInlineIter(iter, dio);
    case IomapType.Delalloc:
      throw new FsError(
        'EIO',
        `direct I/O collision with buffered writes: ${describeIomap(iomap)} (a buffered or mapped write raced the cache flush; retry)`,
        { syscall: dio.write ? 'pwrite' : 'pread' },
      );
    default:
      throw new IomapContractError('DIO-6', 'unknown mapping type', describeIomap(iomap));
  }
}
