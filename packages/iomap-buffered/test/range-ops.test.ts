import { describe, expect, it } from 'vitest';
import { IomapOp, IomapType, seekData, seekHole } from '@iomap/core';
import { referenceWrite } from '@iomap/testkit';
import {
  PageCache,
  bufferedWrite,
  fileUnshare,
  truncatePage,
  truncatePagecacheRange,
  zeroRange,
  type Folio,
} from '../src/index.js';
import { harness, pattern, readAll, sameBytes, type Harness } from './support/harness.js';

describe.each([1024, 4096])('zero range and truncate, %i-byte blocks', (bs) => {
  it('zeroes only the mapped parts of [100, 9000) across mapped/hole/mapped (BUF-24)', async () => {
    const h = await harness({ blockSize: bs });
    await referenceWrite(h.fs, h.file, 0, pattern(4096, 1));
    await referenceWrite(h.fs, h.file, 8192, pattern(4096, 2));
    const m = h.reopen();
    h.spy.clear();
    expect(await zeroRange(m, 100, 8900)).toBe(true);
    expect(h.spy.begins.every((c) => c.op === IomapOp.Zero)).toBe(true);
    expect(m.lookup(4096)).toBeUndefined(); // the hole was skipped: no folio
    const expected = new Uint8Array(12288);
    expected.set(pattern(4096, 1).subarray(0, 100));
    expected.set(pattern(4096, 2).subarray(9000 - 8192), 9000);
    expect(sameBytes(await readAll(m, 0, 12288), expected)).toBe('same');
    await m.fsync(m.errseq.sample());
    expect(sameBytes(await h.fs.readRaw(h.file, 0, 12288), expected)).toBe('same');
    expect(m.size).toBe(12288);
  });

  it('does not touch holes and unwritten extents with clean cache (BUF-24)', async () => {
    const h = await harness({ blockSize: bs });
    await h.fs.fallocate(h.file, 0, 8192);
    await h.fs.truncate(h.file, 16384);
    const m = h.reopen();
    expect(await zeroRange(m, 0, 16384)).toBe(false);
    expect(m.folios.count).toBe(0);
  });

  it('zeroes dirty cache over an unwritten extent by flushing and re-mapping (BUF-25, §3.11)', async () => {
    const h = await harness({ blockSize: bs, fs: { writeAllocation: 'unwritten' } });
    await h.fs.fallocate(h.file, 0, 16384);
    const m = h.reopen();
    await bufferedWrite(m, 0, pattern(16384, 3));
    h.spy.clear();
    expect(await zeroRange(m, 4096, 8192)).toBe(true);
    expect(h.spy.begins.filter((c) => c.pos === 4096).length).toBe(2); // stale, then re-mapped
    const expected = pattern(16384, 3);
    expected.fill(0, 4096, 12288);
    expect(sameBytes(await readAll(m, 0, 16384), expected)).toBe('same');
    await m.fsync(m.errseq.sample());
    const again = h.reopen();
    expect(sameBytes(await readAll(again, 0, 16384), expected)).toBe('same');
  });

  it('zeroes an unaligned, already dirty start without flushing (BUF-25)', async () => {
    const h = await harness({ blockSize: bs, fs: { writeAllocation: 'unwritten' } });
    await h.fs.fallocate(h.file, 0, 16384);
    const m = h.reopen();
    await bufferedWrite(m, 0, pattern(300, 4));
    h.tracker.clear();
    await zeroRange(m, 100, 50);
    expect(h.tracker.writes.length).toBe(0);
    const expected = pattern(300, 4);
    expected.fill(0, 100, 150);
    expect(sameBytes(await readAll(m, 0, 300), expected)).toBe('same');
  });

  it('zeroes DELALLOC space in the cache (BUF-24)', async () => {
    const h = await harness({ blockSize: bs, fs: { delalloc: true } });
    await bufferedWrite(h.mapping, 0, pattern(8192, 5));
    await zeroRange(h.mapping, 10, 5000);
    const expected = pattern(8192, 5);
    expected.fill(0, 10, 5010);
    await h.mapping.fsync(h.cursor);
    expect(sameBytes(await h.fs.readRaw(h.file, 0, 8192), expected)).toBe('same');
  });

  it('reads zeros after truncating 10000 bytes to 5000 and extending back (BUF-26)', async () => {
    const h = await harness({ blockSize: bs });
    await bufferedWrite(h.mapping, 0, pattern(10000, 6));
    await h.mapping.fsync(h.cursor);
    h.spy.clear();
    expect(await truncatePage(h.mapping, 5000)).toBe(true);
    expect(h.spy.begins[0]).toMatchObject({ pos: 5000, length: bs - (5000 % bs), op: IomapOp.Zero });
    await h.mapping.truncate(5000);
    await h.fs.truncate(h.file, 5000);
    await h.mapping.truncate(10000);
    await h.fs.truncate(h.file, 10000);
    const out = await readAll(h.mapping, 0, 10000);
    expect(sameBytes(out.subarray(0, 5000), pattern(5000, 6))).toBe('same');
    expect(out.subarray(5000).every((b) => b === 0)).toBe(true);
    await h.mapping.fsync(h.cursor);
    expect((await readAll(h.reopen(), 5000, 5000)).every((b) => b === 0)).toBe(true);
  });

  it('does nothing for a block-aligned truncate position (BUF-26)', async () => {
    const h = await harness({ blockSize: bs });
    await bufferedWrite(h.mapping, 0, pattern(8192, 7));
    h.spy.clear();
    expect(await truncatePage(h.mapping, 4096)).toBe(false);
    expect(h.spy.calls.length).toBe(0);
  });
});

