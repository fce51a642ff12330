// Concurrency (IOMAP-SPEC 2.6, §2.8, §3.13; DIO-10, DIO-12): aligned
// non-extending direct writes to different ranges run concurrently;
// unaligned or extending ones are serialised by the exclusive inode lock.
import { describe, expect, it } from 'vitest';
import { FsError, RwSemaphore, type IomapOps } from '@iomap/core';
import { describeIomapOp, referenceWrite, type ExtentMapInode } from '@iomap/testkit';
import { DIO_QUEUED, DioFlags, IocbFlags, dioLock, dioRwLocked, dioWriteNeedsExclusive, inodeDioCount } from '../src/index.js';
import { pattern, sameBytes, setup, type Setup } from './helpers.js';

/** Ops that log when each direct I/O maps its first byte and when it ends (by position). */
function tracing(s: Setup, log: string[]): IomapOps<ExtentMapInode> {
  return {
    iomapBegin: async (inode, pos, length, op) => {
      const map = await s.fs.iomapBegin(inode, pos, length, op); // the optimistic OVERWRITE_ONLY try fails here
      log.push(`begin ${pos}`);
      return map;
    },
    iomapEnd: (inode, pos, length, written, op, iomap) => s.fs.iomapEnd(inode, pos, length, written, op, iomap),
  };
}

