// The exerciser: passes on a correct ExtentMapFs for several seeds and
// configurations, replays exactly from a seed, and finds a planted bug —
// reporting the seed, the failing op, a diff and a shrunk replay.
import { describe, expect, it } from 'vitest';
import { FsError } from '@iomap/core';
import {
  ExerciseFailure,
  ExtentMapFs,
  SeededRandom,
  exercise,
  extentMapFsTarget,
  type ExerciseOp,
  type ExerciseTarget,
  type ExtentMapFsOptions,
} from '../src/index.js';

const KB = 1024;
const base: ExtentMapFsOptions = { deviceSize: 1024 * KB, blockSize: KB };
const factory = (options: ExtentMapFsOptions = {}) => () => extentMapFsTarget(new ExtentMapFs({ ...base, ...options }));
const quick = { operations: 250, maxFileSize: 48 * KB, maxOpLength: 12 * KB };

/** A correct target that drops the last byte of every overwrite of more than one byte. */
function droppingLastByte(make: () => Promise<ExerciseTarget>): () => Promise<ExerciseTarget> {
  return async () => {
    const inner = await make();
    return {
      ...inner,
      async write(pos, data) {
        const size = await inner.size();
        const overwrite = data.length > 1 && pos + data.length <= size;
        await inner.write(pos, overwrite ? data.subarray(0, data.length - 1) : data);
      },
    };
  };
}

async function failureOf(run: Promise<unknown>): Promise<ExerciseFailure> {
  const err = await run.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ExerciseFailure);
  return err as ExerciseFailure;
}

describe('exercise() on ExtentMapFs', () => {
  const configs: [string, ExtentMapFsOptions][] = [
    ['contiguous, unlimited mappings', {}],
    ['delalloc, fragmented, 1-block mappings', { delalloc: true, allocation: 'fragmented', maxMappingLength: KB }],
    ['unwritten allocations, reverse, boundaries', { writeAllocation: 'unwritten', allocation: 'reverse', boundaryEvery: 4 }],
    ['inline files, random allocation, poison', { inlineCapacity: 3000, allocation: 'random', seed: 3, poison: 0xa7 }],
  ];
  for (const [name, options] of configs) {
    it(`passes with ${name} for several seeds`, async () => {
      for (const seed of [1, 2, 3]) {
        const report = await exercise(factory(options), { ...quick, seed });
        expect(report.seed).toBe(seed);
        expect(report.ops.at(-1)).toEqual({ kind: 'verify' });
        expect(report.counts.write).toBeGreaterThan(20);
        expect(report.counts.read).toBeGreaterThan(20);
      }
    });
  }

  it('generates every supported operation, buffered and direct', async () => {
    const report = await exercise(factory(), { ...quick, operations: 400, seed: 11 });
    for (const kind of ['read', 'write', 'truncate', 'punch', 'zero', 'fsync', 'remount', 'verify'] as const) {
      expect(report.counts[kind], kind).toBeGreaterThan(0);
    }
    const direct = report.ops.filter((op) => 'direct' in op && op.direct);
    expect(direct.length).toBeGreaterThan(20);
    expect(direct.every((op) => 'pos' in op && op.pos % 512 === 0 && op.length % 512 === 0)).toBe(true);
  });

  it('replays exactly from a seed', async () => {
    const a = await exercise(factory(), { ...quick, seed: 99 });
    const b = await exercise(factory(), { ...quick, seed: 99 });
    const c = await exercise(factory(), { ...quick, seed: 100 });
    expect(b.ops).toEqual(a.ops);
    expect(c.ops).not.toEqual(a.ops);
    const replayed = await exercise(factory(), { replay: a.ops });
    expect(replayed.ops).toEqual(a.ops);
    expect(replayed.finalSize).toBe(a.finalSize);
  });

  it('never generates operations the target lacks', async () => {
    const fs = new ExtentMapFs(base);
    const full = await extentMapFsTarget(fs, { direct: false });
    const minimal: ExerciseTarget = {
      read: full.read,
      write: full.write,
      truncate: full.truncate,
      size: full.size,
    };
    const report = await exercise(minimal, { ...quick, seed: 4 });
    expect([report.counts.punch, report.counts.zero, report.counts.fsync, report.counts.remount]).toEqual([0, 0, 0, 0]);
    expect(report.ops.some((op) => 'direct' in op)).toBe(false);
  });
});

