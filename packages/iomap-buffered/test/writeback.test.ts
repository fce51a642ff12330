import { describe, expect, it } from 'vitest';
import {
  FsError,
  IoendFlags,
  IomapFlags,
  IomapType,
  MemoryBlockDevice,
  NULL_ADDR,
  type Iomap,
  type Ioend,
  type IomapOps,
  type WritebackOps,
} from '@iomap/core';
import { referenceWrite } from '@iomap/testkit';
import {
  PageCache,
  bufferedWrite,
  ioendCanMerge,
  mergeIoends,
  sortIoends,
  writebackPass,
  type AddressSpace,
  type Folio,
} from '../src/index.js';
import { harness, pattern, readAll, sameBytes } from './support/harness.js';
import { TrackingDevice } from './support/tracking-device.js';

/** An address space whose writeback mappings come from `map(pos)`, over a tracked memory device. */
function scripted(blockSize: number, map: (pos: number, device: TrackingDevice) => Iomap, extra: Partial<WritebackOps<number>> = {}) {
  const memory = new MemoryBlockDevice({ size: 4 << 20 });
  const device = new TrackingDevice(memory);
  const calls: [number, number][] = [];
  const completions: Ioend[] = [];
  const ops: IomapOps<number> = {
    iomapBegin: async (_i, pos) => ({ offset: Math.floor(pos / blockSize) * blockSize, length: blockSize, addr: NULL_ADDR, type: IomapType.Delalloc, flags: IomapFlags.New }),
  };
  const writebackOps: WritebackOps<number> = {
    writebackRange: async (_i, pos, length) => {
      calls.push([pos, length]);
      return map(pos, device);
    },
    ioendComplete: async (_i, io) => void completions.push({ ...io }),
    ...extra,
  };
  const cache = new PageCache();
  const mapping = cache.createAddressSpace({ inode: 0, ops, writebackOps, blockSize });
  return { mapping, device, memory, calls, completions, cache };
}

const mapped = (offset: number, length: number, addr: number, device: TrackingDevice, flags = 0, type: IomapType = IomapType.Mapped): Iomap => ({
  offset,
  length,
  addr,
  type,
  flags,
  device,
});

