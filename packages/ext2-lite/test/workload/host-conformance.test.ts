// The workload's model against the real thing: the same seeded operations
// run on a host directory through node:fs/promises (the Linux kernel, as
// root) and on the model; every result and error code must agree, and the
// final tree walked with node:fs must equal the model's. This is what makes
// the model a trustworthy oracle for ext2-lite (ext2-workload.test.ts).
// No xattrs here (node:fs has no setxattr); remounts are no-ops.
import { mkdtempSync, rmSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runWorkload } from './runner.js';
import { diffSnapshots, snapshotHostDir, snapshotModel } from './snapshot.js';
import { fsPromisesTarget, type NodeLikeFsPromises } from './target.js';
import { workloadScale } from './scale.js';

const SEEDS = Math.max(4, Math.round(12 * workloadScale()));
const OPERATIONS = 400;

describe('workload model agrees with Linux (node:fs/promises on a host directory)', () => {
  it(`${SEEDS} seeds x ${OPERATIONS} operations: same results, same error codes, same final tree`, async () => {
    let errors = 0;
    let total = 0;
    const kinds = new Set<string>();
    for (let seed = 1; seed <= SEEDS; seed++) {
      const dir = mkdtempSync(join(tmpdir(), 'workload-host-'));
      try {
        const target = fsPromisesTarget(fsp as unknown as NodeLikeFsPromises, { name: 'host', root: dir, umask: process.umask() });
        const result = await runWorkload(target, {
          seed,
          operations: OPERATIONS,
          settings: { blockSize: 4096, xattrs: false, remount: false, budgetBytes: 16 << 20, farOffset: 8 << 20 },
          label: 'host',
        });
        const diff = diffSnapshots(snapshotModel(result.model, false), snapshotHostDir(dir));
        expect(diff, `seed ${seed}: final tree differs from the model`).toEqual([]);
        errors += result.errors;
        total += result.ops.length;
        for (const k of Object.keys(result.counts)) kinds.add(k);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    // The run is meaningful: most operation kinds ran, and a good share ended in errors the model predicted.
    expect(kinds.size).toBeGreaterThanOrEqual(24);
    expect(errors).toBeGreaterThan(total * 0.1);
    expect(errors).toBeLessThan(total * 0.6);
  }, 120_000);
});
