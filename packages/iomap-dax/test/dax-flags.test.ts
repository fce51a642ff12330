// The op flags each DAX entry point passes to iomapBegin and iomapEnd
// (CORE-5; IOMAP-SPEC 2.4: dax rw DAX(+WRITE)(+NOWAIT), dax fault
// DAX+FAULT(+WRITE), dax zero/truncate DAX+ZERO, dax unshare DAX+WRITE+UNSHARE).
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE } from '@iomap/core';
import { describeIomapOp } from '@iomap/testkit';
import { daxDedupeFileRangeCompare, daxMap, daxRw, daxTruncatePage, daxUnshare, daxZeroRange } from '../src/index.js';
import { daxFixture, openDax, pattern } from './support/dax-fixture.js';

describe('op flags of the DAX entry points (CORE-5, IOMAP-SPEC 2.4)', () => {
  it('passes the documented flags to iomapBegin and the same ones to iomapEnd', async () => {
    const { fs, inode, file, spy } = await daxFixture();
    await fs.setSize(inode, 4 * PAGE_SIZE);
    const b = await fs.create('b');
    const fileB = openDax(fs, b, { ops: spy });
    const seen: Record<string, string[]> = {};
    const record = async (name: string, run: () => Promise<unknown>): Promise<void> => {
      spy.clear();
      await run();
      seen[name] = [...new Set(spy.begins.map((c) => describeIomapOp(c.op)))];
      for (const end of spy.ends) expect(describeIomapOp(end.op), name).toBe(seen[name]?.[0]);
    };
    await record('rw read', () => daxRw(file, { pos: 0 }, new Uint8Array(100)));
    await record('rw read nowait', () => daxRw(file, { pos: 0, nowait: true }, new Uint8Array(100)));
    await record('rw write', () => daxRw(file, { pos: 0, write: true }, pattern(PAGE_SIZE)));
    await record('rw write nowait', () => daxRw(file, { pos: 0, write: true, nowait: true }, pattern(100)));
    await record('read fault', async () => (await daxMap(file, 0, PAGE_SIZE)).release());
    await record('write fault', async () => (await daxMap(file, PAGE_SIZE, PAGE_SIZE, { write: true })).release());
    await record('zero range', () => daxZeroRange(file, 10, 100));
    await record('truncate page', () => daxTruncatePage(file, 10));
    await fs.reflink(inode, 0, b, 0, PAGE_SIZE);
    await record('unshare', () => daxUnshare(fileB, 0, PAGE_SIZE));
    await record('dedupe', () => daxDedupeFileRangeCompare(file, 0, fileB, 0, PAGE_SIZE));
    expect(seen).toEqual({
      'rw read': ['DAX'],
      'rw read nowait': ['NOWAIT|DAX'],
      'rw write': ['WRITE|DAX'],
      'rw write nowait': ['WRITE|NOWAIT|DAX'],
      'read fault': ['FAULT|DAX'],
      'write fault': ['WRITE|FAULT|DAX'],
      'zero range': ['ZERO|DAX'],
      'truncate page': ['ZERO|DAX'],
      unshare: ['WRITE|UNSHARE|DAX'],
      dedupe: ['DAX'],
    });
  });
});
