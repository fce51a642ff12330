import { describe, expect, it } from 'vitest';
import { MemoryBlockDevice } from '@iomap/core';
import { FaultDevice } from '@iomap/testkit';
import { BlockDeviceCache, PageCache } from '../src/index.js';
import { pattern, sameBytes } from './support/harness.js';
import { TrackingDevice } from './support/tracking-device.js';

function setup(budget = 1 << 20) {
  const memory = MemoryBlockDevice.from(pattern(256 << 10, 1));
  const tracker = new TrackingDevice(memory);
  const fault = new FaultDevice(tracker);
  const cache = new PageCache({ budget });
  const bdev = new BlockDeviceCache(cache, fault, { blockSize: 1024, maxFolioSize: 16 << 10 });
  return { memory, tracker, fault, cache, bdev };
}

describe('block-device cache (identity mapping)', () => {
  it('reads device bytes through the cache and serves repeats from memory', async () => {
    const { bdev, tracker } = setup();
    const buf = new Uint8Array(5000);
    await bdev.read(1000, buf);
    expect(sameBytes(buf, pattern(256 << 10, 1).subarray(1000, 6000))).toBe('same');
    const reads = tracker.reads.length;
    await bdev.read(1500, new Uint8Array(100));
    expect(tracker.reads.length).toBe(reads);
    await expect(bdev.read((256 << 10) - 10, new Uint8Array(20))).rejects.toMatchObject({ code: 'EIO' });
  });

  it('hands out pinned blocks, tracks per-block dirtiness and writes back only dirty blocks', async () => {
    const { bdev, tracker, memory } = setup();
    const a = await bdev.getBlock(3);
    const b = await bdev.getBlock(5);
    expect(sameBytes(a.data, pattern(256 << 10, 1).subarray(3072, 4096))).toBe('same');
    await a.modify((d) => d.fill(0xaa));
    await b.modify((d) => d.fill(0xbb));
    tracker.clear();
    await bdev.syncBlocks();
    expect(tracker.writes.map((w) => [w.pos, w.bytes])).toEqual([
      [3072, 1024],
      [5120, 1024],
    ]);
    expect(memory.bytes.subarray(3072, 4096).every((x) => x === 0xaa)).toBe(true);
    expect(memory.bytes[4096]).toBe(pattern(256 << 10, 1)[4096]);
    a.release();
    b.release();
    expect(() => a.release()).toThrow(/released/);
  });

  it('keeps pinned blocks cached under memory pressure', async () => {
    const { bdev, cache } = setup(32 << 10);
    const pinned = await bdev.getBlock(0);
    for (let blk = 40; blk < 200; blk += 4) (await bdev.getBlock(blk)).release();
    expect(bdev.mapping.lookup(0)).toBeDefined();
    expect(cache.stats.evictions).toBeGreaterThan(0);
    pinned.data[0] = 7;
    pinned.markDirty();
    pinned.release();
    await bdev.syncBlocks();
    expect(bdev.device.size).toBe(256 << 10);
  });

  it('writes through the cache and reports a failed writeback on sync once', async () => {
    const { bdev, fault, memory } = setup();
    await bdev.write(10_000, new Uint8Array(3000).fill(5));
    fault.addRule({ kind: 'error', ops: ['write'], times: 1 });
    await expect(bdev.syncBlocks()).rejects.toMatchObject({ code: 'EIO' });
    await bdev.write(10_000, new Uint8Array(3000).fill(6));
    await bdev.syncBlocks();
    expect(memory.bytes.subarray(10_000, 13_000).every((x) => x === 6)).toBe(true);
  });
});
