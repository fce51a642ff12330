import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  blockMapLimits,
  blockPath,
  blocksUnderPointer,
  checkBlockPointer,
  decodeIndirectBlock,
  encodeIndirectBlock,
  logicalBlockOf,
  maxFileSize,
} from '../../src/format/block-map.js';
import { expectCorrupt, expectFsError } from './helpers.js';

describe('block map index math (EXT2.md 3.4)', () => {
  for (const bs of [1024, 2048, 4096]) {
    const n = bs / 4;
    const ind = 12;
    const dind = 12 + n;
    const tind = 12 + n + n * n;
    const max = tind + n ** 3;

    it(`maps every level boundary for ${bs}-byte blocks`, () => {
      expect(blockMapLimits(bs)).toEqual({ addressesPerBlock: n, indirectStart: ind, doubleStart: dind, tripleStart: tind, maxBlocks: max });
      const expected: Array<[number, number[], number]> = [
        [0, [0], 11],
        [11, [11], 0],
        [ind, [12, 0], n - 1],
        [ind + n - 1, [12, n - 1], 0],
        [dind, [13, 0, 0], n - 1],
        [dind + n - 1, [13, 0, n - 1], 0],
        [dind + n, [13, 1, 0], n - 1],
        [tind - 1, [13, n - 1, n - 1], 0],
        [tind, [14, 0, 0, 0], n - 1],
        [tind + n, [14, 0, 1, 0], n - 1],
        [tind + n * n, [14, 1, 0, 0], n - 1],
        [max - 1, [14, n - 1, n - 1, n - 1], 0],
      ];
      for (const [logical, offsets, boundary] of expected) {
        const p = blockPath(logical, bs);
        expect([logical, p.offsets, p.boundary, p.depth]).toEqual([logical, offsets, boundary, offsets.length - 1]);
        expect(logicalBlockOf(p.offsets, bs)).toBe(logical);
      }
      expectFsError(() => blockPath(max, bs), 'EFBIG');
    });

    it(`round-trips logical block <-> path for ${bs}-byte blocks (fast-check)`, () => {
      fc.assert(
        fc.property(fc.nat(max - 1), (logical) => {
          const p = blockPath(logical, bs);
          expect(logicalBlockOf(p.offsets, bs)).toBe(logical);
          expect(p.offsets.slice(1).every((o) => o >= 0 && o < n)).toBe(true);
          expect(p.boundary).toBeGreaterThanOrEqual(0);
        }),
      );
    });
  }

  it('gives the worked example of the doc comment', () => {
    expect(blockPath(300, 1024)).toEqual({ depth: 2, offsets: [13, 0, 32], boundary: 223 });
  });

  it('rejects negative, fractional and unsafe logical blocks and bad block sizes', () => {
    expectFsError(() => blockPath(-1, 1024), 'EFBIG');
    expectFsError(() => blockPath(1.5, 1024), 'EFBIG');
    expectFsError(() => blockPath(0, 1000), 'EINVAL');
  });

  it('counts blocks under one pointer at each depth', () => {
    expect([0, 1, 2, 3].map((d) => blocksUnderPointer(d as 0 | 1 | 2 | 3, 1024))).toEqual([1, 256, 65536, 16777216]);
  });

  it("matches the kernel's ext2_max_size for 1, 2 and 4 KiB blocks", () => {
    // 1 and 2 KiB: the tree is the limit (about 16 and 256 GiB); 4 KiB: the 2^32-1
    // sectors of i_blocks are (536870911 blocks minus 524801 indirect blocks, ~2 TiB).
    expect(maxFileSize(1024)).toBe(16843020 * 1024);
    expect(maxFileSize(2048)).toBe(134480396 * 2048);
    expect(maxFileSize(4096)).toBe(536346110 * 4096);
  });
});

describe('indirect blocks', () => {
  const range = { firstDataBlock: 1, blocksCount: 60000 };

  it('decodes block numbers and holes, and round-trips (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 59999 })), { minLength: 256, maxLength: 256 }), (ptrs) => {
        const raw = encodeIndirectBlock(ptrs, 1024);
        const decoded = decodeIndirectBlock(raw, range, { block: 528, ino: 13 });
        expect(Array.from(decoded)).toEqual(ptrs);
        expect(encodeIndirectBlock(decoded, 1024)).toEqual(raw);
      }),
    );
  });

  it('rejects a pointer beyond s_blocks_count naming the block and slot', () => {
    const ptrs = new Array<number>(256).fill(0);
    ptrs[17] = 60000;
    expectCorrupt(() => decodeIndirectBlock(encodeIndirectBlock(ptrs, 1024), range, { block: 528, ino: 13 }), 'indirect block 528 of inode 13', 'block 528 slot 17', 'block pointer 60000');
  });

  it('rejects a pointer below s_first_data_block', () => {
    expectCorrupt(() => checkBlockPointer(0.5, range, { structure: 'inode 12', location: 'i_block[3]' }), 'inode 12 at i_block[3]');
    checkBlockPointer(0, range, { structure: 'inode 12', location: 'i_block[3]' });
    expectCorrupt(() => checkBlockPointer(5, { firstDataBlock: 6, blocksCount: 10 }, { structure: 'inode 12', location: 'i_block[3]' }), 'inode 12', 'block pointer 5');
  });

  it('refuses to encode the wrong number of pointers or non-u32 values', () => {
    expectFsError(() => encodeIndirectBlock([1, 2], 1024), 'EINVAL');
    expectFsError(() => encodeIndirectBlock(new Array<number>(256).fill(-1), 1024), 'EINVAL');
  });
});
