import { describe, expect, it } from 'vitest';
import { IomapType } from '@iomap/core';
import { referenceWrite, type ExtentMapInode } from '@iomap/testkit';
import { PageCache, ReadaheadState, bufferedRead, bufferedWrite, type BufferedWriteOps } from '../src/index.js';
import { harness, pattern, readAll, sameBytes } from './support/harness.js';

describe('memory budget, eviction and throttling', () => {
  // Background writeback on (the default: it starts at half the dirty limit) and off (it starts
  // only when writers are throttled at the dirty limit): the budget and dirty limit hold either way.
  for (const background of [true, false]) {
    it(`never exceeds a small budget while writing 1 MiB, background writeback ${background ? 'on' : 'off'} (budget test, BUF-12)`, async () => {
      const budget = 64 << 10;
      const cache = { budget, ...(background ? {} : { dirtyBackgroundRatio: 0.5 }) };
      const h = await harness({ blockSize: 1024, fs: { delalloc: true }, cache, maxFolioSize: 16 << 10 });
      let peakDirty = 0;
      const writeOps: BufferedWriteOps<ExtentMapInode> = {
        ...h.writeOps,
        putFolio: () => void (peakDirty = Math.max(peakDirty, h.cache.stats.dirty + h.cache.stats.writeback)),
      };
      const m = h.cache.createAddressSpace({ inode: h.file, ops: h.fs, writeOps, writebackOps: h.writebackOps, blockSize: 1024, maxFolioSize: 16 << 10 });
      const data = pattern(1 << 20, 1);
      for (let pos = 0; pos < data.length; pos += 10000) await bufferedWrite(m, pos, data.subarray(pos, pos + 10000));
      const stats = h.cache.stats;
      expect(stats.peakUsed).toBeLessThanOrEqual(budget);
      expect(stats.maxOvershoot).toBe(0);
      expect(stats.evictions).toBeGreaterThan(0);
      if (background) expect(stats.backgroundWriteback).toBeGreaterThan(0);
      else expect([stats.backgroundWriteback, stats.throttled > 0]).toEqual([0, true]);
      expect(peakDirty).toBeLessThanOrEqual(h.cache.dirtyLimit + (16 << 10));
      // Most of the data reached the filesystem before any fsync: written back under pressure.
      expect(h.fs.extents(h.file).filter((e) => e.type !== IomapType.Mapped).reduce((n, e) => n + e.length, 0)).toBeLessThan(budget);
      await m.fsync(m.errseq.sample());
      expect(sameBytes(await h.fs.readRaw(h.file, 0, data.length), data)).toBe('same');
      expect(sameBytes(await readAll(m, 0, data.length), data)).toBe('same');
      expect(h.cache.stats.peakUsed).toBeLessThanOrEqual(budget);
    });
  }

  it('starts writeback past the background limit without making the writer wait (BUF-12)', async () => {
    // Budget 64 KiB: dirty limit 32 KiB, background limit 16 KiB. The device holds every write
    // until released, so a writer that waited for writeback would never finish.
    const h = await harness({ blockSize: 4096, cache: { budget: 64 << 10 } });
    expect([h.cache.dirtyLimit, h.cache.backgroundDirtyLimit]).toEqual([32 << 10, 16 << 10]);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const inner = h.device.write.bind(h.device);
    const writev = h.device.writev.bind(h.device);
    h.device.write = async (pos, d) => (await gate, inner(pos, d));
    h.device.writev = async (pos, b) => (await gate, writev(pos, b));
    const data = pattern(28 << 10, 12); // past the background limit, under the dirty limit
    for (let pos = 0; pos < data.length; pos += 4096) await bufferedWrite(h.mapping, pos, data.subarray(pos, pos + 4096));
    expect(h.cache.stats.backgroundWriteback).toBeGreaterThan(0);
    expect(h.cache.stats.throttled).toBe(0);
    expect(h.cache.stats.writeback).toBeGreaterThan(0); // submitted, held by the device
    release();
    await h.mapping.fsync(h.cursor);
    expect(sameBytes(await h.fs.readRaw(h.file, 0, data.length), data)).toBe('same');
  });

  it('rejects a background ratio above the dirty ratio with EINVAL', () => {
    expect(() => new PageCache({ dirtyRatio: 0.2, dirtyBackgroundRatio: 0.3 })).toThrow(/EINVAL/);
    expect(() => new PageCache({ dirtyBackgroundRatio: 0 })).toThrow(/EINVAL/);
    expect(new PageCache({ budget: 1 << 20, dirtyRatio: 0.4 }).backgroundDirtyLimit).toBe(Math.floor(0.2 * (1 << 20)));
  });

  it('stays within a small budget while reading a large file sequentially', async () => {
    const budget = 32 << 10;
    const h = await harness({ blockSize: 4096, cache: { budget } });
    await referenceWrite(h.fs, h.file, 0, pattern(1 << 20, 2));
    const m = h.reopen();
    const buf = new Uint8Array(1 << 20);
    expect(await bufferedRead(m, 0, buf, { uncached: false })).toBe(1 << 20);
    expect(sameBytes(buf, pattern(1 << 20, 2))).toBe('same');
    expect(h.cache.stats.peakUsed).toBeLessThanOrEqual(budget);
  });

  it('evicts clean folios in CLOCK order, giving referenced ones a second chance', async () => {
    const h = await harness({ blockSize: 4096, cache: { budget: 16 << 10 } });
    await referenceWrite(h.fs, h.file, 0, pattern(8 * 4096, 3));
    const m = h.reopen();
    const ra = new ReadaheadState();
    const read = (page: number) => bufferedRead(m, page * 4096, new Uint8Array(1), { ra });
    // Random order so readahead stays one page: A=0, B=2, C=4, D=6 fill the budget.
    for (const p of [0, 2, 4, 6]) await read(p);
    await read(1); // E: the sweep clears every reference bit, evicts A
    expect(m.lookup(0)).toBeUndefined();
    await read(2); // touch B
    await read(3); // F: B has a second chance, C goes
    expect(m.lookup(2 * 4096)).toBeDefined();
    expect(m.lookup(4 * 4096)).toBeUndefined();
    expect(h.cache.stats.used).toBeLessThanOrEqual(16 << 10);
  });

  it('writes dirty folios back under memory pressure instead of failing or growing', async () => {
    const h = await harness({ blockSize: 4096, cache: { budget: 32 << 10, dirtyRatio: 1 } });
    const data = pattern(256 << 10, 4);
    expect(await bufferedWrite(h.mapping, 0, data)).toBe(data.length);
    expect(h.cache.stats.peakUsed).toBeLessThanOrEqual(32 << 10);
    expect(h.tracker.writes.length).toBeGreaterThan(0);
    await h.mapping.fsync(h.cursor);
    expect(sameBytes(await h.fs.readRaw(h.file, 0, data.length), data)).toBe('same');
  });

  it('shares one budget between files and keeps both correct', async () => {
    const cache = new PageCache({ budget: 48 << 10 });
    const a = await harness({ blockSize: 1024, fs: { delalloc: true } });
    const b = await harness({ blockSize: 4096 });
    const open = (h: typeof a) =>
      cache.createAddressSpace({ inode: h.file, ops: h.fs, writeOps: h.writeOps, writebackOps: h.fs.writebackOps(), blockSize: h.fs.blockSize });
    const ma = open(a);
    const mb = open(b);
    const da = pattern(300_000, 5);
    const db = pattern(200_000, 6);
    await Promise.all([
      (async () => {
        for (let p = 0; p < da.length; p += 7000) await bufferedWrite(ma, p, da.subarray(p, p + 7000));
      })(),
      (async () => {
        for (let p = 0; p < db.length; p += 5000) await bufferedWrite(mb, p, db.subarray(p, p + 5000));
      })(),
      (async () => {
        for (let i = 0; i < 50; i++) await bufferedRead(mb, 0, new Uint8Array(3000));
      })(),
    ]);
    await cache.syncAll();
    expect(cache.stats.dirty).toBe(0);
    expect(cache.stats.peakUsed).toBeLessThanOrEqual(48 << 10);
    expect(sameBytes(await a.fs.readRaw(a.file, 0, da.length), da)).toBe('same');
    expect(sameBytes(await b.fs.readRaw(b.file, 0, db.length), db)).toBe('same');
    expect(sameBytes(await readAll(ma, 0, da.length), da)).toBe('same');
  });

  it('reuses evicted folio memory without ever exposing its old bytes', async () => {
    const h = await harness({ blockSize: 1024, cache: { budget: 128 << 10 }, initialData: new Uint8Array(512 << 10).fill(0xee) });
    const junk = h.reopen();
    await readAll(junk, 0, 512 << 10, { uncached: false }); // fills and evicts folios full of 0xee: the pool keeps their memory
    await junk.evictAll();
    const other = await h.fs.create('other');
    const m = h.cache.createAddressSpace({ inode: other, ops: h.fs, writeOps: h.writeOps, writebackOps: h.writebackOps, blockSize: 1024 });
    await bufferedWrite(m, 100, new Uint8Array(10).fill(1)); // NEW block: head and tail zeroed
    await bufferedWrite(m, 9000, new Uint8Array(10).fill(2)); // extends with a gap
    expect(h.cache.stats.evictions).toBeGreaterThan(0);
    const out = await readAll(m, 0, 9010);
    const expected = new Uint8Array(9010);
    expected.fill(1, 100, 110);
    expected.fill(2, 9000, 9010);
    expect(sameBytes(out, expected)).toBe('same');
    await m.fsync(m.errseq.sample());
    expect(sameBytes(await h.fs.readRaw(other, 0, 9010), expected)).toBe('same');
  });

  it('a streaming writer recycles its whole cache: new folios reuse evicted memory, within the budget (BUF-12)', async () => {
    // Budget 256 KiB of 16 KiB folios; 2 MiB written. Only the first budget's worth of folios
    // needs fresh memory, plus one per small folio that had to take a big one's place; every
    // other new folio reuses an evicted folio's memory, and used + pooled never exceeds the budget.
    const budget = 256 << 10;
    const folio = 16 << 10;
    const h = await harness({ blockSize: 4096, fs: { delalloc: true }, cache: { budget }, maxFolioSize: folio, deviceSize: 16 << 20 });
    const m = h.cache.createAddressSpace({ inode: h.file, ops: h.fs, writeOps: h.writeOps, writebackOps: h.writebackOps, blockSize: 4096, maxFolioSize: folio });
    // Like a filesystem's metadata next to file data: one single-page folio of another file
    // every 16 writes, each one evicting a whole 16 KiB folio to make room.
    const meta = await h.fs.create('meta');
    const small = h.cache.createAddressSpace({ inode: meta, ops: h.fs, writeOps: h.writeOps, writebackOps: h.writebackOps, blockSize: 4096 });
    const data = pattern(2 << 20, 3);
    let peakHeld = 0;
    for (let pos = 0; pos < data.length; pos += folio) {
      await bufferedWrite(m, pos, data.subarray(pos, pos + folio));
      if (pos % (16 * folio) === 0) await bufferedWrite(small, pos / 64, pattern(64, pos));
      const { used, pooled } = h.cache.stats;
      peakHeld = Math.max(peakHeld, used + pooled);
    }
    await m.fsync(m.errseq.sample());
    const stats = h.cache.stats;
    expect(stats.evictions).toBeGreaterThan(64);
    const smallFolios = data.length / folio / 16;
    expect(stats.poolMisses).toBeLessThanOrEqual(budget / folio + 2 * smallFolios);
    expect(stats.poolHits + stats.poolMisses).toBe(data.length / folio + smallFolios);
    expect(peakHeld).toBeLessThanOrEqual(budget);
    expect(sameBytes(await h.fs.readRaw(h.file, 0, data.length), data)).toBe('same');
    expect(sameBytes(await readAll(m, 0, data.length), data)).toBe('same');
  });

  it('drops pooled memory of another folio size rather than hold more than the budget', async () => {
    const budget = 128 << 10;
    const h = await harness({ blockSize: 4096, cache: { budget }, maxFolioSize: 16 << 10 });
    const big = h.cache.createAddressSpace({ inode: h.file, ops: h.fs, writeOps: h.writeOps, writebackOps: h.writebackOps, blockSize: 4096, maxFolioSize: 16 << 10 });
    for (let pos = 0; pos < budget; pos += 16 << 10) await bufferedWrite(big, pos, pattern(16 << 10, pos)); // 8 folios of 16 KiB fill the budget
    await big.evictAll();
    expect(h.cache.stats).toMatchObject({ used: 0, pooled: budget });
    // Single-page folios of another file: no pooled buffer fits them, so each new one releases pooled memory.
    const other = await h.fs.create('other');
    const small = h.cache.createAddressSpace({ inode: other, ops: h.fs, writeOps: h.writeOps, writebackOps: h.writebackOps, blockSize: 4096 });
    for (let pos = 0; pos < 64 << 10; pos += 4096) {
      await bufferedWrite(small, pos, pattern(4096, pos));
      const { used, pooled } = h.cache.stats;
      expect(used + pooled).toBeLessThanOrEqual(budget);
    }
    expect(h.cache.stats).toMatchObject({ used: 64 << 10, pooled: 64 << 10, maxOvershoot: 0 });
  });

  it('refuses NOWAIT allocations with EAGAIN when the cache would have to wait', async () => {
    // Background writeback off: the cache is all dirty when the NOWAIT write comes.
    const h = await harness({ blockSize: 4096, cache: { budget: 16 << 10, dirtyRatio: 1, dirtyBackgroundRatio: 1 }, initialData: pattern(32768, 7) });
    // Blocks are allocated, so the filesystem itself never needs to wait: only the cache might.
    await bufferedWrite(h.mapping, 0, pattern(16384, 8));
    await expect(bufferedWrite(h.mapping, 16384, new Uint8Array(4096), { nowait: true })).rejects.toMatchObject({ code: 'EAGAIN' });
    await h.mapping.fsync(h.cursor);
    expect(await bufferedWrite(h.mapping, 16384, new Uint8Array(4096), { nowait: true })).toBe(4096);
  });
});
