// The seeded random workload on ext2-lite (issue 7, "Must show"), for one
// block size: per seed, a fresh image (mke2fs -t ext2 or ext2-lite's own
// mkfs, 128- or 256-byte inodes), a writable mount, the generated
// operations compared call by call with the model (runner.ts), unmount, and
// then four independent judgements of the result:
//   1. e2fsck -fn exits 0 and prints no problem (EXT2.md 6.2);
//   2. the kernel's loop mount shows exactly the model's tree and bytes;
//   3. debugfs reads the model's xattrs (names, sizes, short values);
//   4. ext2-lite mounted read-only on the final image shows the model's
//      tree, bytes and xattrs.
// A failure names the seed, the configuration and a replay file.
//
// Scale: WORKLOAD_SCALE multiplies the seeds; WORKLOAD_OPS sets operations
// per seed; WORKLOAD_SEED runs one seed; WORKLOAD_REPLAY=<file> replays a
// failure's operations (in the suite of its block size). See README.md.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryBlockDevice } from '@iomap/core';
import { mkfs } from '../../src/index.js';
import { openExt2 } from './ext2-target.js';
import { debugfsXattrs, fsckProblems, missingE2fsprogs, missingKernelMount, mke2fsBytes, prerequisites, scratch, withKernelMount } from './host-tools.js';
import { LOST_AND_FOUND, type FsModel, type ModelNode } from './model/fs-model.js';
import { runWorkload, type ReplayFile, WorkloadFailure } from './runner.js';
import { workloadScale } from './scale.js';
import { diffSnapshots, snapshotHostDir, snapshotModel, snapshotTarget } from './snapshot.js';
import type { WorkloadOp } from './ops.js';

export type BlockSize = 1024 | 2048 | 4096;
type Maker = 'mke2fs' | 'mkfs';

interface SeedConfig {
  blockSize: BlockSize;
  inodeSize: 128 | 256;
  maker: Maker;
  imageBytes: number;
}

const MiB = 1 << 20;

/** Image size and the farthest sparse write per block size (1 KiB reaches the triple-indirect map, 2 and 4 KiB the double). */
const GEOMETRY: Record<BlockSize, { imageBytes: number; farOffset: number }> = {
  1024: { imageBytes: 16 * MiB, farOffset: 70 * MiB },
  2048: { imageBytes: 16 * MiB, farOffset: 4 * MiB },
  4096: { imageBytes: 16 * MiB, farOffset: 8 * MiB },
};

/** The configuration a seed runs with: both makers and both inode sizes take turns. */
export function seedConfig(blockSize: BlockSize, seed: number): SeedConfig {
  return {
    blockSize,
    inodeSize: seed % 2 === 0 ? 256 : 128,
    maker: Math.floor(seed / 2) % 2 === 0 ? 'mke2fs' : 'mkfs',
    imageBytes: GEOMETRY[blockSize].imageBytes,
  };
}

const images = new Map<string, Uint8Array>();

/** A fresh image for the configuration (made once per configuration, copied per seed). */
async function freshImage(c: SeedConfig): Promise<Uint8Array> {
  const key = `${c.blockSize}/${c.inodeSize}/${c.maker}`;
  let image = images.get(key);
  if (image === undefined) {
    if (c.maker === 'mke2fs') {
      image = mke2fsBytes({ blockSize: c.blockSize, inodeSize: c.inodeSize, size: c.imageBytes });
    } else {
      const device = new MemoryBlockDevice({ size: c.imageBytes });
      await mkfs(device, { blockSize: c.blockSize, inodeSize: c.inodeSize });
      image = device.bytes.slice();
    }
    images.set(key, image);
  }
  return image.slice();
}

function describeConfig(c: SeedConfig): string {
  return `${c.blockSize / 1024} KiB blocks, ${c.inodeSize}-byte inodes, ${c.maker}`;
}

/** One path per inode that can carry xattrs (files and directories). */
function xattrPaths(model: FsModel): Map<string, ModelNode> {
  const seen = new Set<ModelNode>();
  const out = new Map<string, ModelNode>();
  for (const [path, node] of model.walkTree()) {
    if (path === '/' || node.kind === 'symlink' || seen.has(node) || path.startsWith(LOST_AND_FOUND)) continue;
    seen.add(node);
    out.set(path, node);
  }
  return out;
}

/** The four judgements of the final image; returns what is wrong (empty when nothing). */
async function judge(image: Uint8Array, model: FsModel, kernel: boolean): Promise<string[]> {
  const { dir, cleanup } = scratch('workload-');
  const problems: string[] = [];
  const marks: [string, number][] = [['start', performance.now()]];
  const mark = (what: string): void => void marks.push([what, performance.now()]);
  try {
    const path = join(dir, 'image');
    writeFileSync(path, image);
    const fsck = fsckProblems(path);
    if (fsck !== undefined) problems.push(fsck);
    mark('fsck');
    const skip = ['lost+found'];
    if (kernel) {
      const seen = await withKernelMount(path, (mnt) => snapshotHostDir(mnt, skip));
      const diff = diffSnapshots(snapshotModel(model, false, skip), seen);
      if (diff.length > 0) problems.push(`the kernel's loop mount differs from the model:\n  ${diff.join('\n  ')}`);
    }
    mark('kernel');
    const nodes = xattrPaths(model);
    const listed = debugfsXattrs(path, [...nodes.keys()]);
    for (const [p, node] of nodes) {
      const got = listed.get(p) ?? new Map();
      const want = [...node.xattrs].sort(([a], [b]) => (a < b ? -1 : 1));
      const gotNames = [...got.keys()].sort();
      if (JSON.stringify(gotNames) !== JSON.stringify(want.map(([n]) => n))) {
        problems.push(`debugfs ea_list ${p}: names ${JSON.stringify(gotNames)}, expected ${JSON.stringify(want.map(([n]) => n))}`);
        continue;
      }
      for (const [name, value] of want) {
        const entry = got.get(name);
        const text = Buffer.from(value).toString('latin1');
        if (entry?.size !== value.length || (entry.value !== undefined && entry.value !== text)) {
          problems.push(`debugfs ea_list ${p}: ${name} is ${JSON.stringify(entry)}, expected ${value.length} bytes "${text}"`);
        }
      }
    }
    mark('debugfs');
    const readBack = await openExt2(MemoryBlockDevice.from(image), {}, true);
    try {
      const diff = diffSnapshots(snapshotModel(model, true, skip), await snapshotTarget(readBack.target, skip));
      if (diff.length > 0) problems.push(`ext2-lite (read-only mount of the final image) differs from the model:\n  ${diff.join('\n  ')}`);
    } finally {
      await readBack.unmount();
    }
  } finally {
    cleanup();
  }
  mark('readback');
  if (profile) console.log(`  judging: ${marks.slice(1).map(([w, t], i) => `${w} ${(t - (marks[i] as [string, number])[1]).toFixed(0)}`).join(', ')}`);
  return problems;
}

