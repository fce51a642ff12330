// The testkit's model-based exerciser through the DAX paths (DAX-1 … DAX-7,
// DAX-10, DAX-11): daxRw and mapped views alternating on one file, with
// zeroing, truncate, hole punch and sync, checked against the model.
import { describe, expect, it } from 'vitest';
import { exercise } from '@iomap/testkit';
import { daxTarget, type DaxTargetCounts } from './support/dax-target.js';

describe('exerciser through DAX (DAX-1, DAX-2, DAX-3, DAX-5, DAX-7)', () => {
  it.each([1, 2, 3, 4, 5, 6])('agrees with the model, seed %i', async (seed) => {
    const counts: DaxTargetCounts = { rw: 0, mapped: 0 };
    const report = await exercise(() => daxTarget(counts), { seed, operations: 400, maxFileSize: 128 * 1024, maxOpLength: 24 * 1024 });
    expect(report.counts.write).toBeGreaterThan(0);
    expect(report.counts.read).toBeGreaterThan(0);
    expect(counts.rw).toBeGreaterThan(0);
    expect(counts.mapped).toBeGreaterThan(0);
  });
});
