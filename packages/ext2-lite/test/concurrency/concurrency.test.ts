// Concurrency as Node code uses it (issue 7, "Must show"): hundreds of
// fs.promises calls in flight at once — writeFile, appendFile, readFile,
// FileHandle.write, renames of files and directories, unlinks, mkdir,
// rmdir, link, stat — on overlapping names (conc-batch.ts). Every batch
// must finish (a deadline catches deadlocks), every group's results and
// tree must be those of some serial order of its calls, and after
// unmount e2fsck -fn finds nothing and the kernel sees each group's tree.
// The same harness first runs against the host kernel (node:fs/promises on
// a temp dir) to show it accepts what Linux does.
// WORKLOAD_SCALE multiplies the batches.
import { mkdtempSync, rmSync } from 'node:fs';
import * as nodeFsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryBlockDevice } from '@iomap/core';
import { FaultDevice, SeededRandom } from '@iomap/testkit';
import { mount } from '../../src/index.js';
import { fsckProblems, missingE2fsprogs, missingKernelMount, mke2fsBytes, prerequisites, scratch, withKernelMount } from '../workload/host-tools.js';
import { workloadScale } from '../workload/scale.js';
import { writeFileSync } from 'node:fs';
import { HOT, groupScope, observedTree, runBatch, setUpGroup, type BatchFs, type Group } from './conc-batch.js';
import { fingerprint, modelEntries } from './serial-search.js';

const GROUPS = 60;
const CALLS_PER_GROUP = 6;
const BATCHES = Math.max(1, Math.round(5 * workloadScale()));
const DEADLINE_MS = 60_000;

/** A BatchFs over node:fs/promises with every path under `root`. */
function hostFs(root: string): BatchFs {
  const at = (p: string): string => `${root}${p}`;
  const f = nodeFsp;
  return {
    writeFile: (p, d) => f.writeFile(at(p), d),
    appendFile: (p, d) => f.appendFile(at(p), d),
    readFile: async (p) => new Uint8Array(await f.readFile(at(p))),
    rename: (a, b) => f.rename(at(a), at(b)),
    unlink: (p) => f.unlink(at(p)),
    mkdir: (p) => f.mkdir(at(p)),
    rmdir: (p) => f.rmdir(at(p)),
    link: (a, b) => f.link(at(a), at(b)),
    stat: (p) => f.stat(at(p)),
    open: (p, flags) => f.open(at(p), flags),
    readdir: (p) => f.readdir(at(p)),
    lstat: (p) => f.lstat(at(p)),
  };
}

async function runBatches(fsp: BatchFs, seed: number, batches: number): Promise<{ groups: Group[]; calls: number; failed: number }> {
  await fsp.mkdir(HOT);
  const groups: Group[] = [];
  for (let g = 0; g < GROUPS; g++) groups.push(await setUpGroup(fsp, g));
  const rng = new SeededRandom(seed);
  let calls = 0;
  let failed = 0;
  for (let b = 0; b < batches; b++) {
    const report = await runBatch(fsp, groups, rng, CALLS_PER_GROUP, DEADLINE_MS);
    calls += report.calls;
    failed += report.failedCalls;
  }
  for (const g of groups) for (const h of g.handles) await h.close();
  return { groups, calls, failed };
}

describe('concurrency harness against the host kernel (node:fs/promises)', () => {
  it(`${GROUPS} groups x ${CALLS_PER_GROUP} calls in flight, 2 batches: Linux's results have a serial order`, async () => {
    const root = mkdtempSync(join(tmpdir(), 'conc-host-'));
    try {
      const { calls, failed } = await runBatches(hostFs(root), 1, 2);
      expect(calls).toBe(2 * GROUPS * CALLS_PER_GROUP);
      expect(failed).toBeGreaterThan(0);
      expect(failed).toBeLessThan(calls);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 120_000);
});

const tools = prerequisites('ext2 concurrency', [missingE2fsprogs()]);
const kernel = tools && prerequisites('ext2 concurrency (kernel judgement)', [missingKernelMount()]);

describe.skipIf(!tools)('concurrent fs.promises calls on ext2-lite (issue 7)', () => {
  const configs = [
    { name: '1 KiB blocks, 128 KiB cache, device latency with jitter', blockSize: 1024 as const, cacheBytes: 128 << 10, latency: true },
    { name: '4 KiB blocks, default cache', blockSize: 4096 as const, cacheBytes: undefined, latency: false },
  ];
  for (const [i, c] of configs.entries()) {
    it(`${c.name}: ${BATCHES} batches of ${GROUPS * CALLS_PER_GROUP} calls in flight end as some serial order; e2fsck -fn clean; the kernel agrees`, async () => {
      const memory = MemoryBlockDevice.from(mke2fsBytes({ blockSize: c.blockSize, size: 32 << 20 }));
      const device = c.latency ? new FaultDevice(memory, [{ kind: 'delay', ms: 0, jitterMs: 1 }], { seed: 3 }) : memory;
      const fs = await mount(device, { readOnly: false, ...(c.cacheBytes === undefined ? {} : { cacheBytes: c.cacheBytes }) });
      let result;
      try {
        result = await runBatches(fs.promises as unknown as BatchFs, 100 + i, BATCHES);
      } finally {
        await fs.unmount();
      }
      expect(result.calls).toBe(BATCHES * GROUPS * CALLS_PER_GROUP);
      expect(fsckProblems(memory.bytes)).toBeUndefined();
      // A fresh mount and the kernel both see each group's tree as the serial order left it.
      const again = await mount(MemoryBlockDevice.from(memory.bytes), { readOnly: true });
      try {
        for (const g of result.groups) {
          expect(fingerprint(await observedTree(again.promises as unknown as BatchFs, g)), `group ${g.base} after remount`).toBe(fingerprint(modelEntries(g.model, groupScope(g.base))));
        }
      } finally {
        await again.unmount();
      }
      if (kernel) {
        const { dir, cleanup } = scratch('conc-');
        try {
          const img = join(dir, 'image');
          writeFileSync(img, memory.bytes);
          await withKernelMount(img, async (mnt) => {
            const host = hostFs(mnt);
            for (const g of result.groups) {
              expect(fingerprint(await observedTree(host, g)), `group ${g.base} through the kernel`).toBe(fingerprint(modelEntries(g.model, groupScope(g.base))));
            }
          });
        } finally {
          cleanup();
        }
      }
    }, 600_000);
  }
});
