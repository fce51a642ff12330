// ExtentMapFs sets each flag on demand (CORE-3), honours the operation flags
// (CORE-5, 2.2), bumps validity cookies (CORE-24), and shapes mappings by
// size limit and allocation pattern.
import { describe, expect, it } from 'vitest';
import { FsError, IomapFlags, IomapOp, IomapType, NULL_ADDR } from '@iomap/core';
import { ExtentMapFs, referenceWrite, type AllocationPattern } from '../src/index.js';
import { pattern, sameBytes, walk } from './helpers.js';

const BS = 1024;
const make = (options: ConstructorParameters<typeof ExtentMapFs>[0] = {}) =>
  new ExtentMapFs({ deviceSize: 512 * BS, blockSize: BS, ...options });

async function code(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (e: unknown) => (e instanceof FsError ? e.code : String(e)),
  );
}

describe('ExtentMapFs flags (CORE-3)', () => {
  it('sets DIRTY while metadata is unsynced or a write may move EOF, and not after fsync', async () => {
    const fs = make();
    const file = await fs.create('a');
    await referenceWrite(fs, file, 0, pattern(4 * BS));
    expect((await fs.iomapBegin(file, 0, BS, IomapOp.Report)).flags & IomapFlags.Dirty).toBeTruthy();
    await fs.fsync(file);
    expect((await fs.iomapBegin(file, 0, BS, IomapOp.Report)).flags & IomapFlags.Dirty).toBe(0);
    expect((await fs.iomapBegin(file, 0, BS, IomapOp.Write)).flags & IomapFlags.Dirty).toBe(0);
    expect((await fs.iomapBegin(file, 3 * BS, 2 * BS, IomapOp.Write)).flags & IomapFlags.Dirty).toBeTruthy();
  });

  it('sets BOUNDARY on mappings starting at a multiple of boundaryEvery and never crosses one', async () => {
    const fs = make({ boundaryEvery: 4 });
    const file = await fs.create('a');
    await referenceWrite(fs, file, 0, pattern(10 * BS));
    const maps = await walk(fs, file, 0, 10 * BS);
    expect(maps.map((m) => [m.offset / BS, m.length / BS, (m.flags & IomapFlags.Boundary) !== 0])).toEqual([
      [0, 4, true],
      [4, 4, true],
      [8, 2, true],
    ]);
  });

  it('sets MERGED when several extent records are coalesced into one mapping', async () => {
    const fs = make({ mergedFlag: true });
    const file = await fs.create('a');
    await referenceWrite(fs, file, 0, pattern(2 * BS));
    await referenceWrite(fs, file, 2 * BS, pattern(2 * BS));
    const [one, ...rest] = await walk(fs, file, 0, 4 * BS);
    expect(rest).toEqual([]);
    expect(one?.length).toBe(4 * BS);
    expect(one!.flags & IomapFlags.Merged).toBeTruthy();
    const single = make({ mergedFlag: true });
    const f2 = await single.create('b');
    await referenceWrite(single, f2, 0, pattern(4 * BS));
    expect((await single.iomapBegin(f2, 0, BS, IomapOp.Report)).flags & IomapFlags.Merged).toBe(0);
  });
});

