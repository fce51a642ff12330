// An ExerciseTarget that drives one ExtentMapFs file through the page cache:
// the glue a filesystem writes around @iomap/buffered for read, write,
// truncate, punch, zero, fsync and remount.
import type { FaultRule, FaultRuleHandle } from '@iomap/testkit';
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
   * - `readChance`: a read op arms a one-shot read EIO (after 0-2 device
   *   reads): the read must fail with EIO or return correct data; after EIO
   *   it is retried without faults, so a failed read that left bad data
   *   marked uptodate in the cache shows as a mismatch.
   * - `fsyncChance`: an fsync (also the one of a remount) arms a one-shot EIO
   *   or torn write of writeback: fsync must report it (exactly once, BUF-35).
   * - `writeChance`: a write op arms the same during the writeback that cache
   *   pressure and dirty throttling start inside it. When it fired,
   *   `writeAndWaitRange` right after the op must throw it (AS_EIO) and the
   *   next fsync must still report it (errseq) — once.
   * After a failure the data of the failed ioends (and, when allocation's
   * poison write failed, the rest of that folio) is unspecified, so the
   * target rewrites exactly those file ranges from its shadow copy at once;
   * everything else, and the rewritten bytes, are checked by the model. A
   * rule fires on the operation it was armed for only: it is removed when
   * the operation returns, also for I/O still in flight.
   * Write faults need a filesystem whose `iomapBegin` never writes to the
   * device (delalloc, or no `poison`): a failed allocation there is a failed
   * write(2), not a writeback error.
   */
  injectFaults?: { seed: number; readChance: number; fsyncChance: number; writeChance?: number };
  /** Observe the fault counts (after each operation). */
  onFaults?: (stats: FaultStats) => void;
}

export interface FaultStats {
  /** Reads that failed with EIO (then retried). */
  readErrors: number;
  /** fsyncs that reported a writeback error. */
  fsyncErrors: number;
  /** Writeback faults that fired during write ops (cache pressure, throttling). */
  pressureErrors: number;
  /** Failed writeback allocations (writebackRange threw). */
  mapErrors: number;
  /** File bytes rewritten after a writeback error. */
  rewritten: number;
}

