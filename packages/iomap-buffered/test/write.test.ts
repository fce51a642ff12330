import { describe, expect, it } from 'vitest';
import { FsError, IomapFlags, IomapOp, IomapType, type IomapMapping, type IomapOps } from '@iomap/core';
import { referenceWrite, type ExtentMapInode } from '@iomap/testkit';
import { PageCache, bufferedWrite, type BufferedWriteOps, type Folio, type WriteSource } from '../src/index.js';
import { harness, pattern, readAll, sameBytes } from './support/harness.js';

/** A source that copies only `limit(call, asked)` bytes on each call. */
function faultySource(data: Uint8Array, limit: (call: number, asked: number, srcOffset: number) => number): WriteSource & { calls: number[] } {
  const calls: number[] = [];
  return {
    calls,
    length: data.length,
    copyTo(dest, destOffset, srcOffset, length) {
      const n = Math.max(0, Math.min(length, limit(calls.length, length, srcOffset)));
      calls.push(n);
      dest.set(data.subarray(srcOffset, srcOffset + n), destOffset);
      return n;
    },
  };
}

/** Wraps ops so that begin number `failAt` (1-based) throws `code`. */
function failingBegin<I>(inner: IomapOps<I>, failAt: number, code: 'ENOSPC' | 'EIO' = 'ENOSPC'): IomapOps<I> {
  let n = 0;
  return {
    async iomapBegin(inode, pos, length, op) {
      if (++n === failAt) throw new FsError(code, 'injected');
      return inner.iomapBegin(inode, pos, length, op);
    },
    iomapEnd: inner.iomapEnd?.bind(inner),
  };
}

