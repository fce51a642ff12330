// daxRw: DAX-1 (the call), DAX-2 (reads), DAX-3 (writes and the pre-zeroed
// allocation rule), against ExtentMapFs on a MemoryBlockDevice.
import { describe, expect, it } from 'vitest';
import {
  FsError,
  IomapContractError,
  IomapFlags,
  IomapOp,
  IomapType,
  MemoryBlockDevice,
  NULL_ADDR,
  PAGE_SIZE,
  type IomapMapping,
} from '@iomap/core';
import { ExtentMapFs, FaultDevice, describeIomapOp } from '@iomap/testkit';
import { daxMap, daxRw } from '../src/index.js';
import {
  addrOf,
  daxFixture,
  daxRead,
  daxWrite,
  deviceBytes,
  junkNewBlocks,
  openDax,
  pattern,
  sameBytes,
  stubFile,
  stubOps,
} from './support/dax-fixture.js';

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );
}

describe('daxRw (DAX-1)', () => {
  it('makes a 10-byte write at 4090 visible in device memory at once, size unchanged until the fs sets it (DAX-1)', async () => {
    const { fs, inode, file, device } = await daxFixture();
    const data = new TextEncoder().encode('hello DAX!');
    const result = await daxRw(file, { pos: 4090, write: true }, data);
    expect(result).toEqual({ bytes: 10, pos: 4100, newSize: 4100 });
    // The bytes are in device memory now: no cache, no writeback.
    const a = addrOf(fs, inode, 4090) as number;
    const b = addrOf(fs, inode, 4096) as number;
    expect(deviceBytes(device, a, 6)).toEqual(data.subarray(0, 6));
    expect(deviceBytes(device, b, 4)).toEqual(data.subarray(6));
    expect(inode.size).toBe(0); // DAX never changes i_size (IOMAP-SPEC §3 item 23)
    expect(await daxRead(file, 4090, 10)).toHaveLength(0);
    await fs.setSize(inode, result.newSize as number);
    expect(await daxRead(file, 4090, 10)).toEqual(data);
  });

  it('reports no newSize for writes inside EOF (DAX-1)', async () => {
    const { fs, file } = await daxFixture();
    await daxWrite(fs, file, 0, pattern(8192));
    expect((await daxRw(file, { pos: 100, write: true }, pattern(50, 2))).newSize).toBeUndefined();
  });

  it('returns the bytes done when a later mapping fails, the error when nothing was done (DAX-1, CORE-25)', async () => {
    // 4 blocks: block 0 reserved, 3 allocatable.
    const { fs, file, inode } = await daxFixture({ deviceSize: 4 * PAGE_SIZE });
    const result = await daxRw(file, { pos: 0, write: true }, pattern(5 * PAGE_SIZE));
    expect(result.bytes).toBe(3 * PAGE_SIZE);
    await fs.setSize(inode, result.bytes);
    const err = await rejection(daxRw(file, { pos: 3 * PAGE_SIZE, write: true }, pattern(10)));
    expect(err).toBeInstanceOf(FsError);
    expect((err as FsError).code).toBe('ENOSPC');
    fs.verify();
  });

  it('passes NOWAIT through: EAGAIN with no allocation over a hole, success over mapped blocks (DAX-1, CORE-16)', async () => {
    const { fs, file, spy } = await daxFixture();
    await daxWrite(fs, file, 0, pattern(PAGE_SIZE));
    const free = fs.statfs().freeBlocks;
    spy.clear();
    const err = await rejection(daxRw(file, { pos: PAGE_SIZE, write: true, nowait: true }, pattern(10)));
    expect((err as FsError).code).toBe('EAGAIN');
    expect(fs.statfs().freeBlocks).toBe(free);
    expect(await daxRw(file, { pos: 0, write: true, nowait: true }, pattern(10, 3))).toMatchObject({ bytes: 10 });
    expect(await daxRw(file, { pos: 0, nowait: true }, new Uint8Array(10))).toMatchObject({ bytes: 10 });
    expect(spy.begins.map((c) => describeIomapOp(c.op))).toEqual(['WRITE|NOWAIT|DAX', 'WRITE|NOWAIT|DAX', 'NOWAIT|DAX']);
  });

  it('rejects invalid ranges with EINVAL (DAX-1)', async () => {
    const { file } = await daxFixture();
    for (const pos of [-1, 1.5, Number.NaN]) {
      expect(((await rejection(daxRw(file, { pos }, new Uint8Array(1)))) as FsError).code).toBe('EINVAL');
    }
  });
});

