// BUF-8 pluggable read ops (read_folio_range / submit_read) and their BUF-9
// completion accounting: custom hooks completing synchronously, later, in a
// batch, with errors, and finishing twice.
import { describe, expect, it } from 'vitest';
import { FsError, IomapContractError } from '@iomap/core';
import { readaheadRange, type AddressSpace, type BufferedReadOps, type FolioReadRange } from '../src/index.js';
import { harness, pattern, readAll, sameBytes, type Harness } from './support/harness.js';
import type { ExtentMapInode } from '@iomap/testkit';

function open(h: Harness, readOps: BufferedReadOps<ExtentMapInode>, maxFolioSize = 16384): AddressSpace<ExtentMapInode> {
  return h.cache.createAddressSpace({
    inode: h.file,
    ops: h.spy,
    writeOps: h.writeOps,
    writebackOps: h.writebackOps,
    blockSize: h.fs.blockSize,
    size: h.file.size,
    maxFolioSize,
    readOps,
  });
}

/** Copies a range's bytes from the memory device below every wrapper, synchronously. */
function copyNow(h: Harness, r: FolioReadRange): void {
  r.buffer.set(h.memory.bytes.subarray(r.addr, r.addr + r.length));
}

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 1));

describe.each([1024, 4096])('BUF-8 pluggable read ops, %i-byte blocks', (bs) => {
  it('BUF-8/BUF-9: a hook completing synchronously inside readFolioRange sees every range once; folios end once, unlocked', async () => {
    const data = pattern(40000, 3);
    const h = await harness({ blockSize: bs, initialData: data });
    const seen: { pos: number; length: number; offset: number }[] = [];
    let submits = 0;
    const m = open(h, {
      readFolioRange(r, finish) {
        expect(r.folio.lock.tryLock()).toBe(false); // the folio is locked while it is read
        expect(r.buffer.length).toBe(r.length);
        seen.push({ pos: r.pos, length: r.length, offset: r.offset });
        copyNow(h, r);
        finish();
      },
      submitRead: () => void submits++,
    });
    h.tracker.clear();
    const out = await readAll(m, 0, 40000, { uncached: true }); // uncached is ignored with read ops
    expect(sameBytes(out, data)).toBe('same');
    expect(h.tracker.reads.length).toBe(0); // every device read went through the hook
    expect(submits).toBeGreaterThan(0);
    // Ranges are disjoint and cover the file up to its EOF block.
    const covered = seen.map((s) => [s.pos, s.pos + s.length] as const).sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < covered.length; i++) expect(covered[i]![0]).toBeGreaterThanOrEqual(covered[i - 1]![1]);
    expect(covered.reduce((n, [a, b]) => n + b - a, 0)).toBe(Math.ceil(40000 / bs) * bs);
    for (let pos = 0; pos < 40000; pos += 4096) {
      const f = m.lookup(pos)!;
      expect(f.uptodate).toBe(true);
      expect(f.lock.tryLock()).toBe(true); // unlocked exactly once: the lock is free
      f.lock.unlock();
    }
    // Cached now: no further hook calls.
    const before = seen.length;
    expect(sameBytes(await readAll(m, 100, 30000), data.subarray(100, 30100))).toBe('same');
    expect(seen.length).toBe(before);
  });

  it('BUF-8: a batching hook completes asynchronously from submitRead (one request per walk)', async () => {
    const data = pattern(65536, 4);
    const h = await harness({ blockSize: bs, initialData: data });
    const requests: { ranges: number; bytes: number }[] = [];
    let finishedEarly = 0;
    const m = open(h, {
      readFolioRange(r, finish, ctx) {
        const batch = (ctx.private ??= []) as [FolioReadRange, () => void][];
        batch.push([r, finish]);
      },
      submitRead(ctx) {
        const batch = (ctx.private ?? []) as [FolioReadRange, () => void][];
        ctx.private = [];
        if (batch.length === 0) return;
        requests.push({ ranges: batch.length, bytes: batch.reduce((n, [r]) => n + r.length, 0) });
        void tick().then(() => {
          for (const [r, finish] of batch) {
            if (r.folio.uptodate) finishedEarly++;
            copyNow(h, r);
            finish();
          }
        });
      },
    });
    const ra = await readaheadRange(m, 0, 65536); // resolves only after the asynchronous finishes
    expect(ra.errors.size).toBe(0);
    expect(ra.folios.length).toBeGreaterThan(0);
    expect(ra.folios.every((f) => f.uptodate)).toBe(true);
    expect(finishedEarly).toBe(0);
    const out = await readAll(m, 0, 65536);
    expect(sameBytes(out, data)).toBe('same');
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.reduce((n, r) => n + r.bytes, 0)).toBe(65536);
  });

  it('BUF-8/BUF-9: an error passed to finish (sync or async) or thrown fails the read with EIO; other folios are fine', async () => {
    const data = pattern(32768, 5);
    const h = await harness({ blockSize: bs, initialData: data });
    let mode: 'sync' | 'async' | 'throw' | 'reject' = 'sync';
    const bad = (r: FolioReadRange) => r.pos < 20480 && r.pos + r.length > 16384; // touches the folio at 16 KiB
    const m = open(h, {
      readFolioRange(r, finish) {
        if (!bad(r)) {
          copyNow(h, r);
          finish();
          return;
        }
        switch (mode) {
          case 'sync':
            finish(new FsError('EIO', 'injected'));
            return;
          case 'async':
            setTimeout(() => finish(new Error('media error')), 1);
            return;
          case 'throw':
            throw new Error('cannot start');
          case 'reject':
            return Promise.reject(new Error('cannot start later'));
        }
      },
    }, 4096);
    for (const m2 of ['sync', 'async', 'throw', 'reject'] as const) {
      mode = m2;
      await expect(readAll(m, 16384, 4096)).rejects.toMatchObject({ code: 'EIO' });
      expect(m.lookup(16384)?.uptodate ?? false).toBe(false);
      const f = m.lookup(16384);
      if (f !== undefined) {
        expect(f.lock.tryLock()).toBe(true);
        f.lock.unlock();
      }
    }
    expect(sameBytes(await readAll(m, 0, 16384), data.subarray(0, 16384))).toBe('same');
    expect(sameBytes(await readAll(m, 20480, 12288), data.subarray(20480))).toBe('same');
  });

  it('BUF-9: finishing a range twice is a contract error and the folio still ends once', async () => {
    const h = await harness({ blockSize: bs, initialData: pattern(4096, 6) });
    let second: unknown;
    const m = open(h, {
      readFolioRange(r, finish) {
        copyNow(h, r);
        finish();
        try {
          finish();
        } catch (err) {
          second = err;
        }
      },
    }, 4096);
    expect(sameBytes(await readAll(m, 0, 4096), pattern(4096, 6))).toBe('same');
    expect(second).toBeInstanceOf(IomapContractError);
    expect((second as IomapContractError).message).toContain('BUF-9');
    const f = m.lookup(0)!;
    expect(f.lock.tryLock()).toBe(true);
    f.lock.unlock();
  });
});
