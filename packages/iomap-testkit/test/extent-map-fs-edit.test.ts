// ExtentMapFs's direct-access helpers (truncate, punch, reflink, readRaw,
// extents), copy on write end to end, the consistency check, and the spy.
import { describe, expect, it } from 'vitest';
import { FsError, IomapIter, IomapOp, IomapType, iomapLoop } from '@iomap/core';
import {
  ExtentMapFs,
  IomapOpsSpy,
  describeIomapFlags,
  describeIomapOp,
  referenceRead,
  referenceWrite,
  referenceZeroRange,
} from '../src/index.js';
import { pattern, sameBytes } from './helpers.js';

const BS = 1024;
const make = (options: ConstructorParameters<typeof ExtentMapFs>[0] = {}) =>
  new ExtentMapFs({ deviceSize: 256 * BS, blockSize: BS, ...options });

describe('ExtentMapFs file edits', () => {
  it('truncates down, frees blocks and zeroes the EOF block tail so a later extension reads zeros', async () => {
    const fs = make({ poison: 0x5a });
    const file = await fs.create('a');
    await referenceWrite(fs, file, 0, pattern(4 * BS));
    const free = fs.statfs().freeBlocks;
    await fs.truncate(file, BS + 100);
    expect(fs.statfs().freeBlocks).toBe(free + 2);
    await fs.truncate(file, 4 * BS);
    const now = await fs.readRaw(file, 0, 4 * BS);
    expect(sameBytes(now.subarray(0, BS + 100), pattern(4 * BS).subarray(0, BS + 100))).toBe(true);
    expect(now.subarray(BS + 100).every((b) => b === 0)).toBe(true);
    fs.verify();
  });

  it('punches whole blocks out and zeroes partial ones without changing the size', async () => {
    const fs = make();
    const file = await fs.create('a');
    await referenceWrite(fs, file, 0, pattern(6 * BS));
    await fs.punchHole(file, BS / 2, 3 * BS);
    expect(file.size).toBe(6 * BS);
    expect(fs.extents(file).map((e) => [e.offset / BS, e.length / BS])).toEqual([
      [0, 1],
      [3, 3],
    ]);
    const want = pattern(6 * BS);
    want.fill(0, BS / 2, BS / 2 + 3 * BS);
    expect(sameBytes(await fs.readRaw(file, 0, 6 * BS), want)).toBe(true);
    expect((await fs.iomapBegin(file, BS, 10, IomapOp.Report)).type).toBe(IomapType.Hole);
  });

  it('reads per extent type: zeros for holes, unwritten and delalloc, device data for mapped', async () => {
    const fs = make({ delalloc: true });
    const file = await fs.create('a');
    await referenceWrite(fs, file, 0, pattern(BS));
    await fs.fallocate(file, 2 * BS, BS);
    const map = await fs.iomapBegin(file, 3 * BS, BS, IomapOp.Write);
    await fs.iomapEnd(file, 3 * BS, BS, BS, IomapOp.Write, map);
    expect(fs.extents(file).map((e) => e.type)).toEqual([IomapType.Mapped, IomapType.Unwritten, IomapType.Delalloc]);
    const raw = await fs.readRaw(file, 0, 10 * BS);
    expect(raw.length).toBe(4 * BS);
    expect(sameBytes(raw.subarray(0, BS), pattern(BS))).toBe(true);
    expect(raw.subarray(BS).every((b) => b === 0)).toBe(true);
    expect(sameBytes(await referenceRead(fs, file, 0, 4 * BS, { direct: true }), raw)).toBe(true);
  });

  it('copies on write: the clone changes, the source keeps its data, and references settle', async () => {
    const fs = make();
    const src = await fs.create('src');
    const data = pattern(4 * BS);
    await referenceWrite(fs, src, 0, data);
    const dst = await fs.clone(src, 'dst');
    const free = fs.statfs().freeBlocks;
    await referenceWrite(fs, dst, BS + 10, pattern(100, 9));
    expect(fs.statfs().freeBlocks).toBe(free - 1);
    expect(sameBytes(await fs.readRaw(src, 0, 4 * BS), data)).toBe(true);
    const want = data.slice();
    want.set(pattern(100, 9), BS + 10);
    expect(sameBytes(await fs.readRaw(dst, 0, 4 * BS), want)).toBe(true);
    expect(fs.extents(dst).map((e) => e.shared)).toEqual([true, false, true]);
    await referenceZeroRange(fs, src, 0, BS);
    expect(fs.extents(src).map((e) => e.shared)).toEqual([false, false, true]);
    await fs.remove(dst);
    expect(fs.extents(src).every((e) => !e.shared)).toBe(true);
    fs.verify();
  });

  it('rejects unaligned reflinks and reflinks of inline files with EINVAL', async () => {
    const fs = make({ inlineCapacity: 100 });
    const a = await fs.create('a');
    const b = await fs.create('b');
    await referenceWrite(fs, a, 0, pattern(10));
    const err = await fs.reflink(a, 0, b, 0, 10).catch((e: unknown) => e);
    expect((err as FsError).code).toBe('EINVAL');
    await referenceWrite(fs, a, 0, pattern(3 * BS));
    expect(((await fs.reflink(a, 10, b, 0, BS).catch((e: unknown) => e)) as FsError).code).toBe('EINVAL');
  });

  it('verify() catches an engine that never calls iomapEnd after a copy on write', async () => {
    const fs = make();
    const src = await fs.create('src');
    await referenceWrite(fs, src, 0, pattern(2 * BS));
    const dst = await fs.clone(src, 'dst');
    fs.verify();
    await fs.iomapBegin(dst, 0, BS, IomapOp.Write);
    expect(() => fs.verify()).toThrow(/references but/);
  });

  it('rejects handles of another filesystem or removed files with EBADF', async () => {
    const fs = make();
    const other = make();
    const file = await other.create('x');
    expect(((await fs.truncate(file, 0).catch((e: unknown) => e)) as FsError).code).toBe('EBADF');
    await other.remove(file);
    expect(() => other.extents(file)).toThrow(/EBADF/);
  });
});

