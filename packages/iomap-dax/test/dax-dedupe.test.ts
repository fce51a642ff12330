// daxDedupeFileRangeCompare (DAX-9): the range comparison of dedupe.
import { describe, expect, it } from 'vitest';
import { FsError, PAGE_SIZE } from '@iomap/core';
import { describeIomapOp } from '@iomap/testkit';
import { daxDedupeFileRangeCompare } from '../src/index.js';
import { daxFixture, daxWrite, openDax, pattern } from './support/dax-fixture.js';

/** Files a and b of `size` bytes on one filesystem, both through the spy. */
async function twoFiles(size: number) {
  const fx = await daxFixture();
  const b = await fx.fs.create('b');
  const fileB = openDax(fx.fs, b, { ops: fx.spy });
  await fx.fs.setSize(fx.inode, size);
  await fx.fs.setSize(b, size);
  return { ...fx, b, fileB };
}

describe('dedupe range compare (DAX-9)', () => {
  it('finds identical data in different blocks equal (DAX-9)', async () => {
    const { fs, file, fileB, spy } = await twoFiles(3 * PAGE_SIZE);
    await daxWrite(fs, file, 0, pattern(3 * PAGE_SIZE, 2));
    await daxWrite(fs, fileB, 0, pattern(3 * PAGE_SIZE, 2));
    spy.clear();
    expect(await daxDedupeFileRangeCompare(file, 0, fileB, 0, 3 * PAGE_SIZE)).toBe(true);
    expect(new Set(spy.begins.map((c) => describeIomapOp(c.op)))).toEqual(new Set(['DAX']));
    expect(spy.ends.length).toBe(spy.begins.length); // every mapping handed back
  });

  it('finds one differing byte unequal (DAX-9)', async () => {
    const { fs, file, fileB, spy } = await twoFiles(3 * PAGE_SIZE);
    const data = pattern(3 * PAGE_SIZE, 2);
    await daxWrite(fs, file, 0, data);
    data[2 * PAGE_SIZE + 77] = (data[2 * PAGE_SIZE + 77] ?? 0) ^ 1;
    await daxWrite(fs, fileB, 0, data);
    spy.clear();
    expect(await daxDedupeFileRangeCompare(file, 0, fileB, 0, 3 * PAGE_SIZE)).toBe(false);
    expect(spy.ends.length).toBe(spy.begins.length);
    expect(await daxDedupeFileRangeCompare(file, 0, fileB, 0, 2 * PAGE_SIZE)).toBe(true);
  });

  it('finds hole vs hole equal and hole vs data unequal, even zero data (DAX-9)', async () => {
    const { fs, file, fileB } = await twoFiles(4 * PAGE_SIZE);
    expect(await daxDedupeFileRangeCompare(file, 0, fileB, 0, 4 * PAGE_SIZE)).toBe(true);
    await daxWrite(fs, fileB, PAGE_SIZE, new Uint8Array(PAGE_SIZE)); // zeros, but data
    expect(await daxDedupeFileRangeCompare(file, 0, fileB, 0, 4 * PAGE_SIZE)).toBe(false);
    expect(await daxDedupeFileRangeCompare(file, 2 * PAGE_SIZE, fileB, 2 * PAGE_SIZE, 2 * PAGE_SIZE)).toBe(true);
  });

  it('compares ranges at different offsets across mappings of different lengths (DAX-9)', async () => {
    const fx = await daxFixture({ fs: { allocation: 'fragmented' } });
    const b = await fx.fs.create('b');
    const fileB = openDax(fx.fs, b);
    const data = pattern(4 * PAGE_SIZE, 8);
    await daxWrite(fx.fs, fx.file, 0, data);
    await daxWrite(fx.fs, fileB, 2 * PAGE_SIZE, data);
    expect(await daxDedupeFileRangeCompare(fx.file, 100, fileB, 2 * PAGE_SIZE + 100, 4 * PAGE_SIZE - 100)).toBe(true);
    expect(await daxDedupeFileRangeCompare(fx.file, 100, fileB, 2 * PAGE_SIZE + 101, 4 * PAGE_SIZE - 101)).toBe(false);
  });

  it('rejects ranges past EOF with EINVAL (DAX-9)', async () => {
    const { file, fileB } = await twoFiles(PAGE_SIZE);
    const err = await daxDedupeFileRangeCompare(file, 0, fileB, 1, PAGE_SIZE).catch((e: unknown) => e);
    expect((err as FsError).code).toBe('EINVAL');
    expect(await daxDedupeFileRangeCompare(file, 0, fileB, 0, 0)).toBe(true);
  });
});
