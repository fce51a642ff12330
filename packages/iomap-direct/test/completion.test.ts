// DIO-8 (endIo), DIO-10 (sync/async, in-flight counting), DIO-18 (split API).
import { describe, expect, it } from 'vitest';
import { DioEndIoFlags, FsError, Mutex, RwSemaphore } from '@iomap/core';
import { referenceRead, referenceWrite, type ExtentMapInode } from '@iomap/testkit';
import {
  DIO_QUEUED,
  DioFlags,
  DioHandle,
  dioComplete,
  dioRw,
  dioStart,
  inodeDioCount,
  inodeDioWait,
} from '../src/index.js';
import { pattern, sameBytes, setup } from './helpers.js';

describe('endIo (DIO-8)', () => {
  it('sees UNWRITTEN after writing into unwritten space; converting makes the data readable', async () => {
    const s = await setup();
    await s.fs.fallocate(s.file, 0, 16384);
    const seen: number[] = [];
    const endIo = async (inode: ExtentMapInode, pos: number, size: number, error: Error | undefined, flags: number) => {
      seen.push(flags);
      if (!error && flags & DioEndIoFlags.Unwritten) await s.fs.completeUnwritten(inode, pos, size);
    };
    expect(await dioRw(s.iocb(4096, 'write'), pattern(8192), s.spy, { endIo })).toBe(8192);
    expect(seen).toEqual([DioEndIoFlags.Unwritten | DioEndIoFlags.Write]);
    const back = await referenceRead(s.fs, s.file, 4096, 8192); // a "buffered" read
    expect(sameBytes(back, pattern(8192))).toBe(true);
  });

  it('is called once with the total size, the start position and no flags for a plain overwrite', async () => {
    const s = await setup({ maxMappingLength: 4096 });
    await referenceWrite(s.fs, s.file, 0, pattern(16384));
    const calls: [number, number, number][] = [];
    await dioRw(s.iocb(4096, 'write'), pattern(8192), s.spy, {
      endIo: async (_i, pos, size, _e, flags) => void calls.push([pos, size, flags]),
    });
    expect(s.spy.begins).toHaveLength(2);
    expect(calls).toEqual([[4096, 8192, DioEndIoFlags.Write]]);
  });

  it('sees COW after writing into shared (reflinked) space', async () => {
    const s = await setup();
    await referenceWrite(s.fs, s.file, 0, pattern(8192));
    const copy = await s.fs.clone(s.file, 'copy');
    let flags = 0;
    const iocb = { ...s.iocb(0, 'write'), inode: copy, size: () => copy.size };
    await dioRw(iocb, pattern(4096, 9), s.fs, { endIo: async (_i, _p, _s, _e, f) => void (flags = f) });
    expect(flags & DioEndIoFlags.Cow).toBe(DioEndIoFlags.Cow);
    expect(sameBytes(await s.fs.readRaw(copy, 0, 4096), pattern(4096, 9))).toBe(true);
    expect(sameBytes(await s.fs.readRaw(s.file, 0, 4096), pattern(4096))).toBe(true);
    s.fs.verify();
  });

  it('gets the first I/O error, and what it throws replaces the result', async () => {
    const s = await setup();
    s.device.hook = (call) => {
      if (call.op === 'write') throw new FsError('EIO', 'media error');
    };
    let got: Error | undefined;
    await expect(
      dioRw(s.iocb(0, 'write'), pattern(4096), s.spy, { endIo: async (_i, _p, _s, e) => void (got = e) }),
    ).rejects.toMatchObject({ code: 'EIO' });
    expect(got).toMatchObject({ code: 'EIO' });
    s.device.hook = undefined;
    const fail = dioRw(s.iocb(0, 'write'), pattern(4096), s.spy, {
      endIo: async () => {
        throw new FsError('ENOSPC', 'no space for the conversion');
      },
    });
    await expect(fail).rejects.toMatchObject({ code: 'ENOSPC' });
  });

  it('updates the size before the post-write invalidation, as ext2 does', async () => {
    const s = await setup({ extendSizeOnEnd: false });
    const log: string[] = [];
    const cache = {
      writeAndWaitRange: async () => undefined,
      invalidateRange: async () => void log.push(`invalidate, size ${s.file.size}`),
    };
    const endIo = async (inode: ExtentMapInode, pos: number, size: number, error: Error | undefined) => {
      if (!error && pos + size > inode.size) await s.fs.setSize(inode, pos + size);
      log.push(`endIo, size ${s.file.size}`);
    };
    await dioRw(s.iocb(0, 'write', { cache }), pattern(8192), s.spy, { endIo });
    expect(log).toEqual(['invalidate, size 0', 'endIo, size 8192', 'invalidate, size 8192']);
  });
});

