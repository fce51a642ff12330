// daxMap, the userspace DAX fault: DAX-5 (read and write faults, EOF, the
// shared zero page) and DAX-6 (synchronous faults).
import { describe, expect, it } from 'vitest';
import { FsError, IomapContractError, IomapFlags, IomapType, MemoryBlockDevice, NULL_ADDR, PAGE_SIZE } from '@iomap/core';
import { describeIomapOp } from '@iomap/testkit';
import { daxMap, daxRw } from '../src/index.js';
import { addrOf, daxFixture, daxRead, daxWrite, junkNewBlocks, pattern, sameBytes, stubFile, stubOps } from './support/dax-fixture.js';

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );
}

describe('DAX faults (DAX-5)', () => {
  it('maps a hole to the shared zero page on a read fault, then allocates a zeroed block on a write fault (DAX-5)', async () => {
    const { fs, inode, file, spy, device } = await daxFixture();
    await fs.setSize(inode, 2 * PAGE_SIZE);
    const free = fs.statfs().freeBlocks;
    const reader = await daxMap(file, 0, PAGE_SIZE);
    expect(reader.segments).toHaveLength(1);
    expect(reader.segments[0]).toMatchObject({ kind: 'zero', writable: false, addr: NULL_ADDR, length: PAGE_SIZE });
    expect(fs.statfs().freeBlocks).toBe(free); // a read fault never allocates
    // Poison the block the allocator will hand out next, to see that the fs zeroes it.
    device.bytes.fill(0x33, PAGE_SIZE, 2 * PAGE_SIZE);
    const writer = await daxMap(file, 0, PAGE_SIZE, { write: true });
    expect(writer.major).toBe(true); // NEW: a major fault
    expect(writer.segments[0]).toMatchObject({ kind: 'device', writable: true, addr: addrOf(fs, inode, 0) });
    expect(writer.load(0, PAGE_SIZE).every((b) => b === 0)).toBe(true);
    expect(reader.valid).toBe(false); // the zero page no longer is the file's
    expect(spy.trace().filter((l) => l.startsWith('end'))).toEqual([
      `end 0+${PAGE_SIZE} FAULT|DAX written ${PAGE_SIZE}`,
      `end 0+${PAGE_SIZE} WRITE|FAULT|DAX written ${PAGE_SIZE}`, // iomapEnd sees written = the fault size
    ]);
    expect(describeIomapOp(spy.begins[1]?.op ?? 0)).toBe('WRITE|FAULT|DAX');
    reader.release();
    writer.release();
    fs.verify();
  });

  it('faults a multi-page range in one mapping call per extent, with written = the pages under it (DAX-5)', async () => {
    const { fs, inode, file, spy } = await daxFixture({ fs: { maxMappingLength: 2 * PAGE_SIZE } });
    await fs.setSize(inode, 5 * PAGE_SIZE);
    const m = await daxMap(file, 100, 5 * PAGE_SIZE - 200, { write: true });
    expect(m.pos).toBe(0);
    expect(m.length).toBe(5 * PAGE_SIZE);
    expect(spy.ends.map((c) => c.written)).toEqual([2 * PAGE_SIZE, 2 * PAGE_SIZE, PAGE_SIZE]);
    m.release();
  });

  it('fails with EFAULT for a page at or past EOF, the SIGBUS of a mapping, before asking the filesystem (DAX-5)', async () => {
    const { fs, inode, file, spy } = await daxFixture();
    await fs.setSize(inode, 5000);
    const straddling = await daxMap(file, 4096, 4096); // the page holding EOF may be mapped
    straddling.release();
    spy.clear();
    for (const [pos, len] of [[8192, 1], [0, 8193], [1 << 20, 10]] as const) {
      const err = await rejection(daxMap(file, pos, len, { write: true }));
      expect(err).toBeInstanceOf(FsError);
      expect((err as FsError).code).toBe('EFAULT');
      expect((err as Error).message).toMatch(/SIGBUS/);
    }
    expect(spy.calls).toHaveLength(0);
  });

  it('shows stores through a write view to daxRw readers at once, and daxRw writes to read views (DAX-5)', async () => {
    const { fs, file } = await daxFixture();
    await daxWrite(fs, file, 0, pattern(2 * PAGE_SIZE));
    const w = await daxMap(file, 0, 2 * PAGE_SIZE, { write: true });
    w.store(PAGE_SIZE - 2, new Uint8Array([9, 9, 9, 9]));
    expect(await daxRead(file, PAGE_SIZE - 2, 4)).toEqual(new Uint8Array([9, 9, 9, 9]));
    const r = await daxMap(file, 0, PAGE_SIZE);
    await daxRw(file, { pos: 7, write: true }, new Uint8Array([42]));
    expect(r.valid).toBe(true); // an overwrite changes no block
    expect(r.load(7, 1)).toEqual(new Uint8Array([42]));
    expect(r.segments[0]?.view[7]).toBe(42);
    r.release();
    w.release();
  });

  it('refuses stores through a read fault, outside the mapping, or after release with EFAULT (DAX-5)', async () => {
    const { fs, inode, file } = await daxFixture();
    await fs.setSize(inode, PAGE_SIZE);
    const r = await daxMap(file, 0, PAGE_SIZE);
    expect(() => r.store(0, new Uint8Array([1]))).toThrow(/read fault.*write: true/);
    expect(() => r.load(PAGE_SIZE, 1)).toThrow(/outside the mapping/);
    r.release();
    expect(() => r.load(0, 1)).toThrow(/released/);
    r.release(); // idempotent
  });

  it('detects a store into the shared zero page and restores it (DAX-5)', async () => {
    const { fs, inode, file } = await daxFixture();
    await fs.setSize(inode, 2 * PAGE_SIZE);
    const r = await daxMap(file, 0, 2 * PAGE_SIZE);
    const zero = r.segments[1]?.view as Uint8Array;
    expect(r.segments[0]?.view).toBe(zero); // one page shared by every hole
    zero[5] = 1; // forbidden
    let err: unknown;
    try {
      r.release();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(IomapContractError);
    expect((err as IomapContractError).specId).toBe('DAX-5');
    expect(r.released).toBe(true);
    const again = await daxMap(file, 0, PAGE_SIZE);
    expect(again.load(0, PAGE_SIZE).every((b) => b === 0)).toBe(true);
    again.release();
  });

  it('fails a write fault that gets a HOLE with EIO, naming the rule (DAX-5)', async () => {
    const device = new MemoryBlockDevice({ size: 1 << 20 });
    const ops = stubOps(() => ({ offset: 0, length: PAGE_SIZE, addr: NULL_ADDR, type: IomapType.Hole, flags: 0, daxDevice: device }));
    const err = await rejection(daxMap(stubFile(ops, PAGE_SIZE), 0, PAGE_SIZE, { write: true }));
    expect((err as IomapContractError).specId).toBe('DAX-5');
    expect((err as FsError).code).toBe('EIO');
  });

  it('catches a write fault on a non-zeroing filesystem with verifyZeroedAllocations (IOMAP-SPEC 2.2 rule 7)', async () => {
    const { fs, inode, file } = await daxFixture({ wrapOps: (f) => junkNewBlocks(f, 0x11), verify: true });
    await fs.setSize(inode, PAGE_SIZE);
    const err = await rejection(daxMap(file, 0, PAGE_SIZE, { write: true }));
    expect((err as IomapContractError).specId).toBe('IOMAP-SPEC 2.2 rule 7');
    const unverified = await daxFixture({ wrapOps: (f) => junkNewBlocks(f, 0x11) });
    await unverified.fs.setSize(unverified.inode, PAGE_SIZE);
    const m = await daxMap(unverified.file, 0, PAGE_SIZE, { write: true });
    expect(m.load(0, 4)).toEqual(new Uint8Array(4).fill(0x11)); // the junk a mapped reader would see
    m.release();
  });

  it('reads MAPPED pages through read-only device views over the device memory itself (DAX-5)', async () => {
    const { fs, file, device } = await daxFixture();
    await daxWrite(fs, file, 0, pattern(PAGE_SIZE, 3));
    const r = await daxMap(file, 0, 10);
    const seg = r.segments[0];
    expect(seg).toMatchObject({ kind: 'device', writable: false, device });
    expect(seg?.view.buffer).toBe(device.bytes.buffer);
    expect(sameBytes(seg?.view as Uint8Array, pattern(PAGE_SIZE, 3))).toBe(true);
    r.release();
  });
});

describe('synchronous faults (DAX-6)', () => {
  it('flags needsSync when a MAP_SYNC write fault meets DIRTY metadata; finishSyncFault persists it (DAX-6)', async () => {
    const { fs, inode, file, spy } = await daxFixture();
    await fs.setSize(inode, PAGE_SIZE);
    const m = await daxMap(file, 0, PAGE_SIZE, { write: true, sync: true });
    expect((spy.begins[0]?.mapping?.flags ?? 0) & IomapFlags.Dirty).toBeTruthy();
    expect(m.needsSync).toBe(true);
    let persisted: [number, number] | undefined;
    await m.finishSyncFault(async (start, end) => {
      persisted = [start, end];
      await fs.fsync(inode);
    });
    expect(persisted).toEqual([0, PAGE_SIZE]);
    expect(m.needsSync).toBe(false);
    m.release();
    // Metadata clean now: the next synchronous fault needs no sync.
    const again = await daxMap(file, 0, PAGE_SIZE, { write: true, sync: true });
    expect(again.needsSync).toBe(false);
    again.release();
  });

  it('never flags needsSync without { sync: true } or on read faults (DAX-6)', async () => {
    const { fs, inode, file } = await daxFixture();
    await fs.setSize(inode, 2 * PAGE_SIZE);
    const plain = await daxMap(file, 0, PAGE_SIZE, { write: true });
    expect(plain.needsSync).toBe(false);
    const read = await daxMap(file, PAGE_SIZE, PAGE_SIZE, { sync: true });
    expect(read.needsSync).toBe(false);
    plain.release();
    read.release();
  });
});
