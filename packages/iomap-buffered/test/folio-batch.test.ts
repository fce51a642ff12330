// BUF-25 folio-batch zeroing: the filesystem supplies the dirty folios over
// a HOLE/UNWRITTEN mapping (fillDirtyFolios in iomapBegin of a zeroRange);
// only those are zeroed, nothing is flushed or re-mapped.
import { describe, expect, it } from 'vitest';
import { IomapContractError, IomapFlags, IomapOp, IomapType, type IomapOps } from '@iomap/core';
import type { ExtentMapInode } from '@iomap/testkit';
import { bufferedWrite, fillDirtyFolios, zeroRange, type AddressSpace } from '../src/index.js';
import { harness, pattern, readAll, sameBytes, type Harness } from './support/harness.js';

/** An address space whose iomapBegin supplies a folio batch for ZERO over HOLE/UNWRITTEN, recording iomapEnd flags. */
function openBatching(h: Harness, maxFolioSize = 4096) {
  const endFlags: number[] = [];
  const batches: number[][] = [];
  const ref: { m?: AddressSpace<ExtentMapInode> } = {};
  const ops: IomapOps<ExtentMapInode> = {
    async iomapBegin(inode, pos, length, op) {
      const map = await h.spy.iomapBegin(inode, pos, length, op);
      if (op & IomapOp.Zero && (map.type === IomapType.Unwritten || map.type === IomapType.Hole) && ref.m !== undefined) {
        batches.push(fillDirtyFolios(ref.m, pos, Math.min(pos + length, map.offset + map.length)).map((f) => f.pos));
      }
      return map;
    },
    async iomapEnd(inode, pos, length, written, op, iomap) {
      endFlags.push(iomap.flags);
      await h.spy.iomapEnd(inode, pos, length, written, op, iomap);
    },
  };
  const m = h.cache.createAddressSpace({ inode: h.file, ops, writeOps: h.writeOps, writebackOps: h.writebackOps, blockSize: h.fs.blockSize, size: h.file.size, maxFolioSize });
  ref.m = m;
  return { m, endFlags, batches };
}

describe.each([1024, 4096])('BUF-25 folio batch, %i-byte blocks', (bs) => {
  it('BUF-25: buffered write into an unwritten extent, zero_range with a folio batch: zeros read back, no flush, no re-map', async () => {
    const h = await harness({ blockSize: bs, fs: { writeAllocation: 'unwritten' } });
    await h.fs.fallocate(h.file, 0, 32768);
    const { m, endFlags, batches } = openBatching(h);
    await bufferedWrite(m, 0, pattern(8192, 1)); // folios 0, 4K dirty
    await bufferedWrite(m, 20480, pattern(8192, 2)); // folios 20K, 24K dirty; 8K..20K never cached
    h.tracker.clear();
    h.spy.clear();
    endFlags.length = 0;
    expect(await zeroRange(m, 2048, 24576)).toBe(true); // [2K, 26K)
    expect(h.tracker.writes.length).toBe(0); // nothing flushed
    expect(new Set(h.spy.begins.map((c) => c.pos)).size).toBe(h.spy.begins.length); // never re-mapped at a position
    // With 4 KiB blocks the dirty unaligned head block [2K, 4K) is zeroed first, on its own.
    expect(batches.at(-1)).toEqual(bs === 4096 ? [4096, 20480, 24576] : [0, 4096, 20480, 24576]);
    expect(endFlags.some((f) => (f & IomapFlags.FolioBatch) !== 0)).toBe(true);
    for (const pos of [8192, 12288, 16384]) expect(m.lookup(pos)).toBeUndefined(); // the clean gap was skipped
    const expected = new Uint8Array(28672);
    expected.set(pattern(8192, 1), 0);
    expected.set(pattern(8192, 2), 20480);
    expected.fill(0, 2048, 26624);
    expect(sameBytes(await readAll(m, 0, 28672), expected)).toBe('same');
    await m.fsync(m.errseq.sample());
    expect(sameBytes(await readAll(h.reopen(), 0, 28672), expected)).toBe('same');
  });

  it('BUF-25: a batch over dirty folios under writeback is zeroed after the writeback', async () => {
    const h = await harness({ blockSize: bs, fs: { writeAllocation: 'unwritten' } });
    await h.fs.fallocate(h.file, 0, 16384);
    const { m } = openBatching(h);
    await bufferedWrite(m, 0, pattern(16384, 3));
    h.device.addRule({ kind: 'delay', ms: 2 });
    const flush = m.writeAndWaitRange(0, 16384); // folios go under writeback
    expect(await zeroRange(m, 4096, 8192)).toBe(true);
    await flush;
    const expected = pattern(16384, 3);
    expected.fill(0, 4096, 12288);
    expect(sameBytes(await readAll(m, 0, 16384), expected)).toBe('same');
    await m.fsync(m.errseq.sample());
    expect(sameBytes(await readAll(h.reopen(), 0, 16384), expected)).toBe('same');
  });

  it('BUF-25: fillDirtyFolios outside a zeroRange is a contract error; a batch over a MAPPED mapping is EIO', async () => {
    const h = await harness({ blockSize: bs, initialData: pattern(8192, 4) });
    expect(() => fillDirtyFolios(h.mapping, 0, 4096)).toThrow(IomapContractError);
    const ref: { m?: AddressSpace<ExtentMapInode> } = {};
    const ops: IomapOps<ExtentMapInode> = {
      async iomapBegin(inode, pos, length, op) {
        const map = await h.spy.iomapBegin(inode, pos, length, op);
        if (op & IomapOp.Zero && ref.m !== undefined) fillDirtyFolios(ref.m, pos, pos + length);
        return map;
      },
    };
    const m = h.cache.createAddressSpace({ inode: h.file, ops, writeOps: h.writeOps, writebackOps: h.writebackOps, blockSize: h.fs.blockSize, size: h.file.size });
    ref.m = m;
    await bufferedWrite(m, 0, pattern(100, 5));
    await expect(zeroRange(m, 0, 4096)).rejects.toMatchObject({ code: 'EIO' });
    expect(() => fillDirtyFolios(m, 0, 4096)).toThrow(/BUF-25/); // the slot is gone after the zeroRange
  });
});