describe('truncate of the cache', () => {
  it('drops folios past the new EOF after their writeback and zeroes the straddling one', async () => {
    const h = await harness({ blockSize: 1024 });
    await bufferedWrite(h.mapping, 0, pattern(16384, 8));
    await h.mapping.truncate(5000);
    expect(h.mapping.lookup(8192)).toBeUndefined();
    const folio = h.mapping.lookup(4096) as Folio;
    expect(folio.data.subarray(5000 - 4096).every((b) => b === 0)).toBe(true);
    expect(h.cache.stats.used).toBe(8192);
  });

  it('zeroes a punched range in cache and drops whole folios inside it', async () => {
    const h = await harness({ blockSize: 4096 });
    await bufferedWrite(h.mapping, 0, pattern(16384, 9));
    await truncatePagecacheRange(h.mapping as never, 1000, 12288);
    expect(h.mapping.lookup(4096)).toBeUndefined();
    expect(h.mapping.lookup(8192)).toBeUndefined();
    const first = h.mapping.lookup(0) as Folio;
    expect(first.data.subarray(1000).every((b) => b === 0)).toBe(true);
  });
});

describe('large folios cut by truncate or a hole punch are split', () => {
  const sizes = (h: Harness) => [...h.mapping.folios.values()].map((f) => [f.pos, f.size]).sort((a, b) => (a[0] as number) - (b[0] as number));

  it('truncate keeps only the pages up to the new EOF, as naturally aligned folios with their data', async () => {
    const h = await harness({ blockSize: 4096, maxFolioSize: 64 << 10 });
    const data = pattern(64 << 10, 20);
    await bufferedWrite(h.mapping, 0, data);
    expect(sizes(h)).toEqual([[0, 65536]]);
    await h.mapping.truncate(9000);
    await h.fs.truncate(h.file, 9000);
    expect(sizes(h)).toEqual([
      [0, 8192],
      [8192, 4096],
    ]);
    expect(h.cache.stats.used).toBe(12288);
    const tail = h.mapping.lookup(8192) as Folio;
    expect(tail.data.subarray(9000 - 8192).every((b) => b === 0)).toBe(true);
    await h.mapping.fsync(h.cursor); // the dirty state moved to the parts
    expect(h.cache.stats.dirty).toBe(0);
    expect(sameBytes(await h.fs.readRaw(h.file, 0, 9000), data.subarray(0, 9000))).toBe('same');
    expect(sameBytes(await readAll(h.mapping, 0, 9000), data.subarray(0, 9000))).toBe('same');
  });

  it('a punched hole frees the pages inside it and keeps both edges', async () => {
    const h = await harness({ blockSize: 4096, maxFolioSize: 64 << 10 });
    const data = pattern(64 << 10, 21);
    await bufferedWrite(h.mapping, 0, data);
    await h.mapping.fsync(h.cursor);
    await truncatePagecacheRange(h.mapping as never, 5000, 40000);
    expect(sizes(h)).toEqual([
      [0, 8192],
      [36864, 4096],
      [40960, 8192],
      [49152, 16384],
    ]);
    const expected = data.slice();
    expected.fill(0, 5000, 40000);
    for (const [pos, size] of sizes(h)) {
      const folio = h.mapping.lookup(pos as number) as Folio;
      expect(folio.uptodate).toBe(true);
      expect(sameBytes(folio.data, expected.subarray(pos as number, (pos as number) + (size as number)))).toBe('same');
    }
  });

  it('carries per-block uptodate and dirty state into the parts (BUF-2)', async () => {
    const h = await harness({ blockSize: 1024, maxFolioSize: 32 << 10 });
    await bufferedWrite(h.mapping, 0, pattern(32 << 10, 22));
    await h.mapping.fsync(h.cursor);
    await h.mapping.invalidateRange(0, 32 << 10);
    const folio = await h.mapping.grabFolio(0, 32 << 10);
    folio.setRangeUptodate(1024, 2048); // blocks 1-2 uptodate
    folio.data.set(pattern(2048, 24), 1024);
    folio.setRangeDirty(2048, 1024); // block 2 dirty
    folio.setRangeUptodate(20480, 1024);
    folio.lock.unlock();
    await truncatePagecacheRange(h.mapping as never, 8192, 16384);
    const first = h.mapping.lookup(0) as Folio;
    expect(first.size).toBe(8192);
    expect([0, 1, 2, 3].map((b) => first.isRangeUptodate(b * 1024, 1024))).toEqual([false, true, true, false]);
    expect(first.state?.isDirty(2)).toBe(true);
    expect(first.state?.dirtyBlocks).toBe(1);
    expect(h.mapping.lookup(8192)).toBeUndefined();
    expect((h.mapping.lookup(20480) as Folio).isRangeUptodate(20480 - 16384, 1024)).toBe(true);
    expect(h.cache.stats.dirty).toBe(8192);
    h.tracker.clear();
    await h.mapping.fsync(h.cursor);
    expect(h.tracker.writes.map((w) => w.bytes)).toEqual([1024]); // just the dirty block
  });

  it('does not split a pinned folio: it is zeroed in place', async () => {
    const h = await harness({ blockSize: 4096, maxFolioSize: 64 << 10 });
    await bufferedWrite(h.mapping, 0, pattern(64 << 10, 25));
    const folio = h.mapping.lookup(0) as Folio;
    folio.pins++;
    await h.mapping.truncate(9000);
    expect(sizes(h)).toEqual([[0, 65536]]);
    expect(folio.data.subarray(9000).every((b) => b === 0)).toBe(true);
    folio.pins--;
  });
});

