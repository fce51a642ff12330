import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  FiemapExtentFlag,
  FiemapFlag,
  FsError,
  IomapFlags,
  IomapOp,
  IomapType,
  MemoryBlockDevice,
  bmap,
  fiemap,
  seekData,
  seekHole,
  swapfileActivate,
  type PageCacheSeek,
} from '../src/index.js';
import { TableFs, layout, type TableFile } from './support/table-fs.js';

const { Mapped, Hole, Unwritten, Delalloc, Inline } = IomapType;
const K = 1024;
const maxBytes = 2 ** 40;

describe('fiemap', () => {
  it('reports [mapped, hole, unwritten] as two extents, the second UNWRITTEN|LAST (CORE-17)', async () => {
    const fs = new TableFs(layout([[Mapped, 8 * K], [Hole, 4 * K], [Unwritten, 4 * K]]));
    const { extents, mappedExtents } = await fiemap(fs, fs.ops, { start: 0, length: 16 * K }, { maxBytes });
    expect(mappedExtents).toBe(2);
    expect(extents).toEqual([
      { logical: 0, physical: 1 << 20, length: 8 * K, flags: 0 },
      { logical: 12 * K, physical: expect.any(Number), length: 4 * K, flags: FiemapExtentFlag.Unwritten | FiemapExtentFlag.Last },
    ]);
    expect(fs.begins.every((b) => b.op === IomapOp.Report)).toBe(true);
  });

  it('stops at a full array without LAST (CORE-17)', async () => {
    const fs = new TableFs(layout([[Mapped, 8 * K], [Hole, 4 * K], [Unwritten, 4 * K]]));
    const { extents } = await fiemap(fs, fs.ops, { start: 0, length: 16 * K, maxExtents: 1 }, { maxBytes });
    expect(extents).toHaveLength(1);
    expect(extents[0]?.flags).toBe(0);
  });

  it('only counts extents when maxExtents is 0 (CORE-17)', async () => {
    const fs = new TableFs(layout([[Mapped, 8 * K], [Hole, 4 * K], [Unwritten, 4 * K], [Mapped, 4 * K]]));
    const r = await fiemap(fs, fs.ops, { start: 0, length: 20 * K, maxExtents: 0 }, { maxBytes });
    expect(r).toEqual({ extents: [], mappedExtents: 3 });
  });

  it('translates types and flags: DELALLOC|UNKNOWN at 0, INLINE, MERGED, SHARED (CORE-3, CORE-17)', async () => {
    const fs = new TableFs(
      layout([
        [Delalloc, 4 * K],
        [Mapped, 4 * K, IomapFlags.Merged],
        [Mapped, 4 * K, IomapFlags.Shared],
        [Inline, 100],
      ]),
    );
    const { extents } = await fiemap(fs, fs.ops, { start: 0, length: 13 * K }, { maxBytes });
    expect(extents.map((e) => [e.physical === 0, e.flags])).toEqual([
      [true, FiemapExtentFlag.Delalloc | FiemapExtentFlag.Unknown],
      [false, FiemapExtentFlag.Merged],
      [false, FiemapExtentFlag.Shared],
      [true, FiemapExtentFlag.DataInline | FiemapExtentFlag.NotAligned | FiemapExtentFlag.Last],
    ]);
  });

  it('ends the walk without error when the filesystem answers ENOENT (CORE-17)', async () => {
    const fs = new TableFs(layout([[Mapped, 4 * K], [Mapped, 4 * K]]), 4 * K);
    fs.beginHook = (pos, _l, _o, m) => {
      if (pos >= 4 * K) throw new FsError('ENOENT', 'no more');
      return m;
    };
    const { extents } = await fiemap(fs, fs.ops, { start: 0, length: 8 * K }, { maxBytes });
    expect(extents).toHaveLength(1);
    expect(extents[0]?.flags).toBe(FiemapExtentFlag.Last);
  });

  it('validates the request: EINVAL for length 0, EFBIG past maxBytes, EBADR for XATTR (CORE-18)', async () => {
    const fs = new TableFs(layout([[Mapped, 4 * K]]));
    await expect(fiemap(fs, fs.ops, { start: 0, length: 0 }, { maxBytes })).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(fiemap(fs, fs.ops, { start: maxBytes, length: 1 }, { maxBytes })).rejects.toMatchObject({
      code: 'EFBIG',
    });
    await expect(
      fiemap(fs, fs.ops, { start: 0, length: 10, flags: FiemapFlag.Xattr }, { maxBytes }),
    ).rejects.toMatchObject({ code: 'EBADR', incompatibleFlags: FiemapFlag.Xattr });
    await expect(fiemap(fs, fs.ops, { start: -1, length: 10 }, { maxBytes })).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(fiemap(fs, fs.ops, { start: 0.5, length: 10 }, { maxBytes })).rejects.toMatchObject({ code: 'EINVAL' });
    expect(fs.calls).toHaveLength(0);
  });

  it('trims the walk to maxBytes (CORE-18)', async () => {
    const fs = new TableFs(layout([[Mapped, 64 * K]]));
    await fiemap(fs, fs.ops, { start: 4 * K, length: 2 ** 50 }, { maxBytes: 16 * K });
    expect(fs.begins[0]?.length).toBe(12 * K);
  });

  it('writes back first with FIEMAP_FLAG_SYNC, so delalloc turns into mapped (CORE-18)', async () => {
    const file: TableFile = layout([[Delalloc, 8 * K]]);
    const fs = new TableFs(file);
    const sync = async (): Promise<void> => {
      file.extents = [{ offset: 0, length: 8 * K, type: Mapped, addr: 1 << 22 }];
    };
    const { extents } = await fiemap(fs, fs.ops, { start: 0, length: 8 * K, flags: FiemapFlag.Sync }, { maxBytes, sync });
    expect(extents).toEqual([{ logical: 0, physical: 1 << 22, length: 8 * K, flags: FiemapExtentFlag.Last }]);
  });
});

