// Sub-block zeroing (DIO-7, IOMAP-SPEC §3.13): a direct write that covers
// only part of a filesystem block of NEW or UNWRITTEN space must write zeros
// over the rest of that block, or a later read would see stale disk data.
// The same holds for the tail of the last block of a write at or beyond EOF
// (a later mmap of the EOF block would expose it).
//
//   4 KiB blocks, 512-byte write at 512 into a NEW block:
//     [0, 512) zeros   [512, 1024) data   [1024, 4096) zeros   -> 3 requests
//
// These zero writes race with other direct I/O to the same block, which is
// why callers take the inode lock exclusively and pass ForceWait for
// unaligned writes (dioLock does).
import { DioRequestFlags, FsError, IomapFlags, NULL_ADDR, iomapAddress, type BlockDevice, type Iomap } from '@iomap/core';
import type { DirectIo } from './direct-io.js';
import { DIO_MAX_ZERO_BLOCK } from './iocb.js';

/**
 * One shared buffer of zeros, the source of every zeroing request (the
 * kernel's zero folio). Requests carry views of it; nothing writes into it.
 */
const ZEROES = new Uint8Array(DIO_MAX_ZERO_BLOCK);

/**
 * Writes zeros over file bytes `[pos, pos + length)` of `iomap`, a part of
 * one filesystem block. Nothing to do when `length` is 0.
 */
export async function dioZero<I>(dio: DirectIo<I>, iomap: Iomap, device: BlockDevice, pos: number, length: number): Promise<void> {
  if (length === 0) return;
  if (length > ZEROES.length) {
    throw new FsError(
      'EINVAL',
      `sub-block zeroing supports filesystem blocks up to ${DIO_MAX_ZERO_BLOCK} bytes, this one is ${dio.blockSize} (DIO-7); use buffered I/O`,
      { syscall: 'pwrite' },
    );
  }
  // A zeroing write is never FUA, so the O_DSYNC flush cannot be skipped (DIO-11).
  dio.writeThrough = false;
  const addr = iomap.flags & IomapFlags.AnonWrite ? NULL_ADDR : iomapAddress(iomap, pos);
  await dio.submit(dio.request(iomap, device, addr, pos, ZEROES.subarray(0, length), DioRequestFlags.Zero)); // not sent after an error: fine
}

/** Bytes from the start of `pos`'s filesystem block to `pos` (the head pad). */
export function headPad(pos: number, blockSize: number): number {
  return pos % blockSize;
}

/** Bytes from `pos` to the end of its filesystem block, or 0 when `pos` is on a boundary (the tail pad). */
export function tailPad(pos: number, blockSize: number): number {
  const into = pos % blockSize;
  return into === 0 ? 0 : blockSize - into;
}