describe('unshare (BUF-27)', () => {
  it('moves shared data to new blocks and keeps it identical (BUF-27)', async () => {
    const h = await harness({ blockSize: 1024 });
    await referenceWrite(h.fs, h.file, 0, pattern(8192, 10));
    const clone = await h.fs.clone(h.file, 'clone');
    const m = new PageCache().createAddressSpace({ inode: clone, ops: h.spy, writeOps: h.writeOps, writebackOps: h.writebackOps, blockSize: 1024, size: 8192 });
    h.spy.clear();
    await fileUnshare(m, 0, 8192);
    expect(h.spy.begins[0]?.op).toBe(IomapOp.Write | IomapOp.Unshare);
    await m.fsync(m.errseq.sample());
    const mine = h.fs.extents(clone);
    const theirs = h.fs.extents(h.file);
    expect(mine.every((e) => !e.shared)).toBe(true);
    expect(mine[0]?.addr).not.toBe(theirs[0]?.addr);
    expect(sameBytes(await h.fs.readRaw(clone, 0, 8192), pattern(8192, 10))).toBe('same');
    expect(sameBytes(await h.fs.readRaw(h.file, 0, 8192), pattern(8192, 10))).toBe('same');
    h.fs.verify();
  });

  it('reads every block of a wholly covered folio from the source map (BUF-27)', async () => {
    const h = await harness({ blockSize: 4096 });
    await referenceWrite(h.fs, h.file, 0, pattern(4096, 11));
    const clone = await h.fs.clone(h.file, 'clone');
    const m = new PageCache().createAddressSpace({ inode: clone, ops: h.fs, writeOps: h.writeOps, writebackOps: h.writebackOps, blockSize: 4096, size: 4096 });
    h.tracker.clear();
    await fileUnshare(m, 0, 4096);
    expect(h.tracker.reads.length).toBe(1);
    expect(m.lookup(0)?.dirty).toBe(true);
  });

  it('skips unshared data and does nothing at or past EOF (BUF-27)', async () => {
    const h = await harness({ blockSize: 4096 });
    await referenceWrite(h.fs, h.file, 0, pattern(4096, 12));
    const m = h.reopen();
    await fileUnshare(m, 0, 4096);
    expect(m.folios.count).toBe(0);
    h.spy.clear();
    await fileUnshare(m, 4096, 100);
    expect(h.spy.calls.length).toBe(0);
    await expect(fileUnshare(m, -1, 1)).rejects.toMatchObject({ code: 'EINVAL' });
  });
});

