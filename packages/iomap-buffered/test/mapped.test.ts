import { describe, expect, it } from 'vitest';
import { IomapOp, IomapType } from '@iomap/core';
import { referenceWrite } from '@iomap/testkit';
import { MappedRegion, PageCache, bufferedWrite, pageMkwrite, writeDelallocRelease, type Folio } from '../src/index.js';
import { harness, pattern, readAll, sameBytes } from './support/harness.js';

describe('mapped regions (BUF-28, BUF-29, BUF-33)', () => {
  it('allocates on the first store to a folio over a hole with WRITE|FAULT and dirties the whole folio (BUF-28, BUF-29)', async () => {
    const h = await harness({ blockSize: 1024 });
    await h.fs.truncate(h.file, 8192);
    const m = h.reopen();
    const region = new MappedRegion(m, 0, 8192);
    h.spy.clear();
    await region.write(100, new Uint8Array([1, 2, 3]));
    const begins = h.spy.begins.filter((c) => c.op !== IomapOp.Read);
    expect(begins.map((c) => [c.pos, c.length, c.op])).toEqual([[0, 4096, IomapOp.Write | IomapOp.Fault]]);
    const folio = m.lookup(0) as Folio;
    expect(folio.state?.dirtyBlocks).toBe(4);
    expect(folio.lock.locked).toBe(false);
    h.spy.clear();
    await region.write(200, new Uint8Array([4])); // no second fault while writable
    expect(h.spy.begins.length).toBe(0);
    await region.sync();
    const expected = new Uint8Array(4096);
    expected.set([1, 2, 3], 100);
    expected[200] = 4;
    expect(sameBytes(await h.fs.readRaw(h.file, 0, 4096), expected)).toBe('same');
    expect(h.fs.extents(h.file)[0]?.type).toBe(IomapType.Mapped);
  });

  it('faults again after writeback write-protected the folio (BUF-28)', async () => {
    const h = await harness({ blockSize: 4096, initialData: pattern(8192, 1) });
    const m = h.reopen();
    const region = new MappedRegion(m, 0, 8192);
    await region.write(0, new Uint8Array([9]));
    await region.sync();
    expect(m.lookup(0)?.dirty).toBe(false);
    h.spy.clear();
    await region.write(1, new Uint8Array([8]));
    expect(h.spy.begins.filter((c) => c.op & IomapOp.Fault).length).toBe(1);
    expect(m.lookup(0)?.dirty).toBe(true);
    await region.sync();
    const out = await h.fs.readRaw(h.file, 0, 2);
    expect([...out]).toEqual([9, 8]);
  });

  it('rejects a fault past EOF with EFAULT (the SIGBUS) and reads through read faults (BUF-28)', async () => {
    const h = await harness({ blockSize: 1024, initialData: pattern(5000, 2) });
    const m = h.reopen();
    const region = new MappedRegion(m, 0, 16384);
    await expect(region.write(8192, new Uint8Array(1))).rejects.toMatchObject({ code: 'EFAULT' });
    const buf = new Uint8Array(100);
    await region.read(4950, buf);
    expect(sameBytes(buf.subarray(0, 50), pattern(5000, 2).subarray(4950))).toBe('same');
    expect(buf.subarray(50).every((b) => b === 0)).toBe(true);
    await expect(region.write(16000, new Uint8Array(1000))).rejects.toMatchObject({ code: 'EFAULT' });
  });

  it('zeroes stores past EOF in the last folio at writeback, in cache and on disk (BUF-33)', async () => {
    const h = await harness({ blockSize: 1024, initialData: pattern(5000, 3) });
    const m = h.reopen();
    const region = new MappedRegion(m, 0, 8192);
    await region.write(4990, new Uint8Array(60).fill(0x77)); // 10 bytes inside EOF, 50 past it
    await region.sync();
    const folio = m.lookup(4096) as Folio;
    expect(folio.data.subarray(5000 - 4096).every((b) => b === 0)).toBe(true);
    await h.fs.truncate(h.file, 8192);
    await m.truncate(8192);
    const out = await readAll(h.reopen(), 4990, 100);
    expect(out.subarray(0, 10).every((b) => b === 0x77)).toBe(true);
    expect(out.subarray(10).every((b) => b === 0)).toBe(true);
  });

  it('retries the fault when the folio was truncated away (BUF-28)', async () => {
    const h = await harness({ blockSize: 4096, initialData: pattern(8192, 4) });
    const m = h.reopen();
    await readAll(m, 0, 8192);
    const folio = m.lookup(0) as Folio;
    await m.invalidateRange(0, 4096);
    expect(await pageMkwrite(m, folio)).toBe(false);
    expect(folio.lock.locked).toBe(false);
  });
});

describe('delalloc release (BUF-23)', () => {
  it('punches only blocks 2-3 after a write dirtied blocks 0-1 of a 4-block delalloc map (BUF-23)', async () => {
    const h = await harness({ blockSize: 1024, fs: { delalloc: true } });
    await bufferedWrite(h.mapping, 0, new Uint8Array(2048).fill(1));
    const punched: [number, number][] = [];
    await writeDelallocRelease(h.mapping, 2048, 4096, async (_i, pos, len) => void punched.push([pos, len]));
    expect(punched).toEqual([[2048, 2048]]);
  });

  it('keeps reservations under dirty blocks, punches clean blocks of dirty folios and always past EOF (BUF-23)', async () => {
    const h = await harness({ blockSize: 1024, fs: { delalloc: true } });
    await bufferedWrite(h.mapping, 0, new Uint8Array(1024).fill(1));
    await bufferedWrite(h.mapping, 2048, new Uint8Array(1024).fill(2));
    await bufferedWrite(h.mapping, 8192, new Uint8Array(1024).fill(3));
    await h.mapping.writeAndWaitRange(8192, 9216); // clean now: its reservation may go
    const punched: [number, number][] = [];
    await writeDelallocRelease(h.mapping, 0, 16384, async (_i, pos, len) => void punched.push([pos, len]));
    expect(punched).toEqual([
      [1024, 1024],
      [3072, 13312],
    ]);
    const m2 = new PageCache().createAddressSpace({ inode: h.file, ops: h.fs, blockSize: 1024, size: 100 });
    await referenceWrite(h.fs, h.file, 0, new Uint8Array(10));
    const p2: [number, number][] = [];
    await writeDelallocRelease(m2, 0, 4096, async (_i, pos, len) => void p2.push([pos, len]));
    expect(p2).toEqual([[0, 4096]]);
  });
});