describe.each([1024, 4096])('buffered writes, %i-byte blocks', (bs) => {
  it('writes 10 KiB over 3 mappings and returns 10240 (BUF-11)', async () => {
    const h = await harness({ blockSize: bs, fs: { maxMappingLength: 4096 } });
    const data = pattern(10240, 1);
    expect(await bufferedWrite(h.mapping, 0, data)).toBe(10240);
    expect(h.spy.begins.map((c) => [c.pos, c.op])).toEqual([
      [0, IomapOp.Write],
      [4096, IomapOp.Write],
      [8192, IomapOp.Write],
    ]);
    expect(h.spy.ends.map((c) => c.written)).toEqual([4096, 4096, 2048]);
    expect(sameBytes(await readAll(h.mapping, 0, 20000), data)).toBe('same');
    await h.mapping.fsync(h.cursor);
    expect(sameBytes(await h.fs.readRaw(h.file, 0, 10240), data)).toBe('same');
  });

  it('fails with the filesystem error and leaves the file unchanged when the first begin fails (BUF-11)', async () => {
    const h = await harness({ blockSize: bs });
    const m = new PageCache().createAddressSpace({ inode: h.file, ops: failingBegin(h.fs, 1), writebackOps: h.writebackOps, blockSize: bs });
    await expect(bufferedWrite(m, 0, pattern(100, 2))).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(m.size).toBe(0);
    expect(m.folios.count).toBe(0);
  });

  it('returns the bytes of the first mapping and caches nothing past EOF when the second begin fails (BUF-19, CORE-25)', async () => {
    const h = await harness({ blockSize: bs, fs: { maxMappingLength: 4096 } });
    const m = new PageCache().createAddressSpace({ inode: h.file, ops: failingBegin(h.fs, 2), writebackOps: h.writebackOps, blockSize: bs });
    expect(await bufferedWrite(m, 0, pattern(8192, 3))).toBe(4096);
    expect(m.size).toBe(4096);
    expect(m.lookup(4096)).toBeUndefined();
  });

  it('drops the cache a failed step instantiated beyond EOF but keeps cache inside EOF (BUF-19)', async () => {
    const h = await harness({ blockSize: bs });
    await bufferedWrite(h.mapping, 0, pattern(4096, 4));
    const src = faultySource(pattern(12288, 5), (_c, asked, from) => (from >= 8192 ? 0 : asked));
    expect(await bufferedWrite(h.mapping, 4096, src)).toBe(8192);
    expect(h.mapping.size).toBe(12288);
    expect(h.mapping.lookup(12288)).toBeUndefined();
    expect(h.mapping.lookup(0)?.dirty).toBe(true);
    h.fs.verify();
  });

  it('zeroes around a short write into a NEW block instead of reading (BUF-16)', async () => {
    const h = await harness({ blockSize: bs, fs: { poison: 0xee } });
    h.tracker.clear();
    await bufferedWrite(h.mapping, 5, new Uint8Array(10).fill(7));
    expect(h.tracker.reads.length).toBe(0);
    const folio = h.mapping.lookup(0) as Folio;
    const expected = new Uint8Array(bs);
    expected.fill(7, 5, 15);
    expect(sameBytes(folio.data.subarray(0, bs), expected)).toBe('same');
    await h.mapping.fsync(h.cursor);
    const addr = h.fs.extents(h.file)[0]?.addr ?? -1;
    expect(sameBytes(h.memory.bytes.subarray(addr, addr + bs), expected)).toBe('same');
  });

  it('zeroes the head and tail of partial blocks of DELALLOC and UNWRITTEN space (BUF-16)', async () => {
    for (const fs of [{ delalloc: true }, { writeAllocation: 'unwritten' as const }]) {
      const h = await harness({ blockSize: bs, fs: { ...fs, poison: 0xee } });
      h.tracker.clear();
      await bufferedWrite(h.mapping, bs + 3, new Uint8Array(5).fill(9));
      expect(h.tracker.reads.length).toBe(0);
      await h.mapping.fsync(h.cursor);
      const expected = new Uint8Array(2 * bs);
      expected.fill(9, bs + 3, bs + 8);
      expect(sameBytes(await h.fs.readRaw(h.file, 0, 2 * bs), expected.subarray(0, bs + 8))).toBe('same');
    }
  });

  it('reads a partially covered mapped block once and keeps the bytes around the write (BUF-15)', async () => {
    const h = await harness({ blockSize: bs, initialData: new Uint8Array(bs).fill(0xab) });
    const m = h.reopen();
    h.tracker.clear();
    await bufferedWrite(m, 100, new Uint8Array(100).fill(1));
    expect(h.tracker.reads.length).toBe(1);
    const expected = new Uint8Array(bs).fill(0xab);
    expected.fill(1, 100, 200);
    expect(sameBytes(await readAll(m, 0, bs), expected)).toBe('same');
  });

  it('does not read blocks the write covers entirely (BUF-15)', async () => {
    const h = await harness({ blockSize: bs, initialData: pattern(16384, 6) });
    const m = h.reopen();
    h.tracker.clear();
    await bufferedWrite(m, 0, new Uint8Array(8192).fill(2));
    expect(h.tracker.reads.length).toBe(0);
  });

  it('refuses a NOWAIT partial write to an uncached mapped block with EAGAIN and no I/O (BUF-20)', async () => {
    const h = await harness({ blockSize: bs, initialData: pattern(8192, 7) });
    const m = h.reopen();
    h.tracker.clear();
    await expect(bufferedWrite(m, 10, new Uint8Array(10), { nowait: true })).rejects.toMatchObject({ code: 'EAGAIN' });
    expect(h.tracker.calls.length).toBe(0);
    expect(sameBytes(await readAll(m, 0, 8192), pattern(8192, 7))).toBe('same');
    expect(await bufferedWrite(m, 0, new Uint8Array(bs).fill(3), { nowait: true })).toBe(bs);
  });

  it('passes NOWAIT to the filesystem, which refuses to allocate (BUF-20, CORE-16)', async () => {
    const h = await harness({ blockSize: bs });
    await expect(bufferedWrite(h.mapping, 0, new Uint8Array(10), { nowait: true })).rejects.toMatchObject({ code: 'EAGAIN' });
    expect(h.spy.begins[0]?.op).toBe(IomapOp.Write | IomapOp.NoWait);
    expect(h.mapping.size).toBe(0);
  });

  it('extends past the old EOF with a gap that reads as zeros and sets SIZE_CHANGED (BUF-18, §3.8)', async () => {
    const h = await harness({ blockSize: bs });
    await bufferedWrite(h.mapping, 0, new Uint8Array(1000).fill(4));
    const n = await bufferedWrite(h.mapping, 5000, new Uint8Array(300).fill(5));
    expect(n).toBe(300);
    expect(h.mapping.size).toBe(5300);
    const out = await readAll(h.mapping, 0, 6000);
    expect(out.length).toBe(5300);
    expect(out.subarray(1000, 5000).every((b) => b === 0)).toBe(true);
    const end = h.spy.ends.find((c) => c.pos === 5000 && c.op === IomapOp.Write);
    expect((end?.mapping?.flags ?? 0) & IomapFlags.SizeChanged).toBeTruthy();
    await h.mapping.fsync(h.cursor);
    const raw = await h.fs.readRaw(h.file, 0, 5300);
    expect(raw.subarray(1000, 5000).every((b) => b === 0)).toBe(true);
  });

  it('zeroes stale cached bytes past the old EOF when a write extends the file (BUF-18)', async () => {
    const h = await harness({ blockSize: bs, maxFolioSize: 8192 });
    await bufferedWrite(h.mapping, 0, new Uint8Array(1000).fill(4));
    const folio = h.mapping.lookup(0) as Folio;
    folio.data.fill(0x66, 1000, 2000); // a mapped-memory scribble past EOF
    await bufferedWrite(h.mapping, 3000, new Uint8Array(10).fill(5));
    const out = await readAll(h.mapping, 0, 3010);
    expect(out.subarray(1000, 3000).every((b) => b === 0)).toBe(true);
  });

  // Found by the exerciser once writeback ran in the background: the size was raised before the
  // gap was zeroed, and a writeback between the two stored the stale tail (read from a block whose
  // earlier writeback had failed) as file data. When the size is raised (putFolio runs right after,
  // folio still locked) the gap must already be zero — in this folio and in an earlier EOF folio.
  for (const [where, writeAt] of [
    ['the folio being written', 3000],
    ['an earlier folio', 12000],
  ] as const) {
    it(`zeroes the gap past the old EOF in ${where} before the size moves (BUF-18)`, async () => {
      const h = await harness({ blockSize: 1024, maxFolioSize: 8192 });
      let gapAtSizeChange: number[] | undefined;
      const writeOps: BufferedWriteOps<ExtentMapInode> = {
        ...h.writeOps,
        putFolio: (_i, pos) => {
          if (pos !== writeAt) return;
          const eofFolio = m.lookup(0) as Folio;
          gapAtSizeChange = [...new Set(eofFolio.data.subarray(1000, Math.min(writeAt, eofFolio.size)))];
        },
      };
      const m = new PageCache().createAddressSpace({ inode: h.file, ops: h.fs, writeOps, writebackOps: h.writebackOps, blockSize: 1024, maxFolioSize: 8192 });
      await bufferedWrite(m, 0, new Uint8Array(1000).fill(4));
      (m.lookup(0) as Folio).data.fill(0x66, 1000); // stale bytes past EOF
      await bufferedWrite(m, writeAt, new Uint8Array(10).fill(5));
      expect(m.size).toBe(writeAt + 10);
      expect(gapAtSizeChange).toEqual([0]);
    });
  }

  it('raises the in-core size before the folio is unlocked (BUF-18, §3.9)', async () => {
    const h = await harness({ blockSize: bs });
    const seen: number[] = [];
    const writeOps: BufferedWriteOps<ExtentMapInode> = {
      ...h.writeOps,
      putFolio: (_i, _pos, _copied, folio) => {
        expect(folio.lock.locked).toBe(true);
        seen.push(m.size);
      },
    };
    const m = new PageCache().createAddressSpace({ inode: h.file, ops: h.fs, writeOps, writebackOps: h.writebackOps, blockSize: bs });
    await bufferedWrite(m, 0, new Uint8Array(6000));
    expect(seen).toEqual([4096, 6000]);
  });
});

