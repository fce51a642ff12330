// Uncached large reads (uncached-read.ts): a large read of a range with no
// folio cached goes straight from the device into the caller's buffer, with
// exactly the bytes the cached path returns (BUF-6 zeroing included), no
// folios, and a fallback to the cache wherever something is cached.
import { describe, expect, it } from 'vitest';
import { FsError, IomapFlags, IomapType, MemoryBlockDevice, NULL_ADDR, type IomapMapping, type IomapOps } from '@iomap/core';
import { referenceWrite } from '@iomap/testkit';
import { PageCache, ReadaheadState, bufferedRead, bufferedWrite } from '../src/index.js';
import { harness, pattern, readAll, sameBytes } from './support/harness.js';
import { TrackingDevice } from './support/tracking-device.js';

const KiB = 1024;

describe.each([1024, 4096, 8192])('uncached reads, %i-byte blocks', (bs) => {
  it('fills a large unaligned read straight from the device: same bytes, one request, no folios', async () => {
    const data = pattern(768 * KiB, 31);
    const h = await harness({ blockSize: bs, initialData: data });
    const m = h.reopen();
    h.tracker.clear();
    const out = await readAll(m, 1000, 600 * KiB + 77);
    expect(sameBytes(out, data.subarray(1000, 1000 + 600 * KiB + 77))).toBe('same');
    expect(h.cache.stats.folios).toBe(0);
    expect(h.cache.stats.peakUsed).toBe(0);
    // One contiguous extent: one vectored request of whole blocks (head and tail blocks into scratch).
    expect(h.tracker.reads.length).toBe(1);
    expect(h.tracker.reads[0]?.bytes).toBe(Math.ceil((1000 + 600 * KiB + 77) / bs) * bs - Math.floor(1000 / bs) * bs);
  });

  it('zero-fills holes, UNWRITTEN extents and blocks past EOF exactly like the cached path (BUF-6, §3.6)', async () => {
    const h = await harness({ blockSize: bs, initialData: pattern(512 * KiB, 32) });
    await h.fs.punchHole(h.file, 64 * KiB, 64 * KiB);
    await h.fs.fallocate(h.file, 600 * KiB, 100 * KiB);
    await h.fs.setSize(h.file, 700 * KiB);
    // Mapped blocks past a short EOF keep junk on the disk; EOF in the middle of a block.
    await referenceWrite(h.fs, h.file, 700 * KiB, pattern(40 * KiB, 33));
    await h.fs.setSize(h.file, 700 * KiB + 5000);
    const direct = await readAll(h.reopen(), 0, 800 * KiB, { uncached: true });
    const cached = await readAll(h.reopen(), 0, 800 * KiB, { uncached: false });
    expect(direct.length).toBe(700 * KiB + 5000);
    expect(sameBytes(direct, cached)).toBe('same');
    expect(direct.subarray(64 * KiB, 128 * KiB).every((b) => b === 0)).toBe(true);
    expect(direct.subarray(600 * KiB, 700 * KiB).every((b) => b === 0)).toBe(true);
    expect(sameBytes(direct.subarray(700 * KiB), pattern(5000, 33))).toBe('same');
  });

  it('falls back to the cache where folios are cached and returns their dirty bytes', async () => {
    const data = pattern(1024 * KiB, 34);
    const h = await harness({ blockSize: bs, initialData: data, maxFolioSize: 64 * KiB });
    const m = h.reopen();
    const dirty = new Uint8Array(3 * bs).fill(0x77);
    await bufferedWrite(m, 300 * KiB, dirty); // dirty, never written back: the disk holds the old bytes
    await readAll(m, 700 * KiB, 10, { uncached: false }); // a clean cached window
    const expected = data.slice();
    expected.set(dirty, 300 * KiB);
    h.tracker.clear();
    const out = await readAll(m, 0, 1024 * KiB);
    expect(sameBytes(out, expected)).toBe('same');
    // The uncached runs instantiated nothing (a readahead marker in the window may start the next window).
    expect(m.rangeHasCached(0, 288 * KiB)).toBe(false);
    expect(m.rangeHasCached(328 * KiB, 696 * KiB)).toBe(false);
    expect(h.tracker.reads.filter((r) => r.bytes >= 256 * KiB).length).toBeGreaterThanOrEqual(2); // [0, dirty), (dirty, window)
  });
});