describe('DAX reads (DAX-2)', () => {
  it('reads holes as zeros and returns 0 at or past EOF (DAX-2)', async () => {
    const { fs, file, inode, spy } = await daxFixture();
    await fs.setSize(inode, 3 * PAGE_SIZE);
    const out = new Uint8Array(3 * PAGE_SIZE).fill(0xee);
    expect((await daxRw(file, { pos: 0 }, out)).bytes).toBe(3 * PAGE_SIZE);
    expect(out.every((b) => b === 0)).toBe(true);
    spy.clear();
    expect(await daxRw(file, { pos: 3 * PAGE_SIZE }, new Uint8Array(10))).toEqual({ bytes: 0, pos: 3 * PAGE_SIZE, newSize: undefined });
    expect(await daxRw(file, { pos: 1 << 20 }, new Uint8Array(10))).toMatchObject({ bytes: 0 });
    expect(spy.calls).toHaveLength(0); // no mapping asked for past EOF
  });

  it('clips a read to EOF (DAX-2)', async () => {
    const { fs, file } = await daxFixture();
    const data = pattern(5000);
    await daxWrite(fs, file, 0, data);
    const out = new Uint8Array(8192);
    expect((await daxRw(file, { pos: 0 }, out)).bytes).toBe(5000);
    expect(sameBytes(out.subarray(0, 5000), data)).toBe(true);
  });

  it('reads UNWRITTEN space as zeros whatever the device holds (DAX-2)', async () => {
    const { fs, file, inode, device } = await daxFixture();
    await fs.fallocate(inode, 0, 2 * PAGE_SIZE);
    const addr = addrOf(fs, inode, 0) as number;
    device.bytes.fill(0x5a, addr, addr + 2 * PAGE_SIZE); // stale data under the unwritten extent
    expect((await daxRead(file, 0, 2 * PAGE_SIZE)).every((b) => b === 0)).toBe(true);
  });

  it('reads MAPPED data from device memory across several mappings (DAX-2)', async () => {
    const { fs, file, inode, spy } = await daxFixture({ fs: { allocation: 'fragmented' } });
    const data = pattern(6 * PAGE_SIZE, 4);
    await daxWrite(fs, file, 0, data);
    expect(fs.extents(inode).length).toBeGreaterThan(1);
    spy.clear();
    expect(sameBytes(await daxRead(file, 0, data.length), data)).toBe(true);
    expect(spy.begins.length).toBe(fs.extents(inode).length); // one begin per mapping, not per block
  });
});