describe('IomapOpsSpy', () => {
  it('records begin/end pairs with positions, lengths, written and op flags (CORE-7, CORE-11)', async () => {
    const fs = make({ maxMappingLength: 2 * BS });
    const file = await fs.create('a');
    await referenceWrite(fs, file, 0, pattern(4 * BS));
    await fs.fsync(file);
    const spy = new IomapOpsSpy(fs);
    const it = new IomapIter({ inode: file, pos: 100, length: 3 * BS, op: IomapOp.Direct });
    await iomapLoop(it, spy, (iter) => iter.advance(Math.min(iter.iomapLength(), 500)));
    expect(spy.calls.map((c) => [c.kind, c.pos, c.length, c.written])).toEqual([
      ['begin', 100, 3 * BS, undefined],
      ['end', 100, 2 * BS - 100, 500],
      ['begin', 600, 3 * BS - 500, undefined],
      ['end', 600, 2 * BS - 600, 500],
      ['begin', 1100, 3 * BS - 1000, undefined],
      ['end', 1100, 2 * BS - 1100, 500],
      ['begin', 1600, 3 * BS - 1500, undefined],
      ['end', 1600, 2 * BS - 1600, 448],
      ['begin', 2 * BS, 3 * BS - 1948, undefined],
      ['end', 2 * BS, 3 * BS - 1948, 500],
      ['begin', 2548, 3 * BS - 2448, undefined],
      ['end', 2548, 3 * BS - 2448, 500],
      ['begin', 3048, 3 * BS - 2948, undefined],
      ['end', 3048, 3 * BS - 2948, 124],
    ]);
    expect(spy.begins.every((c) => c.op === IomapOp.Direct)).toBe(true);
    expect(spy.trace()[0]).toBe(`begin 100+${3 * BS} DIRECT -> MAPPED [0, +${2 * BS}) @ ${BS}`);
    spy.clear();
    expect(spy.calls).toEqual([]);
  });

  it('records errors thrown by the wrapped ops', async () => {
    const fs = make();
    const file = await fs.create('a');
    const spy = new IomapOpsSpy(fs);
    await expect(spy.iomapBegin(file, 0, BS, IomapOp.Write | IomapOp.NoWait)).rejects.toThrow(/EAGAIN/);
    expect(spy.trace()[0]).toMatch(/^begin 0\+1024 WRITE\|NOWAIT ! EAGAIN/);
  });

  it('names op and mapping flags the kernel way', () => {
    expect(describeIomapOp(0)).toBe('READ');
    expect(describeIomapOp(IomapOp.Write | IomapOp.Direct | IomapOp.OverwriteOnly)).toBe('WRITE|DIRECT|OVERWRITE_ONLY');
    expect(describeIomapFlags(0)).toBe('');
    expect(describeIomapFlags(1 | 4)).toBe('NEW|SHARED');
  });
});

describe('reference I/O', () => {
  it('rejects unaligned direct I/O with EINVAL (DIO-5)', async () => {
    const fs = make();
    const file = await fs.create('a');
    await expect(referenceWrite(fs, file, 1, new Uint8Array(512), { direct: true })).rejects.toThrow(/EINVAL/);
    await expect(referenceRead(fs, file, 0, 100, { direct: true })).rejects.toThrow(/EINVAL/);
  });

  it('returns the bytes done when a later mapping fails (CORE-25)', async () => {
    const fs = new ExtentMapFs({ deviceSize: 4 * BS, blockSize: BS, maxMappingLength: BS });
    const file = await fs.create('a');
    const done = await referenceWrite(fs, file, 0, pattern(5 * BS));
    expect(done).toBe(3 * BS);
    expect(file.size).toBe(3 * BS);
    fs.verify();
  });
});
