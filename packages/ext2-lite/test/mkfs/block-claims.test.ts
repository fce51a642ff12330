// BlockClaims.allocate, mkfs's first-free-block-at-or-after-goal search
// (EXT2.md, mkfs layout): it passes a group's metadata in one step, and must
// pick exactly the block a probe of every block in turn would pick,
// including wrapping past the end and refusing a full device.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COMPAT, RO_COMPAT } from '../../src/format/features.js';
import { BlockClaims } from '../../src/mkfs/block-claims.js';
import { computeLayout, type Layout } from '../../src/mkfs/layout.js';

function layoutOf(blockSize: number, blocksCount: number, blocksPerGroup: number, inodesCount: number, resize = false): Layout {
  return computeLayout({
    blockSize,
    blocksCount,
    inodesCount,
    inodeSize: 256,
    blocksPerGroup,
    reservedBlocks: 0,
    features: { compat: resize ? COMPAT.resize_inode : 0, incompat: 0, roCompat: RO_COMPAT.sparse_super },
  });
}

/** The reference: probe every block from the goal on, wrapping once. */
function probeEachBlock(claims: BlockClaims, layout: Layout, goal: number): number | undefined {
  const { firstDataBlock, blocksCount } = layout;
  let block = goal >= firstDataBlock && goal < blocksCount ? goal : firstDataBlock;
  for (let tried = 0; tried < blocksCount - firstDataBlock; tried++) {
    if (!claims.isUsed(block)) return block;
    block = block + 1 < blocksCount ? block + 1 : firstDataBlock;
  }
  return undefined;
}

describe('BlockClaims.allocate', () => {
  it('claims the block a probe of every block would, across groups, wrapping and with blocks claimed before', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(1024, 4096),
        fc.integer({ min: 300, max: 3000 }),
        fc.constantFrom(256, 512, 1024),
        fc.boolean(),
        fc.array(fc.integer({ min: -5, max: 4000 }), { minLength: 1, maxLength: 60 }),
        (blockSize, blocksCount, blocksPerGroup, resize, goals) => {
          // Reserved GDT blocks only fit the larger groups.
          const layout = layoutOf(blockSize, blocksCount, blocksPerGroup, 0, resize && blocksPerGroup === 1024);
          const claims = new BlockClaims(layout);
          for (const goal of goals) {
            const expected = probeEachBlock(claims, layout, goal);
            if (expected === undefined) {
              expect(() => claims.allocate(goal, 'a test block')).toThrow(/no free block left for a test block/);
              return;
            }
            expect(claims.allocate(goal, 'a test block')).toBe(expected);
            expect(claims.isUsed(expected)).toBe(true);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('fills every free block once, then refuses with EINVAL', () => {
    const layout = layoutOf(1024, 600, 256, 64);
    const claims = new BlockClaims(layout);
    const free = Array.from({ length: layout.blocksCount - layout.firstDataBlock }, (_, i) => i + layout.firstDataBlock).filter((b) => !claims.isUsed(b));
    const got = free.map(() => claims.allocate(layout.blocksCount - 1, 'a data block'));
    expect([...got].sort((a, b) => a - b)).toEqual(free);
    expect(() => claims.allocate(0, 'a data block')).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });
});
