// The testkit's model-based exerciser (fsx-style) on an ext2-lite file
// (issue 7, "Must show"): reads, writes, truncates, fsyncs and remounts
// through fs.promises FileHandles — buffered, O_DIRECT, both mixed on the
// same file, and on a DAX mount — every read compared with the in-memory model, and every
// run ending with e2fsck -fn clean (ext2-exercise-target.ts).
// EXERCISE_SCALE multiplies the operations: 1 runs ~27,000; CI runs 4
// (over 100,000).
import { describe, expect, it } from 'vitest';
import { MemoryBlockDevice } from '@iomap/core';
import { exercise, type ExerciseOptions } from '@iomap/testkit';
import { mkfs } from '../../src/index.js';
import { missingE2fsprogs, mke2fsBytes, prerequisites } from '../workload/host-tools.js';
import { ext2ExerciseTarget, type Ext2ExerciseOptions } from './ext2-exercise-target.js';

const scale = Number(process.env['EXERCISE_SCALE'] ?? (process.env['CI'] ? 4 : 1));
const tools = prerequisites('ext2 exerciser', [missingE2fsprogs()]);

async function mkfsImage(size: number, blockSize: number): Promise<Uint8Array> {
  const device = new MemoryBlockDevice({ size });
  await mkfs(device, { blockSize });
  return device.bytes.slice();
}

interface Config {
  name: string;
  target: () => Promise<Omit<Ext2ExerciseOptions, 'image'> & { image: Uint8Array }>;
  operations: number;
  options: ExerciseOptions;
}

const MiB = 1 << 20;
const CONFIGS: Config[] = [
  {
    name: 'buffered, 1 KiB blocks (through the double-indirect map), 4 MiB cache',
    target: async () => ({ image: mke2fsBytes({ blockSize: 1024, size: 16 * MiB }), direct: false, mountOptions: { cacheBytes: 4 << 20 } }),
    operations: 7000,
    options: { maxFileSize: 640 << 10, maxOpLength: 32 << 10 },
  },
  {
    name: 'O_DIRECT only, 4 KiB blocks (mkfs)',
    target: async () => ({ image: await mkfsImage(16 * MiB, 4096), direct: true }),
    operations: 6000,
    options: { maxFileSize: 1 * MiB, maxOpLength: 64 << 10, directRatio: 1 },
  },
  {
    name: 'mixed buffered and O_DIRECT on one file, 2 KiB blocks, 4 MiB cache',
    target: async () => ({ image: mke2fsBytes({ blockSize: 2048, size: 16 * MiB }), direct: true, mountOptions: { cacheBytes: 4 << 20 } }),
    operations: 7000,
    options: { maxFileSize: 1 * MiB, maxOpLength: 32 << 10, directRatio: 0.5 },
  },
  {
    // DAX mounts need 4 KiB blocks; every read and write copies to and from the device's memory (DAX-n).
    name: 'DAX mount (MemoryBlockDevice memory), 4 KiB blocks, with remounts',
    target: async () => ({ image: await mkfsImage(16 * MiB, 4096), direct: false, mountOptions: { dax: true } }),
    operations: 4000,
    options: { maxFileSize: 1 * MiB, maxOpLength: 64 << 10 },
  },
  {
    name: 'mixed buffered and O_DIRECT, 1 KiB blocks, unaligned buffered I/O',
    target: async () => ({ image: mke2fsBytes({ blockSize: 1024, size: 16 * MiB, inodeSize: 128 }), direct: true }),
    operations: 7000,
    options: { maxFileSize: 512 << 10, maxOpLength: 32 << 10, directRatio: 0.5 },
  },
];

describe.skipIf(!tools)('testkit exerciser on ext2-lite files (issue 7)', () => {
  for (const config of CONFIGS) {
    it(`zero mismatches: ${config.name}`, async () => {
      const base = await config.target();
      const operations = Math.round(config.operations * scale);
      let total = 0;
      for (const seed of [1, 2]) {
        const report = await exercise(() => ext2ExerciseTarget(base), { ...config.options, seed, operations: Math.round(operations / 2), shrinkBudget: 40 });
        total += report.ops.length;
        expect(report.counts.write).toBeGreaterThan(0);
        if (base.direct) expect(report.ops.some((op) => 'direct' in op && op.direct === true)).toBe(true);
      }
      expect(total).toBeGreaterThanOrEqual(operations);
    }, 900_000);
  }
});
