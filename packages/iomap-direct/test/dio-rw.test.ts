// DIO-1, DIO-2, DIO-6, DIO-9, DIO-20: the basic contract of dioRw.
import { describe, expect, it } from 'vitest';
import { IomapContractError, IomapFlags, IomapOp, IomapType, NULL_ADDR, type IomapOps } from '@iomap/core';
import { describeIomapOp, referenceWrite, type ExtentMapInode } from '@iomap/testkit';
import { DioFlags, IocbFlags, dioRw } from '../src/index.js';
import { pattern, sameBytes, setup } from './helpers.js';

describe('dioRw basics', () => {
  it('returns 0 for an empty request without mapping anything (DIO-1)', async () => {
    const s = await setup();
    expect(await dioRw(s.iocb(0, 'write'), new Uint8Array(0), s.spy)).toBe(0);
    expect(await dioRw(s.iocb(0, 'read'), new Uint8Array(0), s.spy)).toBe(0);
    expect(s.spy.calls).toHaveLength(0);
  });

  it('reads at or after EOF return 0 with no device request (DIO-1)', async () => {
    const s = await setup();
    await referenceWrite(s.fs, s.file, 0, pattern(4096));
    s.device.calls.length = 0;
    expect(await dioRw(s.iocb(4096, 'read'), new Uint8Array(4096), s.spy)).toBe(0);
    expect(await dioRw(s.iocb(8192, 'read'), new Uint8Array(512), s.spy)).toBe(0);
    expect(s.device.calls).toHaveLength(0);
    expect(s.spy.calls).toHaveLength(0);
  });

  it('writes then reads back through the device, advancing iocb.pos (DIO-1)', async () => {
    const s = await setup();
    const data = pattern(3 * 4096);
    const w = s.iocb(4096, 'write');
    expect(await dioRw(w, data, s.spy)).toBe(data.length);
    expect(w.pos).toBe(4096 + data.length);
    expect(s.file.size).toBe(4096 + data.length);
    const back = new Uint8Array(data.length);
    const r = s.iocb(4096, 'read');
    expect(await dioRw(r, back, s.spy)).toBe(data.length);
    expect(r.pos).toBe(4096 + data.length);
    expect(sameBytes(back, data)).toBe(true);
    expect(sameBytes(await s.fs.readRaw(s.file, 4096, data.length), data)).toBe(true);
  });

  it('passes DIRECT for reads and DIRECT|WRITE for writes, plus NOWAIT, OVERWRITE_ONLY, ATOMIC (DIO-2)', async () => {
    const s = await setup({ nowait: 'allow' });
    await dioRw(s.iocb(0, 'write'), pattern(8192), s.spy);
    await dioRw(s.iocb(0, 'read'), new Uint8Array(8192), s.spy);
    await dioRw(s.iocb(0, 'read', { flags: IocbFlags.NoWait }), new Uint8Array(4096), s.spy);
    await dioRw(s.iocb(0, 'write', { flags: IocbFlags.NoWait }), pattern(4096), s.spy);
    await dioRw(s.iocb(0, 'write'), pattern(4096), s.spy, {}, DioFlags.OverwriteOnly);
    await dioRw(s.iocb(0, 'write', { flags: IocbFlags.Atomic }), pattern(4096), s.spy);
    const seen = s.spy.calls.map((c) => `${c.kind} ${describeIomapOp(c.op)}`);
    expect([...new Set(seen)]).toEqual([
      'begin WRITE|DIRECT',
      'end WRITE|DIRECT',
      'begin DIRECT',
      'end DIRECT',
      'begin DIRECT|NOWAIT',
      'end DIRECT|NOWAIT',
      'begin WRITE|DIRECT|NOWAIT',
      'end WRITE|DIRECT|NOWAIT',
      'begin WRITE|DIRECT|OVERWRITE_ONLY',
      'end WRITE|DIRECT|OVERWRITE_ONLY',
      'begin WRITE|DIRECT|ATOMIC',
      'end WRITE|DIRECT|ATOMIC',
    ]);
    for (const c of s.spy.calls) expect(c.op & IomapOp.Direct).toBe(IomapOp.Direct);
  });

  it('reads holes and unwritten space as zeros without device reads (DIO-6)', async () => {
    const s = await setup();
    await referenceWrite(s.fs, s.file, 8192, pattern(4096));
    await s.fs.fallocate(s.file, 16384, 8192);
    const buf = new Uint8Array(24576).fill(0xee);
    s.device.calls.length = 0;
    expect(await dioRw(s.iocb(0, 'read'), buf, s.spy)).toBe(24576);
    expect(buf.subarray(0, 8192).every((b) => b === 0)).toBe(true);
    expect(sameBytes(buf.subarray(8192, 12288), pattern(4096))).toBe(true);
    expect(buf.subarray(12288).every((b) => b === 0)).toBe(true);
    expect(s.device.of('read').map((c) => c.length)).toEqual([4096]);
    expect(s.spy.begins.map((c) => c.mapping?.type)).toEqual([IomapType.Hole, IomapType.Mapped, IomapType.Hole, IomapType.Unwritten]);
  });

  it('fails a write given a HOLE or DELALLOC mapping with EIO (DIO-6)', async () => {
    const s = await setup();
    const holeOps: IomapOps<ExtentMapInode> = {
      iomapBegin: async (_inode, pos) => ({ offset: pos, length: 4096, addr: NULL_ADDR, type: IomapType.Hole, flags: 0 }),
    };
    const hole = dioRw(s.iocb(0, 'write'), pattern(4096), holeOps);
    await expect(hole).rejects.toBeInstanceOf(IomapContractError);
    await expect(hole).rejects.toMatchObject({ code: 'EIO', specId: 'DIO-6' });
    const delallocOps: IomapOps<ExtentMapInode> = {
      iomapBegin: async (_inode, pos) => ({ offset: pos, length: 4096, addr: NULL_ADDR, type: IomapType.Delalloc, flags: IomapFlags.New }),
    };
    await expect(dioRw(s.iocb(0, 'write'), pattern(4096), delallocOps)).rejects.toMatchObject({ code: 'EIO', message: /collision with buffered writes/ });
    await s.fs.setSize(s.file, 4096);
    await expect(dioRw(s.iocb(0, 'read'), new Uint8Array(4096), delallocOps)).rejects.toMatchObject({ code: 'EIO' });
    expect(s.device.of('write', 'read')).toHaveLength(0);
  });

  it('copies to and from INLINE mappings, zeroing the gap past EOF (DIO-6)', async () => {
    const s = await setup({ inlineCapacity: 2048 });
    expect(await dioRw(s.iocb(0, 'write'), pattern(512), s.spy)).toBe(512);
    expect(s.spy.begins[0]?.mapping?.type).toBe(IomapType.Inline);
    expect(await dioRw(s.iocb(1024, 'write'), pattern(512, 2), s.spy)).toBe(512);
    expect(s.file.size).toBe(1536);
    const back = new Uint8Array(2048).fill(0xee);
    expect(await dioRw(s.iocb(0, 'read'), back, s.spy)).toBe(1536);
    expect(sameBytes(back.subarray(0, 512), pattern(512))).toBe(true);
    expect(back.subarray(512, 1024).every((b) => b === 0)).toBe(true);
    expect(sameBytes(back.subarray(1024, 1536), pattern(512, 2))).toBe(true);
    expect(s.device.of('write', 'read')).toHaveLength(0);
  });

  it('clips a read to the EOF sampled at the start (DIO-9)', async () => {
    const s = await setup();
    await referenceWrite(s.fs, s.file, 0, pattern(1000));
    const buf = new Uint8Array(4096);
    const r = s.iocb(0, 'read');
    expect(await dioRw(r, buf, s.spy)).toBe(1000);
    expect(r.pos).toBe(1000);
    expect(sameBytes(buf.subarray(0, 1000), pattern(1000))).toBe(true);
  });

  it('clips to the EOF at the start even when the file grows during the read (DIO-9)', async () => {
    const s = await setup();
    await referenceWrite(s.fs, s.file, 0, pattern(8192));
    await s.fs.truncate(s.file, 5000);
    const growing: IomapOps<ExtentMapInode> = {
      iomapBegin: async (inode, pos, length, op) => {
        const map = await s.fs.iomapBegin(inode, pos, length, op);
        await s.fs.setSize(inode, 8192); // a racing extension
        return map;
      },
    };
    expect(await dioRw(s.iocb(0, 'read'), new Uint8Array(8192), growing)).toBe(5000);
  });

  it('reads beyond EOF zero-filled mappings but does not report them (DIO-9)', async () => {
    const s = await setup();
    await referenceWrite(s.fs, s.file, 0, pattern(4096 + 10));
    const buf = new Uint8Array(16384).fill(0xee);
    expect(await dioRw(s.iocb(4096, 'read'), buf, s.spy)).toBe(10);
    expect(s.spy.begins.map((c) => c.mapping?.type)).toContain(IomapType.Hole);
  });
});