describe('ExtentMapFs operation flags (CORE-5, IOMAP-SPEC 2.2)', () => {
  it('refuses allocation under NOWAIT with EAGAIN and no side effects; allows it when configured', async () => {
    const fs = make();
    const file = await fs.create('a');
    const free = fs.statfs().freeBlocks;
    const cookie = fs.cookie(file);
    expect(await code(fs.iomapBegin(file, 0, BS, IomapOp.Write | IomapOp.NoWait))).toBe('EAGAIN');
    expect(fs.statfs().freeBlocks).toBe(free);
    expect(fs.cookie(file)).toBe(cookie);
    await referenceWrite(fs, file, 0, pattern(BS));
    const over = await fs.iomapBegin(file, 0, BS, IomapOp.Write | IomapOp.NoWait);
    expect(over.type).toBe(IomapType.Mapped);
    const lenient = make({ nowait: 'allow' });
    const f2 = await lenient.create('b');
    expect((await lenient.iomapBegin(f2, 0, BS, IomapOp.Write | IomapOp.NoWait)).type).toBe(IomapType.Mapped);
  });

  it('answers OVERWRITE_ONLY with one covering MAPPED mapping or EAGAIN', async () => {
    const fs = make();
    const file = await fs.create('a');
    const op = IomapOp.Write | IomapOp.Direct | IomapOp.OverwriteOnly;
    expect(await code(fs.iomapBegin(file, 0, BS, op))).toBe('EAGAIN');
    await referenceWrite(fs, file, 0, pattern(4 * BS));
    expect((await fs.iomapBegin(file, 100, 3000, op)).type).toBe(IomapType.Mapped);
    expect(await code(fs.iomapBegin(file, 3 * BS, 2 * BS, op))).toBe('EAGAIN');
    await fs.fallocate(file, 4 * BS, 4 * BS);
    expect((await fs.iomapBegin(file, 4 * BS, BS, op)).type).toBe(IomapType.Unwritten);
    expect(await code(fs.iomapBegin(file, 4 * BS + 1, 10, op))).toBe('EAGAIN');
  });

  it('never allocates for REPORT or ZERO and returns holes as holes', async () => {
    const fs = make();
    const file = await fs.create('a');
    await fs.truncate(file, 8 * BS);
    for (const op of [IomapOp.Report, IomapOp.Zero, IomapOp.Write | IomapOp.Unshare]) {
      expect((await fs.iomapBegin(file, 0, 8 * BS, op)).type).toBe(IomapType.Hole);
    }
    expect(fs.extents(file)).toEqual([]);
  });

  it('pre-zeroes DAX allocations and converts UNWRITTEN space for DAX writes', async () => {
    const fs = make({ poison: 0xee });
    const file = await fs.create('a');
    const map = await fs.iomapBegin(file, 0, 2 * BS, IomapOp.Write | IomapOp.Dax);
    expect(map.daxDevice?.directAccess(map.addr, 2 * BS).every((b) => b === 0)).toBe(true);
    await fs.fallocate(file, 4 * BS, BS);
    const conv = await fs.iomapBegin(file, 4 * BS, BS, IomapOp.Write | IomapOp.Dax);
    expect(conv.type).toBe(IomapType.Mapped);
    expect(conv.flags & IomapFlags.New).toBeTruthy();
    const plain = await fs.iomapBegin(file, 8 * BS, BS, IomapOp.Write);
    expect(fs.daxDevice?.directAccess(plain.addr, BS).every((b) => b === 0xee)).toBe(true);
  });

  it('refuses an unaligned direct write to shared blocks with ENOTBLK (fall back to buffered)', async () => {
    const fs = make();
    const src = await fs.create('src');
    await referenceWrite(fs, src, 0, pattern(4 * BS));
    const dst = await fs.clone(src, 'dst');
    expect(await code(fs.iomapBegin(dst, 100, 10, IomapOp.Write | IomapOp.Direct))).toBe('ENOTBLK');
    const aligned = await fs.iomapBegin(dst, BS, BS, IomapOp.Write | IomapOp.Direct);
    expect(aligned.flags & IomapFlags.Shared).toBeTruthy();
  });

  it('releases unused reservations and allocations after a short write (2.3)', async () => {
    for (const delalloc of [false, true]) {
      const fs = make({ delalloc });
      const file = await fs.create('a');
      const map = await fs.iomapBegin(file, 0, 8 * BS, IomapOp.Write);
      expect(map.length).toBe(8 * BS);
      await fs.iomapEnd(file, 0, 8 * BS, 2 * BS + 1, IomapOp.Write, map);
      expect(fs.extents(file).reduce((n, e) => n + e.length, 0)).toBe(3 * BS);
      expect(file.size).toBe(2 * BS + 1);
      fs.verify();
    }
  });
});

