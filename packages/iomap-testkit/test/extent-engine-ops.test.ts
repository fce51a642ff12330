// ExtentMapFs's ready-made engine callbacks (writebackOps, directIoOps) and
// its writeback allocation when the device fails the poison write.
import { describe, expect, it } from 'vitest';
import { DioEndIoFlags, FsError, IoendFlags, IomapOp, IomapType, MemoryBlockDevice } from '@iomap/core';
import { ExtentMapFs, FaultDevice } from '../src/index.js';

const BS = 1024;
const codeOf = (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (e instanceof FsError ? e.code : 'not an FsError'));

/** A delalloc file with `blocks` dirty blocks reserved from 0 (what a buffered write leaves). */
async function delallocFile(fs: ExtentMapFs, blocks: number) {
  const file = await fs.create('a');
  const map = await fs.iomapBegin(file, 0, blocks * BS, IomapOp.Write);
  expect(map.type).toBe(IomapType.Delalloc);
  await fs.iomapEnd(file, 0, blocks * BS, blocks * BS, IomapOp.Write, map);
  return file;
}

describe('ExtentMapFs.writebackOps', () => {
  it('allocates the whole hinted run, reuses mappings while the cookie holds, and records calls', async () => {
    const fs = new ExtentMapFs({ deviceSize: 256 * BS, blockSize: BS, delalloc: true });
    const file = await delallocFile(fs, 8);
    const ops = fs.writebackOps({ record: true });
    const map = await ops.writebackRange(file, 0, BS, 8 * BS);
    expect(map.type).toBe(IomapType.Mapped);
    expect(map.length).toBe(8 * BS); // the hint, not just the one block asked for
    expect(fs.statfs().reservedBlocks).toBe(0);
    expect(ops.mappingValid?.(file, map)).toBe(true);
    await fs.truncate(file, 4 * BS);
    expect(ops.mappingValid?.(file, map)).toBe(false);
    expect(ops.calls).toEqual([{ pos: 0, length: BS, endPos: 8 * BS, mapping: map }]);
    fs.verify();
  });

  it('converts UNWRITTEN blocks only for ioends that succeeded, and keeps the completions when recording', async () => {
    const fs = new ExtentMapFs({ deviceSize: 256 * BS, blockSize: BS, writeAllocation: 'unwritten' });
    const file = await fs.create('a');
    const map = await fs.iomapBegin(file, 0, 4 * BS, IomapOp.Write);
    await fs.iomapEnd(file, 0, 4 * BS, 4 * BS, IomapOp.Write, map);
    const ops = fs.writebackOps({ record: true });
    const io = { offset: 0, size: 2 * BS, addr: map.addr, flags: IoendFlags.Unwritten, error: undefined };
    await ops.ioendComplete?.(file, { ...io, error: new FsError('EIO', 'failed') });
    expect(fs.extents(file).map((e) => e.type)).toEqual([IomapType.Unwritten]);
    await ops.ioendComplete?.(file, io);
    expect(fs.extents(file).map((e) => e.type)).toEqual([IomapType.Mapped, IomapType.Unwritten]);
    expect(ops.completions.map((c) => c.error?.code)).toEqual(['EIO', undefined]);
    expect(fs.writebackOps().completions).toEqual([]); // not recording by default
  });

  it('records a failed writebackRange with its error', async () => {
    const device = new FaultDevice(new MemoryBlockDevice({ size: 256 * BS }));
    const fs = new ExtentMapFs({ device, blockSize: BS, delalloc: true, poison: 0x5a });
    const file = await delallocFile(fs, 2);
    const ops = fs.writebackOps({ record: true });
    device.addRule({ kind: 'error', ops: ['write'], times: 1 });
    expect(await codeOf(ops.writebackRange(file, 0, BS, 2 * BS))).toBe('EIO');
    expect(ops.calls[0]?.error).toBeInstanceOf(FsError);
  });
});

describe('ExtentMapFs writeback allocation when the poison write fails', () => {
  it('gives the blocks back to the delalloc reservation: no leak, and a retry allocates', async () => {
    const device = new FaultDevice(new MemoryBlockDevice({ size: 256 * BS }));
    const fs = new ExtentMapFs({ device, blockSize: BS, delalloc: true, poison: 0x5a });
    const file = await delallocFile(fs, 4);
    const before = fs.statfs();
    const rule = device.addRule({ kind: 'error', ops: ['write'], times: 1 });
    expect(await codeOf(fs.writebackMap(file, 0, 4 * BS))).toBe('EIO');
    expect(rule.fired).toBe(1);
    fs.verify(); // no block referenced by nobody, the reservation still covers the DELALLOC extent
    expect(fs.statfs()).toEqual(before);
    expect(fs.extents(file).map((e) => e.type)).toEqual([IomapType.Delalloc]);
    const map = await fs.writebackMap(file, 0, 4 * BS);
    expect([map.type, map.length]).toEqual([IomapType.Mapped, 4 * BS]);
    expect(fs.statfs().reservedBlocks).toBe(0);
    fs.verify();
  });

  it('keeps runs converted before the failing one, with a new cookie', async () => {
    const device = new FaultDevice(new MemoryBlockDevice({ size: 256 * BS }));
    const fs = new ExtentMapFs({ device, blockSize: BS, delalloc: true, poison: 0x5a, allocation: 'fragmented' });
    const file = await delallocFile(fs, 3); // fragmented: one block per run, so three poison writes
    const cookie = fs.cookie(file);
    device.addRule({ kind: 'error', ops: ['write'], after: 1, times: 1 });
    expect(await codeOf(fs.writebackMap(file, 0, 3 * BS))).toBe('EIO');
    expect(fs.cookie(file)).not.toBe(cookie);
    expect(fs.extents(file).map((e) => e.type)).toEqual([IomapType.Mapped, IomapType.Delalloc]);
    expect(fs.statfs().reservedBlocks).toBe(2);
    fs.verify();
  });
});

describe('ExtentMapFs.directIoOps', () => {
  it('converts UNWRITTEN after successful I/O, raises the size after a write and tells onWriteEnd', async () => {
    const fs = new ExtentMapFs({ deviceSize: 256 * BS, blockSize: BS, extendSizeOnEnd: false });
    const file = await fs.create('a');
    await fs.fallocate(file, 0, 4 * BS, { keepSize: true });
    const ends: number[] = [];
    const dio = fs.directIoOps({ onWriteEnd: (_inode, end) => ends.push(end) });
    const flags = DioEndIoFlags.Write | DioEndIoFlags.Unwritten;
    await dio.endIo?.(file, 0, BS, new FsError('EIO', 'failed'), flags);
    expect([file.size, ends]).toEqual([0, []]);
    await dio.endIo?.(file, 0, 2 * BS, undefined, flags);
    expect(file.size).toBe(2 * BS);
    expect(ends).toEqual([2 * BS]);
    expect(fs.extents(file).map((e) => e.type)).toEqual([IomapType.Mapped, IomapType.Unwritten]);
    await dio.endIo?.(file, 0, BS, undefined, 0); // a read changes nothing
    expect([file.size, ends.length]).toEqual([2 * BS, 1]);
    fs.verify();
  });
});
