import { describe, expect, it, vi } from 'vitest';
import { FsError, IomapFlags, IomapOp, IomapType, MemoryBlockDevice, NULL_ADDR, type IomapMapping, type IomapOps } from '@iomap/core';
import { referenceWrite } from '@iomap/testkit';
import { Folio, FolioLock, PageCache, ReadaheadState, bufferedRead, bufferedWrite, readaheadRange } from '../src/index.js';
import { harness, pattern, readAll, sameBytes } from './support/harness.js';
import { TrackingDevice } from './support/tracking-device.js';

describe.each([1024, 4096])('buffered reads, %i-byte blocks', (bs) => {
  it('reads a folio over [mapped, hole]: data from disk, then zeros, folio uptodate (BUF-3)', async () => {
    const data = pattern(2048, 1);
    const h = await harness({ blockSize: bs, initialData: data });
    await h.fs.truncate(h.file, 8192);
    const m = h.reopen();
    const out = await readAll(m, 0, 8192);
    expect(sameBytes(out.subarray(0, 2048), data)).toBe('same');
    expect(out.subarray(2048).every((b) => b === 0)).toBe(true);
    expect(m.lookup(0)?.uptodate).toBe(true);
    expect(h.spy.begins.every((c) => c.op === IomapOp.Read)).toBe(true);
  });

  it('clips reads to EOF and returns 0 at or past it', async () => {
    const h = await harness({ blockSize: bs, initialData: pattern(5000, 2) });
    const m = h.reopen();
    expect((await readAll(m, 4000, 4000)).length).toBe(1000);
    expect((await readAll(m, 5000, 10)).length).toBe(0);
    expect((await readAll(m, 9999, 10)).length).toBe(0);
    await expect(bufferedRead(m, -1, new Uint8Array(1))).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(bufferedRead(m, 1.5, new Uint8Array(1))).rejects.toMatchObject({ code: 'EINVAL' });
  });

  it('zero-fills blocks of UNWRITTEN extents without reading them (BUF-6)', async () => {
    const h = await harness({ blockSize: bs });
    await h.fs.fallocate(h.file, 0, 16384);
    h.memory.bytes.fill(0xee, 0, 1 << 20);
    const m = h.reopen();
    h.tracker.clear();
    const out = await readAll(m, 0, 16384);
    expect(out.every((b) => b === 0)).toBe(true);
    expect(h.tracker.reads.length).toBe(0);
  });

  it('fails the whole read with EIO when the device fails, returning nothing as good (BUF-9)', async () => {
    const h = await harness({ blockSize: bs, initialData: pattern(16384, 3) });
    const m = h.reopen();
    const extent = h.fs.extents(h.file)[0];
    h.device.addRule({ kind: 'error', ops: ['read'], range: { pos: (extent?.addr ?? 0) + 8192, length: 1 } });
    await expect(bufferedRead(m, 0, new Uint8Array(16384))).rejects.toMatchObject({ code: 'EIO' });
    expect(m.lookup(8192)?.uptodate).toBe(false);
    h.device.clearRules();
    expect(sameBytes(await readAll(m, 0, 16384), pattern(16384, 3))).toBe('same');
  });
});

