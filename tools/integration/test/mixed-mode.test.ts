// Mixed-mode exerciser runs (issue 5, "Must show"): the same file read and
// written through two engines at random, checked byte for byte against the
// testkit's model after every read and at the end.
//  - buffered + direct: a PageCache AddressSpace and dioRw with iocb.cache set
//    to it, plus truncate, hole punch, zero range, background writeback,
//    fsync and remount — cache coherency is exercised, not assumed;
//  - DAX + direct: daxRw and dioRw on one DAX-mode ExtentMapFs file.
// DAX + page cache is not tested: a DAX file has no page cache by design.
// MIXED_SCALE=10 multiplies the operation counts.
import { describe, expect, it } from 'vitest';
import { exercise, type ExerciseReport } from '@iomap/testkit';
import { bufferedDirectTarget, newBufferedDirectCounts, type BufferedDirectOptions } from './support/buffered-direct-target.js';
import { daxDirectTarget, newDaxDirectCounts } from './support/dax-direct-target.js';

const scale = Number(process.env['MIXED_SCALE'] ?? 1);
const seeds = [1, 2, 3, 4, 5];

function expectBothPaths(report: ExerciseReport): void {
  const direct = report.ops.filter((op) => (op.kind === 'read' || op.kind === 'write') && op.direct === true).length;
  const plain = report.ops.filter((op) => (op.kind === 'read' || op.kind === 'write') && op.direct !== true).length;
  expect(direct).toBeGreaterThan(0);
  expect(plain).toBeGreaterThan(0);
}

const bufferedConfigs: [string, BufferedDirectOptions, number][] = [
  ['4 KiB blocks, 512 B direct alignment, large folios', { fs: { blockSize: 4096, poison: 0xa5 }, cache: { budget: 1 << 20 }, maxFolioSize: 64 << 10 }, 600],
  [
    '4 KiB blocks, block-aligned direct I/O, unwritten allocation',
    { fs: { blockSize: 4096, writeAllocation: 'unwritten', allocation: 'random', seed: 9, poison: 0x5a }, directAlignment: 4096, maxFolioSize: 16 << 10 },
    600,
  ],
  ['1 KiB blocks, fragmented 2-block mappings', { fs: { blockSize: 1024, allocation: 'fragmented', maxMappingLength: 2048, poison: 0x33 } }, 600],
  ['1 KiB blocks, delalloc buffered writes', { fs: { blockSize: 1024, delalloc: true, poison: 0x77 }, maxFolioSize: 8192 }, 600],
  [
    'tiny 16 KiB cache budget (eviction and dirty throttling between engines)',
    { fs: { blockSize: 1024, poison: 0x5a }, cache: { budget: 16 << 10, dirtyRatio: 0.25 }, maxFolioSize: 8192, writebackEvery: 3 },
    600,
  ],
];

describe('buffered and direct I/O on the same file', () => {
  for (const [name, options, operations] of bufferedConfigs) {
    it(`agrees with the model: ${name}`, async () => {
      const counts = newBufferedDirectCounts();
      for (const seed of seeds) {
        const report = await exercise(() => bufferedDirectTarget(options, counts), {
          seed,
          operations: Math.round(operations * scale),
          maxFileSize: 256 << 10,
          maxOpLength: 48 << 10,
          directRatio: 0.5,
          shrinkBudget: 200,
        });
        expectBothPaths(report);
      }
      expect(counts.bufferedWrites).toBeGreaterThan(0);
      expect(counts.directWrites).toBeGreaterThan(0);
      expect(counts.bufferedReads).toBeGreaterThan(0);
      expect(counts.directReads).toBeGreaterThan(0);
      expect(counts.writebackPasses).toBeGreaterThan(0);
    }, 60_000);
  }
});

describe('the exerciser notices incoherence (negative control)', () => {
  it('fails when direct I/O is not told about the page cache', async () => {
    const run = exercise(() => bufferedDirectTarget({ fs: { blockSize: 4096 }, withoutCoherency: true }), {
      seed: 1,
      operations: 600,
      maxFileSize: 256 << 10,
      maxOpLength: 48 << 10,
      directRatio: 0.5,
      shrinkBudget: 0,
    });
    await expect(run).rejects.toThrow(/exercise\(\) failed/);
  });
});

describe('DAX and direct I/O on the same file', () => {
  it.each(seeds)('agrees with the model, seed %i', async (seed) => {
    const counts = newDaxDirectCounts();
    const report = await exercise(() => daxDirectTarget({ extendSizeOnEnd: false, allocation: 'random', seed: 3 }, counts), {
      seed,
      operations: Math.round(500 * scale),
      maxFileSize: 192 << 10,
      maxOpLength: 32 << 10,
      directRatio: 0.5,
      shrinkBudget: 200,
    });
    expectBothPaths(report);
    expect(counts.daxWrites).toBeGreaterThan(0);
    expect(counts.directWrites).toBeGreaterThan(0);
  });

  it('agrees with the model with unwritten allocations converted at direct completion', async () => {
    for (const seed of [11, 12, 13]) {
      const report = await exercise(() => daxDirectTarget({ extendSizeOnEnd: false, writeAllocation: 'unwritten' }), {
        seed,
        operations: Math.round(400 * scale),
        maxFileSize: 128 << 10,
        maxOpLength: 24 << 10,
        directRatio: 0.5,
        shrinkBudget: 200,
      });
      expectBothPaths(report);
    }
  });
});