describe('exercise() finds a planted bug', () => {
  it('reports the seed, the failing op, a diff and a shrunk replay, and the seed reproduces it', async () => {
    const broken = droppingLastByte(factory());
    const failure = await failureOf(exercise(broken, { ...quick, seed: 1234 }));
    expect(failure.seed).toBe(1234);
    expect(failure.kind).toBe('data');
    expect(failure.message).toContain('seed 1234');
    expect(failure.message).toContain(`op #${failure.opIndex}`);
    expect(failure.message).toMatch(/first difference at file offset \d+/);
    expect(failure.message).toMatch(/expected: [0-9a-f]{2}/);
    expect(failure.message).toContain('minimal replay');
    expect(failure.diff?.differing).toBeGreaterThan(0);
    expect(failure.replay).toHaveLength(failure.opIndex + 1);
    expect(failure.shrunk!.length).toBeLessThan(failure.replay.length);
    expect(failure.shrunk!.length).toBeLessThanOrEqual(4);

    const again = await failureOf(exercise(broken, { ...quick, seed: 1234 }));
    expect(again.opIndex).toBe(failure.opIndex);
    expect(again.message).toBe(failure.message);

    const shrunk = await failureOf(exercise(broken, { replay: failure.shrunk!, shrinkBudget: 0 }));
    expect(shrunk.kind).toBe('data');
    expect(shrunk.opIndex).toBe(failure.shrunk!.length - 1);
    await expect(exercise(factory(), { replay: failure.shrunk! })).resolves.toBeDefined();
  });

  it('prints the whole replay when it cannot shrink (a target object, not a factory)', async () => {
    const target = await droppingLastByte(factory())();
    const failure = await failureOf(exercise(target, { ...quick, seed: 77 }));
    expect(failure.shrunk).toBeUndefined();
    expect(failure.message).toContain(`replay (${failure.opIndex + 1} ops)`);
    const lines = failure.message.split('\n').filter((l) => l.trim().startsWith('{'));
    const parsed = lines.map((l) => JSON.parse(l.trim().replace(/,$/, '')) as ExerciseOp);
    expect(parsed).toEqual(failure.replay);
  });

  it('reports a wrong size and a target error as failures', async () => {
    const lying = async (): Promise<ExerciseTarget> => {
      const inner = await factory()();
      return { ...inner, size: async () => (await inner.size()) + 1 };
    };
    expect((await failureOf(exercise(lying, { ...quick, seed: 5 }))).kind).toBe('size');
    const failing = async (): Promise<ExerciseTarget> => {
      const inner = await factory()();
      let n = 0;
      return {
        ...inner,
        truncate: async (size) => {
          if (++n === 3) throw new FsError('EIO', 'disk on fire', { syscall: 'truncate' });
          await inner.truncate(size);
        },
      };
    };
    const failure = await failureOf(exercise(failing, { ...quick, seed: 5, shrinkBudget: 0 }));
    expect(failure.kind).toBe('error');
    expect(failure.message).toContain('disk on fire');
    expect(failure.cause).toBeInstanceOf(FsError);
  });

  it('names the earlier write the wrong bytes came from', async () => {
    const stale = async (): Promise<ExerciseTarget> => {
      const inner = await factory()();
      let writes = 0;
      return { ...inner, write: async (pos, data) => (++writes === 2 ? undefined : inner.write(pos, data)) };
    };
    const replay: ExerciseOp[] = [
      { kind: 'write', pos: 0, length: 100, data: 1 },
      { kind: 'write', pos: 0, length: 100, data: 2 },
      { kind: 'read', pos: 0, length: 100 },
    ];
    const failure = await failureOf(exercise(stale, { replay, shrinkBudget: 0 }));
    expect(failure.message).toContain('the actual bytes are what op #0 (write 0+100 data=1) wrote there');
  });
});

describe('exercise() options', () => {
  it('rejects impossible options with EINVAL', async () => {
    await expect(exercise(factory(), { maxFileSize: 100 })).rejects.toThrow(/EINVAL/);
    const zero = { read: 0, write: 0, truncate: 0, punch: 0, zero: 0, fsync: 0, remount: 0, verify: 0 };
    await expect(exercise(factory(), { weights: zero })).rejects.toThrow(/positive weight/);
  });

  it('calls onOp for every operation and honours weights and alignment', async () => {
    const seen: string[] = [];
    const report = await exercise(factory(), {
      ...quick,
      seed: 8,
      operations: 60,
      alignment: KB,
      directRatio: 0,
      weights: { truncate: 0, punch: 0 },
      onOp: (op, i) => seen.push(`${i}:${op.kind}`),
    });
    expect(seen).toHaveLength(report.ops.length);
    expect(report.counts.truncate + report.counts.punch).toBe(0);
    expect(report.ops.every((op) => !('pos' in op) || (op.pos % KB === 0 && op.length % KB === 0))).toBe(true);
  });
});

describe('SeededRandom', () => {
  it('is deterministic per seed and covers its ranges', () => {
    const a = new SeededRandom(42);
    const b = new SeededRandom(42);
    const xs = Array.from({ length: 1000 }, () => a.int(0, 10));
    expect(Array.from({ length: 1000 }, () => b.int(0, 10))).toEqual(xs);
    expect(new Set(xs).size).toBe(10);
    expect(new SeededRandom(43).nextUint32()).not.toBe(new SeededRandom(42).nextUint32());
    const picks = Array.from({ length: 2000 }, () => a.weighted({ x: 3, y: 1, z: 0 }));
    expect(picks.includes('z')).toBe(false);
    expect(picks.filter((p) => p === 'x').length).toBeGreaterThan(1300);
    expect(() => new SeededRandom(1.5)).toThrow(/EINVAL/);
  });
});
