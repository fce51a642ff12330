// Copy on write through the source map (DAX-4) and unshare (DAX-8), on
// reflinked ExtentMapFs files.
import { describe, expect, it } from 'vitest';
import { IomapFlags, IomapType, MemoryBlockDevice, PAGE_SIZE, type IomapMapping } from '@iomap/core';
import { describeIomapFlags, describeIomapOp } from '@iomap/testkit';
import { daxMap, daxRw, daxUnshare } from '../src/index.js';
import {
  addrOf,
  daxFixture,
  daxRead,
  daxWrite,
  deviceBytes,
  openDax,
  pattern,
  sameBytes,
  stubFile,
  stubOps,
} from './support/dax-fixture.js';

/** File `a` with two pages of data and `b`, a reflinked clone of it. */
async function clonedPair() {
  const fx = await daxFixture();
  const data = pattern(2 * PAGE_SIZE, 9);
  await daxWrite(fx.fs, fx.file, 0, data);
  const b = await fx.fs.clone(fx.inode, 'b');
  const fileB = openDax(fx.fs, b, { ops: fx.spy });
  fx.spy.clear();
  return { ...fx, data, b, fileB };
}

describe('DAX copy on write (DAX-4)', () => {
  it('fills the rest of the page from the source map on a 10-byte write into a shared page; the source stays untouched (DAX-4)', async () => {
    const { fs, inode, data, b, fileB, spy, file, device } = await clonedPair();
    const oldAddr = addrOf(fs, b, PAGE_SIZE) as number;
    expect(addrOf(fs, inode, PAGE_SIZE)).toBe(oldAddr);
    await daxRw(fileB, { pos: PAGE_SIZE + 2000, write: true }, new Uint8Array(10).fill(0xcc));
    const begin = spy.begins[0]?.mapping as IomapMapping;
    expect(describeIomapFlags(begin.flags)).toMatch(/NEW.*SHARED/);
    expect(begin.srcmap?.type).toBe(IomapType.Mapped);
    const expected = data.slice(PAGE_SIZE);
    expected.fill(0xcc, 2000, 2010);
    expect(sameBytes(await daxRead(fileB, PAGE_SIZE, PAGE_SIZE), expected)).toBe(true);
    // b moved to a new block; a still reads its own data from the old one.
    expect(addrOf(fs, b, PAGE_SIZE)).not.toBe(oldAddr);
    expect(sameBytes(deviceBytes(device, oldAddr, PAGE_SIZE), data.subarray(PAGE_SIZE))).toBe(true);
    expect(sameBytes(await daxRead(file, 0, 2 * PAGE_SIZE), data)).toBe(true);
    fs.verify();
  });

  it('copies edges on both sides when a write spans two shared pages (DAX-4)', async () => {
    const { fs, data, fileB } = await clonedPair();
    const change = pattern(3000, 5);
    await daxRw(fileB, { pos: PAGE_SIZE - 1000, write: true }, change);
    const expected = data.slice();
    expected.set(change, PAGE_SIZE - 1000);
    expect(sameBytes(await daxRead(fileB, 0, 2 * PAGE_SIZE), expected)).toBe(true);
    fs.verify();
  });

  it('copies the whole page from the source map on a write fault into a shared page (DAX-4, DAX-5)', async () => {
    const { fs, data, fileB, file, spy } = await clonedPair();
    const m = await daxMap(fileB, 0, PAGE_SIZE, { write: true });
    expect(describeIomapOp(spy.begins[0]?.op ?? 0)).toBe('WRITE|FAULT|DAX');
    expect(sameBytes(m.load(0, PAGE_SIZE), data.subarray(0, PAGE_SIZE))).toBe(true);
    m.store(0, new Uint8Array([1, 2, 3]));
    m.release();
    expect(sameBytes(await daxRead(file, 0, PAGE_SIZE), data.subarray(0, PAGE_SIZE))).toBe(true);
    expect((await daxRead(fileB, 0, 3))).toEqual(new Uint8Array([1, 2, 3]));
    fs.verify();
  });

  it('revokes views of the shared page when copy on write moves the file (DAX-4)', async () => {
    const { fileB } = await clonedPair();
    const reader = await daxMap(fileB, 0, PAGE_SIZE);
    await daxRw(fileB, { pos: 5, write: true }, pattern(4));
    expect(reader.valid).toBe(false);
    expect(() => reader.load(0, 1)).toThrow(/invalidated/);
    reader.release();
  });

  it('zeroes the page edges when a SHARED mapping has no source map (DAX-4)', async () => {
    const device = new MemoryBlockDevice({ size: 1 << 20 });
    device.bytes.fill(0x77, PAGE_SIZE, 2 * PAGE_SIZE);
    const ops = stubOps(() => ({
      offset: 0,
      length: PAGE_SIZE,
      addr: PAGE_SIZE,
      type: IomapType.Mapped,
      flags: IomapFlags.Shared | IomapFlags.New,
      daxDevice: device,
    }));
    await daxRw(stubFile(ops, PAGE_SIZE), { pos: 100, write: true }, pattern(10));
    const page = device.bytes.subarray(PAGE_SIZE, 2 * PAGE_SIZE);
    expect(page.subarray(0, 100).every((b) => b === 0)).toBe(true);
    expect(page.subarray(100, 110)).toEqual(pattern(10));
    expect(page.subarray(110).every((b) => b === 0)).toBe(true);
  });
});

describe('DAX unshare (DAX-8)', () => {
  it('copies shared pages to the new location: device bytes at the new address equal the old ones (DAX-8)', async () => {
    const { fs, inode, data, b, fileB, spy, device } = await clonedPair();
    const oldAddr = addrOf(fs, b, 0) as number;
    expect(await daxUnshare(fileB, 0, b.size)).toBe(2 * PAGE_SIZE);
    expect(spy.begins.map((c) => describeIomapOp(c.op))).toEqual(['WRITE|UNSHARE|DAX']);
    const newAddr = addrOf(fs, b, 0) as number;
    expect(newAddr).not.toBe(oldAddr);
    expect(sameBytes(deviceBytes(device, newAddr, 2 * PAGE_SIZE), deviceBytes(device, oldAddr, 2 * PAGE_SIZE))).toBe(true);
    expect(fs.extents(b).every((e) => !e.shared)).toBe(true);
    expect(addrOf(fs, inode, 0)).toBe(oldAddr);
    expect(sameBytes(await daxRead(fileB, 0, 2 * PAGE_SIZE), data)).toBe(true);
    fs.verify();
  });

  it('skips unshared ranges and does nothing at or past EOF (DAX-8)', async () => {
    const { file, fileB, b, spy } = await clonedPair();
    expect(await daxUnshare(fileB, 0, b.size)).toBe(2 * PAGE_SIZE);
    expect(await daxUnshare(fileB, 0, b.size)).toBe(0);
    expect(await daxUnshare(file, 0, 1)).toBe(0); // a no longer shares after b's unshare
    spy.clear();
    expect(await daxUnshare(fileB, b.size, PAGE_SIZE)).toBe(0);
    expect(spy.calls).toHaveLength(0);
  });

  it('unshares only the requested pages, clipped to EOF (DAX-8)', async () => {
    const { fs, b, fileB } = await clonedPair();
    expect(await daxUnshare(fileB, PAGE_SIZE + 10, 1 << 20)).toBe(PAGE_SIZE);
    expect(fs.extents(b).map((e) => e.shared)).toEqual([true, false]);
    fs.verify();
  });
});
