// DIO-11: O_DSYNC / O_SYNC writes and FUA.
import { describe, expect, it } from 'vitest';
import { DioRequestFlags } from '@iomap/core';
import { describeIomapFlags, referenceWrite, type ExtentMapInode } from '@iomap/testkit';
import { IocbFlags, deviceCanWriteThrough, dioRw } from '../src/index.js';
import { pattern, setup } from './helpers.js';

async function overwriteSetup(fua: boolean, volatileWriteCache?: boolean) {
  const s = await setup({ deviceOptions: { fua, ...(volatileWriteCache === undefined ? {} : { volatileWriteCache }) } });
  await referenceWrite(s.fs, s.file, 0, pattern(16384));
  await s.fs.fsync(s.file); // metadata clean: mappings no longer carry DIRTY
  s.device.calls.length = 0;
  return s;
}

describe('O_DSYNC and FUA (DIO-11)', () => {
  it('a DSYNC overwrite on a FUA-capable device goes out FUA and issues no flush', async () => {
    const s = await overwriteSetup(true);
    expect(await dioRw(s.iocb(4096, 'write', { flags: IocbFlags.Dsync }), pattern(8192), s.spy)).toBe(8192);
    expect(s.device.calls.map((c) => c.op)).toEqual(['writeFua']);
  });

  it('a DSYNC write past EOF (the filesystem sets DIRTY) is flushed', async () => {
    const s = await overwriteSetup(true);
    await s.fs.setSize(s.file, 12288); // block 3 stays allocated past EOF
    await s.fs.fsync(s.file);
    s.device.calls.length = 0;
    await dioRw(s.iocb(12288, 'write', { flags: IocbFlags.Dsync }), pattern(4096), s.spy);
    const flags = s.spy.begins[0]?.mapping?.flags ?? 0;
    expect(describeIomapFlags(flags)).toBe('DIRTY'); // MAPPED, not NEW: only DIRTY asks for the flush
    expect(s.device.calls.map((c) => c.op)).toEqual(['write', 'flush']);
  });

  it('a DSYNC overwrite of a DIRTY mapping is flushed, through the filesystem syncRange when given', async () => {
    const s = await overwriteSetup(true);
    await s.fs.setSize(s.file, 16384); // metadata dirty again
    const syncs: string[] = [];
    const syncRange = async (inode: ExtentMapInode, start: number, end: number, datasync: boolean) => {
      syncs.push(`${start}-${end} datasync ${String(datasync)}`);
      await s.fs.fsync(inode);
    };
    await dioRw(s.iocb(0, 'write', { flags: IocbFlags.Dsync }), pattern(4096), s.spy, { syncRange });
    expect(syncs).toEqual(['0-4096 datasync true']);
    expect(s.device.calls.map((c) => c.op)).toEqual(['write', 'flush']);
  });

  it('O_SYNC never takes the FUA shortcut and syncs everything', async () => {
    const s = await overwriteSetup(true);
    const syncs: boolean[] = [];
    await dioRw(s.iocb(0, 'write', { flags: IocbFlags.Sync }), pattern(4096), s.spy, {
      syncRange: async (_i, _s, _e, datasync) => void syncs.push(datasync),
    });
    expect(s.device.calls.map((c) => c.op)).toEqual(['write']);
    expect(syncs).toEqual([false]);
  });

  it('without FUA and with a volatile (or unknown) cache, a DSYNC overwrite is flushed', async () => {
    const s = await overwriteSetup(false);
    await dioRw(s.iocb(0, 'write', { flags: IocbFlags.Dsync }), pattern(4096), s.spy);
    expect(s.device.calls.map((c) => c.op)).toEqual(['write', 'flush']);
  });

  it('a device without a volatile write cache needs neither FUA nor a flush', async () => {
    const s = await overwriteSetup(false, false);
    expect(deviceCanWriteThrough(s.device)).toBe(true);
    const flags: number[] = [];
    await dioRw(s.iocb(0, 'write', { flags: IocbFlags.Dsync }), pattern(4096), s.spy, {
      submitIo: async (_i, req) => {
        flags.push(req.flags);
        await req.device.write(req.addr, req.buffer);
      },
    });
    expect(flags).toEqual([DioRequestFlags.Fua]);
    expect(s.device.of('flush')).toHaveLength(0);
  });

  it('one NEW piece in an otherwise overwriting DSYNC write forces the flush', async () => {
    const s = await overwriteSetup(true);
    await s.fs.punchHole(s.file, 8192, 4096);
    await s.fs.fsync(s.file);
    s.device.calls.length = 0;
    await dioRw(s.iocb(4096, 'write', { flags: IocbFlags.Dsync }), pattern(12288), s.spy);
    const ops = s.device.calls.map((c) => c.op);
    expect(ops[0]).toBe('writeFua');
    expect(ops.at(-1)).toBe('flush');
  });

  it('a plain (not DSYNC) write never flushes', async () => {
    const s = await overwriteSetup(true);
    await dioRw(s.iocb(16384, 'write'), pattern(4096), s.spy);
    expect(s.device.of('flush', 'writeFua')).toHaveLength(0);
  });

  it('a DSYNC write into INLINE data is synced (no FUA piece carried it)', async () => {
    const s = await setup({ inlineCapacity: 2048, deviceOptions: { fua: true } });
    const syncs: number[] = [];
    await dioRw(s.iocb(0, 'write', { flags: IocbFlags.Dsync }), pattern(512), s.spy, {
      syncRange: async (_i, start, end) => void syncs.push(end - start),
    });
    expect(syncs).toEqual([512]);
  });
});
