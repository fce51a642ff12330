// The allocators (EXT2.md 2.5, 2.6, 6.1): bitmap arithmetic, goal-based
// contiguous block runs, the reserved-blocks rule, deferred reuse of freed
// blocks, counters that always match the bitmaps, and inode placement
// (directories spread across groups, files near their directory).
import { afterEach, describe, expect, it } from 'vitest';
import { S_IFDIR, S_IFREG, timeNs } from '@iomap/vfs';
import { allocateBlocks, freeBlocks, releasePendingFrees } from '../../src/alloc/block-allocator.js';
import { clearBits, clearRunLength, countSetBits, findClearBit, findClearRun, setBits, testBit } from '../../src/alloc/bitmap.js';
import { allocateInodeNumber } from '../../src/alloc/inode-allocator.js';
import { groupBlockCount, groupFirstBlock } from '../../src/format/geometry.js';
import type { Ext2Filesystem } from '../../src/index.js';
import { createInode } from '../../src/inode/inode-write.js';
import type { MountContext } from '../../src/mount/mount-context.js';
import { isMetadataBlock } from '../../src/mount/volume.js';
import { syncMetadata } from '../../src/sync/metadata-sync.js';
import { fsckProblems, haveTools, mountFile, scratchImage, type Mounted, type Scratch } from './engine-support.js';

function contextOf(fs: Ext2Filesystem): MountContext {
  return (fs as unknown as { ctx: MountContext }).ctx;
}

describe('bitmap arithmetic (EXT2.md 2.5)', () => {
  it('sets, clears, counts and finds bits LSB first across byte boundaries', () => {
    const map = new Uint8Array(8);
    setBits(map, 3, 21);
    expect([...map.subarray(0, 3)]).toEqual([0xf8, 0xff, 0x1f]);
    expect(countSetBits(map, 0, 64)).toBe(18);
    expect(testBit(map, 2)).toBe(false);
    expect(testBit(map, 3)).toBe(true);
    expect(findClearBit(map, 3, 64)).toBe(21);
    expect(clearBits(map, 10, 30)).toBe(11);
    expect(clearRunLength(map, 10, 64, 100)).toBe(54);
    expect(clearRunLength(map, 10, 64, 7)).toBe(7);
  });

  it('finds the first run of the wanted length, else the longest one', () => {
    const map = new Uint8Array(16).fill(0xff);
    clearBits(map, 5, 8); // 3 free
    clearBits(map, 20, 30); // 10 free
    clearBits(map, 40, 60); // 20 free
    expect(findClearRun(map, 0, 128, 10)).toEqual({ start: 20, length: 10 });
    expect(findClearRun(map, 0, 128, 15)).toEqual({ start: 40, length: 15 });
    expect(findClearRun(map, 0, 128, 25)).toEqual({ start: 40, length: 20 });
    expect(findClearRun(map, 60, 128, 1)).toBeUndefined();
  });
});

const suite = haveTools() ? describe : describe.skip;

