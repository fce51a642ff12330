// Argument checks of a direct I/O, made before anything is touched
// (DESIGN.md conventions; DIO-5, DIO-21): a misaligned request is EINVAL
// with nothing done, not a short result.
import { FsError, checkOffset, checkRange } from '@iomap/core';
import { DioFlags, type DirectIocb } from './iocb.js';

const KNOWN_DIO_FLAGS = Object.values(DioFlags).reduce((all, bit) => all | bit, 0);

function einval(detail: string, syscall: string): FsError {
  return new FsError('EINVAL', detail, { syscall });
}

function isPowerOfTwo(value: number): boolean {
  return Number.isSafeInteger(value) && value > 0 && (value & (value - 1)) === 0;
}

function checkPositive(value: number | undefined, name: string, syscall: string): void {
  if (value !== undefined && (!Number.isSafeInteger(value) || value < 1)) {
    throw einval(`${name} must be a positive integer, got ${String(value)}`, syscall);
  }
}

/** The alignment a request must meet (DIO-5: logical block; DIO-21: filesystem block). */
export function requestAlignment<I>(iocb: DirectIocb<I>, flags: number): number {
  if (flags & DioFlags.FsblockAligned) return iocb.blockSize;
  return iocb.logicalBlockSize ?? iocb.device?.logicalBlockSize ?? 512;
}

/**
 * Checks the iocb, the buffer and the flags: EINVAL for invalid numbers,
 * unknown flags, a block size that is not a power of two, or a position or
 * length not aligned to {@link requestAlignment} (DIO-5). The buffer's memory
 * address does not matter in JavaScript; its length does.
 */
export function checkDirectIo<I>(iocb: DirectIocb<I>, buffer: Uint8Array, flags: number): void {
  const syscall = iocb.direction === 'write' ? 'pwrite' : 'pread';
  if (iocb.direction !== 'read' && iocb.direction !== 'write') {
    throw einval(`iocb.direction must be 'read' or 'write', got ${String(iocb.direction)}`, 'direct_io');
  }
  if (!(buffer instanceof Uint8Array)) throw einval('the buffer must be a Uint8Array', syscall);
  checkRange(iocb.pos, buffer.length, syscall);
  if (!Number.isSafeInteger(flags) || (flags & ~KNOWN_DIO_FLAGS) !== 0) {
    throw einval(`unknown direct I/O flags ${String(flags)}`, syscall);
  }
  if (!isPowerOfTwo(iocb.blockSize)) throw einval(`blockSize must be a power of two, got ${String(iocb.blockSize)}`, syscall);
  if (iocb.logicalBlockSize !== undefined && !isPowerOfTwo(iocb.logicalBlockSize)) {
    throw einval(`logicalBlockSize must be a power of two, got ${String(iocb.logicalBlockSize)}`, syscall);
  }
  checkPositive(iocb.queueDepth, 'queueDepth', syscall);
  checkPositive(iocb.maxRequestBytes, 'maxRequestBytes', syscall);
  if (iocb.doneBefore !== undefined) checkOffset(iocb.doneBefore, 'doneBefore', syscall);
  const alignment = requestAlignment(iocb, flags);
  if (iocb.pos % alignment !== 0 || buffer.length % alignment !== 0) {
    throw einval(
      `direct I/O of ${buffer.length} bytes at ${iocb.pos} is not aligned to ${alignment} bytes (DIO-5); align it or use buffered I/O`,
      syscall,
    );
  }
}

