import { describe, expect, it } from 'vitest';
import {
  IOMAP_FLAGS_MASK,
  IomapContractError,
  IomapFlags,
  IomapIter,
  IomapOp,
  IomapType,
  NULL_ADDR,
  describeIomap,
  iomapAddress,
  iomapInlineData,
  iomapInlineDataValid,
  iomapLastWrittenBlock,
  iomapSector,
  iomapTypeName,
  iomapWantUnshare,
  iomapIter,
  validateIomap,
  type Iomap,
  type IomapOps,
} from '../src/index.js';

const base = { offset: 4096, length: 8192, flags: 0 };

describe('mapping record', () => {
  it('accepts NULL_ADDR only for HOLE, DELALLOC and INLINE (CORE-1)', () => {
    const inline = new Uint8Array(8192);
    for (const type of [IomapType.Hole, IomapType.Delalloc]) {
      expect(() => validateIomap({ ...base, type, addr: NULL_ADDR }, 't')).not.toThrow();
      expect(() => validateIomap({ ...base, type, addr: 0 }, 't')).toThrow(IomapContractError);
    }
    expect(() => validateIomap({ ...base, type: IomapType.Inline, addr: NULL_ADDR, inlineData: inline }, 't')).not.toThrow();
    for (const type of [IomapType.Mapped, IomapType.Unwritten]) {
      expect(() => validateIomap({ ...base, type, addr: 65536 }, 't')).not.toThrow();
      expect(() => validateIomap({ ...base, type, addr: NULL_ADDR }, 't')).toThrow(IomapContractError);
    }
  });

  it('allows a MAPPED mapping without an address only with AnonWrite (CORE-3)', () => {
    const anon = { ...base, type: IomapType.Mapped, addr: NULL_ADDR, flags: IomapFlags.AnonWrite };
    expect(() => validateIomap(anon, 't')).not.toThrow();
  });

  it('rejects a zero, negative or fractional length and a bad offset (CORE-1)', () => {
    for (const length of [0, -1, 1.5, Number.NaN]) {
      expect(() => validateIomap({ ...base, length, type: IomapType.Hole, addr: NULL_ADDR }, 't')).toThrow(
        expect.objectContaining({ specId: 'CORE-1', code: 'EIO' }),
      );
    }
    expect(() => validateIomap({ ...base, offset: -4096, type: IomapType.Hole, addr: NULL_ADDR }, 't')).toThrow(
      IomapContractError,
    );
  });

  it('requires inline data covering an INLINE mapping (CORE-2)', () => {
    expect(() =>
      validateIomap({ ...base, type: IomapType.Inline, addr: NULL_ADDR, inlineData: new Uint8Array(10) }, 't'),
    ).toThrow(expect.objectContaining({ specId: 'CORE-2' }));
  });

  it('numbers the types as the kernel does and names them (CORE-2)', () => {
    expect(IomapType).toEqual({ Hole: 0, Delalloc: 1, Mapped: 2, Unwritten: 3, Inline: 4 });
    expect(Object.values(IomapType).map((t) => iomapTypeName(t))).toEqual([
      'HOLE', 'DELALLOC', 'MAPPED', 'UNWRITTEN', 'INLINE',
    ]);
    expect(describeIomap({ offset: 0, length: 10, addr: 512, type: IomapType.Mapped, flags: 0 })).toBe(
      'MAPPED [0, +10) @ 512',
    );
  });

  it('keeps every mapping flag a distinct bit inside 16 bits, with the private range on top (CORE-3, CORE-4)', () => {
    const bits = Object.values(IomapFlags);
    expect(new Set(bits).size).toBe(bits.length);
    for (const b of bits) {
      expect(b & (b - 1)).toBe(0);
      expect(b & ~IOMAP_FLAGS_MASK).toBe(0);
    }
    expect(Math.max(...bits.filter((b) => b !== IomapFlags.Private))).toBeLessThan(IomapFlags.Private);
  });

  it('keeps every operation flag a distinct bit, with read as no flag (CORE-5)', () => {
    const bits = Object.entries(IomapOp).filter(([name]) => name !== 'Read').map(([, v]) => v);
    expect(IomapOp.Read).toBe(0);
    expect(new Set(bits).size).toBe(bits.length);
    for (const b of bits) expect(b & (b - 1)).toBe(0);
  });
});

describe('mapping helpers (CORE-14)', () => {
  const map: Iomap = { offset: 4096, length: 8192, addr: 8192, type: IomapType.Mapped, flags: 0 };

  it('computes the sector of a position', () => {
    expect(iomapSector(map, 5000)).toBe(17);
    expect(iomapSector(map, 4096)).toBe(16);
    expect(iomapAddress(map, 5000)).toBe(9096);
  });

  it('gives the inline bytes from a position and checks they fit in a page', () => {
    const data = new Uint8Array(100).map((_, i) => i);
    const inline: Iomap = { offset: 0, length: 100, addr: NULL_ADDR, type: IomapType.Inline, flags: 0, inlineData: data };
    expect(iomapInlineData(inline, 10)[0]).toBe(10);
    expect(iomapInlineDataValid(inline)).toBe(true);
    expect(iomapInlineDataValid({ ...inline, length: 5000, inlineData: new Uint8Array(5000) })).toBe(false);
    expect(() => iomapInlineData(map, 0)).toThrow(IomapContractError);
  });

  it('rounds the last written block down when nothing was written and up otherwise', () => {
    expect(iomapLastWrittenBlock(4096, 5000, 0)).toBe(4096);
    expect(iomapLastWrittenBlock(4096, 5000, 1)).toBe(8192);
    expect(iomapLastWrittenBlock(4096, 4096, 4096)).toBe(8192);
    expect(iomapLastWrittenBlock(1024, 0, 1025)).toBe(2048);
  });

  it('wants unshare only for a SHARED mapping with a MAPPED source', async () => {
    const shared: Iomap = { ...map, flags: IomapFlags.Shared };
    const src: Iomap = { ...map, addr: 1 << 20 };
    const check = async (iomap: Iomap, srcmap?: Iomap): Promise<boolean> => {
      const ops: IomapOps<null> = { iomapBegin: async () => (srcmap ? { ...iomap, srcmap } : iomap) };
      const it = new IomapIter({ inode: null, pos: 4096, length: 10, op: IomapOp.Write | IomapOp.Unshare });
      await iomapIter(it, ops);
      return iomapWantUnshare(it);
    };
    expect(await check(shared, src)).toBe(true);
    expect(await check(shared)).toBe(false);
    expect(await check(map, src)).toBe(false);
    expect(await check(shared, { ...src, type: IomapType.Unwritten })).toBe(false);
  });
});