describe.each([1024, 4096])('writeback, %i-byte blocks', (bs) => {
  it('writes 3 dirty folios contiguous on disk with one device write (BUF-32, BUF-37)', async () => {
    const h = await harness({ blockSize: bs });
    await bufferedWrite(h.mapping, 0, pattern(12288, 1));
    h.tracker.clear();
    await h.mapping.writeAndWaitRange(0, 12288);
    expect(h.tracker.writes).toEqual([expect.objectContaining({ buffers: 3, bytes: 12288 })]);
    expect(sameBytes(await h.fs.readRaw(h.file, 0, 12288), pattern(12288, 1))).toBe('same');
    expect(h.mapping.dirtyFolios.size).toBe(0);
  });

  it('zeroes mapped-memory garbage past EOF in cache and on disk at every writeback (BUF-33, §3.7)', async () => {
    const h = await harness({ blockSize: bs });
    await bufferedWrite(h.mapping, 0, pattern(5000, 2));
    const folio = h.mapping.lookup(4096) as Folio;
    folio.data.fill(0x77, 5000 - 4096);
    await h.mapping.writeAndWaitRange(0, 8192);
    expect(folio.data.subarray(5000 - 4096).every((b) => b === 0)).toBe(true);
    const ext = h.fs.extents(h.file);
    const last = ext[ext.length - 1] as { offset: number; addr: number; length: number };
    const endAddr = last.addr + (5000 - last.offset);
    const blockEnd = last.addr + last.length;
    expect(h.memory.bytes.subarray(endAddr, blockEnd).every((b) => b === 0)).toBe(true);
    // garbage again, written back again: zeroed again
    folio.data.fill(0x78, 5000 - 4096);
    folio.setRangeDirty(0, 100);
    await h.mapping.writeAndWaitRange(0, 8192);
    expect(folio.data.subarray(5000 - 4096).every((b) => b === 0)).toBe(true);
  });

  it('skips folios wholly past EOF, including one starting exactly at EOF (BUF-33)', async () => {
    const h = await harness({ blockSize: bs });
    await bufferedWrite(h.mapping, 0, pattern(8192, 3));
    h.mapping.setSize(4096); // a truncate in progress: the cache is not trimmed yet
    h.tracker.clear();
    await h.mapping.writeAndWaitRange(0, 8192);
    expect(h.tracker.writes.map((w) => w.bytes)).toEqual([4096]);
    expect(h.mapping.lookup(4096)?.dirty).toBe(false);
  });

  it('clamps the ioend size to EOF while writing whole blocks (BUF-38)', async () => {
    const h = await harness({ blockSize: bs });
    await bufferedWrite(h.mapping, 0, pattern(5000, 4));
    h.tracker.clear();
    await h.mapping.fsync(h.cursor);
    const total = h.writebackOps.completions.reduce((n, io) => n + io.size, 0);
    expect(total).toBe(5000);
    expect(h.writebackOps.completions[0]?.offset).toBe(0);
    expect(h.tracker.writes.reduce((n, w) => n + w.bytes, 0)).toBe(Math.ceil(5000 / bs) * bs);
  });

  it('cleans the folio and reports EIO on the next fsync, once, when mapping fails (BUF-35, §3.16)', async () => {
    const h = await harness({ blockSize: bs });
    const other = h.mapping.errseq.sample();
    await bufferedWrite(h.mapping, 0, pattern(8192, 5));
    const orig = h.writebackOps.writebackRange;
    h.writebackOps.writebackRange = async () => Promise.reject(new FsError('EIO', 'metadata read failed'));
    await expect(h.mapping.fsync(h.cursor)).rejects.toMatchObject({ code: 'EIO' });
    expect(h.mapping.dirtyFolios.size).toBe(0);
    expect(h.mapping.writebackFolios.size).toBe(0);
    await expect(h.mapping.fsync(h.cursor)).resolves.toBeUndefined();
    await expect(h.mapping.fsync(other)).rejects.toMatchObject({ code: 'EIO' });
    await expect(h.mapping.fsync(other)).resolves.toBeUndefined();
    h.writebackOps.writebackRange = orig;
  });

  it('reports a device write error on fsync once and never calls the data durable (BUF-35)', async () => {
    const h = await harness({ blockSize: bs, fs: { writeAllocation: 'unwritten' } });
    await bufferedWrite(h.mapping, 0, pattern(8192, 6));
    h.device.addRule({ kind: 'error', ops: ['write'] });
    await expect(h.mapping.fsync(h.cursor)).rejects.toMatchObject({ code: 'EIO' });
    await expect(h.mapping.fsync(h.cursor)).resolves.toBeUndefined();
    // Failed writeback must not convert (§3.10): the extent still reads as zeros.
    expect(h.fs.extents(h.file).every((e) => e.type === IomapType.Unwritten)).toBe(true);
    expect(h.writebackOps.completions.every((c) => c.error?.code === 'EIO')).toBe(true);
  });

  it('converts UNWRITTEN to MAPPED in completion before the folios leave writeback (BUF-39, §3.10)', async () => {
    const h = await harness({ blockSize: bs, fs: { writeAllocation: 'unwritten' } });
    await bufferedWrite(h.mapping, 0, pattern(8192, 7));
    const folio = h.mapping.lookup(0) as Folio;
    const hook = h.writebackOps.ioendComplete?.bind(h.writebackOps);
    let sawWriteback = false;
    h.writebackOps.ioendComplete = async (inode, io) => {
      sawWriteback = folio.writeback;
      expect(io.flags & IoendFlags.Unwritten).toBeTruthy();
      await hook?.(inode, io);
    };
    await h.mapping.fsync(h.cursor);
    expect(sawWriteback).toBe(true);
    expect(h.fs.extents(h.file).map((e) => e.type)).toEqual([IomapType.Mapped]);
    expect(sameBytes(await h.fs.readRaw(h.file, 0, 8192), pattern(8192, 7))).toBe('same');
  });

  it('allocates delalloc reservations at writeback, whole runs at a time (BUF-42)', async () => {
    const h = await harness({ blockSize: bs, fs: { delalloc: true } });
    await bufferedWrite(h.mapping, 0, pattern(65536, 8));
    expect(h.fs.extents(h.file).map((e) => e.type)).toEqual([IomapType.Delalloc]);
    await h.mapping.fsync(h.cursor);
    expect(h.writebackOps.calls.length).toBe(1);
    expect(h.writebackOps.calls[0]).toMatchObject({ pos: 0, endPos: 65536 });
    expect(h.fs.extents(h.file).map((e) => e.type)).toEqual([IomapType.Mapped]);
    expect(h.fs.statfs().reservedBlocks).toBe(0);
  });

  it('does not reuse a cached writeback mapping after the extent map changed (BUF-42)', async () => {
    const h = await harness({ blockSize: bs });
    await bufferedWrite(h.mapping, 0, pattern(16384, 9));
    await h.mapping.fsync(h.cursor);
    await bufferedWrite(h.mapping, 0, pattern(4096, 10));
    await bufferedWrite(h.mapping, 8192, pattern(4096, 11));
    h.writebackOps.calls.length = 0;
    await writebackPass(h.mapping as AddressSpace<unknown>, { start: 0, end: 4096, sync: true });
    await h.fs.punchHole(h.file, 4096, 4096); // bumps the validity cookie
    await writebackPass(h.mapping as AddressSpace<unknown>, { start: 8192, end: 16384, sync: true });
    expect(h.writebackOps.calls.map((c) => c.pos)).toEqual([0, 8192]);
  });
});

