// DIO-12 (OVERWRITE_ONLY), DIO-13 (PARTIAL + doneBefore), DIO-14 (ENOTBLK
// fallback): results short of the request, and how callers continue.
import { describe, expect, it } from 'vitest';
import { FsError, IomapType, type IomapOps } from '@iomap/core';
import { referenceWrite, type ExtentMapInode } from '@iomap/testkit';
import { DioFlags, dioRw } from '../src/index.js';
import { pattern, sameBytes, setup } from './helpers.js';

describe('OVERWRITE_ONLY (DIO-12)', () => {
  it('fails up front with EAGAIN when the write touches or extends past EOF', async () => {
    const s = await setup();
    await referenceWrite(s.fs, s.file, 0, pattern(8192));
    await expect(dioRw(s.iocb(8192, 'write'), pattern(4096), s.spy, {}, DioFlags.OverwriteOnly)).rejects.toMatchObject({ code: 'EAGAIN' });
    await expect(dioRw(s.iocb(4096, 'write'), pattern(8192), s.spy, {}, DioFlags.OverwriteOnly)).rejects.toMatchObject({ code: 'EAGAIN' });
    expect(s.spy.calls).toHaveLength(0);
  });

  it('an unaligned overwrite of UNWRITTEN space gets EAGAIN from the filesystem; retried with ForceWait it succeeds', async () => {
    const s = await setup();
    await s.fs.fallocate(s.file, 0, 8192);
    const endIo = async (inode: ExtentMapInode, pos: number, size: number, error: Error | undefined) => {
      if (error === undefined && size > 0) await s.fs.completeUnwritten(inode, pos, size);
    };
    const first = dioRw(s.iocb(512, 'write'), pattern(1024), s.spy, { endIo }, DioFlags.OverwriteOnly);
    await expect(first).rejects.toMatchObject({ code: 'EAGAIN' });
    expect(s.device.of('write')).toHaveLength(0);
    expect(await dioRw(s.iocb(512, 'write'), pattern(1024), s.spy, { endIo }, DioFlags.ForceWait)).toBe(1024);
    expect(sameBytes((await s.fs.readRaw(s.file, 512, 1024)), pattern(1024))).toBe(true);
    expect(s.spy.begins.map((c) => c.mapping?.type)).toEqual([undefined, IomapType.Unwritten]);
  });

  it('a MAPPED overwrite inside EOF goes through under OVERWRITE_ONLY', async () => {
    const s = await setup();
    await referenceWrite(s.fs, s.file, 0, pattern(8192));
    expect(await dioRw(s.iocb(512, 'write'), pattern(1024, 3), s.spy, {}, DioFlags.OverwriteOnly)).toBe(1024);
  });
});

/** A caller buffer that can shrink under the I/O: the TypeScript form of an unmapped user page. */
function shrinkableBuffer(length: number): { buffer: Uint8Array; shrinkTo(bytes: number): void } {
  const Resizable = ArrayBuffer as unknown as new (length: number, options: { maxByteLength: number }) => ArrayBuffer & { resize(n: number): void };
  const memory = new Resizable(length, { maxByteLength: length });
  return { buffer: new Uint8Array(memory), shrinkTo: (bytes) => memory.resize(bytes) };
}