describe('seek and cache coherency (CORE-21, CacheCoherency)', () => {
  it('finds cached dirty data inside an unwritten extent for SEEK_DATA/SEEK_HOLE (CORE-20, CORE-21)', async () => {
    const h = await harness({ blockSize: 1024 });
    await h.fs.fallocate(h.file, 0, 32768);
    const m = h.reopen();
    await bufferedWrite(m, 12288, new Uint8Array(1024).fill(1));
    expect(await seekData(h.file, h.fs, 0, { size: m.size, cache: m })).toBe(12288);
    expect(await seekHole(h.file, h.fs, 12288, { size: m.size, cache: m })).toBe(13312);
    expect(await seekHole(h.file, h.fs, 0, { size: m.size, cache: m })).toBe(0);
    expect(m.seekHoleData(0, 12288, 'data')).toBeUndefined();
    expect(m.seekHoleData(12000, 20000, 'hole')).toBe(12000);
  });

  it('writes back a range and waits for it, then drops clean folios (writeAndWaitRange, invalidateRange)', async () => {
    const h = await harness({ blockSize: 4096 });
    await bufferedWrite(h.mapping, 0, pattern(16384, 13));
    await h.mapping.writeAndWaitRange(4096, 8192);
    expect(h.mapping.lookup(4096)?.dirty).toBe(false);
    expect(h.mapping.lookup(0)?.dirty).toBe(true);
    await expect(h.mapping.invalidateRange(0, 16384)).rejects.toMatchObject({ code: 'EBUSY' });
    expect(h.mapping.lookup(4096)).toBeUndefined();
    expect(h.mapping.lookup(0)).toBeDefined();
    await h.mapping.writeAndWaitRange(0, 16384);
    await h.mapping.invalidateRange(0, 16384);
    expect(h.mapping.folios.count).toBe(0);
    expect(sameBytes(await readAll(h.mapping, 0, 16384), pattern(16384, 13))).toBe('same');
    await expect(h.mapping.writeAndWaitRange(-1, 5)).rejects.toMatchObject({ code: 'EINVAL' });
  });

  it('answers non-blocking range probes for NOWAIT direct I/O (CacheRangeProbe)', async () => {
    const h = await harness({ blockSize: 4096 });
    expect(h.mapping.rangeHasCached(0, 4096)).toBe(false);
    await bufferedWrite(h.mapping, 4096, pattern(4096, 15));
    expect(h.mapping.rangeHasCached(0, 4096)).toBe(false);
    expect(h.mapping.rangeHasCached(0, 4097)).toBe(true);
    expect(h.mapping.rangeNeedsWriteback(4000, 5000)).toBe(true);
    await h.mapping.writeAndWaitRange(0, 8192);
    expect(h.mapping.rangeNeedsWriteback(0, 8192)).toBe(false);
    expect(h.mapping.rangeHasCached(4096, 8192)).toBe(true);
  });

  it('reports a writeback failure from writeAndWaitRange once (CacheCoherency)', async () => {
    const h = await harness({ blockSize: 4096 });
    await bufferedWrite(h.mapping, 0, pattern(8192, 14));
    h.device.addRule({ kind: 'error', ops: ['write'], times: 1 });
    await expect(h.mapping.writeAndWaitRange(0, 8192)).rejects.toMatchObject({ code: 'EIO' });
    await expect(h.mapping.writeAndWaitRange(0, 8192)).resolves.toBeUndefined();
    expect(h.fs.extents(h.file)[0]?.type).toBe(IomapType.Mapped);
  });
});
