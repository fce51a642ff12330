// DIO-3, DIO-4, DIO-8 (ordering), DIO-15: the page cache around direct I/O,
// through a CacheCoherency double that records every call.
import { describe, expect, it } from 'vitest';
import { FsError, type CacheCoherency } from '@iomap/core';
import { referenceWrite, type ExtentMapInode } from '@iomap/testkit';
import { IocbFlags, dioRw } from '../src/index.js';
import { RecordingCache, pattern, setup } from './helpers.js';

describe('cache coherency', () => {
  it('writes dirty cache back before a direct read is issued (DIO-3)', async () => {
    const s = await setup();
    await referenceWrite(s.fs, s.file, 0, pattern(8192));
    const log: string[] = [];
    const cache = new RecordingCache(log);
    s.device.hook = (call) => void log.push(`device ${call.op} ${call.length}`);
    await dioRw(s.iocb(0, 'read', { cache }), new Uint8Array(8192), s.spy);
    expect(log).toEqual(['writeAndWait 0-8192', 'device read 8192']);
  });

  it('a buffered write still in the cache is seen by a direct read (DIO-3)', async () => {
    const s = await setup();
    await referenceWrite(s.fs, s.file, 0, new Uint8Array(4096).fill(1));
    // a toy write-back cache: a dirty block that reaches the file on writeAndWaitRange
    let dirty: Uint8Array | undefined = new Uint8Array(4096).fill(2);
    const cache: CacheCoherency = {
      writeAndWaitRange: async () => {
        if (dirty) await referenceWrite(s.fs, s.file, 0, dirty);
        dirty = undefined;
      },
      invalidateRange: async () => undefined,
    };
    const out = new Uint8Array(4096);
    await dioRw(s.iocb(0, 'read', { cache }), out, s.fs);
    expect(out.every((b) => b === 2)).toBe(true);
  });

  it('writes back and invalidates before a write, and invalidates again after endIo (DIO-4, DIO-8)', async () => {
    const s = await setup({ writeAllocation: 'unwritten' });
    const log: string[] = [];
    const cache = new RecordingCache(log);
    s.device.hook = (call) => void log.push(`device ${call.op} ${call.length}`);
    const endIo = async (inode: ExtentMapInode, pos: number, size: number, error: Error | undefined, flags: number) => {
      log.push(`endIo ${pos}+${size} flags ${flags} error ${String(error)}`);
      await s.fs.completeUnwritten(inode, pos, size);
    };
    await dioRw(s.iocb(4096, 'write', { cache }), pattern(8192), s.spy, { endIo });
    expect(log).toEqual([
      'writeAndWait 4096-12288',
      'invalidate 4096-12288',
      'device write 8192',
      'endIo 4096+8192 flags 5 error undefined',
      'invalidate 4096-12288',
    ]);
  });

  it('a failed invalidation before a write means ENOTBLK, with no I/O (DIO-4)', async () => {
    const s = await setup();
    const cache = new RecordingCache();
    cache.failInvalidate = new FsError('EBUSY', 'folio is dirty');
    const write = dioRw(s.iocb(0, 'write', { cache }), pattern(4096), s.spy);
    await expect(write).rejects.toMatchObject({ code: 'ENOTBLK' });
    expect(s.spy.calls).toHaveLength(0);
    expect(s.device.of('write')).toHaveLength(0);
  });

  it('a failed write-back before a write means ENOTBLK, EAGAIN for an atomic write (DIO-4)', async () => {
    const s = await setup();
    const cache = new RecordingCache();
    cache.failWriteback = new FsError('EIO', 'writeback failed');
    await expect(dioRw(s.iocb(0, 'write', { cache }), pattern(4096), s.spy)).rejects.toMatchObject({ code: 'ENOTBLK' });
    await expect(dioRw(s.iocb(0, 'write', { cache, flags: IocbFlags.Atomic }), pattern(4096), s.spy)).rejects.toMatchObject({
      code: 'EAGAIN',
    });
  });

  it('a failed write-back before a read fails the read with its error (DIO-3)', async () => {
    const s = await setup();
    await referenceWrite(s.fs, s.file, 0, pattern(4096));
    const cache = new RecordingCache();
    cache.failWriteback = new FsError('EIO', 'writeback failed');
    await expect(dioRw(s.iocb(0, 'read', { cache }), new Uint8Array(4096), s.spy)).rejects.toMatchObject({ code: 'EIO' });
  });

  it('skips the post-write invalidation after a failed write, and reports a failed one to onStaleCache (DIO-4)', async () => {
    const s = await setup();
    const log: string[] = [];
    const cache = new RecordingCache(log);
    s.device.hook = (call) => {
      if (call.op === 'write') throw new FsError('EIO', 'media error');
    };
    await expect(dioRw(s.iocb(0, 'write', { cache }), pattern(4096), s.spy)).rejects.toMatchObject({ code: 'EIO' });
    expect(log).toEqual(['writeAndWait 0-4096', 'invalidate 0-4096']);
    s.device.hook = undefined;
    let invalidations = 0;
    const stale: string[] = [];
    const flaky: CacheCoherency = {
      writeAndWaitRange: async () => undefined,
      invalidateRange: async () => {
        if (invalidations++ > 0) throw new FsError('EBUSY', 'a folio was re-dirtied');
      },
    };
    const n = await dioRw(s.iocb(0, 'write', { cache: flaky, onStaleCache: (e, a, b) => void stale.push(`${e.message} ${a}-${b}`) }), pattern(4096), s.spy);
    expect(n).toBe(4096);
    expect(stale).toEqual([expect.stringMatching(/EBUSY.*0-4096$/)]);
  });

  it('NOWAIT read over dirty cache: EAGAIN without I/O; over clean cache: no wait (DIO-15)', async () => {
    const s = await setup();
    await referenceWrite(s.fs, s.file, 0, pattern(4096));
    const log: string[] = [];
    const cache = new RecordingCache(log);
    cache.dirty = true;
    const flags = IocbFlags.NoWait;
    await expect(dioRw(s.iocb(0, 'read', { cache, flags }), new Uint8Array(4096), s.spy)).rejects.toMatchObject({ code: 'EAGAIN' });
    expect(s.spy.calls).toHaveLength(0);
    cache.dirty = false;
    cache.cached = true;
    expect(await dioRw(s.iocb(0, 'read', { cache, flags }), new Uint8Array(4096), s.spy)).toBe(4096);
    expect(log).toEqual([]); // never waited on the cache
  });

  it('NOWAIT write over a cached folio: EAGAIN, no device I/O (DIO-15)', async () => {
    const s = await setup();
    await referenceWrite(s.fs, s.file, 0, pattern(4096));
    s.device.calls.length = 0;
    const cache = new RecordingCache();
    cache.cached = true;
    await expect(dioRw(s.iocb(0, 'write', { cache, flags: IocbFlags.NoWait }), pattern(4096), s.spy)).rejects.toMatchObject({
      code: 'EAGAIN',
    });
    expect(s.device.calls).toHaveLength(0);
    expect(s.spy.calls).toHaveLength(0);
  });

  it('NOWAIT with a cache that cannot answer without waiting is EAGAIN (CORE-16, DIO-15)', async () => {
    const s = await setup();
    await referenceWrite(s.fs, s.file, 0, pattern(4096));
    const cache: CacheCoherency = { writeAndWaitRange: async () => undefined, invalidateRange: async () => undefined };
    await expect(dioRw(s.iocb(0, 'read', { cache, flags: IocbFlags.NoWait }), new Uint8Array(4096), s.spy)).rejects.toMatchObject({
      code: 'EAGAIN',
    });
  });

  it('NOWAIT passes NoWait to the filesystem, which refuses allocation with EAGAIN (DIO-15)', async () => {
    const s = await setup();
    await expect(dioRw(s.iocb(0, 'write', { flags: IocbFlags.NoWait }), pattern(4096), s.spy)).rejects.toMatchObject({ code: 'EAGAIN' });
    expect(s.device.of('write')).toHaveLength(0);
    expect(s.file.size).toBe(0);
    s.fs.verify();
  });
});