describe('write steps, hooks and revalidation (BUF-12 … BUF-14, BUF-17)', () => {
  it('calls putFolio once per getFolio with the bytes credited in that step (BUF-13)', async () => {
    const h = await harness({ blockSize: 1024, maxFolioSize: 16384 });
    const gets: number[] = [];
    const puts: [number, number][] = [];
    const writeOps: BufferedWriteOps<ExtentMapInode> = {
      ...h.writeOps,
      async getFolio(it, mapping, pos, len) {
        gets.push(pos);
        return mapping.grabFolio(pos, len, (it.op & IomapOp.NoWait) !== 0);
      },
      putFolio: (_i, pos, copied) => void puts.push([pos, copied]),
    };
    const m = new PageCache().createAddressSpace({ inode: h.file, ops: h.fs, writeOps, writebackOps: h.writebackOps, blockSize: 1024, maxFolioSize: 16384 });
    await bufferedWrite(m, 1000, pattern(40000, 8));
    expect(puts.map((p) => p[0])).toEqual(gets);
    expect(puts.reduce((n, p) => n + p[1], 0)).toBe(40000);
    // The first step asks for 15384 bytes; the folio is sized to the largest power of two below it (BUF-1).
    expect(puts[0]).toEqual([1000, 8192 - 1000]);
  });

  it('rejects a getFolio hook that returns a folio not holding pos (BUF-13)', async () => {
    const h = await harness({ blockSize: 4096 });
    const writeOps: BufferedWriteOps<ExtentMapInode> = { getFolio: (_it, mapping) => mapping.grabFolio(65536, 4096) };
    const m = new PageCache().createAddressSpace({ inode: h.file, ops: h.fs, writeOps, writebackOps: h.writebackOps, blockSize: 4096 });
    await expect(bufferedWrite(m, 0, new Uint8Array(10))).rejects.toThrow(/BUF-13/);
  });

  it('credits nothing for a short copy into a folio that is not uptodate, then retries with the copied amount (BUF-12, BUF-17)', async () => {
    const h = await harness({ blockSize: 1024 });
    const puts: number[] = [];
    const writeOps: BufferedWriteOps<ExtentMapInode> = { ...h.writeOps, putFolio: (_i, _p, copied) => void puts.push(copied) };
    const m = new PageCache().createAddressSpace({ inode: h.file, ops: h.fs, writeOps, writebackOps: h.writebackOps, blockSize: 1024 });
    const data = pattern(4096, 9);
    const src = faultySource(data, (call, asked) => (call === 0 ? 100 : asked));
    expect(await bufferedWrite(m, 0, src)).toBe(4096);
    expect(puts).toEqual([0, 100, 3996]);
    expect(src.calls).toEqual([100, 100, 3996]);
    expect(sameBytes(await readAll(m, 0, 4096), data)).toBe('same');
    await m.writeAndWaitRange(0, 4096);
    expect(sameBytes(await h.fs.readRaw(h.file, 0, 4096), data)).toBe('same');
  });

  it('leaves nothing uptodate or dirty after an uncredited short copy (BUF-17)', async () => {
    const h = await harness({ blockSize: 1024, initialData: pattern(4096, 10) });
    const m = h.reopen();
    // Partial blocks get read (RMW); the short copy must not leave them "uptodate" with torn contents.
    const src = faultySource(new Uint8Array(2000).fill(1), () => 0);
    await expect(bufferedWrite(m, 500, src)).rejects.toMatchObject({ code: 'EFAULT' });
    const folio = m.lookup(0);
    expect(folio === undefined || (!folio.dirty && !folio.isRangeUptodate(0, 1024))).toBe(true);
    expect(sameBytes(await readAll(m, 0, 4096), pattern(4096, 10))).toBe('same');
  });

  it('credits a short copy into an uptodate folio (BUF-17)', async () => {
    const h = await harness({ blockSize: 1024 });
    await bufferedWrite(h.mapping, 0, new Uint8Array(4096).fill(1));
    const src = faultySource(new Uint8Array(1000).fill(2), (call) => (call === 0 ? 300 : 0));
    expect(await bufferedWrite(h.mapping, 0, src)).toBe(300);
    const out = await readAll(h.mapping, 0, 4096);
    expect(out.subarray(0, 300).every((b) => b === 2)).toBe(true);
    expect(out.subarray(300).every((b) => b === 1)).toBe(true);
  });

  it('halves the chunk after an uncredited step (BUF-12)', async () => {
    const h = await harness({ blockSize: 4096, maxFolioSize: 65536 });
    const asked: [number, number][] = [];
    const writeOps: BufferedWriteOps<ExtentMapInode> = {
      ...h.writeOps,
      getFolio: (_it, mapping, pos, len) => {
        asked.push([pos, len]);
        return mapping.grabFolio(pos, len);
      },
    };
    const m = new PageCache().createAddressSpace({ inode: h.file, ops: h.fs, writeOps, writebackOps: h.writebackOps, blockSize: 4096, maxFolioSize: 65536 });
    const src = faultySource(pattern(65536, 16), (call, n) => (call === 0 ? 1000 : n));
    expect(await bufferedWrite(m, 0, src)).toBe(65536);
    // 64 KiB step credited nothing -> retry with the 1000 bytes copied -> next step sized by a 32 KiB chunk.
    expect(asked.slice(0, 3)).toEqual([
      [0, 65536],
      [0, 1000],
      [1000, 32768 - 1000],
    ]);
    expect(sameBytes(await readAll(m, 0, 65536), pattern(65536, 16))).toBe('same');
  });

  it('fails with EFAULT when nothing at all can be copied', async () => {
    const h = await harness({ blockSize: 4096 });
    await expect(bufferedWrite(h.mapping, 0, faultySource(new Uint8Array(10), () => 0))).rejects.toMatchObject({ code: 'EFAULT' });
    expect(h.mapping.size).toBe(0);
    expect(h.mapping.folios.count).toBe(0);
  });

  it('re-maps a stale mapping at the same position without losing bytes (BUF-14, §3.5)', async () => {
    const h = await harness({ blockSize: 1024, fs: { writeAllocation: 'unwritten' } });
    await h.fs.fallocate(h.file, 0, 8192);
    const m0 = h.reopen();
    let changed = false;
    const writeOps: BufferedWriteOps<ExtentMapInode> = {
      ...h.writeOps,
      async getFolio(_it, mapping, pos, len) {
        if (pos === 4096 && !changed) {
          changed = true; // a racing completion converts the extent: the mapping is stale now
          await h.fs.completeUnwritten(h.file, 0, 8192);
        }
        return mapping.grabFolio(pos, len);
      },
    };
    const m = new PageCache().createAddressSpace({ inode: h.file, ops: h.spy, writeOps, writebackOps: h.writebackOps, blockSize: 1024, size: m0.size });
    h.spy.clear();
    const data = pattern(6000, 11);
    expect(await bufferedWrite(m, 100, data)).toBe(6000);
    expect(h.spy.trace().filter((l) => l.startsWith('begin')).map((l) => l.split(' ')[1])).toEqual(['100+6000', '4096+2004']);
    const firstEnd = h.spy.ends[0];
    expect(firstEnd?.written).toBe(3996);
    expect((firstEnd?.mapping?.flags ?? 0) & IomapFlags.Stale).toBeTruthy();
    expect(h.spy.begins[1]?.mapping?.type).toBe(IomapType.Mapped);
    await m.fsync(m.errseq.sample());
    expect(sameBytes((await h.fs.readRaw(h.file, 100, 6000)), data)).toBe('same');
  });

  it('writes a copy-on-write block to the new place, reading the rest from the source map (BUF-15, CORE-10)', async () => {
    const h = await harness({ blockSize: 1024 });
    await referenceWrite(h.fs, h.file, 0, pattern(4096, 12));
    const clone = await h.fs.clone(h.file, 'clone');
    const m = new PageCache().createAddressSpace({ inode: clone, ops: h.spy, writeOps: h.writeOps, writebackOps: h.writebackOps, blockSize: 1024, size: 4096 });
    h.spy.clear();
    await bufferedWrite(m, 1500, new Uint8Array(10).fill(0xcc));
    const begin = h.spy.begins[0]?.mapping as IomapMapping;
    expect(begin.srcmap?.type).toBe(IomapType.Mapped);
    expect(begin.flags & IomapFlags.Shared).toBeTruthy();
    await m.fsync(m.errseq.sample());
    const expected = pattern(4096, 12);
    expected.fill(0xcc, 1500, 1510);
    expect(sameBytes(await h.fs.readRaw(clone, 0, 4096), expected)).toBe('same');
    expect(sameBytes(await h.fs.readRaw(h.file, 0, 4096), pattern(4096, 12))).toBe('same');
    h.fs.verify();
  });

  it('rejects invalid ranges with EINVAL and a read-only address space with EROFS', async () => {
    const h = await harness({ blockSize: 4096 });
    await expect(bufferedWrite(h.mapping, -1, new Uint8Array(1))).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(bufferedWrite(h.mapping, Number.MAX_SAFE_INTEGER, new Uint8Array(2))).rejects.toMatchObject({ code: 'EINVAL' });
    expect(await bufferedWrite(h.mapping, 0, new Uint8Array(0))).toBe(0);
    const ro = new PageCache().createAddressSpace({ inode: h.file, ops: h.fs, blockSize: 4096 });
    await expect(bufferedWrite(ro, 0, new Uint8Array(1))).rejects.toMatchObject({ code: 'EROFS' });
  });
});