describe('direct I/O locking', () => {
  it('aligned overwrites of different ranges run concurrently under the shared lock', async () => {
    const s = await setup({ deviceOptions: { delayMs: 10 } });
    await referenceWrite(s.fs, s.file, 0, new Uint8Array(65536));
    const rwsem = new RwSemaphore();
    const writes = [0, 16384, 32768].map((pos) => dioRwLocked(rwsem, s.iocb(pos, 'write'), pattern(16384, pos), s.spy));
    expect(await Promise.all(writes)).toEqual([16384, 16384, 16384]);
    expect(s.device.maxInFlight).toBe(3);
  });

  it('unaligned writes into new space are serialised: one finishes before the next maps anything', async () => {
    const s = await setup({ deviceOptions: { delayMs: 5 } });
    await s.fs.setSize(s.file, 65536); // inside EOF, but holes: NEW blocks need zeroing
    const log: string[] = [];
    const ops = tracing(s, log);
    const rwsem = new RwSemaphore();
    const endIo = async (_i: ExtentMapInode, pos: number, _size: number, error: Error | undefined) => {
      if (error === undefined) log.push(`endIo ${pos}`); // the failed optimistic tries end with EAGAIN
    };
    await Promise.all([512, 1024 + 4096, 2048 + 8192].map((pos) => dioRwLocked(rwsem, s.iocb(pos, 'write'), pattern(512, pos), ops, { endIo })));
    expect(log).toEqual(['begin 512', 'endIo 512', 'begin 5120', 'endIo 5120', 'begin 10240', 'endIo 10240']);
    expect(s.device.maxInFlight).toBeLessThanOrEqual(3); // the 3 requests of one write, never two writes
  });

  it('an unaligned overwrite of MAPPED space takes the optimistic shared path with OVERWRITE_ONLY (DIO-12)', async () => {
    const s = await setup({ deviceOptions: { delayMs: 10 } });
    await referenceWrite(s.fs, s.file, 0, new Uint8Array(65536));
    const rwsem = new RwSemaphore();
    const writes = [512, 16384 + 512].map((pos) => dioRwLocked(rwsem, s.iocb(pos, 'write'), pattern(1024), s.spy));
    expect(await Promise.all(writes)).toEqual([1024, 1024]);
    expect(s.device.maxInFlight).toBe(2);
    expect(s.spy.begins.map((c) => describeIomapOp(c.op))).toEqual(['WRITE|DIRECT|OVERWRITE_ONLY', 'WRITE|DIRECT|OVERWRITE_ONLY']);
  });

  it('an unaligned overwrite of UNWRITTEN space gets EAGAIN shared, then runs exclusive with ForceWait (DIO-12)', async () => {
    const s = await setup();
    await s.fs.fallocate(s.file, 0, 8192);
    const rwsem = new RwSemaphore();
    const endIo = async (inode: ExtentMapInode, pos: number, size: number, e: Error | undefined) => {
      if (!e && size > 0) await s.fs.completeUnwritten(inode, pos, size);
    };
    const iocb = s.iocb(512, 'write', { complete: () => undefined }); // async, yet ForceWait makes it wait
    expect(await dioRwLocked(rwsem, iocb, pattern(1024), s.spy, { endIo })).toBe(1024);
    expect(s.spy.begins.map((c) => `${describeIomapOp(c.op)}${c.error ? ' EAGAIN' : ''}`)).toEqual([
      'WRITE|DIRECT|OVERWRITE_ONLY EAGAIN',
      'WRITE|DIRECT',
    ]);
    const block = await s.fs.readRaw(s.file, 0, 4096);
    expect(block.subarray(0, 512).every((b) => b === 0)).toBe(true);
    expect(sameBytes(block.subarray(512, 1536), pattern(1024))).toBe(true);
  });

  it('an extending write takes the lock exclusively and waits for in-flight async direct I/O first', async () => {
    const s = await setup({ deviceOptions: { delayMs: 10 } });
    await referenceWrite(s.fs, s.file, 0, new Uint8Array(16384));
    const rwsem = new RwSemaphore();
    const order: string[] = [];
    const asyncIocb = s.iocb(0, 'write', { complete: () => undefined });
    const endIo = async () => void order.push('async write done');
    expect(await dioRwLocked(rwsem, asyncIocb, pattern(8192), s.spy, { endIo })).toBe(DIO_QUEUED);
    expect(inodeDioCount(s.file)).toBe(1);
    const grant = await dioLock(rwsem, s.iocb(16384, 'write'), 4096);
    order.push('exclusive granted');
    expect(grant.exclusive).toBe(true);
    expect(grant.dioFlags & DioFlags.ForceWait).toBe(DioFlags.ForceWait);
    grant.release();
    expect(order).toEqual(['async write done', 'exclusive granted']);
  });

  it('reads share the lock; NOWAIT turns every wait into EAGAIN', async () => {
    const s = await setup();
    await referenceWrite(s.fs, s.file, 0, new Uint8Array(8192));
    const rwsem = new RwSemaphore();
    const a = await dioLock(rwsem, s.iocb(0, 'read'), 4096);
    const b = await dioLock(rwsem, s.iocb(4096, 'read'), 4096);
    expect(a.exclusive || b.exclusive).toBe(false);
    const nowait = s.iocb(8192, 'write', { flags: IocbFlags.NoWait });
    await expect(dioLock(rwsem, nowait, 4096)).rejects.toBeInstanceOf(FsError);
    await expect(dioLock(rwsem, nowait, 4096)).rejects.toMatchObject({ code: 'EAGAIN' });
    a.release();
    b.release();
    const ok = await dioLock(rwsem, nowait, 4096);
    expect(ok.exclusive).toBe(true);
    ok.release();
  });

  it('says which writes need the exclusive lock', async () => {
    const s = await setup();
    await s.fs.setSize(s.file, 16384);
    expect(dioWriteNeedsExclusive(s.iocb(0, 'write'), 4096)).toBe(false);
    expect(dioWriteNeedsExclusive(s.iocb(512, 'write'), 4096)).toBe(true);
    expect(dioWriteNeedsExclusive(s.iocb(0, 'write'), 512)).toBe(true);
    expect(dioWriteNeedsExclusive(s.iocb(12288, 'write'), 8192)).toBe(true);
  });

  it('re-checks EOF once the shared lock is held', async () => {
    const s = await setup();
    await referenceWrite(s.fs, s.file, 0, new Uint8Array(16384));
    const rwsem = new RwSemaphore();
    const truncating = await rwsem.acquireExclusive();
    const pending = dioLock(rwsem, s.iocb(8192, 'write'), 4096); // aligned, inside EOF for now
    await s.fs.truncate(s.file, 4096); // EOF moves while it waits
    truncating();
    const grant = await pending;
    expect(grant.exclusive).toBe(true);
    grant.release();
  });
});