/** A page cache stand-in: a set of cached uptodate byte ranges. */
function cacheOf(ranges: Array<[number, number]>): PageCacheSeek {
  return {
    seekHoleData(start, end, whence) {
      if (whence === 'data') {
        let first: number | undefined;
        for (const [s, e] of ranges) {
          const p = Math.max(s, start);
          if (p < Math.min(e, end) && (first === undefined || p < first)) first = p;
        }
        return first;
      }
      let p = start;
      for (let moved = true; moved && p < end; ) {
        moved = false;
        for (const [s, e] of ranges) {
          if (p >= s && p < e) {
            p = e;
            moved = true;
          }
        }
      }
      return Math.min(p, end);
    },
  };
}

describe('seek hole and data', () => {
  it('finds the first hole and the virtual hole at EOF (CORE-19)', async () => {
    const fs = new TableFs(layout([[Mapped, 8 * K], [Hole, 4 * K]]));
    expect(await seekHole(fs, fs.ops, 0, { size: 12 * K })).toBe(8 * K);
    const full = new TableFs(layout([[Mapped, 10 * K]]));
    expect(await seekHole(full, full.ops, 0, { size: 10 * K })).toBe(10 * K);
    await expect(seekHole(full, full.ops, 10 * K, { size: 10 * K })).rejects.toMatchObject({ code: 'ENXIO' });
    await expect(seekHole(full, full.ops, -1, { size: 10 * K })).rejects.toMatchObject({ code: 'ENXIO' });
    expect(full.begins.every((b) => b.op === IomapOp.Report)).toBe(true);
  });

  it('finds the first data and answers ENXIO when only holes follow (CORE-20)', async () => {
    const fs = new TableFs(layout([[Hole, 4 * K], [Mapped, 4 * K]]));
    expect(await seekData(fs, fs.ops, 0, { size: 8 * K })).toBe(4 * K);
    expect(await seekData(fs, fs.ops, 5000, { size: 8 * K })).toBe(5000);
    const holes = new TableFs(layout([[Hole, 16 * K]]));
    await expect(seekData(holes, holes.ops, 0, { size: 16 * K })).rejects.toMatchObject({ code: 'ENXIO' });
    await expect(seekData(holes, holes.ops, 16 * K, { size: 16 * K })).rejects.toMatchObject({ code: 'ENXIO' });
  });

  it('treats DELALLOC and INLINE as data (CORE-20)', async () => {
    const fs = new TableFs(layout([[Hole, 4 * K], [Delalloc, 4 * K], [Hole, 4 * K], [Inline, 100]]));
    expect(await seekData(fs, fs.ops, 0, { size: 12 * K + 100 })).toBe(4 * K);
    expect(await seekData(fs, fs.ops, 8 * K, { size: 12 * K + 100 })).toBe(12 * K);
  });

  it('asks the page cache inside unwritten extents (CORE-19, CORE-20, CORE-21)', async () => {
    const fs = new TableFs(layout([[Hole, 4 * K], [Unwritten, 16 * K]]));
    const size = 20 * K;
    const cache = cacheOf([[12 * K, 16 * K]]);
    expect(await seekData(fs, fs.ops, 0, { size, cache })).toBe(12 * K);
    expect(await seekHole(fs, fs.ops, 12 * K, { size, cache })).toBe(16 * K);
    expect(await seekHole(fs, fs.ops, 4 * K, { size, cache })).toBe(4 * K);
    await expect(seekData(fs, fs.ops, 0, { size })).rejects.toMatchObject({ code: 'ENXIO' });
    const allCached = cacheOf([[4 * K, 20 * K]]);
    expect(await seekHole(fs, fs.ops, 4 * K, { size, cache: allCached })).toBe(size);
  });
});

