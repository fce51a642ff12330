// An ExerciseTarget that drives one ExtentMapFs file through the page cache:
// the glue a filesystem writes around @iomap/buffered for read, write,
// truncate, punch, zero, fsync and remount.
import type { FaultRule } from '@iomap/testkit';
import { ExtentMapFs, FaultDevice, type ExerciseTarget, type ExtentMapFsOptions, type ExtentMapInode } from '@iomap/testkit';
import { FsError, MemoryBlockDevice } from '@iomap/core';
import {
  PageCache,
  bufferedRead,
  bufferedWrite,
  truncatePage,
  truncatePagecacheRange,
  zeroRange,
  type AddressSpace,
  type PageCacheOptions,
} from '../../src/index.js';
import { extentWritebackOps } from './harness.js';

export interface BufferedTargetOptions {
  fs?: ExtentMapFsOptions;
  cache?: PageCacheOptions;
  maxFolioSize?: number;
  /** Fault rules for the device (delays only: errors would lose data the model keeps). */
  faults?: FaultRule[];
  deviceSize?: number;
  /** Observe the cache after each operation. */
  onCache?: (cache: PageCache) => void;
}

/** Builds a fresh target: a new filesystem, cache and file. */
export async function bufferedTarget(options: BufferedTargetOptions = {}): Promise<ExerciseTarget & { cache: PageCache }> {
  const memory = new MemoryBlockDevice({ size: options.deviceSize ?? 16 << 20 });
  const device = new FaultDevice(memory, options.faults ?? [], { seed: 7 });
  const fs = new ExtentMapFs({ ...options.fs, device });
  const file: ExtentMapInode = await fs.create('x');
  const cache = new PageCache(options.cache);
  const writebackOps = extentWritebackOps(fs);
  const open = (): AddressSpace<ExtentMapInode> =>
    cache.createAddressSpace({
      inode: file,
      ops: fs,
      writeOps: { iomapValid: (inode, map) => fs.iomapValid(inode, map) },
      writebackOps,
      blockSize: fs.blockSize,
      size: file.size,
      maxFolioSize: options.maxFolioSize,
      name: 'x',
    });
  let mapping = open();
  let cursor = mapping.errseq.sample();
  const after = <T>(value: T): T => {
    if (mapping.size !== file.size) throw new FsError('EIO', `cache size ${mapping.size} != fs size ${file.size}`);
    fs.verify();
    device.assertNoViolations();
    options.onCache?.(cache);
    return value;
  };
  return {
    cache,
    async read(pos, length) {
      const buf = new Uint8Array(length).fill(0xa5); // junk: zeroing must be done by the read, not by `new`
      const n = await bufferedRead(mapping, pos, buf);
      return after(buf.subarray(0, n));
    },
    async write(pos, data) {
      const n = await bufferedWrite(mapping, pos, data);
      if (n !== data.length) throw new FsError('EIO', `short write ${n} of ${data.length}`);
      after(undefined);
    },
    async truncate(size) {
      if (size < mapping.size) await truncatePage(mapping, size);
      await mapping.truncate(size);
      await fs.truncate(file, size);
      after(undefined);
    },
    async size() {
      return mapping.size;
    },
    async punchHole(pos, length) {
      await mapping.writeAndWaitRange(pos, pos + length);
      await truncatePagecacheRange(mapping, pos, pos + length);
      await fs.punchHole(file, pos, length);
      after(undefined);
    },
    async zeroRange(pos, length) {
      await zeroRange(mapping, pos, length);
      after(undefined);
    },
    async fsync() {
      await mapping.fsync(cursor);
      await fs.fsync(file);
      after(undefined);
    },
    async remount() {
      await mapping.fsync(cursor);
      await fs.fsync(file);
      await mapping.evictAll();
      mapping = open();
      cursor = mapping.errseq.sample();
      after(undefined);
    },
    async close() {
      await mapping.evictAll();
    },
  };
}