describe('sync and async completion (DIO-10)', () => {
  it('an asynchronous iocb returns DIO_QUEUED and completes through iocb.complete', async () => {
    const s = await setup({ deviceOptions: { delayMs: 5 } });
    let result: number | Error | undefined;
    let done!: () => void;
    const completed = new Promise<void>((resolve) => (done = resolve));
    const iocb = s.iocb(0, 'write', {
      complete: (r) => {
        result = r;
        done();
      },
    });
    expect(await dioRw(iocb, pattern(8192), s.spy)).toBe(DIO_QUEUED);
    expect(result).toBeUndefined();
    expect(inodeDioCount(s.file)).toBe(1);
    await completed;
    expect(result).toBe(8192);
    expect(iocb.pos).toBe(8192);
    expect(inodeDioCount(s.file)).toBe(0);
  });

  it('ForceWait makes an asynchronous iocb complete before dioRw returns', async () => {
    const s = await setup({ deviceOptions: { delayMs: 2 } });
    let called = false;
    const iocb = s.iocb(0, 'write', { complete: () => void (called = true) });
    expect(await dioRw(iocb, pattern(4096), s.spy, {}, DioFlags.ForceWait)).toBe(4096);
    expect(called).toBe(false);
    expect(inodeDioCount(s.file)).toBe(0);
  });

  it('an async error arrives through iocb.complete', async () => {
    const s = await setup({ deviceOptions: { delayMs: 2 } });
    s.device.hook = (c) => {
      if (c.op === 'write') throw new FsError('EIO', 'media error');
    };
    const result = await new Promise<number | Error>((resolve) => {
      void dioRw(s.iocb(0, 'write', { complete: resolve }), pattern(4096), s.spy).then((n) => expect(n).toBe(DIO_QUEUED));
    });
    expect(result).toMatchObject({ code: 'EIO' });
  });

  it('inodeDioWait blocks a truncate until in-flight direct I/O completes', async () => {
    const s = await setup({ deviceOptions: { delayMs: 10 } });
    await referenceWrite(s.fs, s.file, 0, pattern(16384));
    const rwsem = new RwSemaphore();
    const order: string[] = [];
    const iocb = s.iocb(0, 'write', { complete: () => undefined });
    const endIo = async () => void order.push(`dio endIo, ${s.device.inFlight} requests in flight`);
    const release = await rwsem.acquireShared();
    expect(await dioRw(iocb, pattern(16384, 3), s.spy, { endIo })).toBe(DIO_QUEUED);
    release(); // the caller drops the inode lock after submission
    await rwsem.withExclusive(async () => {
      await inodeDioWait(s.file);
      order.push('truncate');
      await s.fs.truncate(s.file, 0);
    });
    expect(order).toEqual(['dio endIo, 0 requests in flight', 'truncate']);
  });

  it('inodeDioWait resolves at once when nothing is in flight', async () => {
    const s = await setup();
    await inodeDioWait(s.file);
    expect(inodeDioCount(s.file)).toBe(0);
  });
});

describe('split API (DIO-18)', () => {
  it('dioStart + dioComplete give the same result as dioRw, with the lock dropped in between', async () => {
    const a = await setup({ writeAllocation: 'unwritten' });
    const b = await setup({ writeAllocation: 'unwritten' });
    const endIo = (fs: typeof a.fs) => async (inode: ExtentMapInode, pos: number, size: number, e: Error | undefined, f: number) => {
      if (!e && f & DioEndIoFlags.Unwritten) await fs.completeUnwritten(inode, pos, size);
    };
    const one = await dioRw(a.iocb(1024, 'write'), pattern(9000 - (9000 % 512)), a.spy, { endIo: endIo(a.fs) });
    const lock = new Mutex();
    const release = await lock.lock();
    const handle = await dioStart(b.iocb(1024, 'write'), pattern(9000 - (9000 % 512)), b.spy, { endIo: endIo(b.fs) });
    release();
    expect(handle).toBeInstanceOf(DioHandle);
    expect(lock.locked).toBe(false);
    const two = await dioComplete(handle as DioHandle<ExtentMapInode>);
    expect(two).toBe(one);
    expect(sameBytes(await b.fs.readRaw(b.file, 0, 12288), await a.fs.readRaw(a.file, 0, 12288))).toBe(true);
    expect(b.spy.trace()).toEqual(a.spy.trace());
  });

  it('dioStart resolves undefined when there is nothing to do, and a handle completes only once', async () => {
    const s = await setup();
    expect(await dioStart(s.iocb(0, 'read'), new Uint8Array(4096), s.spy)).toBeUndefined();
    const handle = await dioStart(s.iocb(0, 'write'), pattern(4096), s.spy);
    if (!(handle instanceof DioHandle)) throw new Error('expected a handle');
    expect(handle.pos).toBe(0);
    expect(handle.submitted).toBe(4096);
    expect(await dioComplete(handle)).toBe(4096);
    await expect(dioComplete(handle)).rejects.toMatchObject({ code: 'EIO', specId: 'DIO-18' });
  });
});