interface SeedOutcome {
  ops: number;
  errors: number;
  remounts: number;
}

/** WORKLOAD_PROFILE=1 prints where each seed's time went. */
const profile = process.env['WORKLOAD_PROFILE'] === '1';

async function runSeed(blockSize: BlockSize, seed: number, operations: number, kernel: boolean, replay?: readonly WorkloadOp[]): Promise<SeedOutcome> {
  const t0 = performance.now();
  const config = seedConfig(blockSize, seed);
  const label = `ext2-${blockSize / 1024}k`;
  const context = { ...config };
  const device = MemoryBlockDevice.from(await freshImage(config));
  const session = await openExt2(device);
  let result;
  try {
    result = await runWorkload(session.target, {
      seed,
      operations,
      replay,
      label,
      context,
      lostFound: true,
      settings: {
        blockSize,
        xattrs: true,
        remount: true,
        budgetBytes: Math.floor(config.imageBytes * 0.35),
        farOffset: GEOMETRY[blockSize].farOffset,
        // One huge sparse file in every third seed (reading it back is what costs).
        farWrites: seed % 3 === 0 ? 1 : 0,
      },
    });
  } finally {
    await session.unmount();
  }
  const t1 = performance.now();
  const problems = await judge(device.bytes, result.model, kernel);
  if (profile) {
    const top = Object.entries(result.millis).sort((a, b) => b[1] - a[1]).slice(0, 5).map(([k, v]) => `${k} ${v.toFixed(0)}`);
    console.log(`seed ${seed}: workload ${(t1 - t0).toFixed(0)} ms (${top.join(', ')}), judging ${(performance.now() - t1).toFixed(0)} ms`);
  }
  if (problems.length > 0) {
    throw new WorkloadFailure(seed, result.ops.length, result.ops, `(${describeConfig(config)}) after unmount:\n${problems.join('\n')}`, label, context);
  }
  return { ops: result.ops.length, errors: result.errors, remounts: result.counts.remount ?? 0 };
}

/** Seeds per block size at scale 1 (CI), and operations per seed. */
const CI_SEEDS: Record<BlockSize, number> = { 1024: 90, 2048: 60, 4096: 80 };
const CI_OPERATIONS = 150;

function envInt(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return n;
}

const tools = prerequisites('ext2 random workload', [missingE2fsprogs()]);

/** Defines the workload test for one block size. */
export function defineWorkloadSuite(blockSize: BlockSize): void {
  const kernel = tools && prerequisites('ext2 random workload (kernel loop-mount judgement)', [missingKernelMount()]);
  describe.skipIf(!tools)(`seeded random workload on ${blockSize / 1024} KiB-block images (issue 7, EXT2.md 2-6)`, () => {
    const replayPath = process.env['WORKLOAD_REPLAY'];
    if (replayPath !== undefined && replayPath !== '') {
      const replay = JSON.parse(readFileSync(replayPath, 'utf8')) as ReplayFile;
      it.skipIf(replay.context['blockSize'] !== blockSize)(`replays ${replayPath} (seed ${replay.seed})`, async () => {
        await runSeed(blockSize, replay.seed, replay.ops.length, kernel, replay.ops);
      }, 600_000);
      return;
    }
    const only = envInt('WORKLOAD_SEED');
    const seeds = only !== undefined ? [only] : Array.from({ length: Math.round(CI_SEEDS[blockSize] * workloadScale()) }, (_, i) => blockSize * 1000 + i + 1);
    const operations = envInt('WORKLOAD_OPS') ?? CI_OPERATIONS;
    const totals = { ops: 0, errors: 0, remounts: 0, seeds: 0 };
    // One test per seed: a failing seed does not hide the others.
    for (const seed of seeds) {
      it(`seed ${seed} (${describeConfig(seedConfig(blockSize, seed))}), ${operations} operations: results and error codes as the model says; after unmount e2fsck -fn clean, kernel, debugfs and ext2-lite see the model's tree`, async () => {
        const outcome = await runSeed(blockSize, seed, operations, kernel);
        expect(outcome.ops).toBe(operations);
        totals.ops += outcome.ops;
        totals.errors += outcome.errors;
        totals.remounts += outcome.remounts;
        totals.seeds++;
      }, 300_000);
    }
    it.skipIf(seeds.length < 10)('the seeds together exercised error paths and remounts', () => {
      expect(totals.seeds).toBe(seeds.length);
      expect(totals.errors).toBeGreaterThan(totals.ops * 0.05);
      expect(totals.remounts).toBeGreaterThan(0);
    });
  });
}

