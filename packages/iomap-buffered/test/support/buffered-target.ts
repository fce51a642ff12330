// An ExerciseTarget that drives one ExtentMapFs file through the page cache:
// the glue a filesystem writes around @iomap/buffered for read, write,
// truncate, punch, zero, fsync and remount.
import type { FaultRule } from '@iomap/testkit';
import { ExtentMapFs, FaultDevice, SeededRandom, type ExerciseTarget, type ExtentMapFsOptions, type ExtentMapInode } from '@iomap/testkit';
import { FsError, MemoryBlockDevice, isFsError } from '@iomap/core';
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
  /**
   * Injected device errors (issue 4 "injected faults"), with their own seed:
   * `readChance` — a read op arms a one-shot read EIO (after 0-2 device
   * reads): the read must fail with EIO or return correct data; after EIO
   * it is retried without faults, so a failed read that left bad data
   * marked uptodate in the cache shows as a mismatch. `fsyncChance` — an
   * fsync (also the one of a remount) arms a one-shot EIO or torn write of
   * writeback: fsync must report it (exactly once, BUF-35); the data of the
   * failed ioends is then unspecified, so the target rewrites exactly those
   * file ranges from its shadow copy and fsyncs again, which must succeed.
   * Everything else, including the shadow-free bytes, is checked by the model.
   */
  injectFaults?: { seed: number; readChance: number; fsyncChance: number };
  /** Observe the fault counts (after each operation). */
  onFaults?: (stats: FaultStats) => void;
}

export interface FaultStats {
  /** Reads that failed with EIO (then retried). */
  readErrors: number;
  /** fsyncs that reported a writeback error. */
  fsyncErrors: number;
  /** File bytes rewritten after a reported writeback error. */
  rewritten: number;
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
  const baseRules = options.faults ?? [];
  const inject = options.injectFaults;
  const rng = new SeededRandom(inject?.seed ?? 1);
  const stats: FaultStats = { readErrors: 0, fsyncErrors: 0, rewritten: 0 };
  // The file as the target wrote it: the source for rewriting ranges whose writeback failed.
  let shadow = new Uint8Array(0);
  let shadowSize = 0;
  const shadowRoom = (n: number) => {
    if (n <= shadow.length) return;
    const grown = new Uint8Array(Math.max(n, shadow.length * 2));
    grown.set(shadow);
    shadow = grown;
  };
  const shadowZero = (pos: number, end: number) => shadow.fill(0, Math.min(pos, shadowSize), Math.min(end, shadowSize));
  const resetRules = () => {
    device.clearRules();
    for (const r of baseRules) device.addRule(r);
  };
  /** fsync that may see an injected writeback fault: a reported error is repaired by rewriting the failed ranges. */
  const fsyncWithFaults = async (): Promise<void> => {
    if (inject === undefined || !rng.chance(inject.fsyncChance)) {
      await mapping.fsync(cursor);
      return;
    }
    const kind = rng.chance(0.5) ? 'error' : 'torn';
    device.addRule({ kind, ops: ['write'], after: rng.int(0, 3), times: 1 });
    const injectedBefore = device.counters.injectedErrors;
    const seen = writebackOps.completions.length;
    let reported = false;
    try {
      await mapping.fsync(cursor);
    } catch (err) {
      if (!isFsError(err) || err.code !== 'EIO') throw err;
      reported = true;
    } finally {
      resetRules();
    }
    const fired = device.counters.injectedErrors > injectedBefore;
    if (fired !== reported) throw new FsError('EIO', `injected writeback fault fired: ${fired}, fsync reported an error: ${reported}`);
    if (!reported) return;
    stats.fsyncErrors++;
    // BUF-35: the failed ioends' data is unspecified now; rewrite exactly those ranges.
    for (const io of writebackOps.completions.slice(seen)) {
      if (io.error === undefined) continue;
      const end = Math.min(io.offset + io.size, shadowSize);
      if (end <= io.offset) continue;
      const n = await bufferedWrite(mapping, io.offset, shadow.slice(io.offset, end));
      if (n !== end - io.offset) throw new FsError('EIO', `short rewrite ${n}`);
      stats.rewritten += n;
    }
    await mapping.fsync(cursor); // the error was reported once: this one must succeed
  };
  const after = <T>(value: T): T => {
    if (mapping.size !== file.size) throw new FsError('EIO', `cache size ${mapping.size} != fs size ${file.size}`);
    fs.verify();
    device.assertNoViolations();
    options.onCache?.(cache);
    options.onFaults?.(stats);
    return value;
  };
  return {
    cache,
    async read(pos, length) {
      const buf = new Uint8Array(length).fill(0xa5); // junk: zeroing must be done by the read, not by `new`
      if (inject !== undefined && rng.chance(inject.readChance)) {
        device.addRule({ kind: 'error', ops: ['read'], after: rng.int(0, 3), times: 1 });
        try {
          const n = await bufferedRead(mapping, pos, buf);
          return after(buf.subarray(0, n)); // not affected (or only background readahead was)
        } catch (err) {
          if (!isFsError(err) || err.code !== 'EIO') throw err;
          stats.readErrors++;
          buf.fill(0xa5); // nothing of a failed read counts; read again without faults
        } finally {
          resetRules();
        }
      }
      const n = await bufferedRead(mapping, pos, buf);
      return after(buf.subarray(0, n));
    },
    async write(pos, data) {
      const n = await bufferedWrite(mapping, pos, data);
      if (n !== data.length) throw new FsError('EIO', `short write ${n} of ${data.length}`);
      shadowRoom(pos + n);
      shadow.set(data.subarray(0, n), pos);
      shadowSize = Math.max(shadowSize, pos + n);
      after(undefined);
    },
    async truncate(size) {
      if (size < mapping.size) await truncatePage(mapping, size);
      await mapping.truncate(size);
      await fs.truncate(file, size);
      shadowRoom(size);
      if (size < shadowSize) shadow.fill(0, size, shadowSize);
      shadowSize = size;
      after(undefined);
    },
    async size() {
      return mapping.size;
    },
    async punchHole(pos, length) {
      await mapping.writeAndWaitRange(pos, pos + length);
      await truncatePagecacheRange(mapping, pos, pos + length);
      await fs.punchHole(file, pos, length);
      shadowZero(pos, pos + length);
      after(undefined);
    },
    async zeroRange(pos, length) {
      await zeroRange(mapping, pos, length);
      shadowZero(pos, pos + length);
      after(undefined);
    },
    async fsync() {
      await fsyncWithFaults();
      await fs.fsync(file);
      after(undefined);
    },
    async remount() {
      await fsyncWithFaults();
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
