// The default submission of one direct-I/O device request (the kernel's
// `submit_bio`), and what a device can do for O_DSYNC (DIO-11, DIO-17).
import {
  DioRequestFlags,
  IomapContractError,
  NULL_ADDR,
  type BlockDevice,
  type DioRequest,
  type DirectIoDeviceCapabilities,
} from '@iomap/core';

type CapableDevice = BlockDevice & DirectIoDeviceCapabilities;

/**
 * Whether a write to `device` can be made durable without a cache flush
 * afterwards: it has no volatile write cache, or it offers `writeFua`
 * (the kernel's `!bdev_write_cache(bdev) || bdev_fua(bdev)`, DIO-11).
 *
 * @example
 * ```ts
 * deviceCanWriteThrough(new MemoryBlockDevice({ size: 4096 })); // false: unknown cache, no writeFua
 * ```
 */
export function deviceCanWriteThrough(device: BlockDevice): boolean {
  const caps = device as CapableDevice;
  return caps.volatileWriteCache === false || typeof caps.writeFua === 'function';
}

/** The device's own request limit, if it states one (DIO-20). */
export function deviceMaxRequestBytes(device: BlockDevice): number | undefined {
  const max = (device as CapableDevice).maxRequestBytes;
  return typeof max === 'number' && Number.isSafeInteger(max) && max > 0 ? max : undefined;
}

/**
 * Performs one request on its device: a read, a write, or — for a `Fua`
 * write on a device with `writeFua` — a FUA write (on a device without a
 * volatile cache a plain write is already durable). This is what direct I/O
 * does when the filesystem has no `submitIo` hook; a hook that adds to the
 * default (replication, accounting) calls it itself (DIO-17).
 *
 * @example
 * ```ts
 * const dioOps: DirectIoOps<MyInode> = {
 *   async submitIo(inode, request) {
 *     await dioSubmitRequest(request);
 *     if (request.kind === 'write') await mirror.write(request.addr, request.buffer);
 *   },
 * };
 * ```
 */
export function dioSubmitRequest(request: DioRequest): Promise<void> {
  const { device, addr, buffer } = request;
  if (addr === NULL_ADDR) {
    return Promise.reject(
      new IomapContractError('DIO-17', 'an ANON_WRITE mapping needs a submitIo hook that assigns the address', describe(request)),
    );
  }
  if (request.kind === 'read') return device.read(addr, buffer);
  const fua = (device as CapableDevice).writeFua;
  if ((request.flags & DioRequestFlags.Fua) !== 0 && typeof fua === 'function') return fua.call(device, addr, buffer);
  return device.write(addr, buffer);
}

function describe(request: DioRequest): string {
  return `${request.kind} of ${request.buffer.length} bytes at file offset ${request.fileOffset}`;
}