describe('DAX writes (DAX-3)', () => {
  it('leaves the untouched bytes of a new block zero when the filesystem pre-zeroes (DAX-3)', async () => {
    const { fs, file, inode, device, spy } = await daxFixture();
    await daxWrite(fs, file, 100, pattern(10));
    const begin = spy.begins[0]?.mapping as IomapMapping;
    expect(begin.flags & IomapFlags.New).toBeTruthy();
    const block = deviceBytes(device, addrOf(fs, inode, 0) as number, PAGE_SIZE);
    expect(block.subarray(0, 100).every((b) => b === 0)).toBe(true);
    expect(block.subarray(110).every((b) => b === 0)).toBe(true);
  });

  it('exposes junk when the filesystem does not pre-zero new blocks: DAX never zeroes (DAX-3, negative)', async () => {
    const { fs, file } = await daxFixture({ wrapOps: (f) => junkNewBlocks(f) });
    await daxWrite(fs, file, 0, pattern(10));
    await fs.setSize(file.inode, PAGE_SIZE);
    const block = await daxRead(file, 0, PAGE_SIZE);
    expect(block.subarray(10).every((b) => b === 0xaa)).toBe(true); // stale data visible to the reader
  });

  it('catches the non-zeroing filesystem with verifyZeroedAllocations, naming the rule (IOMAP-SPEC 2.2 rule 7)', async () => {
    const { fs, file, inode } = await daxFixture({ wrapOps: (f) => junkNewBlocks(f), verify: true });
    const err = await rejection(daxRw(file, { pos: 0, write: true }, pattern(10)));
    expect(err).toBeInstanceOf(IomapContractError);
    expect((err as IomapContractError).specId).toBe('IOMAP-SPEC 2.2 rule 7');
    expect((err as Error).message).toMatch(/must already be zeroed.*0xaa/);
    expect(fs.extents(inode)).toHaveLength(0); // iomapEnd saw written 0 and freed the allocation
    fs.verify();
  });

  it('passes verifyZeroedAllocations on a pre-zeroing filesystem (IOMAP-SPEC 2.2 rule 7)', async () => {
    const { fs, file } = await daxFixture({ verify: true });
    await daxWrite(fs, file, 0, pattern(3 * PAGE_SIZE));
    expect(sameBytes(await daxRead(file, 0, 3 * PAGE_SIZE), pattern(3 * PAGE_SIZE))).toBe(true);
  });

  it.each([
    ['HOLE', IomapType.Hole],
    ['UNWRITTEN', IomapType.Unwritten],
    ['DELALLOC', IomapType.Delalloc],
  ])('fails with EIO when a write gets %s (DAX-3)', async (_name, type) => {
    const device = new MemoryBlockDevice({ size: 1 << 20 });
    const hasAddr = type === IomapType.Unwritten;
    const ops = stubOps((pos) => ({
      offset: pos - (pos % PAGE_SIZE),
      length: PAGE_SIZE,
      addr: hasAddr ? PAGE_SIZE : NULL_ADDR,
      type,
      flags: 0,
      daxDevice: device,
    }));
    const err = await rejection(daxRw(stubFile(ops, PAGE_SIZE), { pos: 0, write: true }, pattern(10)));
    expect(err).toBeInstanceOf(IomapContractError);
    expect((err as IomapContractError).code).toBe('EIO');
    expect((err as IomapContractError).specId).toBe('DAX-3');
    expect(ops.ends).toEqual([0]);
  });

  it('revokes zero-page views of a hole it allocates, so mapped readers re-fault and see the data (DAX-3)', async () => {
    const { fs, file, inode } = await daxFixture();
    await fs.setSize(inode, 2 * PAGE_SIZE);
    const view = await daxMap(file, 0, 2 * PAGE_SIZE);
    expect(view.segments.map((s) => s.kind)).toEqual(['zero', 'zero']);
    await daxWrite(fs, file, 10, pattern(5));
    expect(view.valid).toBe(false);
    view.release();
    const again = await daxMap(file, 0, PAGE_SIZE);
    expect(again.load(10, 5)).toEqual(pattern(5));
    again.release();
  });

  it('names the missing daxDevice of a filesystem that ignores IomapOp.Dax (IOMAP-SPEC 2.2 rule 7)', async () => {
    const fs = new ExtentMapFs({ device: new FaultDevice(new MemoryBlockDevice({ size: 1 << 20 }), []), blockSize: PAGE_SIZE });
    const inode = await fs.create('a');
    const err = await rejection(daxRw(openDax(fs, inode), { pos: 0, write: true }, pattern(10)));
    expect((err as IomapContractError).specId).toBe('IOMAP-SPEC 2.2 rule 7');
    expect((err as Error).message).toMatch(/daxDevice/);
  });

  it('uses the DAX device and address of the mapping, not its block device (DAX-3, DAX-12)', async () => {
    const block = new MemoryBlockDevice({ size: 1 << 20 });
    const dax = new MemoryBlockDevice({ size: 1 << 20 });
    const partitionOffset = 64 * PAGE_SIZE;
    const ops = stubOps((pos, _len, op) => ({
      offset: 0,
      length: 16 * PAGE_SIZE,
      addr: (op & IomapOp.Dax ? partitionOffset : 0) + PAGE_SIZE,
      type: IomapType.Mapped,
      flags: 0,
      device: block,
      daxDevice: dax,
    }));
    await daxRw(stubFile(ops, 16 * PAGE_SIZE), { pos: 5, write: true }, pattern(3));
    expect(dax.bytes.subarray(partitionOffset + PAGE_SIZE + 5, partitionOffset + PAGE_SIZE + 8)).toEqual(pattern(3));
    expect(block.bytes.every((b) => b === 0)).toBe(true);
  });
});
