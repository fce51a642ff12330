// ExtentMapFs produces each mapping type on demand (CORE-2), and every
// mapping passes core's checks when walked with the real iterator.
import { describe, expect, it } from 'vitest';
import { FsError, IomapFlags, IomapOp, IomapType, NULL_ADDR, iomapTypeName } from '@iomap/core';
import { ExtentMapFs, referenceWrite } from '../src/index.js';
import { pattern, walk } from './helpers.js';

const BS = 4096;
const small = (options: ConstructorParameters<typeof ExtentMapFs>[0] = {}) =>
  new ExtentMapFs({ deviceSize: 256 * BS, ...options });

describe('ExtentMapFs mapping types (CORE-2)', () => {
  it('maps an empty file as a HOLE for reads and REPORT, never allocating', async () => {
    const fs = small();
    const file = await fs.create('a');
    for (const op of [IomapOp.Read, IomapOp.Report, IomapOp.Direct]) {
      const map = await fs.iomapBegin(file, 100, 8000, op);
      expect(map).toMatchObject({ offset: 0, length: 2 * BS, addr: NULL_ADDR, type: IomapType.Hole });
    }
    expect(fs.statfs().freeBlocks).toBe(255);
  });

  it('allocates MAPPED|NEW for a buffered write when delalloc is off', async () => {
    const fs = small();
    const file = await fs.create('a');
    const map = await fs.iomapBegin(file, 100, 5000, IomapOp.Write);
    expect(map).toMatchObject({ offset: 0, length: 2 * BS, addr: BS, type: IomapType.Mapped });
    expect(map.device).toBe(fs.device);
    expect(map.flags & IomapFlags.New).toBeTruthy();
    await fs.iomapEnd(file, 100, 5000, 5000, IomapOp.Write, map);
    expect(file.size).toBe(5100);
  });

  it('reserves DELALLOC|NEW for buffered writes and allocates it at writeback', async () => {
    const fs = small({ delalloc: true });
    const file = await fs.create('a');
    const map = await fs.iomapBegin(file, 0, 3 * BS, IomapOp.Write);
    expect(map).toMatchObject({ offset: 0, length: 3 * BS, addr: NULL_ADDR, type: IomapType.Delalloc });
    expect(map.flags & IomapFlags.New).toBeTruthy();
    await fs.iomapEnd(file, 0, 3 * BS, 3 * BS, IomapOp.Write, map);
    expect(fs.statfs().reservedBlocks).toBe(3);
    expect(fs.iomapValid(file, map)).toBe(true);
    const wb = await fs.writebackMap(file, BS, BS);
    expect(wb).toMatchObject({ type: IomapType.Mapped, offset: BS, length: BS });
    expect(fs.iomapValid(file, map)).toBe(false);
    expect(fs.statfs().reservedBlocks).toBe(2);
    const rest = await fs.writebackMap(file, 0, 3 * BS);
    expect(rest.type).toBe(IomapType.Mapped);
    expect(fs.extents(file).every((e) => e.type === IomapType.Mapped)).toBe(true);
    expect(fs.statfs().reservedBlocks).toBe(0);
    fs.verify();
  });

  it('never gives DELALLOC to direct or DAX writes, even with delalloc on (2.2 rule 2)', async () => {
    const fs = small({ delalloc: true });
    const file = await fs.create('a');
    const direct = await fs.iomapBegin(file, 0, BS, IomapOp.Write | IomapOp.Direct);
    expect(direct.type).toBe(IomapType.Mapped);
    const dax = await fs.iomapBegin(file, BS, BS, IomapOp.Write | IomapOp.Dax);
    expect(dax.type).toBe(IomapType.Mapped);
    expect(dax.daxDevice).toBe(fs.device);
  });

  it('preallocates UNWRITTEN extents that read as zeros and converts them at completion', async () => {
    const fs = small({ poison: 0xa5 });
    const file = await fs.create('a');
    await fs.fallocate(file, 0, 4 * BS);
    expect(file.size).toBe(4 * BS);
    const [map] = await walk(fs, file, 0, 4 * BS, IomapOp.Read);
    expect(map).toMatchObject({ type: IomapType.Unwritten, offset: 0, length: 4 * BS });
    expect((await fs.readRaw(file, 0, 4 * BS)).every((b) => b === 0)).toBe(true);
    await referenceWrite(fs, file, BS, pattern(BS), { direct: true });
    const types = fs.extents(file).map((e) => iomapTypeName(e.type));
    expect(types).toEqual(['UNWRITTEN', 'MAPPED', 'UNWRITTEN']);
    expect(await fs.readRaw(file, BS, BS)).toEqual(pattern(BS));
  });

  it('allocates UNWRITTEN|NEW for writes with writeAllocation "unwritten"', async () => {
    const fs = small({ writeAllocation: 'unwritten' });
    const file = await fs.create('a');
    const map = await fs.iomapBegin(file, 0, BS, IomapOp.Write | IomapOp.Direct);
    expect(map.type).toBe(IomapType.Unwritten);
    expect(map.flags & IomapFlags.New).toBeTruthy();
    await fs.iomapEnd(file, 0, BS, BS, IomapOp.Write | IomapOp.Direct, map);
    await fs.completeUnwritten(file, 0, BS);
    expect((await fs.iomapBegin(file, 0, BS, IomapOp.Read)).type).toBe(IomapType.Mapped);
  });

  it('keeps small files INLINE: the write is staged and persisted by iomapEnd', async () => {
    const fs = small({ inlineCapacity: 1000 });
    const file = await fs.create('a');
    const op = IomapOp.Write;
    const map = await fs.iomapBegin(file, 10, 20, op);
    expect(map).toMatchObject({ type: IomapType.Inline, offset: 0, length: 1000, addr: NULL_ADDR });
    map.inlineData?.set(pattern(20), 10);
    expect(file.size).toBe(0);
    await fs.iomapEnd(file, 10, 20, 20, op, map);
    expect(file.size).toBe(30);
    expect(await fs.readRaw(file, 0, 30)).toEqual(Uint8Array.from([...new Uint8Array(10), ...pattern(20)]));
    const read = await fs.iomapBegin(file, 0, 100, IomapOp.Read);
    expect(read).toMatchObject({ type: IomapType.Inline, offset: 0, length: 30 });
    expect((await fs.iomapBegin(file, 30, 100, IomapOp.Read)).type).toBe(IomapType.Hole);
    expect(fs.statfs().freeBlocks).toBe(255);
  });

  it('moves inline data to blocks when a write does not fit', async () => {
    const fs = small({ inlineCapacity: 64 });
    const file = await fs.create('a');
    await referenceWrite(fs, file, 0, pattern(50));
    expect(fs.extents(file).map((e) => e.type)).toEqual([IomapType.Inline]);
    await referenceWrite(fs, file, 60, pattern(100, 2));
    expect(fs.extents(file).map((e) => e.type)).toEqual([IomapType.Mapped]);
    const want = new Uint8Array(160);
    want.set(pattern(50));
    want.set(pattern(100, 2), 60);
    expect(await fs.readRaw(file, 0, 200)).toEqual(want);
    fs.verify();
  });

  it('packs a tail INLINE after block-mapped data', async () => {
    const fs = small({ inlineCapacity: 2048 });
    const file = await fs.create('a');
    const data = pattern(2 * BS + 1000);
    await referenceWrite(fs, file, 0, data);
    await fs.packTail(file);
    const maps = await walk(fs, file, 0, file.size);
    expect(maps.map((m) => [iomapTypeName(m.type), m.offset, m.length])).toEqual([
      ['MAPPED', 0, 2 * BS],
      ['INLINE', 2 * BS, 1000],
    ]);
    expect(await fs.readRaw(file, 0, file.size)).toEqual(data);
    fs.verify();
  });

  it('maps shared extents after a reflink and copies on write with a srcmap (CORE-10)', async () => {
    const fs = small();
    const src = await fs.create('src');
    const data = pattern(4 * BS);
    await referenceWrite(fs, src, 0, data);
    const dst = await fs.clone(src, 'dst');
    const shared = await fs.iomapBegin(dst, 0, 4 * BS, IomapOp.Read);
    expect(shared.flags & IomapFlags.Shared).toBeTruthy();
    expect(shared.addr).toBe((await fs.iomapBegin(src, 0, 1, IomapOp.Read)).addr);
    const cow = await fs.iomapBegin(dst, BS + 10, 100, IomapOp.Write);
    expect(cow).toMatchObject({ type: IomapType.Mapped, offset: BS, length: BS });
    expect(cow.flags & (IomapFlags.New | IomapFlags.Shared)).toBe(IomapFlags.New | IomapFlags.Shared);
    expect(cow.srcmap).toMatchObject({ type: IomapType.Mapped, offset: BS, length: BS, addr: shared.addr + BS });
    expect(cow.addr).not.toBe(cow.srcmap?.addr);
    await fs.iomapEnd(dst, BS + 10, 100, 0, IomapOp.Write, cow);
    fs.verify();
  });

  it('returns ENOSPC when the device is full', async () => {
    const fs = new ExtentMapFs({ deviceSize: 4 * BS });
    const file = await fs.create('a');
    await referenceWrite(fs, file, 0, new Uint8Array(3 * BS));
    const err = await fs.iomapBegin(file, 3 * BS, BS, IomapOp.Write).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FsError);
    expect((err as FsError).code).toBe('ENOSPC');
  });
});