suite('block and inode allocators on a 4-group image', () => {
  let scratch: Scratch | undefined;
  let m: Mounted | undefined;
  afterEach(async () => {
    await m?.close();
    m = undefined;
    scratch?.cleanup();
  });

  async function open(): Promise<MountContext> {
    scratch = scratchImage({ blockSize: 1024, sizeBytes: 32 << 20, extra: ['-m', '5'] });
    m = await mountFile(scratch.img, { now: () => 1_700_000_000_000_000_000n });
    return contextOf(m.fs);
  }

  /** Free blocks per the bitmaps must equal every counter. */
  async function expectCountersMatchBitmaps(ctx: MountContext): Promise<void> {
    const g = ctx.vol.geometry;
    let total = 0;
    for (let group = 0; group < g.groupCount; group++) {
      const bitmap = (await ctx.alloc.blockBitmap(group)).data;
      const bits = groupBlockCount(g, group);
      const free = bits - countSetBits(bitmap, 0, bits);
      expect(ctx.vol.descriptors[group]?.freeBlocksCount, `group ${group}`).toBe(free);
      total += free;
    }
    expect(ctx.alloc.freeBlocks).toBe(total);
  }

  it('continues exactly at the goal, hands out whole runs up to max, and never metadata', async () => {
    const ctx = await open();
    const g = ctx.vol.geometry;
    const gd2 = ctx.vol.descriptors[2];
    const start = (gd2?.inodeTable as number) + g.inodeTableBlocks + 100;
    const first = await allocateBlocks(ctx, { goal: start, max: 500, privileged: false });
    expect(first).toEqual({ first: start, count: 500 });
    const next = await allocateBlocks(ctx, { goal: first.first + first.count, max: 10, privileged: false });
    expect(next.first).toBe(first.first + first.count);
    // A goal inside metadata (group 1's inode table) moves to the first free run after it.
    const meta = ctx.vol.descriptors[1]?.inodeTable as number;
    const moved = await allocateBlocks(ctx, { goal: meta, max: 50, privileged: false });
    for (let b = moved.first; b < moved.first + moved.count; b++) expect(isMetadataBlock(ctx.vol, b)).toBe(false);
    // min larger than any free run in the goal group's tail: taken elsewhere, still contiguous.
    const big = await allocateBlocks(ctx, { goal: start, max: 3000, min: 3000, privileged: false });
    expect(big.count).toBe(3000);
    await expectCountersMatchBitmaps(ctx);
  });

  it('keeps s_r_blocks_count for the privileged and answers ENOSPC to others', async () => {
    const ctx = await open();
    const reserved = ctx.vol.sb.rBlocksCount;
    expect(reserved).toBeGreaterThan(0);
    let got = 0;
    for (;;) {
      const usable = ctx.alloc.freeBlocks - reserved;
      if (usable <= 0) break;
      got += (await allocateBlocks(ctx, { goal: 0, max: usable, privileged: false })).count;
    }
    await expect(allocateBlocks(ctx, { goal: 0, max: 1, privileged: false })).rejects.toMatchObject({ code: 'ENOSPC' });
    const root = await allocateBlocks(ctx, { goal: 0, max: 1, privileged: true });
    expect(root.count).toBe(1);
    expect(got).toBeGreaterThan(20000);
    await expectCountersMatchBitmaps(ctx);
  });

  it('reuses freed blocks only after the metadata sync that frees them (deferred reuse)', async () => {
    const ctx = await open();
    const g = ctx.vol.geometry;
    const run = await allocateBlocks(ctx, { goal: groupFirstBlock(g, 3) + 10, max: 64, privileged: false });
    const freeBefore = ctx.alloc.freeBlocks;
    freeBlocks(ctx, run.first, run.count);
    expect(ctx.alloc.freeBlocks).toBe(freeBefore); // still counted used, bits still set
    const again = await allocateBlocks(ctx, { goal: run.first, max: 64, privileged: false });
    expect(again.first).not.toBe(run.first);
    expect(again.first >= run.first + run.count || again.first + again.count <= run.first).toBe(true);
    await syncMetadata(ctx); // releases them once durable
    expect(ctx.alloc.pendingFree).toEqual([]);
    expect(ctx.alloc.freeBlocks).toBe(freeBefore + 64 - again.count);
    const reused = await allocateBlocks(ctx, { goal: run.first, max: 64, privileged: false });
    expect(reused).toEqual(run);
    expect(await releasePendingFrees(ctx)).toBe(0);
    await expectCountersMatchBitmaps(ctx);
  });

  it('spreads top-level directories across groups and keeps files near their directory (Orlov-ish, EXT2.md 6.1)', async () => {
    const ctx = await open();
    const fs = (m as Mounted).fs;
    const ipg = ctx.vol.geometry.inodesPerGroup;
    const groupOf = (ino: number) => Math.floor((ino - 1) / ipg);
    const dirGroups = new Set<number>();
    const dirs = [];
    for (let i = 0; i < 4; i++) {
      const dir = await createInode(ctx, fs.root, { mode: S_IFDIR | 0o755, uid: 0, gid: 0, timeNs: timeNs(1_700_000_000) });
      dirGroups.add(groupOf(dir.ino));
      dirs.push(dir);
    }
    expect(dirGroups.size).toBeGreaterThanOrEqual(3);
    for (const dir of dirs) {
      const file = await allocateInodeNumber(ctx, dir, false);
      expect(groupOf(file)).toBe(groupOf(dir.ino));
    }
    const sub = await allocateInodeNumber(ctx, dirs[1] as (typeof dirs)[number], true);
    expect(groupOf(sub)).toBe(groupOf((dirs[1] as (typeof dirs)[number]).ino));
    // (Left unlinked on purpose: no e2fsck here, these inodes have no entries.)
    expect(S_IFREG).toBeGreaterThan(0);
  });

  it('leaves an image e2fsck calls clean after allocating, freeing and syncing', async () => {
    const ctx = await open();
    const a = await allocateBlocks(ctx, { goal: 9000, max: 100, privileged: false });
    freeBlocks(ctx, a.first, a.count);
    await (m as Mounted).close();
    m = undefined;
    expect(fsckProblems((scratch as Scratch).img)).toEqual([]);
    expect(ctx.alloc.pendingFree).toEqual([]);
  });
});