describe('bmap', () => {
  it('gives the device block of a mapped block and 0 for everything else (CORE-22)', async () => {
    const fs = new TableFs({
      extents: [
        { offset: 0, length: 8 * K, type: Mapped, addr: 40 * K },
        { offset: 8 * K, length: 4 * K, type: Unwritten, addr: 100 * K },
        { offset: 12 * K, length: 4 * K, type: Delalloc },
      ],
      size: 20 * K,
    });
    const ctx = { blockSize: 4 * K };
    expect(await bmap(fs, fs.ops, 0, ctx)).toBe(10);
    expect(await bmap(fs, fs.ops, 1, ctx)).toBe(11);
    expect(await bmap(fs, fs.ops, 2, ctx)).toBe(0);
    expect(await bmap(fs, fs.ops, 3, ctx)).toBe(0);
    expect(await bmap(fs, fs.ops, 4, ctx)).toBe(0);
    expect(fs.begins.every((b) => b.op === IomapOp.Report && b.length === 4 * K)).toBe(true);
  });

  it('flushes first and answers 0 when that or the mapping fails (CORE-22)', async () => {
    const fs = new TableFs(layout([[Mapped, 4 * K]]));
    const failingSync = async (): Promise<void> => {
      throw new FsError('EIO', 'writeback failed');
    };
    expect(await bmap(fs, fs.ops, 0, { blockSize: 4 * K, sync: failingSync })).toBe(0);
    fs.beginHook = () => {
      throw new FsError('EIO', 'broken');
    };
    expect(await bmap(fs, fs.ops, 0, { blockSize: 4 * K })).toBe(0);
  });
});

describe('swapfile activation', () => {
  const P = 4096;

  it('collects 3 contiguous pages and 1 distant page into 2 extents, 4 pages, 3 usable (CORE-23)', async () => {
    const fs = new TableFs({
      extents: [
        { offset: 0, length: 3 * P, type: Mapped, addr: 10 * P },
        { offset: 3 * P, length: P, type: Mapped, addr: 50 * P },
      ],
      size: 4 * P,
    });
    let synced = false;
    const r = await swapfileActivate(fs, fs.ops, { size: 4 * P, fsync: async () => void (synced = true) });
    expect(synced).toBe(true);
    expect(r.extents).toEqual([
      { startPage: 0, pages: 3, startPhysicalPage: 10 },
      { startPage: 3, pages: 1, startPhysicalPage: 50 },
    ]);
    expect(r.maxPages).toBe(4);
    expect(r.usablePages).toBe(3);
    expect(r.pageSpan).toBe(50 - 11 + 1);
  });

  it('merges mappings that are physically contiguous and trims runs to pages (CORE-23)', async () => {
    const fs = new TableFs(
      {
        extents: [
          { offset: 0, length: 4 * P, type: Mapped, addr: 8 * P },
          { offset: 4 * P, length: 2 * P + 1024, type: Unwritten, addr: 12 * P },
          { offset: 6 * P + 1024, length: 3 * P - 1024, type: Mapped, addr: 100 * P + 1024 },
        ],
        size: 9 * P + 100,
      },
      P,
    );
    const r = await swapfileActivate(fs, fs.ops, { size: 9 * P + 100 });
    expect(r.extents).toEqual([
      { startPage: 0, pages: 6, startPhysicalPage: 8 },
      { startPage: 6, pages: 2, startPhysicalPage: 101 },
    ]);
    expect(r.maxPages).toBe(8);
  });

  it.each([
    ['a hole', layout([[Mapped, 4 * P], [Hole, P], [Mapped, P]]), /unallocated/],
    ['delayed allocation', layout([[Mapped, 4 * P], [Delalloc, P]]), /unallocated/],
    ['inline data', layout([[Inline, P]]), /inline/],
    ['a dirty mapping', layout([[Mapped, 4 * P, IomapFlags.Dirty]]), /not committed/],
    ['a shared mapping', layout([[Mapped, 4 * P, IomapFlags.Shared]]), /shared/],
  ])('refuses a file with %s with EINVAL (CORE-23)', async (_name, file, message) => {
    const fs = new TableFs(file);
    const err = await swapfileActivate(fs, fs.ops, { size: file.size }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'EINVAL' });
    expect((err as Error).message).toMatch(message);
  });

  it('refuses extents on another device and a file with no usable page (CORE-23)', async () => {
    const swapDev = new MemoryBlockDevice({ size: 1 << 20 });
    const other = new MemoryBlockDevice({ size: 1 << 20 });
    const fs = new TableFs({ extents: [{ offset: 0, length: 4 * P, type: Mapped, addr: 0 }], size: 4 * P });
    fs.beginHook = (_p, _l, _o, m) => ({ ...m, device: other });
    await expect(swapfileActivate(fs, fs.ops, { size: 4 * P, device: swapDev })).rejects.toMatchObject({
      code: 'EINVAL',
    });
    const tiny = new TableFs({ extents: [{ offset: 0, length: P, type: Mapped, addr: 1000 }], size: P });
    await expect(swapfileActivate(tiny, tiny.ops, { size: P })).rejects.toThrow(/usable/);
    const small = new TableFs(layout([[Mapped, 100]]));
    await expect(swapfileActivate(small, small.ops, { size: 100 })).rejects.toThrow(/usable/);
  });

  it('respects the swap header limit on pages (CORE-23)', async () => {
    const fs = new TableFs({ extents: [{ offset: 0, length: 16 * P, type: Mapped, addr: 0 }], size: 16 * P });
    const r = await swapfileActivate(fs, fs.ops, { size: 16 * P, maxPages: 5 });
    expect(r.maxPages).toBe(5);
    expect(r.usablePages).toBe(4);
  });
});