describe('ExtentMapFs validity cookies (CORE-24)', () => {
  it('bumps the cookie on every extent change and iomapValid tells stale mappings apart', async () => {
    const fs = make({ delalloc: true });
    const file = await fs.create('a');
    const seen = [fs.cookie(file)];
    const map = await fs.iomapBegin(file, 0, BS, IomapOp.Write);
    seen.push(fs.cookie(file));
    expect(fs.iomapValid(file, map)).toBe(true);
    await fs.iomapEnd(file, 0, BS, BS, IomapOp.Write, map);
    await fs.writebackMap(file, 0, BS);
    seen.push(fs.cookie(file));
    expect(fs.iomapValid(file, map)).toBe(false);
    await fs.truncate(file, 0);
    seen.push(fs.cookie(file));
    await fs.fallocate(file, 0, BS);
    seen.push(fs.cookie(file));
    await fs.completeUnwritten(file, 0, BS);
    seen.push(fs.cookie(file));
    await fs.punchHole(file, 0, BS);
    seen.push(fs.cookie(file));
    expect(new Set(seen).size).toBe(seen.length);
    const read = await fs.iomapBegin(file, 0, BS, IomapOp.Read);
    expect(read.validityCookie).toBe(fs.cookie(file));
  });
});

describe('ExtentMapFs mapping sizes and allocation patterns', () => {
  const layout = async (allocation: AllocationPattern, maxMappingLength?: number) => {
    const fs = make({ allocation, seed: 5, ...(maxMappingLength ? { maxMappingLength } : {}) });
    const a = await fs.create('a');
    const b = await fs.create('b');
    for (let i = 0; i < 8; i++) {
      await referenceWrite(fs, a, i * 2 * BS, pattern(2 * BS, i));
      await referenceWrite(fs, b, i * 2 * BS, pattern(2 * BS, i + 8));
    }
    const maps = await walk(fs, a, 0, 16 * BS);
    const want = Uint8Array.from(Array.from({ length: 8 }, (_, i) => [...pattern(2 * BS, i)]).flat());
    expect(sameBytes(await fs.readRaw(a, 0, 16 * BS), want)).toBe(true);
    return maps;
  };

  it('gives few large mappings with contiguous allocation and no limit', async () => {
    const fs = make();
    const file = await fs.create('a');
    await referenceWrite(fs, file, 0, pattern(64 * BS));
    expect(await walk(fs, file, 0, 64 * BS)).toHaveLength(1);
  });

  it('limits mappings to maxMappingLength (one block … huge)', async () => {
    const fs = make({ maxMappingLength: BS });
    const file = await fs.create('a');
    await referenceWrite(fs, file, 0, pattern(16 * BS));
    const maps = await walk(fs, file, 0, 16 * BS);
    expect(maps).toHaveLength(16);
    expect(maps.every((m, i) => m.offset === i * BS && m.length === BS)).toBe(true);
  });

  it('interleaves two files with the contiguous pattern, one block per mapping with fragmented or reverse', async () => {
    expect(await layout('contiguous')).toHaveLength(8);
    const fragmented = await layout('fragmented');
    expect(fragmented).toHaveLength(16);
    const reverse = await layout('reverse');
    expect(reverse).toHaveLength(16);
    expect(reverse[0]!.addr).toBeGreaterThan(reverse[1]!.addr);
  });

  it('places blocks randomly but reproducibly from the seed', async () => {
    const a = (await layout('random')).map((m) => [m.offset, m.length, m.addr]);
    const b = (await layout('random')).map((m) => [m.offset, m.length, m.addr]);
    expect(a).toEqual(b);
    expect(a.length).toBeGreaterThan(1);
  });

  it('starts a mapping before the requested position when the extent does (CORE-6)', async () => {
    const fs = make();
    const file = await fs.create('a');
    await referenceWrite(fs, file, 0, pattern(8 * BS));
    const map = await fs.iomapBegin(file, 5 * BS + 7, 10, IomapOp.Read);
    expect(map).toMatchObject({ offset: 0, length: 8 * BS });
    expect((await fs.iomapBegin(file, 9 * BS, 10, IomapOp.Read)).addr).toBe(NULL_ADDR);
  });
});