describe('uncached reads: options, state and faults', () => {
  it('uses the cache below uncachedReadMin, for uncached: false, and when turned off', async () => {
    const data = pattern(1024 * KiB, 35);
    for (const [cacheOpts, readOpts, cached] of [
      [{}, {}, false],
      [{}, { uncached: false }, true],
      [{ uncachedReadMin: Infinity }, {}, true],
      [{ uncachedReadMin: 2048 * KiB }, {}, true],
      [{ uncachedReadMin: 2048 * KiB }, { uncached: true }, false],
    ] as const) {
      const h = await harness({ blockSize: 4096, initialData: data, cache: cacheOpts });
      const m = h.reopen();
      expect(sameBytes(await readAll(m, 0, 1024 * KiB, readOpts), data)).toBe('same');
      expect(h.cache.stats.folios > 0).toBe(cached);
    }
    const h = await harness({ blockSize: 4096, initialData: data });
    const m = h.reopen();
    expect(sameBytes(await readAll(m, 0, 64 * KiB), data.subarray(0, 64 * KiB))).toBe('same'); // below 128 KiB
    expect(h.cache.stats.folios).toBeGreaterThan(0);
    expect(() => new PageCache({ uncachedReadMin: 0 })).toThrow(FsError);
  });

  it('advances the readahead state: a following cache miss continues sequentially with a grown window', async () => {
    const h = await harness({ blockSize: 4096, initialData: pattern(2048 * KiB, 36), cache: { maxReadahead: 512 * KiB } });
    const m = h.reopen();
    const ra = new ReadaheadState();
    await bufferedRead(m, 0, new Uint8Array(512 * KiB), { ra });
    expect([ra.start, ra.size, ra.prevEnd]).toEqual([0, 512 * KiB, 512 * KiB]);
    expect(h.cache.stats.folios).toBe(0);
    const buf = new Uint8Array(4096);
    await bufferedRead(m, 512 * KiB, buf, { ra }); // small: the cache, as a sequential reader
    expect([ra.start, ra.size]).toEqual([512 * KiB, 512 * KiB]);
    expect(sameBytes(buf, pattern(2048 * KiB, 36).subarray(512 * KiB, 516 * KiB))).toBe('same');
  });

  it('zero-fills NEW and DELALLOC mappings without reading (BUF-6)', async () => {
    const memory = new MemoryBlockDevice({ size: 4 << 20 });
    memory.bytes.fill(0xaa);
    const tracker = new TrackingDevice(memory);
    const types: IomapMapping[] = [
      { offset: 0, length: 512 * KiB, addr: 8192, type: IomapType.Mapped, flags: IomapFlags.New, device: tracker },
      { offset: 512 * KiB, length: 512 * KiB, addr: NULL_ADDR, type: IomapType.Delalloc, flags: 0 },
    ];
    const ops: IomapOps<number> = { iomapBegin: async (_i, pos) => types[pos < 512 * KiB ? 0 : 1] as IomapMapping };
    const cache = new PageCache();
    const m = cache.createAddressSpace({ inode: 1, ops, blockSize: 4096, size: 1024 * KiB });
    const buf = new Uint8Array(1024 * KiB).fill(1);
    expect(await bufferedRead(m, 0, buf)).toBe(1024 * KiB);
    expect(buf.every((b) => b === 0)).toBe(true);
    expect(tracker.calls.length).toBe(0);
    expect(cache.stats.folios).toBe(0);
  });

  it('fails with EIO on a device error, caches nothing and leaves no request running', async () => {
    const h = await harness({ blockSize: 4096, initialData: pattern(1024 * KiB, 37), cache: { maxIoSize: 128 * KiB } });
    const m = h.reopen();
    const extent = h.fs.extents(h.file)[0];
    h.device.addRule({ kind: 'error', ops: ['read'], range: { pos: (extent?.addr ?? 0) + 300 * KiB, length: 1 } });
    await expect(bufferedRead(m, 0, new Uint8Array(1024 * KiB))).rejects.toMatchObject({ code: 'EIO' });
    expect(h.tracker.inflight).toBe(0);
    expect(h.cache.stats.folios).toBe(0);
    h.device.clearRules();
    expect(sameBytes(await readAll(m, 0, 1024 * KiB), pattern(1024 * KiB, 37))).toBe('same');
  });

  it('keeps several device requests in flight', async () => {
    const data = pattern(1024 * KiB, 41);
    const h = await harness({ blockSize: 4096, initialData: data, cache: { maxIoSize: 128 * KiB } });
    const m = h.reopen();
    let release!: () => void;
    h.tracker.gate = new Promise((r) => (release = r));
    const reading = readAll(m, 0, 1024 * KiB);
    for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 0));
    expect(h.tracker.inflight).toBe(4);
    h.tracker.gate = undefined;
    release();
    expect(sameBytes(await reading, data)).toBe('same');
    expect(h.tracker.reads.length).toBe(8);
    expect(h.cache.stats.folios).toBe(0);
  });

  it('hands inline data to the cached path', async () => {
    const h = await harness({ blockSize: 1024, fs: { inlineCapacity: 512 } });
    const data = pattern(100, 38);
    await referenceWrite(h.fs, h.file, 0, data);
    expect(sameBytes(await readAll(h.reopen(), 0, 4096, { uncached: true }), data)).toBe('same');
  });

  it('redoes the range through the cache when a folio is dirtied in it while the device reads (lock misuse)', async () => {
    const data = pattern(512 * KiB, 39);
    const h = await harness({ blockSize: 4096, initialData: data });
    const m = h.reopen();
    let release!: () => void;
    h.tracker.gate = new Promise((r) => (release = r));
    const reading = readAll(m, 0, 512 * KiB);
    while (h.tracker.inflight === 0) await new Promise((r) => setTimeout(r, 0));
    // A whole-block overwrite needs no read: it completes while the device holds the old bytes.
    const fresh = new Uint8Array(4096).fill(0x42);
    expect(await bufferedWrite(m, 256 * KiB, fresh)).toBe(4096);
    h.tracker.gate = undefined;
    release();
    const out = await reading;
    const expected = data.slice();
    expected.set(fresh, 256 * KiB);
    expect(sameBytes(out, expected)).toBe('same');
  });

  it('asks the filesystem for every mapping before the read returns', async () => {
    const h = await harness({ blockSize: 1024, fs: { maxMappingLength: 3072 }, initialData: pattern(1024 * KiB, 40) });
    const m = h.reopen();
    const out = await readAll(m, 0, 1024 * KiB);
    const calls = h.spy.calls.length;
    await new Promise((r) => setTimeout(r, 2));
    expect(h.spy.calls.length).toBe(calls);
    expect(sameBytes(out, pattern(1024 * KiB, 40))).toBe('same');
  });
});