describe('read completion and requests (BUF-4, BUF-8, BUF-9)', () => {
  it('ends each folio read exactly once when the device completes synchronously (BUF-9)', async () => {
    const h = await harness({ blockSize: 1024, initialData: pattern(4096, 4) });
    const m = h.reopen();
    // MemoryBlockDevice copies inside the call: the data is there before submit returns.
    const unlock = vi.spyOn(FolioLock.prototype, 'unlock');
    expect(sameBytes(await readAll(m, 0, 4096), pattern(4096, 4))).toBe('same');
    expect(unlock).toHaveBeenCalledTimes(1);
    unlock.mockRestore();
  });

  it('ends a folio exactly once when its blocks complete in separate requests before the walk moves on (BUF-9)', async () => {
    // 1 KiB blocks, blocks 0 and 2 on disk, 1 and 3 holes: two requests and two zero fills in one folio.
    const h = await harness({ blockSize: 1024, fs: { allocation: 'contiguous' } });
    await referenceWrite(h.fs, h.file, 0, pattern(1024, 5));
    await referenceWrite(h.fs, h.file, 2048, pattern(1024, 6));
    await h.fs.truncate(h.file, 4096);
    const m = h.reopen();
    const unlock = vi.spyOn(FolioLock.prototype, 'unlock');
    const out = await readAll(m, 0, 4096);
    expect(unlock).toHaveBeenCalledTimes(1);
    unlock.mockRestore();
    expect(sameBytes(out.subarray(0, 1024), pattern(1024, 5))).toBe('same');
    expect(out.subarray(1024, 2048).every((b) => b === 0)).toBe(true);
    expect(sameBytes(out.subarray(2048, 3072), pattern(1024, 6))).toBe('same');
  });

  it('reads 8 folios over 2 physically contiguous extents with 2 device requests (BUF-4, BUF-8)', async () => {
    const h = await harness({ blockSize: 4096 });
    await referenceWrite(h.fs, h.file, 0, pattern(16384, 7));
    const other = await h.fs.create('other');
    await referenceWrite(h.fs, other, 0, pattern(4096, 8)); // breaks physical contiguity
    await referenceWrite(h.fs, h.file, 16384, pattern(16384, 9));
    const m = h.reopen();
    h.tracker.clear();
    const out = await readAll(m, 0, 32768);
    expect(sameBytes(out.subarray(16384), pattern(16384, 9))).toBe('same');
    expect(h.tracker.reads.length).toBe(2);
    expect(h.tracker.reads.map((r) => r.buffers)).toEqual([4, 4]);
    expect(m.folios.count).toBe(8);
  });

  it('issues independent device requests concurrently (BUF-4)', async () => {
    const memory = new MemoryBlockDevice({ size: 1 << 20 });
    const tracker = new TrackingDevice(memory);
    let release!: () => void;
    const ops: IomapOps<number> = {
      async iomapBegin(_i, pos) {
        // Each 4 KiB of the file lives 64 KiB apart on the device: nothing merges.
        const block = Math.floor(pos / 4096);
        return { offset: block * 4096, length: 4096, addr: block * 65536, type: IomapType.Mapped, flags: 0, device: tracker };
      },
    };
    const m = new PageCache().createAddressSpace({ inode: 1, ops, blockSize: 4096, size: 8 * 4096 });
    tracker.gate = new Promise((r) => (release = r));
    const read = bufferedRead(m, 0, new Uint8Array(8 * 4096));
    await new Promise((r) => setTimeout(r, 5));
    expect(tracker.inflight).toBe(8);
    release();
    expect(await read).toBe(8 * 4096);
  });

  it('grows the readahead window on sequential reads and restarts it on a random one (BUF-4)', async () => {
    const h = await harness({ blockSize: 4096, deviceSize: 16 << 20, cache: { maxReadahead: 256 << 10 } });
    await referenceWrite(h.fs, h.file, 0, pattern(4 << 20, 10));
    const m = h.reopen();
    const ra = new ReadaheadState();
    h.tracker.clear();
    const buf = new Uint8Array(4096);
    for (let pos = 0; pos < 1 << 20; pos += 4096) await bufferedRead(m, pos, buf, { ra });
    const sizes = h.tracker.reads.map((r) => r.bytes);
    expect(sizes.slice(0, 5)).toEqual([16384, 32768, 65536, 131072, 262144]);
    expect(Math.max(...sizes)).toBe(256 << 10);
    h.tracker.clear();
    await bufferedRead(m, 3 << 20, buf, { ra });
    expect(h.tracker.reads.map((r) => r.bytes)).toEqual([16384]);
  });

  it('reads the next window in the background when a sequential reader reaches the marker (BUF-4)', async () => {
    const h = await harness({ blockSize: 4096, initialData: pattern(256 << 10, 17) });
    const m = h.reopen();
    const ra = new ReadaheadState();
    h.tracker.clear();
    await bufferedRead(m, 0, new Uint8Array(4096), { ra }); // window [0, 16K), marker at 8K
    await bufferedRead(m, 4096, new Uint8Array(4096), { ra });
    expect(h.tracker.reads.length).toBe(1);
    await bufferedRead(m, 8192, new Uint8Array(4096), { ra }); // reaches the marker
    await new Promise((r) => setTimeout(r, 1));
    expect(h.tracker.reads.map((r) => [r.pos - h.tracker.reads[0]!.pos, r.bytes])).toEqual([
      [0, 16384],
      [16384, 32768],
    ]);
    const buf = new Uint8Array(32768);
    await bufferedRead(m, 16384, buf, { ra });
    expect(sameBytes(buf, pattern(256 << 10, 17).subarray(16384, 49152))).toBe('same');
  });

  it('asks the filesystem for background readahead mappings before the read returns (stale-data race)', async () => {
    const h = await harness({ blockSize: 4096, initialData: pattern(256 << 10, 18) });
    const m = h.reopen();
    const ra = new ReadaheadState();
    for (let pos = 0; pos < 64 << 10; pos += 4096) {
      await bufferedRead(m, pos, new Uint8Array(4096), { ra });
      const calls = h.spy.calls.length;
      await new Promise((r) => setTimeout(r, 2)); // background I/O may finish; no mapping may happen now
      expect(h.spy.calls.length).toBe(calls);
    }
  });

  it('reads only the blocks that are not uptodate: blocks 0 and 3 cached, 1-2 read (BUF-5)', async () => {
    const data = pattern(4096, 11);
    const h = await harness({ blockSize: 1024, initialData: data });
    const m = h.reopen();
    await bufferedWrite(m, 0, data.subarray(0, 1024));
    await bufferedWrite(m, 3072, data.subarray(3072, 4096));
    h.tracker.clear();
    expect(sameBytes(await readAll(m, 0, 4096), data)).toBe('same');
    expect(h.tracker.reads).toEqual([expect.objectContaining({ bytes: 2048, buffers: 1 })]);
  });

  it('serves a read from uptodate blocks of a folio that is not uptodate without I/O (BUF-10)', async () => {
    const h = await harness({ blockSize: 1024, initialData: pattern(4096, 12) });
    const m = h.reopen();
    await bufferedWrite(m, 1024, new Uint8Array(1024).fill(5));
    h.tracker.clear();
    expect(sameBytes(await readAll(m, 1100, 500), new Uint8Array(500).fill(5))).toBe('same');
    expect(h.tracker.reads.length).toBe(0);
    expect(m.lookup(0)?.uptodate).toBe(false);
  });

  it('zero-fills mapped blocks wholly past EOF in the last folio even when the disk holds junk (BUF-6, §3.6)', async () => {
    const h = await harness({ blockSize: 1024, initialData: pattern(4096, 13) });
    await h.fs.setSize(h.file, 1500); // blocks 2-3 stay mapped, full of pattern
    const m = h.reopen();
    h.tracker.clear();
    const out = await readAll(m, 0, 4096);
    expect(sameBytes(out, pattern(1500, 13))).toBe('same');
    const folio = m.lookup(0) as Folio;
    expect(folio.data.subarray(2048).every((b) => b === 0)).toBe(true);
    expect(h.tracker.reads).toEqual([expect.objectContaining({ bytes: 2048 })]);
  });

  it('zero-fills NEW and DELALLOC mappings instead of reading (BUF-6)', async () => {
    const memory = new MemoryBlockDevice({ size: 1 << 20 });
    memory.bytes.fill(0xaa);
    const tracker = new TrackingDevice(memory);
    const types: IomapMapping[] = [
      { offset: 0, length: 4096, addr: 8192, type: IomapType.Mapped, flags: IomapFlags.New, device: tracker },
      { offset: 4096, length: 4096, addr: NULL_ADDR, type: IomapType.Delalloc, flags: 0 },
    ];
    const ops: IomapOps<number> = { iomapBegin: async (_i, pos) => types[pos < 4096 ? 0 : 1] as IomapMapping };
    const m = new PageCache().createAddressSpace({ inode: 1, ops, blockSize: 4096, size: 8192 });
    const buf = new Uint8Array(8192).fill(1);
    await bufferedRead(m, 0, buf);
    expect(buf.every((b) => b === 0)).toBe(true);
    expect(tracker.calls.length).toBe(0);
  });

  it('copies inline data and zeroes the rest of the folio (BUF-7)', async () => {
    const h = await harness({ blockSize: 1024, fs: { inlineCapacity: 512 } });
    const data = pattern(100, 14);
    await referenceWrite(h.fs, h.file, 0, data);
    const m = h.reopen();
    expect(sameBytes(await readAll(m, 0, 4096), data)).toBe('same');
    const folio = m.lookup(0) as Folio;
    expect(sameBytes(folio.data.subarray(0, 100), data)).toBe('same');
    expect(folio.data.subarray(100).every((b) => b === 0)).toBe(true);
    expect(folio.uptodate).toBe(true);
  });

  it('fails with EIO when inline data is larger than its mapping (BUF-7)', async () => {
    const ops: IomapOps<number> = {
      iomapBegin: async () => ({ offset: 0, length: 50, addr: NULL_ADDR, type: IomapType.Inline, flags: 0, inlineData: new Uint8Array(50) }),
    };
    const m = new PageCache().createAddressSpace({ inode: 1, ops, blockSize: 1024, size: 100 });
    await expect(bufferedRead(m, 0, new Uint8Array(100))).rejects.toMatchObject({ code: 'EIO' });
  });

  it('reports the filesystem error when mapping fails', async () => {
    const ops: IomapOps<number> = { iomapBegin: async () => Promise.reject(new FsError('EUCLEAN', 'bad extent tree')) };
    const m = new PageCache().createAddressSpace({ inode: 1, ops, blockSize: 4096, size: 8192 });
    await expect(bufferedRead(m, 0, new Uint8Array(10))).rejects.toMatchObject({ code: 'EUCLEAN' });
    expect(m.lookup(0)?.lock.locked).toBe(false);
  });

  it('refuses with EAGAIN under NOWAIT when the data is not cached', async () => {
    const h = await harness({ blockSize: 4096, initialData: pattern(8192, 15) });
    const m = h.reopen();
    await expect(bufferedRead(m, 0, new Uint8Array(10), { nowait: true })).rejects.toMatchObject({ code: 'EAGAIN' });
    await readAll(m, 0, 10);
    const buf = new Uint8Array(10);
    expect(await bufferedRead(m, 0, buf, { nowait: true })).toBe(10);
  });

  it('reads ahead explicitly without copying (readaheadRange)', async () => {
    const h = await harness({ blockSize: 4096, initialData: pattern(65536, 16) });
    const m = h.reopen();
    const { folios, errors } = await readaheadRange(m as never, 0, 65536);
    expect(folios.length).toBe(16);
    expect(errors.size).toBe(0);
    h.tracker.clear();
    expect(sameBytes(await readAll(m, 0, 65536), pattern(65536, 16))).toBe('same');
    expect(h.tracker.reads.length).toBe(0);
  });
});