describe('reporting agrees with a brute-force model', () => {
  const typeArb = fc.constantFrom(Mapped, Hole, Unwritten, Delalloc);
  const partsArb = fc.array(fc.tuple(typeArb, fc.integer({ min: 1, max: 16 }).map((n) => n * 512)), {
    minLength: 1,
    maxLength: 10,
  });

  /** Per-byte model: is byte p data for seek purposes, and is it reported by fiemap? */
  function model(file: TableFile, cached: (p: number) => boolean) {
    const typeAt = (p: number): number => {
      const e = file.extents.find((x) => p >= x.offset && p < x.offset + x.length);
      return e === undefined ? Hole : e.type;
    };
    const isData = (p: number): boolean => {
      const t = typeAt(p);
      if (t === Hole) return false;
      if (t === Unwritten) return cached(p);
      return true;
    };
    return { typeAt, isData };
  }

  it('seekHole/seekData match a per-byte scan for random layouts, mapping sizes and caches (CORE-19, CORE-20)', async () => {
    await fc.assert(
      fc.asyncProperty(partsArb, fc.integer({ min: 1, max: 8 }), fc.array(fc.nat({ max: 200 }), { maxLength: 10 }), fc.nat(), async (parts, pieces, cachedSectors, startSeed) => {
        const file = layout(parts);
        const fs = new TableFs(file, pieces * 512);
        const cachedSet = new Set(cachedSectors);
        const cached = (p: number): boolean => cachedSet.has(Math.floor(p / 512));
        const cache = cacheOf(cachedSectors.map((s) => [s * 512, s * 512 + 512]));
        const { isData } = model(file, cached);
        const pos = startSeed % file.size;
        let expectHole = file.size;
        for (let p = pos; p < file.size; p++) {
          if (!isData(p)) {
            expectHole = p;
            break;
          }
        }
        let expectData: number | undefined;
        for (let p = pos; p < file.size; p++) {
          if (isData(p)) {
            expectData = p;
            break;
          }
        }
        expect(await seekHole(fs, fs.ops, pos, { size: file.size, cache })).toBe(expectHole);
        if (expectData === undefined) {
          await expect(seekData(fs, fs.ops, pos, { size: file.size, cache })).rejects.toMatchObject({ code: 'ENXIO' });
        } else {
          expect(await seekData(fs, fs.ops, pos, { size: file.size, cache })).toBe(expectData);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('fiemap covers exactly the non-hole bytes, in order, with LAST on the final extent (CORE-17)', async () => {
    await fc.assert(
      fc.asyncProperty(partsArb, fc.integer({ min: 1, max: 8 }), async (parts, pieces) => {
        const file = layout(parts);
        const fs = new TableFs(file, pieces * 512);
        const { typeAt } = model(file, () => false);
        const { extents } = await fiemap(fs, fs.ops, { start: 0, length: file.size }, { maxBytes });
        const covered = new Uint8Array(file.size);
        for (const e of extents) {
          for (let p = e.logical; p < e.logical + e.length; p++) covered[p]!++;
          const t = typeAt(e.logical);
          expect((e.flags & FiemapExtentFlag.Unwritten) !== 0).toBe(t === Unwritten);
          expect((e.flags & FiemapExtentFlag.Delalloc) !== 0).toBe(t === Delalloc);
        }
        const expected = Uint8Array.from({ length: file.size }, (_, p) => (typeAt(p) === Hole ? 0 : 1));
        expect(Buffer.from(covered).equals(Buffer.from(expected))).toBe(true);
        for (let i = 1; i < extents.length; i++) {
          expect(extents[i]!.logical).toBeGreaterThanOrEqual(extents[i - 1]!.logical + extents[i - 1]!.length);
        }
        extents.forEach((e, i) =>
          expect((e.flags & FiemapExtentFlag.Last) !== 0).toBe(i === extents.length - 1),
        );
      }),
      { numRuns: 150 },
    );
  });
});

describe('reporting entry points reject bad arguments and contract bugs', () => {
  it('answers EINVAL for a NaN or fractional seek position and a bad size', async () => {
    const fs = new TableFs(layout([[Mapped, 8 * K]]));
    await expect(seekData(fs, fs.ops, Number.NaN, { size: 8 * K })).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(seekHole(fs, fs.ops, 1.5, { size: 8 * K })).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(seekHole(fs, fs.ops, 0, { size: -1 })).rejects.toMatchObject({ code: 'EINVAL' });
  });

  it('does not hide a broken mapping behind bmap 0 (CORE-22, CORE-13)', async () => {
    const fs = new TableFs(layout([[Mapped, 8 * K]]));
    fs.beginHook = (_p, _l, _o, m) => ({ ...m, length: 0 });
    await expect(bmap(fs, fs.ops, 0, { blockSize: 4 * K })).rejects.toMatchObject({ specId: 'CORE-1' });
    await expect(bmap(fs, fs.ops, 0, { blockSize: 3000 })).rejects.toMatchObject({ code: 'EINVAL' });
  });

  it('refuses a swapfile spread over two devices even without a named swap device (CORE-23)', async () => {
    const a = new MemoryBlockDevice({ size: 1 << 20 });
    const b = new MemoryBlockDevice({ size: 1 << 20 });
    const fs = new TableFs(layout([[Mapped, 4 * 4096], [Mapped, 4 * 4096]]), 4 * 4096);
    fs.beginHook = (pos, _l, _o, m) => ({ ...m, device: pos < 4 * 4096 ? a : b });
    await expect(swapfileActivate(fs, fs.ops, { size: 8 * 4096 })).rejects.toThrow(/more than one device/);
  });
});

describe('operation flags per entry point (CORE-5)', () => {
  it('passes exactly REPORT to begin and end from fiemap, seekHole, seekData, bmap and swapfileActivate', async () => {
    const run: Array<[string, (fs: TableFs) => Promise<unknown>]> = [
      ['fiemap', (fs) => fiemap(fs, fs.ops, { start: 0, length: 8 * K }, { maxBytes })],
      ['seekHole', (fs) => seekHole(fs, fs.ops, 0, { size: 8 * K })],
      ['seekData', (fs) => seekData(fs, fs.ops, 0, { size: 8 * K })],
      ['bmap', (fs) => bmap(fs, fs.ops, 1, { blockSize: 4 * K })],
      ['swapfileActivate', (fs) => swapfileActivate(fs, fs.ops, { size: 8 * K })],
    ];
    for (const [name, call] of run) {
      const fs = new TableFs(layout([[Mapped, 4 * K], [Mapped, 4 * K]]), 4 * K);
      await call(fs);
      expect(fs.calls.length, name).toBeGreaterThan(0);
      expect(new Set(fs.calls.map((c) => c.op)), name).toEqual(new Set([IomapOp.Report]));
      expect(fs.ends.length, `${name}: one end per begin`).toBe(fs.begins.length);
    }
  });
});
