// Reading file data (the kernel's ext2_file_read_iter), one of three paths
// chosen per call:
//
//   dax mount             -> daxRw: copies straight from device memory
//   O_DIRECT, or direct   -> dioRw: device requests into the caller's buffer
//   mount and aligned        (a page cache, if any, written back first)
//   large read (>= 1 MiB) -> fillFromDevice: iomap runs read straight into
//   or whole-file read of     the caller's buffer (uncached buffered I/O);
//   a never-cached inode      only while the inode has no page cache at all,
//                             so no dirty cache can be missed (readSmallFile
//                             when it has only direct blocks: no iterator)
//   otherwise             -> bufferedRead through the inode's page cache,
//                            with readahead
//
// Holes read as zeros on every path. Caller: any; takes the inode lock shared.
import { bufferedRead } from '@iomap/buffered';
import { daxRw } from '@iomap/dax';
import { dioRw } from '@iomap/direct';
import { NDIR_BLOCKS } from '../format/inode.js';
import { dataMapping, type MountContext } from '../mount/mount-context.js';
import { fillFromDevice, readSmallFile } from './uncached-read.js';
import type { Ext2Inode } from './ext2-inode.js';
import { daxFileOf } from './file-write.js';

/** Reads at least this large skip the page cache. */
export const UNCACHED_READ_MIN = 1 << 20;

/**
 * Reads up to `buffer.length` bytes of regular file `inode` at `pos`;
 * resolves the bytes read (fewer only at EOF). Precondition: inode is a regular file.
 */
export async function readFileData(ctx: MountContext, inode: Ext2Inode, pos: number, buffer: Uint8Array, oDirect = false): Promise<number> {
  const release = await inode.lock.acquireShared();
  try {
    const size = inode.size;
    if (pos >= size || buffer.length === 0) return 0;
    const n = Math.min(buffer.length, size - pos);
    const dst = buffer.subarray(0, n);
    if (ctx.daxDevice !== undefined) return await daxRead(ctx, inode, pos, dst);
    const lbs = ctx.vol.device.logicalBlockSize;
    if (oDirect || (ctx.direct && pos % lbs === 0 && buffer.length % lbs === 0)) {
      const cache = inode.mapping;
      const iocb = { inode, pos, direction: 'read' as const, size: () => inode.size, blockSize: ctx.vol.geometry.blockSize, device: ctx.vol.device, ...(cache === undefined ? {} : { cache }) };
      return await dioRw(iocb, buffer, ctx.ops);
    }
    if (wholeUncachedFile(inode, pos, n) && n <= NDIR_BLOCKS * ctx.vol.geometry.blockSize) return await readSmallFile(ctx, inode, dst);
    // A writable mount's cache may hold dirty data: bufferedRead has its own coherent uncached path.
    const noCache = ctx.readOnly || inode.mapping === undefined;
    if ((n >= UNCACHED_READ_MIN && noCache) || wholeUncachedFile(inode, pos, n)) return await fillFromDevice(ctx, inode, pos, dst);
    return await bufferedRead(dataMapping(ctx, inode), pos, dst);
  } finally {
    release();
  }
}

/**
 * A read of the whole file (readFile) of an inode whose data was never
 * cached: one device request per run into the caller's buffer, no folios to
 * allocate, fill and copy from. This is what makes reading a tree of small
 * files cheap; a file read again in pieces uses the page cache as usual.
 */
function wholeUncachedFile(inode: Ext2Inode, pos: number, n: number): boolean {
  return pos === 0 && n === inode.size && inode.mapping === undefined;
}

async function daxRead(ctx: MountContext, inode: Ext2Inode, pos: number, dst: Uint8Array): Promise<number> {
  const result = await daxRw(daxFileOf(ctx, inode), { pos }, dst);
  return result.bytes;
}
