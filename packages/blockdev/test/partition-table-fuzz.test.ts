// Garbage in: mutated and random tables never crash, hang or read outside
// the device; the result is a table whose partitions lie on the device, or
// EUCLEAN / ENXIO.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MemoryBlockDevice, isFsError } from '@iomap/core';
import { readPartitionTable } from '../src/index.js';
import { buildGptDisk, fixArrayCrc, fixHeaderCrc } from './helpers/gpt-builder.js';
import { buildMbrDisk } from './helpers/mbr-builder.js';
import { RecordingDevice } from './helpers/recording-device.js';

const mbrDisk = buildMbrDisk();
const gpt512 = buildGptDisk(512);
const gpt4096 = buildGptDisk(4096);

interface Mutation {
  at: number;
  value: number;
}

async function checkSurvives(disk: Uint8Array): Promise<void> {
  // A device over `disk` itself (no copy): the mutated images are 8 MiB.
  const dev = new RecordingDevice(new MemoryBlockDevice({ buffer: disk.buffer as ArrayBuffer, size: disk.length }));
  try {
    const table = await readPartitionTable(dev);
    for (const p of table.partitions) {
      expect(p.start).toBeGreaterThanOrEqual(0);
      expect(p.start + p.size).toBeLessThanOrEqual(disk.length);
    }
  } catch (err) {
    if (!isFsError(err) || (err.code !== 'EUCLEAN' && err.code !== 'ENXIO')) throw err;
  }
  expect(dev.outOfRange()).toEqual([]);
  expect(dev.neverWritten).toBe(true);
}

/**
 * Runs `body` on `disk` with `mutations` applied inside `regions` (pairs of
 * start and length), then restores every region, so the shared image is
 * reused without copying it.
 */
async function withMutations(
  disk: Uint8Array,
  regions: readonly (readonly [number, number])[],
  mutations: readonly Mutation[],
  body: () => Promise<void>,
): Promise<void> {
  const saved = regions.map(([start, length]) => disk.slice(start, start + length));
  try {
    for (const m of mutations) {
      const [start, length] = regions[m.at % regions.length]!;
      disk[start + (Math.floor(m.at / regions.length) % length)] = m.value;
    }
    await body();
  } finally {
    regions.forEach(([start], i) => disk.set(saved[i]!, start));
  }
}

const mutations = fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 12 });

describe('readPartitionTable on garbage', () => {
  it('survives mutated MBRs and EBRs (property)', async () => {
    const regions = [[0, 512], [446, 64], [4096 * 512 + 446, 64], [8192 * 512 + 446, 64], [11264 * 512 + 446, 66]] as const;
    await fc.assert(
      fc.asyncProperty(mutations, async (ms) => withMutations(mbrDisk, regions, ms, () => checkSurvives(mbrDisk))),
      { numRuns: 300 },
    );
  });

  it('survives mutated GPT headers and entry arrays, with and without fixed-up CRCs (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(gpt512, gpt4096), mutations, fc.boolean(), async (gpt, ms, fixCrcs) => {
        const { layout } = gpt;
        const regions = [
          [0, 512],
          [layout.primaryHeaderByte, 92],
          [layout.primaryArrayByte, 512],
          [layout.backupHeaderByte, 92],
          [layout.backupArrayByte, 512],
        ] as const;
        // Mutations land in the first 92 or 512 bytes of each structure; restoring covers the whole structures.
        const restore = [
          [0, 512],
          [layout.primaryHeaderByte, 92],
          [layout.primaryArrayByte, layout.arrayBytes],
          [layout.backupHeaderByte, 92],
          [layout.backupArrayByte, layout.arrayBytes],
        ] as const;
        const disk = gpt.disk;
        const saved = restore.map(([start, length]) => disk.slice(start, start + length));
        await withMutations(disk, regions, ms, async () => {
          if (fixCrcs) {
            fixArrayCrc(disk, layout.primaryHeaderByte, layout.primaryArrayByte, layout.arrayBytes);
            fixArrayCrc(disk, layout.backupHeaderByte, layout.backupArrayByte, layout.arrayBytes);
            fixHeaderCrc(disk, layout.primaryHeaderByte);
          }
          await checkSurvives(disk);
        }).finally(() => restore.forEach(([start], i) => disk.set(saved[i]!, start)));
      }),
      { numRuns: 300 },
    );
  });

  it('survives random first sectors on small devices (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 512, maxLength: 512 }),
        fc.integer({ min: 512, max: 64 * 1024 }),
        fc.boolean(),
        async (sector, size, signed) => {
          const disk = new Uint8Array(size);
          disk.set(sector);
          if (signed) disk.set([0x55, 0xaa], 510);
          await checkSurvives(disk);
        },
      ),
      { numRuns: 300 },
    );
  });
});