describe('PARTIAL and doneBefore (DIO-13)', () => {
  async function faultingSetup() {
    const s = await setup({ maxMappingLength: 8192 });
    await referenceWrite(s.fs, s.file, 0, pattern(16384));
    const user = shrinkableBuffer(16384);
    const ops: IomapOps<ExtentMapInode> = {
      iomapBegin: async (inode, pos, length, op) => {
        if (pos === 8192) user.shrinkTo(8192); // the second half of the buffer "faults"
        return s.fs.iomapBegin(inode, pos, length, op);
      },
      iomapEnd: (...args) => s.fs.iomapEnd(...args),
    };
    return { s, user, ops };
  }

  it('a buffer fault after 8K of 16K returns 8K with PARTIAL; the retry with doneBefore returns 16K', async () => {
    const { s, user, ops } = await faultingSetup();
    const iocb = s.iocb(0, 'read');
    expect(await dioRw(iocb, user.buffer, ops, {}, DioFlags.Partial)).toBe(8192);
    expect(iocb.pos).toBe(8192);
    expect(sameBytes(user.buffer.subarray(0, 8192), pattern(16384).subarray(0, 8192))).toBe(true);
    const rest = new Uint8Array(8192); // the caller "faults the pages in" and resubmits
    expect(await dioRw({ ...iocb, doneBefore: 8192 }, rest, ops, {}, DioFlags.Partial)).toBe(16384);
    expect(sameBytes(rest, pattern(16384).subarray(8192))).toBe(true);
  });

  it('without PARTIAL the same fault is EFAULT', async () => {
    const { s, user, ops } = await faultingSetup();
    await expect(dioRw(s.iocb(0, 'read'), user.buffer, ops)).rejects.toMatchObject({ code: 'EFAULT' });
  });

  it('a fault before any progress is EFAULT even with PARTIAL', async () => {
    const s = await setup();
    await referenceWrite(s.fs, s.file, 0, pattern(8192));
    const user = shrinkableBuffer(8192);
    const ops: IomapOps<ExtentMapInode> = {
      iomapBegin: async (inode, pos, length, op) => {
        user.shrinkTo(4096);
        return s.fs.iomapBegin(inode, pos, length, op);
      },
    };
    s.device.calls.length = 0;
    await expect(dioRw(s.iocb(0, 'write'), user.buffer, ops, {}, DioFlags.Partial)).rejects.toMatchObject({ code: 'EFAULT' });
    expect(s.device.of('write')).toHaveLength(0);
  });
});

describe('ENOTBLK fallback (DIO-14)', () => {
  it('ENOTBLK for the 2nd mapping returns the first mapping\'s bytes; the rest is left to buffered I/O', async () => {
    const s = await setup({ maxMappingLength: 8192 });
    await referenceWrite(s.fs, s.file, 0, new Uint8Array(24576));
    const ops: IomapOps<ExtentMapInode> = {
      iomapBegin: async (inode, pos, length, op) => {
        if (pos === 8192) throw new FsError('ENOTBLK', 'this part needs buffered I/O');
        return s.fs.iomapBegin(inode, pos, length, op);
      },
      iomapEnd: (...args) => s.fs.iomapEnd(...args),
    };
    const data = pattern(24576);
    const iocb = s.iocb(0, 'write');
    const done = await dioRw(iocb, data, ops);
    expect(done).toBe(8192);
    expect(iocb.pos).toBe(8192);
    // the caller finishes with "buffered" I/O from iocb.pos
    await referenceWrite(s.fs, s.file, iocb.pos, data.subarray(done));
    expect(sameBytes(await s.fs.readRaw(s.file, 0, 24576), data)).toBe(true);
  });

  it('ENOTBLK before any progress (ext2: iomapEnd with nothing written) returns 0', async () => {
    const s = await setup();
    const ops: IomapOps<ExtentMapInode> = {
      iomapBegin: async (_inode, pos) => {
        throw new FsError('ENOTBLK', `no hole filling under DIO at ${pos}`);
      },
    };
    const iocb = s.iocb(0, 'write');
    expect(await dioRw(iocb, pattern(4096), ops)).toBe(0);
    expect(iocb.pos).toBe(0);
  });

  it('waits for the requests already issued before returning', async () => {
    const s = await setup({ maxMappingLength: 4096, deviceOptions: { delayMs: 5 } });
    await referenceWrite(s.fs, s.file, 0, new Uint8Array(16384));
    const ops: IomapOps<ExtentMapInode> = {
      iomapBegin: async (inode, pos, length, op) => {
        if (pos === 8192) throw new FsError('ENOTBLK', 'fallback');
        return s.fs.iomapBegin(inode, pos, length, op);
      },
    };
    expect(await dioRw(s.iocb(0, 'write'), pattern(16384), ops)).toBe(8192);
    expect(s.device.inFlight).toBe(0);
  });
});
