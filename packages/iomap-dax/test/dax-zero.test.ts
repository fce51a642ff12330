// daxZeroRange and daxTruncatePage (DAX-7).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PAGE_SIZE } from '@iomap/core';
import { describeIomapOp } from '@iomap/testkit';
import { daxTruncatePage, daxZeroRange } from '../src/index.js';
import { addrOf, daxFixture, daxRead, daxWrite, deviceBytes, openDax, pattern, sameBytes } from './support/dax-fixture.js';

describe('DAX zeroing (DAX-7)', () => {
  it('zeroes bytes 5000 to the end of the block on the device when truncating to 5000 (DAX-7)', async () => {
    const { fs, inode, file, device, spy } = await daxFixture();
    const data = pattern(2 * PAGE_SIZE);
    await daxWrite(fs, file, 0, data);
    const addr = addrOf(fs, inode, 0) as number;
    spy.clear();
    expect(await daxTruncatePage(file, 5000)).toBe(true);
    expect(spy.begins.map((c) => describeIomapOp(c.op))).toEqual(['ZERO|DAX']);
    const onDevice = deviceBytes(device, addr, 2 * PAGE_SIZE);
    expect(sameBytes(onDevice.subarray(0, 5000), data.subarray(0, 5000))).toBe(true);
    expect(onDevice.subarray(5000, 8192).every((b) => b === 0)).toBe(true);
    await fs.truncate(inode, 5000);
    await fs.setSize(inode, 8192); // extend again: the old tail reads as zeros
    expect((await daxRead(file, 5000, 3192)).every((b) => b === 0)).toBe(true);
  });

  it('does nothing for a block-aligned truncate (DAX-7)', async () => {
    const { fs, file, spy } = await daxFixture();
    await daxWrite(fs, file, 0, pattern(PAGE_SIZE));
    spy.clear();
    expect(await daxTruncatePage(file, PAGE_SIZE)).toBe(false);
    expect(await daxTruncatePage(file, 0)).toBe(false);
    expect(spy.calls).toHaveLength(0);
  });

  it('skips holes and unwritten space without allocating and zeroes only mapped parts (DAX-7)', async () => {
    const { fs, inode, file, device } = await daxFixture();
    await daxWrite(fs, file, 0, pattern(PAGE_SIZE, 1));
    await fs.fallocate(inode, 2 * PAGE_SIZE, PAGE_SIZE);
    await daxWrite(fs, file, 3 * PAGE_SIZE, pattern(PAGE_SIZE, 2));
    const unwritten = addrOf(fs, inode, 2 * PAGE_SIZE) as number;
    device.bytes.fill(0x44, unwritten, unwritten + PAGE_SIZE);
    const free = fs.statfs().freeBlocks;
    expect(await daxZeroRange(file, 100, 3 * PAGE_SIZE)).toBe(true);
    expect(fs.statfs().freeBlocks).toBe(free);
    expect(deviceBytes(device, unwritten, 4)).toEqual(new Uint8Array(4).fill(0x44)); // untouched: reads as zeros anyway
    const after = await daxRead(file, 0, 4 * PAGE_SIZE);
    const expected = new Uint8Array(4 * PAGE_SIZE);
    expected.set(pattern(PAGE_SIZE, 1).subarray(0, 100));
    expected.set(pattern(PAGE_SIZE, 2).subarray(100), 3 * PAGE_SIZE + 100);
    expect(sameBytes(after, expected)).toBe(true);
  });

  it('reports did_zero false when the whole range is a hole (DAX-7)', async () => {
    const { fs, inode, file } = await daxFixture();
    await fs.setSize(inode, 4 * PAGE_SIZE);
    expect(await daxZeroRange(file, 10, 3 * PAGE_SIZE)).toBe(false);
    expect(await daxZeroRange(file, 10, 0)).toBe(false);
  });

  it('copies a shared page on write before zeroing part of it; the sibling keeps its data (DAX-7, DAX-4)', async () => {
    const { fs, inode, file, spy } = await daxFixture();
    const data = pattern(2 * PAGE_SIZE, 6);
    await daxWrite(fs, file, 0, data);
    const b = await fs.clone(inode, 'b');
    const fileB = openDax(fs, b, { ops: spy });
    expect(await daxZeroRange(fileB, 1000, PAGE_SIZE + 500)).toBe(true);
    const expected = data.slice();
    expected.fill(0, 1000, PAGE_SIZE + 1500);
    expect(sameBytes(await daxRead(fileB, 0, 2 * PAGE_SIZE), expected)).toBe(true);
    expect(sameBytes(await daxRead(file, 0, 2 * PAGE_SIZE), data)).toBe(true);
    expect(fs.extents(b).every((e) => !e.shared)).toBe(true);
    fs.verify();
  });

  it('agrees with a model for any mix of writes and zero ranges (DAX-7, property)', async () => {
    const size = 8 * PAGE_SIZE;
    const op = fc.record({
      zero: fc.boolean(),
      pos: fc.integer({ min: 0, max: size - 1 }),
      len: fc.integer({ min: 1, max: 3 * PAGE_SIZE }),
      seed: fc.integer({ min: 1, max: 200 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
        const { fs, inode, file } = await daxFixture({ deviceSize: 64 * PAGE_SIZE });
        await fs.setSize(inode, size);
        const model = new Uint8Array(size);
        for (const o of ops) {
          const len = Math.min(o.len, size - o.pos);
          if (o.zero) {
            await daxZeroRange(file, o.pos, len);
            model.fill(0, o.pos, o.pos + len);
          } else {
            const data = pattern(len, o.seed);
            await daxWrite(fs, file, o.pos, data);
            model.set(data, o.pos);
          }
        }
        expect(sameBytes(await daxRead(file, 0, size), model)).toBe(true);
        fs.verify();
      }),
      { numRuns: 60, seed: 7 },
    );
  });
});