/** Builds a fresh target: a new filesystem, cache and file. */
export async function bufferedTarget(options: BufferedTargetOptions = {}): Promise<ExerciseTarget & { cache: PageCache }> {
  const memory = new MemoryBlockDevice({ size: options.deviceSize ?? 16 << 20 });
  const device = new FaultDevice(memory, options.faults ?? [], { seed: 7 });
  const fs = new ExtentMapFs({ ...options.fs, device });
  const file: ExtentMapInode = await fs.create('x');
  const cache = new PageCache(options.cache);
  const writebackOps = fs.writebackOps({ record: true });
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
  const inject = options.injectFaults;
  const rng = new SeededRandom(inject?.seed ?? 1);
  const stats: FaultStats = { readErrors: 0, fsyncErrors: 0, pressureErrors: 0, mapErrors: 0, rewritten: 0 };
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
  /** A writeback fault fired and no fsync has reported it yet. */
  let owed = false;
  /** A write op's writeback failed: rewrite the failed ranges once the shadow has the op's bytes. */
  let repairPending = false;
  /** How far the recorded writeback calls and completions have been checked for failures. */
  let seenCalls = 0;
  let seenCompletions = 0;
  const folioBytes = Math.max(options.maxFolioSize ?? 0, fs.blockSize, 4096);

  const armWriteFault = (): FaultRuleHandle =>
    device.addRule({ kind: rng.chance(0.5) ? 'error' : 'torn', ops: ['write'], after: rng.int(0, 3), times: 1 });

  /** BUF-35: the data of failed writeback is unspecified now; rewrite exactly those ranges from the shadow. */
  const rewriteFailed = async (): Promise<void> => {
    const ranges: [number, number][] = [];
    const bs = fs.blockSize;
    for (const io of writebackOps.completions.slice(seenCompletions)) {
      // The device write covered whole blocks: its size is clamped to EOF, but the bytes past
      // EOF in the last block are lost too, and an extending write may have brought them inside.
      if (io.error !== undefined) ranges.push([io.offset, Math.ceil((io.offset + io.size) / bs) * bs]);
    }
    for (const call of writebackOps.calls.slice(seenCalls)) {
      if (call.error === undefined) continue;
      // The engine drops the rest of that folio's dirty data; folios are aligned to their size.
      stats.mapErrors++;
      ranges.push([call.pos, (Math.floor(call.pos / folioBytes) + 1) * folioBytes]);
    }
    seenCompletions = writebackOps.completions.length;
    seenCalls = writebackOps.calls.length;
    for (const [from, to] of ranges) {
      const end = Math.min(to, shadowSize);
      if (end <= from) continue;
      const n = await bufferedWrite(mapping, from, shadow.slice(from, end));
      if (n !== end - from) throw new FsError('EIO', `short rewrite ${n}`);
      stats.rewritten += n;
    }
  };

  /** fsync that may see an injected writeback fault, and must report it — or an owed one — exactly once. */
  const fsyncWithFaults = async (): Promise<void> => {
    const rule = inject !== undefined && rng.chance(inject.fsyncChance) ? armWriteFault() : undefined;
    let reported = false;
    try {
      await mapping.fsync(cursor);
    } catch (err) {
      if (!isFsError(err) || err.code !== 'EIO') throw err;
      reported = true;
    } finally {
      rule?.remove();
    }
    const expected = owed || (rule?.fired ?? 0) > 0;
    if (expected !== reported) {
      throw new FsError('EIO', `writeback fault fired (or owed from a write): ${expected}, fsync reported an error: ${reported}`);
    }
    if (!reported) return;
    owed = false;
    stats.fsyncErrors++;
    await rewriteFailed();
    await mapping.fsync(cursor); // the error was reported once: this one must succeed
  };

  /** A write op whose pressure/throttling writeback may see an injected fault. */
  const writeWithFaults = async (pos: number, data: Uint8Array): Promise<number> => {
    if (inject?.writeChance === undefined || !rng.chance(inject.writeChance)) return bufferedWrite(mapping, pos, data);
    const rule = armWriteFault();
    let n: number;
    try {
      n = await bufferedWrite(mapping, pos, data);
    } finally {
      rule.remove();
    }
    if (rule.fired === 0) return n;
    // Wait for the failed ioends' completion: the error must show through writeAndWaitRange (AS_EIO) ...
    let thrown: unknown;
    await mapping.writeAndWaitRange(0, Number.MAX_SAFE_INTEGER).catch((err: unknown) => (thrown = err));
    if (!isFsError(thrown) || thrown.code !== 'EIO') {
      throw new FsError('EIO', `a writeback fault fired during a write, but writeAndWaitRange gave ${String(thrown)}`);
    }
    stats.pressureErrors++;
    owed = true; // ... and through the next fsync (errseq)
    repairPending = true;
    return n;
  };

  /** Checks after every operation. Background writeback may still be allocating: verify between its steps. */
  const after = async <T>(value: T): Promise<T> => {
    if (mapping.size !== file.size) throw new FsError('EIO', `cache size ${mapping.size} != fs size ${file.size}`);
    await fs.verifyWhenIdle();
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
        const rule = device.addRule({ kind: 'error', ops: ['read'], after: rng.int(0, 3), times: 1 });
        try {
          const n = await bufferedRead(mapping, pos, buf);
          return await after(buf.subarray(0, n)); // not affected (or only background readahead was)
        } catch (err) {
          if (!isFsError(err) || err.code !== 'EIO') throw err;
          stats.readErrors++;
          buf.fill(0xa5); // nothing of a failed read counts; read again without faults
        } finally {
          rule.remove();
        }
      }
      const n = await bufferedRead(mapping, pos, buf);
      return after(buf.subarray(0, n));
    },
    async write(pos, data) {
      const n = await writeWithFaults(pos, data);
      if (n !== data.length) throw new FsError('EIO', `short write ${n} of ${data.length}`);
      shadowRoom(pos + n);
      shadow.set(data.subarray(0, n), pos);
      shadowSize = Math.max(shadowSize, pos + n);
      if (repairPending) {
        repairPending = false;
        await rewriteFailed(); // before any read can see the failed ranges
      }
      await after(undefined);
    },
    async truncate(size) {
      if (size < mapping.size) await truncatePage(mapping, size);
      await mapping.truncate(size);
      await fs.truncate(file, size);
      shadowRoom(size);
      if (size < shadowSize) shadow.fill(0, size, shadowSize);
      shadowSize = size;
      await after(undefined);
    },
    async size() {
      return mapping.size;
    },
    async punchHole(pos, length) {
      await mapping.writeAndWaitRange(pos, pos + length);
      await truncatePagecacheRange(mapping, pos, pos + length);
      await fs.punchHole(file, pos, length);
      shadowZero(pos, pos + length);
      await after(undefined);
    },
    async zeroRange(pos, length) {
      await zeroRange(mapping, pos, length);
      shadowZero(pos, pos + length);
      await after(undefined);
    },
    async fsync() {
      await fsyncWithFaults();
      await fs.fsync(file);
      await after(undefined);
    },
    async remount() {
      await fsyncWithFaults();
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
