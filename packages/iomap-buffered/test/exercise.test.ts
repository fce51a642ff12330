// The testkit's model-based exerciser driving ExtentMapFs files through the
// page cache: reads, writes, truncates, hole punches, zeroing, fsync and
// remounts, checked against an in-memory model. Cache pressure comes from
// tiny budgets; device latency with jitter reorders completions.
// EXERCISE_SCALE multiplies the operation counts: 1 runs ~45k operations;
// CI runs 4 (~180k operations across the configurations and seeds).
import { describe, expect, it } from 'vitest';
import { exercise, type ExerciseOptions } from '@iomap/testkit';
import { bufferedTarget, type BufferedTargetOptions, type FaultStats } from './support/buffered-target.js';

const scale = Number(process.env['EXERCISE_SCALE'] ?? (process.env['CI'] ? 4 : 1));

const configs: [string, BufferedTargetOptions, number, ExerciseOptions?][] = [
  ['1 KiB blocks, delalloc, 24 KiB cache', { fs: { blockSize: 1024, delalloc: true }, cache: { budget: 24 << 10 }, maxFolioSize: 16 << 10 }, 2500],
  ['4 KiB blocks, large folios, 64 KiB cache', { fs: { blockSize: 4096 }, cache: { budget: 64 << 10 }, maxFolioSize: 32 << 10 }, 2500],
  [
    '4 KiB blocks, unwritten allocation, random placement',
    { fs: { blockSize: 4096, writeAllocation: 'unwritten', allocation: 'random' }, cache: { budget: 48 << 10 }, maxFolioSize: 64 << 10 },
    2500,
  ],
  ['1 KiB blocks, 3 KiB mappings, boundaries', { fs: { blockSize: 1024, maxMappingLength: 3072, boundaryEvery: 4, allocation: 'random' } }, 2500],
  ['2 KiB blocks, inline tails, delalloc', { fs: { blockSize: 2048, inlineCapacity: 2048, delalloc: true }, cache: { budget: 32 << 10 } }, 2500],
  ['8 KiB blocks (bigger than a page)', { fs: { blockSize: 8192 }, cache: { budget: 64 << 10 }, maxFolioSize: 32 << 10 }, 2500],
  [
    '1 KiB blocks, poisoned allocations, 16 KiB cache, device latency',
    {
      fs: { blockSize: 1024, delalloc: true, poison: 0x5a },
      cache: { budget: 16 << 10, dirtyRatio: 0.25 },
      maxFolioSize: 8192,
      faults: [{ kind: 'delay', ms: 0, jitterMs: 1 }],
    },
    300,
  ],
  // Uncached reads (uncached-read.ts): every read of a run with no folio cached goes straight
  // from the device, reads are long and unaligned, the cache holds dirty and clean folios in between.
  [
    'uncached reads, 1 KiB blocks, delalloc, 3 KiB mappings',
    { fs: { blockSize: 1024, delalloc: true, maxMappingLength: 3072, allocation: 'random' }, cache: { budget: 64 << 10, uncachedReadMin: 1 }, maxFolioSize: 16 << 10 },
    2000,
    { maxFileSize: 1 << 20, maxOpLength: 256 << 10 },
  ],
  [
    'uncached reads, 4 KiB blocks, unwritten allocation, 16 KiB minimum, device latency',
    {
      fs: { blockSize: 4096, writeAllocation: 'unwritten', allocation: 'random' },
      cache: { budget: 128 << 10, uncachedReadMin: 16 << 10, maxIoSize: 64 << 10 },
      maxFolioSize: 64 << 10,
      faults: [{ kind: 'delay', ms: 0, jitterMs: 1 }],
    },
    600,
    { maxFileSize: 1 << 20, maxOpLength: 256 << 10 },
  ],
  [
    'uncached reads, 2 KiB blocks, inline tails, delalloc',
    { fs: { blockSize: 2048, inlineCapacity: 2048, delalloc: true }, cache: { budget: 32 << 10, uncachedReadMin: 1 } },
    2000,
    { maxFileSize: 512 << 10, maxOpLength: 128 << 10 },
  ],
  // Injected faults (issue 4): one-shot read EIOs and writeback EIO/torn writes under a tiny
  // cache; reads must fail with EIO or be right, fsync must report each writeback failure once
  // (buffered-target.ts: injectFaults explains how the failed ranges are repaired and checked).
  [
    'injected faults, 1 KiB blocks, delalloc, 16 KiB cache',
    {
      // Poisoned delalloc: writeback allocation writes poison, so injected faults also hit
      // writebackRange (the engine records the error and drops the rest of that folio).
      fs: { blockSize: 1024, delalloc: true, poison: 0x5a },
      cache: { budget: 16 << 10 },
      maxFolioSize: 8192,
      injectFaults: { seed: 5, readChance: 0.3, fsyncChance: 0.6, writeChance: 0.3 },
    },
    2000,
  ],
  [
    'injected faults, 4 KiB blocks, unwritten allocation, large folios, uncached reads, latency',
    {
      fs: { blockSize: 4096, writeAllocation: 'unwritten', allocation: 'random' },
      cache: { budget: 64 << 10, uncachedReadMin: 16 << 10 },
      maxFolioSize: 32 << 10,
      faults: [{ kind: 'delay', ms: 0, jitterMs: 1 }],
      injectFaults: { seed: 9, readChance: 0.3, fsyncChance: 0.6, writeChance: 0.3 },
    },
    600,
    { maxFileSize: 512 << 10, maxOpLength: 128 << 10 },
  ],
];

describe('exerciser through the buffered path', () => {
  for (const [name, options, operations, exerciseOptions] of configs) {
    it(`matches the model: ${name}`, async () => {
      let peak = 0;
      let budget = Infinity;
      let uncached = 0;
      const faults: FaultStats = { readErrors: 0, fsyncErrors: 0, pressureErrors: 0, mapErrors: 0, rewritten: 0 };
      const seeds = [11, 22];
      for (const seed of seeds) {
        const report = await exercise(
          () =>
            bufferedTarget({
              ...options,
              onCache: (cache) => {
                peak = Math.max(peak, cache.stats.peakUsed - cache.budget);
                budget = cache.budget;
                uncached = Math.max(uncached, cache.stats.uncachedRead);
              },
              onFaults: (stats) => {
                faults.readErrors = Math.max(faults.readErrors, stats.readErrors);
                faults.fsyncErrors = Math.max(faults.fsyncErrors, stats.fsyncErrors);
                faults.pressureErrors = Math.max(faults.pressureErrors, stats.pressureErrors);
                faults.mapErrors = Math.max(faults.mapErrors, stats.mapErrors);
              },
            }),
          { ...exerciseOptions, seed, operations: Math.round(operations * scale), shrinkBudget: 50 },
        );
        expect(report.counts.write).toBeGreaterThan(0);
      }
      // The uncached configurations really read past the cache (the others do too, in their whole-file verify reads).
      if (name.startsWith('uncached')) expect(uncached).toBeGreaterThan(0);
      // The fault configurations really failed reads and writebacks (and survived them).
      if (options.injectFaults !== undefined) {
        expect(faults.readErrors).toBeGreaterThan(0);
        expect(faults.fsyncErrors).toBeGreaterThan(0);
        expect(faults.pressureErrors).toBeGreaterThan(0);
        if (options.fs?.poison !== undefined) expect(faults.mapErrors).toBeGreaterThan(0);
      }
      // The budget holds exactly: nothing here is pinned, so nothing forces an overshoot.
      if (budget !== Infinity) expect(peak).toBeLessThanOrEqual(0);
    }, 600_000);
  }
});
