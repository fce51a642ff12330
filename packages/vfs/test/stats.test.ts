// Stats, BigIntStats and StatFs from attributes: Node's arithmetic for
// times (fractional milliseconds, rounding to a Date, floored seconds before
// 1970), birthtime 0 when the filesystem keeps none, and the predicates.
import { describe, expect, it } from 'vitest';
import { FsError } from '@iomap/core';
import { BigIntStats, StatFs, Stats, createFsPromises, splitTimeNs, timeNs, type InodeAttributes } from '../src/index.js';
import { MemoryFs } from './support/memory-fs.js';

const base: InodeAttributes = {
  ino: 12,
  mode: 0o100640,
  nlink: 1,
  uid: 1000,
  gid: 100,
  size: 5,
  blocks: 8,
  blksize: 4096,
  atimeNs: 1_700_000_000_123_456_789n,
  mtimeNs: 1_700_000_000_999_600_000n,
  ctimeNs: -1n,
  rdev: 0,
  dev: 2049,
};

describe('Stats', () => {
  it('computes milliseconds and Dates as Node does', () => {
    const stats = new Stats(base);
    expect(stats.atimeMs).toBe(1_700_000_000 * 1000 + 123_456_789 / 1e6);
    expect(stats.atime.getTime()).toBe(1_700_000_000_123);
    expect(stats.mtime.getTime()).toBe(1_700_000_001_000); // .9996 s rounds up
    expect(stats.ctimeMs).toBe(-1000 + 999_999_999 / 1e6); // one ns before the epoch
    expect(stats.birthtimeMs).toBe(0);
    expect(stats.birthtime.getTime()).toBe(0);
  });

  it('lists the fields in Node’s order', () => {
    expect(Object.keys(new Stats(base))).toEqual([
      'dev', 'mode', 'nlink', 'uid', 'gid', 'rdev', 'blksize', 'ino', 'size', 'blocks',
      'atimeMs', 'mtimeMs', 'ctimeMs', 'birthtimeMs', 'atime', 'mtime', 'ctime', 'birthtime',
    ]);
  });

  it('answers the type predicates from the mode', () => {
    const kinds: [number, string][] = [
      [0o100000, 'isFile'], [0o040000, 'isDirectory'], [0o120000, 'isSymbolicLink'], [0o060000, 'isBlockDevice'],
      [0o020000, 'isCharacterDevice'], [0o010000, 'isFIFO'], [0o140000, 'isSocket'],
    ];
    for (const [bits, predicate] of kinds) {
      for (const stats of [new Stats({ ...base, mode: bits | 0o644 }), new BigIntStats({ ...base, mode: bits | 0o644 })]) {
        const answers = kinds.map(([, name]) => (stats as unknown as Record<string, () => boolean>)[name]!.call(stats));
        expect(answers).toEqual(kinds.map(([, name]) => name === predicate));
      }
    }
  });
});

describe('BigIntStats', () => {
  it('keeps exact nanoseconds and truncates milliseconds', () => {
    const stats = new BigIntStats(base);
    expect(stats.atimeNs).toBe(1_700_000_000_123_456_789n);
    expect(stats.atimeMs).toBe(1_700_000_000_123n);
    expect(stats.ctimeNs).toBe(-1n);
    expect(stats.ctimeMs).toBe(-1n);
    expect(stats.birthtimeNs).toBe(0n);
    expect(stats.size).toBe(5n);
    expect(stats.mode & 0o777n).toBe(0o640n);
  });
});

describe('time helpers', () => {
  it('builds and splits nanosecond times', () => {
    expect(timeNs(1_700_000_000, 5)).toBe(1_700_000_000_000_000_005n);
    expect(splitTimeNs(-1_500_000_000n)).toEqual({ seconds: -2n, nanoseconds: 500_000_000n });
    expect(() => timeNs(1.5)).toThrow(FsError);
    expect(() => timeNs(0, 1e9)).toThrow(/nanoseconds/);
  });
});

describe('statfs', () => {
  it('returns StatFs with numbers or bigints', async () => {
    const fsp = createFsPromises(new MemoryFs());
    const stats = await fsp.statfs('/');
    expect(stats).toBeInstanceOf(StatFs);
    expect({ ...stats }).toEqual({ type: 0x01021994, bsize: 4096, blocks: 1024, bfree: 1000, bavail: 990, files: 256, ffree: 200 });
    expect((await fsp.statfs('/', { bigint: true })).bavail).toBe(990n);
    await expect(fsp.statfs('/nope')).rejects.toThrow("ENOENT: no such file or directory, statfs '/nope'");
  });
});