describe('writeback runs, ioends and completion (BUF-34 … BUF-41)', () => {
  it('calls writebackRange for each run of dirty blocks: {0,2,3} -> [0,1K) and [2K,4K) (BUF-34)', async () => {
    const s = scripted(1024, (pos, dev) => mapped(Math.floor(pos / 1024) * 1024, 1024, 65536 + pos, dev));
    await bufferedWrite(s.mapping, 0, new Uint8Array(1024).fill(1));
    await bufferedWrite(s.mapping, 2048, new Uint8Array(2048).fill(2));
    await s.mapping.writeAndWaitRange(0, 4096);
    expect(s.calls).toEqual([
      [0, 1024],
      [2048, 2048],
      [3072, 1024],
    ]);
  });

  it('consumes HOLE mappings without I/O and ends writeback at once when nothing was submitted (BUF-34, BUF-36)', async () => {
    const s = scripted(1024, (pos) => ({ offset: pos, length: 4096 - (pos % 4096), addr: NULL_ADDR, type: IomapType.Hole, flags: 0 }));
    await bufferedWrite(s.mapping, 0, new Uint8Array(4096).fill(1));
    await s.mapping.writeAndWaitRange(0, 4096);
    expect(s.device.writes.length).toBe(0);
    expect(s.mapping.lookup(0)?.writeback).toBe(false);
    expect(s.mapping.lookup(0)?.dirty).toBe(false);
  });

  it('ends writeback exactly once, after the last range of the folio completed (BUF-36)', async () => {
    // blocks 0 and 2 of the folio go to distant places: two ioends for one folio
    const s = scripted(1024, (pos, dev) => mapped(Math.floor(pos / 1024) * 1024, 1024, pos * 100, dev));
    await bufferedWrite(s.mapping, 0, new Uint8Array(1024).fill(1));
    await bufferedWrite(s.mapping, 2048, new Uint8Array(1024).fill(2));
    const folio = s.mapping.lookup(0) as Folio;
    let resolve!: () => void;
    s.device.gate = new Promise((r) => (resolve = r));
    await writebackPass(s.mapping as AddressSpace<unknown>, { start: 0, end: 4096, sync: false });
    expect(folio.writeback).toBe(true);
    expect(s.device.inflight).toBe(2);
    resolve();
    await folio.waitWriteback();
    expect(s.completions.length).toBe(2);
    expect(folio.writeback).toBe(false);
  });

  it('starts a new ioend for non-adjacent sectors, a flag change, and a BOUNDARY (BUF-37)', async () => {
    const s = scripted(4096, (pos, dev) => {
      const blk = pos / 4096;
      if (blk === 0) return mapped(0, 4096, 40960, dev);
      if (blk === 1) return mapped(4096, 4096, 45056, dev, 0, IomapType.Unwritten); // adjacent but UNWRITTEN
      if (blk === 2) return mapped(8192, 4096, 49152, dev, 0, IomapType.Unwritten); // merges with block 1
      if (blk === 3) return mapped(12288, 4096, 53248, dev, IomapFlags.Boundary, IomapType.Unwritten);
      return mapped(16384, 4096, 409600, dev, 0, IomapType.Unwritten); // far away
    });
    await bufferedWrite(s.mapping, 0, pattern(20480, 12));
    await s.mapping.writeAndWaitRange(0, 20480);
    expect(s.device.writes.map((w) => [w.pos, w.bytes])).toEqual([
      [40960, 4096],
      [45056, 8192],
      [53248, 4096],
      [409600, 4096],
    ]);
    expect(sameBytes(s.memory.bytes.subarray(409600, 409600 + 4096), pattern(20480, 12).subarray(16384))).toBe('same');
  });

  it('merges adjacent finished ioends into one completion (BUF-40)', async () => {
    const s = scripted(4096, (pos, dev) => mapped(0, 1 << 20, 65536, dev));
    // Requests of one block each: three ioends, finishing together.
    const small = new PageCache({ maxIoSize: 4096 });
    const m = small.createAddressSpace({ inode: 0, ops: (s.mapping as AddressSpace<number>).ops, writebackOps: s.mapping.writebackOps, blockSize: 4096 });
    await bufferedWrite(m, 0, pattern(12288, 13));
    let resolve!: () => void;
    s.device.gate = new Promise((r) => (resolve = r));
    await writebackPass(m as AddressSpace<unknown>, { start: 0, end: 12288, sync: false });
    resolve();
    await m.writeAndWaitRange(0, 12288);
    expect(s.device.writes.length).toBe(3);
    expect(s.completions).toEqual([expect.objectContaining({ offset: 0, size: 12288, addr: 65536 })]);
    expect(m.completions.completedIoends).toBe(3);
    expect(m.completions.completedGroups).toBe(1);
  });

  it('splits a large contiguous writeback into requests of at most maxIoSize (BUF-41)', async () => {
    const h = await harness({ blockSize: 4096, deviceSize: 8 << 20, cache: { maxIoSize: 256 << 10 }, maxFolioSize: 64 << 10 });
    await bufferedWrite(h.mapping, 0, pattern(1 << 20, 14));
    h.tracker.clear();
    await h.mapping.fsync(h.cursor);
    const writes = h.tracker.writes;
    expect(writes.map((w) => w.bytes)).toEqual([262144, 262144, 262144, 262144]);
    for (let i = 1; i < writes.length; i++) expect(writes[i]?.pos).toBe((writes[i - 1]?.pos ?? 0) + 262144);
    expect(sameBytes(await h.fs.readRaw(h.file, 0, 1 << 20), pattern(1 << 20, 14))).toBe('same');
  });

  it('fails writeback with EIO when the filesystem returns DELALLOC or INLINE (BUF-42)', async () => {
    const s = scripted(4096, (pos) => ({ offset: pos, length: 4096, addr: NULL_ADDR, type: IomapType.Delalloc, flags: 0 }));
    const cursor = s.mapping.errseq.sample();
    await bufferedWrite(s.mapping, 0, new Uint8Array(10));
    await expect(s.mapping.fsync(cursor)).rejects.toThrow(/BUF-42/);
    expect(s.mapping.dirtyFolios.size).toBe(0);
  });

  it('records an error thrown by the completion hook for fsync (BUF-39)', async () => {
    const s = scripted(4096, (pos, dev) => mapped(0, 1 << 20, 65536, dev), {
      ioendComplete: async () => Promise.reject(new FsError('ENOSPC', 'no room to log the size update')),
    });
    const cursor = s.mapping.errseq.sample();
    await bufferedWrite(s.mapping, 0, new Uint8Array(10));
    await expect(s.mapping.fsync(cursor)).rejects.toMatchObject({ code: 'ENOSPC' });
  });

  it('makes a writer wait for the writeback of its folio, keeping pages stable', async () => {
    const s = scripted(4096, (pos, dev) => mapped(0, 1 << 20, 65536, dev));
    await bufferedWrite(s.mapping, 0, new Uint8Array(4096).fill(1));
    let resolve!: () => void;
    s.device.gate = new Promise((r) => (resolve = r));
    await writebackPass(s.mapping as AddressSpace<unknown>, { start: 0, end: 4096, sync: false });
    let wrote = false;
    const write = bufferedWrite(s.mapping, 0, new Uint8Array(10).fill(2)).then(() => (wrote = true));
    await new Promise((r) => setTimeout(r, 5));
    expect(wrote).toBe(false);
    resolve();
    await write;
    expect(s.memory.bytes[65536]).toBe(1);
    s.device.gate = undefined;
    await s.mapping.writeAndWaitRange(0, 4096);
    expect(s.memory.bytes[65536]).toBe(2);
  });
});

