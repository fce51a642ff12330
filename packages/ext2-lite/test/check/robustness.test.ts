// Garbage in, a report out: check() on random devices, on images with random
// bytes of metadata overwritten, and on crafted block maps that would make a
// naive walker loop, never throws anything but EUCLEAN/EOPNOTSUPP for an
// unusable superblock, never writes, never reads outside the device, and
// finishes quickly. On byte-mutated images it also agrees with e2fsck -fn.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FsError, MemoryBlockDevice } from '@iomap/core';
import { FaultDevice } from '@iomap/testkit';
import { check, type CheckReport } from '../../src/index.js';
import { debugfs, debugfsQuery, describe as dump, e2fsck, haveE2fsprogs, mkfs, rng, scratchDir, SPECIAL_FILES, writeTree } from './support.js';

const MUTATION_SEEDS = Number(process.env.CHECK_MUTATION_SEEDS ?? 60);
const AGREEMENT_SEEDS = Number(process.env.CHECK_AGREEMENT_SEEDS ?? 16);

/** Runs check() on bytes; returns the report, or the FsError code it threw. */
async function checkBytes(bytes: Uint8Array): Promise<{ report?: CheckReport; code?: string; device: FaultDevice }> {
  const device = new FaultDevice(new MemoryBlockDevice({ buffer: bytes.slice().buffer }), []);
  try {
    return { report: await check(device, { maxProblems: 50 }), device };
  } catch (err) {
    if (!(err instanceof FsError)) throw err;
    return { code: err.code, device };
  }
}

function expectWellBehaved(result: Awaited<ReturnType<typeof checkBytes>>, context: string): void {
  if (result.code !== undefined) expect(['EUCLEAN', 'EOPNOTSUPP'], context).toContain(result.code);
  expect(result.device.counters.writes, context).toBe(0);
  result.device.assertNoViolations();
}

describe('check() on garbage devices', () => {
  it('random bytes, zeros and a lone valid magic never crash it', async () => {
    const r = rng(1);
    for (let i = 0; i < 20; i++) {
      const bytes = Uint8Array.from({ length: 65536 * (1 + (i % 4)) }, () => Math.floor(r() * 256));
      if (i % 2 === 0) bytes.set([0x53, 0xef], 1024 + 0x38);
      expectWellBehaved(await checkBytes(bytes), `garbage ${i}`);
    }
    expect((await checkBytes(new Uint8Array(1 << 20))).code).toBe('EUCLEAN');
    expect((await checkBytes(new Uint8Array(1500))).code).toBe('EUCLEAN');
  });
});

const suite = haveE2fsprogs('ext2-lite check: robustness') ? describe : describe.skip;

suite('check() on damaged images', () => {
  let scratch: ReturnType<typeof scratchDir>;
  const bases: Array<{ bytes: Uint8Array; bs: number; regions: Array<[number, number]> }> = [];

  beforeAll(() => {
    scratch = scratchDir('ext2-check-robust-');
    const tree = writeTree(join(scratch.dir, 'tree'), 3, 8);
    for (const bs of [1024, 4096]) {
      const img = mkfs(join(scratch.dir, `base-${bs}.img`), ['-b', String(bs), '-d', tree], '16M');
      debugfs(img, SPECIAL_FILES);
      const stats = debugfsQuery(img, 'stats');
      const g0 = /Group\s+0: block bitmap at (\d+), inode bitmap at (\d+), inode table at (\d+)/.exec(stats);
      const [bb, ib, it] = [Number(g0?.[1]), Number(g0?.[2]), Number(g0?.[3])];
      const dirs = ['/', 'dir0', 'dir1', 'dir0/sub', 'lost+found'].map((d) => Number(debugfsQuery(img, `bmap ${d} 0`).trim()));
      const ind = Number(debugfsQuery(img, 'bmap dir0/file6 12').trim());
      const regions: Array<[number, number]> = [
        [1024, 1024],
        [(bs === 1024 ? 2 : 1) * bs, 64],
        [bb * bs, bs],
        [ib * bs, bs],
        [it * bs, 48 * 256],
        [it * bs, 48 * 256],
        ...dirs.map((b): [number, number] => [b * bs, bs]),
        ...(ind > 0 ? [[ind * bs, bs] as [number, number]] : []),
      ];
      bases.push({ bytes: new Uint8Array(readFileSync(img)), bs, regions });
    }
  }, 60_000);
  afterAll(() => scratch.cleanup());

  /** A copy of a base image with a few bytes of one metadata region overwritten. */
  function mutate(seed: number): Uint8Array {
    const r = rng(seed);
    const base = bases[seed % bases.length] as (typeof bases)[number];
    const bytes = base.bytes.slice();
    const [at, length] = base.regions[Math.floor(r() * base.regions.length)] as [number, number];
    const n = [1, 2, 4, 16, 64][Math.floor(r() * 5)] as number;
    for (let i = 0; i < n; i++) {
      const p = at + Math.floor(r() * length);
      bytes[p] = [0, 0xff, Math.floor(r() * 256), (bytes[p] as number) ^ (1 << Math.floor(r() * 8))][Math.floor(r() * 4)] as number;
    }
    return bytes;
  }

  it(`${MUTATION_SEEDS} images with random metadata bytes overwritten: a report every time, no writes, bounded time`, async () => {
    for (let seed = 1; seed <= MUTATION_SEEDS; seed++) {
      const start = performance.now();
      const result = await checkBytes(mutate(seed));
      expectWellBehaved(result, `seed ${seed}`);
      expect(performance.now() - start, `seed ${seed}`).toBeLessThan(5000);
    }
  }, 120_000);

  it(`${AGREEMENT_SEEDS} of them agree with e2fsck -fn on clean vs not clean`, async () => {
    for (let seed = 1; seed <= AGREEMENT_SEEDS; seed++) {
      const bytes = mutate(seed);
      const img = join(scratch.dir, 'mutated.img');
      writeFileSync(img, bytes);
      const oracle = e2fsck(img);
      const result = await checkBytes(bytes);
      const clean = result.report?.clean ?? false;
      const context = `seed ${seed}: e2fsck exit ${oracle.status}\n${oracle.output}\n${result.report === undefined ? result.code : dump(result.report)}`;
      expect(clean, context).toBe(oracle.status === 0);
    }
  }, 120_000);

  it('block maps built to loop (an indirect block pointing at itself, a DIND full of one IND) end quickly', async () => {
    const base = bases[0] as (typeof bases)[number];
    const img = join(scratch.dir, 'loops.img');
    writeFileSync(img, base.bytes);
    const free = Number(/(\d+)/.exec(debugfsQuery(img, 'ffb 2 2000'))?.[1]);
    const selfRef = free;
    const fan = free + 1;
    debugfs(img, [`sif dir0/file0 block[IND] ${selfRef}`, `sif dir0/file1 block[DIND] ${fan}`, `sif dir0/file2 block[TIND] ${fan}`]);
    const bytes = new Uint8Array(readFileSync(img));
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < base.bs / 4; i++) {
      view.setUint32(selfRef * base.bs + 4 * i, selfRef, true);
      view.setUint32(fan * base.bs + 4 * i, selfRef, true);
    }
    writeFileSync(img, bytes);
    const start = performance.now();
    const result = await checkBytes(bytes);
    expectWellBehaved(result, 'loops');
    expect(performance.now() - start).toBeLessThan(5000);
    expect(result.report?.clean).toBe(false);
    expect(result.report?.problems.map((p) => p.code)).toContain('MULTIPLY_CLAIMED_BLOCKS');
    expect(e2fsck(img).status).not.toBe(0);
  });
});
