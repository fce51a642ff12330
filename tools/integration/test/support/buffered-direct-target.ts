// One ExtentMapFs file driven by two engines at once: buffered I/O through an
// AddressSpace in a PageCache (bufferedRead/bufferedWrite, periodic
// writebackPass, fsync) and direct I/O through dioRw with iocb.cache set to
// that same AddressSpace — so every direct request really writes back and
// invalidates the cached range (DIO-3, DIO-4) instead of the test assuming it.
// The filesystem side comes ready-made from the testkit (fs.writebackOps,
// fs.directIoOps: mapping and delalloc allocation, UNWRITTEN conversion at
// completion, the size update); this target adds the in-core size update
// before the post-write invalidation and the ENOTBLK fallback to buffered.
import { FsError, MemoryBlockDevice, RwSemaphore } from '@iomap/core';
import {
  PageCache,
  bufferedRead,
  bufferedWrite,
  truncatePage,
  truncatePagecacheRange,
  writebackPass,
  zeroRange,
  type AddressSpace,
  type PageCacheOptions,
} from '@iomap/buffered';
import { dioRwLocked, inodeDioCount, type DirectIocb } from '@iomap/direct';
import { ExtentMapFs, FaultDevice, type ExerciseTarget, type ExtentMapFsOptions, type ExtentMapInode } from '@iomap/testkit';

export interface BufferedDirectOptions {
  fs?: ExtentMapFsOptions;
  cache?: PageCacheOptions;
  maxFolioSize?: number;
  /** Alignment of direct requests (position and length). Default: the device's logical block (512). */
  directAlignment?: number;
  /** Run a background (non-sync) writebackPass after every this many buffered writes. Default 5. */
  writebackEvery?: number;
  /** Negative control: leave iocb.cache out, so direct I/O ignores the page cache. */
  withoutCoherency?: boolean;
}

/** What a run did, per engine, so a test can prove both engines were exercised. */
export interface BufferedDirectCounts {
  bufferedReads: number;
  bufferedWrites: number;
  directReads: number;
  directWrites: number;
  writebackPasses: number;
  /** Direct writes that fell back to buffered for their tail (ENOTBLK, DIO-14). */
  fallbacks: number;
}

export function newBufferedDirectCounts(): BufferedDirectCounts {
  return { bufferedReads: 0, bufferedWrites: 0, directReads: 0, directWrites: 0, writebackPasses: 0, fallbacks: 0 };
}

/** Builds a fresh target: a new device, filesystem, page cache and file. */
export async function bufferedDirectTarget(
  options: BufferedDirectOptions = {},
  counts: BufferedDirectCounts = newBufferedDirectCounts(),
): Promise<ExerciseTarget> {
  const device = new FaultDevice(new MemoryBlockDevice({ size: 16 << 20 }), [], { seed: 7 });
  const fs = new ExtentMapFs({ ...options.fs, device });
  const file = await fs.create('mixed');
  const cache = new PageCache(options.cache);
  const writebackOps = fs.writebackOps();
  const rwsem = new RwSemaphore();
  const writebackEvery = options.writebackEvery ?? 5;
  const open = (): AddressSpace<ExtentMapInode> =>
    cache.createAddressSpace({
      inode: file,
      ops: fs,
      writeOps: { iomapValid: (inode, map) => fs.iomapValid(inode, map) },
      writebackOps,
      blockSize: fs.blockSize,
      size: file.size,
      maxFolioSize: options.maxFolioSize,
      name: 'mixed',
    });
  let mapping = open();
  let cursor = mapping.errseq.sample();

  const dioOps = fs.directIoOps({
    // i_size_write before the post-write invalidation, as ext4/xfs end_io do.
    onWriteEnd: (_inode, end) => {
      if (end > mapping.size) mapping.setSize(end);
    },
  });
  const iocb = (pos: number, direction: 'read' | 'write'): DirectIocb<ExtentMapInode> => ({
    inode: file,
    pos,
    direction,
    size: () => mapping.size,
    blockSize: fs.blockSize,
    device: fs.device,
    ...(options.withoutCoherency === true ? {} : { cache: mapping }),
    queueDepth: 4,
    maxRequestBytes: 16 << 10,
  });

  /**
   * Checks after every operation: one size for both views, a consistent fs
   * (verified between the steps of a background writeback still allocating),
   * a well-used device.
   */
  const after = async <T>(value: T): Promise<T> => {
    if (mapping.size !== file.size) throw new FsError('EIO', `cache size ${mapping.size} != fs size ${file.size}`);
    if (inodeDioCount(file) !== 0) throw new FsError('EIO', 'a direct I/O is still counted in flight');
    await fs.verifyWhenIdle();
    device.assertNoViolations();
    return value;
  };

  return {
    directAlignment: options.directAlignment ?? fs.device.logicalBlockSize,
    async read(pos, length) {
      counts.bufferedReads++;
      const out = new Uint8Array(length);
      const n = await bufferedRead(mapping, pos, out);
      return after(out.subarray(0, n));
    },
    async write(pos, data) {
      counts.bufferedWrites++;
      const n = await bufferedWrite(mapping, pos, data);
      if (n !== data.length) throw new FsError('EIO', `short buffered write ${n} of ${data.length}`);
      if (counts.bufferedWrites % writebackEvery === 0) {
        counts.writebackPasses++;
        await writebackPass(mapping as AddressSpace<unknown>, { start: 0, end: Number.MAX_SAFE_INTEGER, sync: false });
      }
      await after(undefined);
    },
    async directRead(pos, length) {
      counts.directReads++;
      const out = new Uint8Array(length);
      const n = await dioRwLocked(rwsem, iocb(pos, 'read'), out, fs, dioOps);
      return after(out.subarray(0, n));
    },
    async directWrite(pos, data) {
      counts.directWrites++;
      const io = iocb(pos, 'write');
      const n = await dioRwLocked(rwsem, io, data, fs, dioOps);
      if (n < data.length) {
        // ENOTBLK (DIO-14): the filesystem finishes the rest through the page cache.
        counts.fallbacks++;
        const rest = await bufferedWrite(mapping, pos + n, data.subarray(n));
        if (rest !== data.length - n) throw new FsError('EIO', `short fallback write ${rest} of ${data.length - n}`);
      }
      await after(undefined);
    },
    async truncate(size) {
      if (size < mapping.size) await truncatePage(mapping, size);
      await mapping.truncate(size);
      await fs.truncate(file, size);
      await after(undefined);
    },
    size: async () => mapping.size,
    async punchHole(pos, length) {
      await mapping.writeAndWaitRange(pos, pos + length);
      await truncatePagecacheRange(mapping, pos, pos + length);
      await fs.punchHole(file, pos, length);
      await after(undefined);
    },
    async zeroRange(pos, length) {
      await zeroRange(mapping, pos, length);
      await after(undefined);
    },
    async fsync() {
      await mapping.fsync(cursor);
      await fs.fsync(file);
      await after(undefined);
    },
    async remount() {
      await mapping.fsync(cursor);
      await fs.fsync(file);
      await mapping.evictAll();
      mapping = open();
      cursor = mapping.errseq.sample();
      await after(undefined);
    },
    async close() {
      await mapping.evictAll();
    },
  };
}