describe('ioend helpers (BUF-40)', () => {
  const io = (offset: number, size: number, addr: number, flags = 0, error?: FsError): Ioend => ({ offset, size, addr, flags, error });

  it('sorts by offset and merges file- and device-contiguous neighbours', () => {
    const groups = mergeIoends([io(8192, 4096, 8192), io(0, 4096, 0), io(4096, 4096, 4096)]);
    expect(groups.length).toBe(1);
    expect(groups[0]?.map((g) => g.offset)).toEqual([0, 4096, 8192]);
    expect(sortIoends([io(5, 1, 5), io(1, 1, 1)]).map((g) => g.offset)).toEqual([1, 5]);
  });

  it('never merges across a BOUNDARY, a flag difference, a gap or a different outcome', () => {
    expect(ioendCanMerge(io(0, 4096, 0), io(4096, 4096, 4096, IoendFlags.Boundary))).toBe(false);
    expect(ioendCanMerge(io(0, 4096, 0), io(4096, 4096, 4096, IoendFlags.Unwritten))).toBe(false);
    expect(ioendCanMerge(io(0, 4096, 0), io(4096, 4096, 8192))).toBe(false);
    expect(ioendCanMerge(io(0, 4096, 0), io(8192, 4096, 4096))).toBe(false);
    expect(ioendCanMerge(io(0, 4096, 0), io(4096, 4096, 4096, 0, new FsError('EIO', 'x')))).toBe(false);
    expect(ioendCanMerge(io(0, 4096, 0, IoendFlags.Shared), io(4096, 4096, 4096, IoendFlags.Shared))).toBe(true);
  });
});

describe('writeback through a real file (smoke for §3.7 and delalloc)', () => {
  it('round-trips data across remounts with 1 KiB blocks and large folios', async () => {
    const h = await harness({ blockSize: 1024, fs: { delalloc: true }, maxFolioSize: 32 << 10 });
    await referenceWrite(h.fs, h.file, 0, pattern(3000, 15));
    const m = h.reopen();
    await bufferedWrite(m, 2000, pattern(70000, 16));
    await m.fsync(m.errseq.sample());
    const again = h.reopen();
    const expected = new Uint8Array(72000);
    expected.set(pattern(3000, 15));
    expected.set(pattern(70000, 16), 2000);
    expect(sameBytes(await readAll(again, 0, 80000), expected)).toBe('same');
    h.fs.verify();
  });
});