describe('inline writes (BUF-22)', () => {
  it('updates the inline buffer in place: 20 bytes at 10 of a 50-byte inline file (BUF-22)', async () => {
    const h = await harness({ blockSize: 1024, fs: { inlineCapacity: 256 } });
    await referenceWrite(h.fs, h.file, 0, pattern(50, 13));
    const m = h.reopen();
    expect(await bufferedWrite(m, 10, new Uint8Array(20).fill(0x55))).toBe(20);
    const expected = pattern(50, 13);
    expected.fill(0x55, 10, 30);
    expect(sameBytes(await h.fs.readRaw(h.file, 0, 50), expected)).toBe('same');
    expect(h.fs.extents(h.file)[0]?.type).toBe(IomapType.Inline);
    expect(m.lookup(0)?.dirty).toBe(false);
    expect(sameBytes(await readAll(m, 0, 100), expected)).toBe('same');
  });

  it('fails with EIO for an inline mapping that does not start at offset 0 (BUF-22)', async () => {
    const ops: IomapOps<number> = {
      iomapBegin: async () => ({ offset: 4096, length: 100, addr: -1, type: IomapType.Inline, flags: 0, inlineData: new Uint8Array(100) }),
    };
    const m = new PageCache().createAddressSpace({ inode: 1, ops, writebackOps: { writebackRange: () => Promise.reject(new Error('no')) }, blockSize: 1024, size: 4196 });
    await expect(bufferedWrite(m, 4100, new Uint8Array(5))).rejects.toMatchObject({ code: 'EIO' });
  });
});

describe('DONTCACHE (BUF-21)', () => {
  it('drops folios written with DONTCACHE once their writeback completed (BUF-21)', async () => {
    const h = await harness({ blockSize: 4096 });
    await bufferedWrite(h.mapping, 0, pattern(16384, 14), { dontcache: true });
    await bufferedWrite(h.mapping, 16384, pattern(4096, 15));
    expect(h.spy.begins[0]?.op).toBe(IomapOp.Write | IomapOp.DontCache);
    await h.mapping.writeAndWaitRange(0, 20480);
    expect(h.mapping.lookup(0)).toBeUndefined();
    expect(h.mapping.lookup(16384)).toBeDefined();
    expect(sameBytes(await readAll(h.mapping, 0, 20480), new Uint8Array([...pattern(16384, 14), ...pattern(4096, 15)]))).toBe('same');
  });
});
