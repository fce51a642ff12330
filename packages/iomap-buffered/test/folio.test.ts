import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { IomapContractError, PAGE_SIZE } from '@iomap/core';
import {
  Errseq,
  Folio,
  FolioLock,
  FolioState,
  PageCache,
  bufferedWrite,
  dirtyFolio,
  invalidateFolio,
  isPartiallyUptodate,
  releaseFolio,
} from '../src/index.js';
import { FsError } from '@iomap/core';
import { harness } from './support/harness.js';

describe('folios (BUF-1)', () => {
  it('rejects folios that are not a power-of-two multiple of the page or smaller than a block (BUF-1)', () => {
    expect(() => new Folio(0, 3 * PAGE_SIZE, 1024, undefined)).toThrow(IomapContractError);
    expect(() => new Folio(0, 2048, 1024, undefined)).toThrow(IomapContractError);
    expect(() => new Folio(0, 4096, 8192, undefined)).toThrow(IomapContractError);
    expect(() => new Folio(1, 8192, 1024, undefined)).toThrow(/aligned/);
    expect(new Folio(2, 8192, 1024, undefined).pos).toBe(8192);
  });

  it('creates one 64 KiB folio for an aligned 64 KiB write with large folios on (BUF-1)', async () => {
    const h = await harness({ blockSize: 4096, maxFolioSize: 64 << 10 });
    await bufferedWrite(h.mapping, 0, new Uint8Array(64 << 10).fill(1));
    expect(h.mapping.folios.count).toBe(1);
    expect(h.mapping.lookup(0)?.size).toBe(64 << 10);
  });

  it('creates sixteen 4 KiB folios for the same write with large folios off (BUF-1)', async () => {
    const h = await harness({ blockSize: 4096 });
    await bufferedWrite(h.mapping, 0, new Uint8Array(64 << 10).fill(1));
    expect(h.mapping.folios.count).toBe(16);
    expect(h.mapping.lookup(60 << 10)?.size).toBe(4096);
  });

  it('sizes folios to the write and never overlaps an existing folio (BUF-1)', async () => {
    const h = await harness({ blockSize: 1024, maxFolioSize: 64 << 10 });
    await bufferedWrite(h.mapping, 8192, new Uint8Array(4096).fill(1)); // one page folio at 8K
    await bufferedWrite(h.mapping, 0, new Uint8Array(64 << 10).fill(2));
    const sizes = [...h.mapping.folios.values()].map((f) => [f.pos, f.size]).sort((a, b) => (a[0] as number) - (b[0] as number));
    expect(sizes).toEqual([
      [0, 8192],
      [8192, 4096],
      [12288, 4096],
      [16384, 16384],
      [32768, 32768],
    ]);
  });

  it('uses folios of at least one block when blocks are bigger than a page (BUF-1)', async () => {
    const h = await harness({ blockSize: 16384, fs: { blockSize: 16384 } });
    await bufferedWrite(h.mapping, 5000, new Uint8Array(10).fill(3));
    expect(h.mapping.lookup(5000)?.size).toBe(16384);
  });
});

describe('per-block state (BUF-2)', () => {
  it('tracks uptodate {1} and dirty {1} for a 1 KiB write at 1 KiB into a new 4 KiB folio (BUF-2)', async () => {
    const h = await harness({ blockSize: 1024 });
    await bufferedWrite(h.mapping, 0, new Uint8Array(4096).fill(9));
    await h.mapping.writeAndWaitRange(0, 4096);
    await h.mapping.invalidateRange(0, 4096);
    await bufferedWrite(h.mapping, 1024, new Uint8Array(1024).fill(1));
    const folio = h.mapping.lookup(0) as Folio;
    const state = folio.state as FolioState;
    expect([0, 1, 2, 3].map((b) => state.isUptodate(b))).toEqual([false, true, false, false]);
    expect([0, 1, 2, 3].map((b) => state.isDirty(b))).toEqual([false, true, false, false]);
    expect(folio.uptodate).toBe(false);
    expect(folio.dirty).toBe(true);
  });

  it('has no per-block state for single-block folios (BUF-2)', async () => {
    const h = await harness({ blockSize: 4096 });
    await bufferedWrite(h.mapping, 100, new Uint8Array(10));
    expect(h.mapping.lookup(0)?.state).toBeUndefined();
  });

  it('copies the folio flags into the bits when the state is created lazily (BUF-2)', () => {
    const folio = new Folio(0, 4096, 1024, undefined);
    folio.markUptodate(); // creates state: all uptodate
    expect(folio.state?.allUptodate).toBe(true);
    const bare = new Folio(0, 4096, 4096, undefined);
    bare.markUptodate();
    expect(bare.state).toBeUndefined();
    expect(bare.uptodate).toBe(true);
    expect(new FolioState(4, true, true).dirtyBlocks).toBe(4);
  });

  it('keeps folio uptodate ⇔ every block uptodate and dirty ⇔ some block dirty (BUF-2, property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(3), fc.integer({ min: 1, max: 4 }), fc.boolean()), { maxLength: 20 }), (ops) => {
        const folio = new Folio(0, 4096, 1024, undefined);
        for (const [block, n, dirty] of ops) {
          const len = Math.min(n, 4 - block) * 1024;
          folio.setRangeUptodate(block * 1024, len);
          if (dirty) folio.setRangeDirty(block * 1024, len);
          else folio.clearRangeDirty(block * 1024, len);
          const s = folio.state as FolioState;
          const all = [0, 1, 2, 3].every((b) => s.isUptodate(b));
          const any = [0, 1, 2, 3].some((b) => s.isDirty(b));
          expect(folio.uptodate).toBe(all);
          expect(folio.dirty).toBe(any);
        }
      }),
    );
  });

  it('agrees with a per-block model across 32-bit word boundaries, up to 300 blocks (BUF-2, property)', () => {
    // FolioState works a word at a time; this model works a block at a time.
    const op = fc.tuple(fc.nat(5), fc.nat(299), fc.nat(300));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.array(op, { maxLength: 40 }), (blocks, ops) => {
        const state = new FolioState(blocks, false, false);
        const up = new Array<boolean>(blocks).fill(false);
        const dirty = new Array<boolean>(blocks).fill(false);
        for (const [kind, a, n] of ops) {
          const first = a % blocks;
          const end = Math.min(blocks, first + (n % (blocks + 1)));
          if (kind === 0) state.setUptodate(first, end);
          if (kind === 1) state.clearUptodate(first, end);
          if (kind === 2) state.setDirty(first, end);
          if (kind === 3) state.clearDirty(first, end);
          if (kind <= 1) up.fill(kind === 0, first, end);
          else if (kind <= 3) dirty.fill(kind === 2, first, end);
          if (kind === 4) expect(state.rangeUptodate(first, end)).toBe(up.slice(first, end).every(Boolean));
          if (kind === 5) {
            let s = first;
            while (s < end && !dirty[s]) s++;
            let e = s;
            while (e < end && dirty[e]) e++;
            expect(state.nextDirtyRun(first, end)).toEqual(s < end ? [s, e] : undefined);
          }
          expect(state.allUptodate).toBe(up.every(Boolean));
          expect(state.dirtyBlocks).toBe(dirty.filter(Boolean).length);
        }
        for (let b = 0; b < blocks; b++) expect([state.isUptodate(b), state.isDirty(b)]).toEqual([up[b], dirty[b]]);
      }),
      { numRuns: 100 },
    );
  });

  it('refuses to dirty a block that is not uptodate (BUF-2 invariant)', () => {
    const folio = new Folio(0, 4096, 1024, undefined);
    expect(() => folio.setRangeDirty(0, 1024)).toThrow(/uptodate/);
  });

  it('ends writeback exactly once and refuses a second start (BUF-36 invariant)', () => {
    const folio = new Folio(0, 4096, 1024, undefined);
    folio.startWriteback();
    expect(() => folio.startWriteback()).toThrow(IomapContractError);
    folio.addWritePending(1024);
    folio.finishWrite(1);
    expect(folio.writeback).toBe(true);
    folio.finishWrite(1024);
    expect(folio.writeback).toBe(false);
    expect(() => folio.finishWrite(1)).toThrow(/exactly once/);
  });
});

describe('folio hooks (BUF-10, BUF-29, BUF-30, BUF-31)', () => {
  const uptodateBlocks01 = () => {
    const folio = new Folio(0, 4096, 1024, undefined);
    folio.setRangeUptodate(0, 2048);
    return folio;
  };

  it('answers partially-uptodate per block: (0,2K) true, (0,3K) false (BUF-10)', () => {
    const folio = uptodateBlocks01();
    expect(isPartiallyUptodate(folio, 0, 2048)).toBe(true);
    expect(isPartiallyUptodate(folio, 0, 3072)).toBe(false);
    expect(isPartiallyUptodate(folio, 1500, 100)).toBe(true);
  });

  it('lets the folio flag decide when there is no per-block state (BUF-10)', () => {
    const folio = new Folio(0, 4096, 4096, undefined);
    expect(isPartiallyUptodate(folio, 0, 10)).toBe(false);
    folio.markUptodate();
    expect(isPartiallyUptodate(folio, 0, 10)).toBe(true);
  });

  it('dirties every block of an externally dirtied folio (BUF-29)', () => {
    const folio = new Folio(0, 4096, 1024, undefined);
    folio.markUptodate();
    dirtyFolio(folio);
    expect(folio.state?.dirtyBlocks).toBe(4);
  });

  it('refuses to release a dirty folio and frees the state of a clean one (BUF-30)', () => {
    const folio = uptodateBlocks01();
    folio.setRangeDirty(0, 1024);
    expect(releaseFolio(folio)).toBe(false);
    folio.clearDirty();
    expect(releaseFolio(folio)).toBe(true);
    expect(folio.state).toBeUndefined();
    expect(folio.uptodate).toBe(false);
  });

  it('cancels dirtiness and state on whole-folio invalidation only (BUF-31)', () => {
    const folio = uptodateBlocks01();
    folio.setRangeDirty(0, 2048);
    invalidateFolio(folio, 0, 1024);
    expect(folio.dirty).toBe(true);
    invalidateFolio(folio, 0, 4096);
    expect(folio.dirty).toBe(false);
    expect(folio.state).toBeUndefined();
    folio.startWriteback();
    expect(() => invalidateFolio(folio, 0, 4096)).toThrow(IomapContractError);
  });
});

describe('folio lock', () => {
  it('hands the lock over in FIFO order and refuses a double unlock', async () => {
    const lock = new FolioLock();
    expect(lock.tryLock()).toBe(true);
    const order: number[] = [];
    const a = lock.lock().then(() => order.push(1));
    const b = lock.lock().then(() => order.push(2));
    expect(lock.tryLock()).toBe(false);
    lock.unlock();
    await a;
    lock.unlock();
    await b;
    lock.unlock();
    expect(order).toEqual([1, 2]);
    expect(() => lock.unlock()).toThrow(IomapContractError);
  });
});

describe('errseq (BUF-35)', () => {
  const eio = () => new FsError('EIO', 'writeback failed');

  it('reports an error once per cursor', () => {
    const e = new Errseq();
    const a = e.sample();
    const b = e.sample();
    e.set(eio());
    expect(e.checkAndAdvance(a)?.code).toBe('EIO');
    expect(e.checkAndAdvance(a)).toBeUndefined();
    expect(e.checkAndAdvance(b)?.code).toBe('EIO');
    expect(e.checkAndAdvance(b)).toBeUndefined();
  });

  it('gives an unseen error to a cursor opened after it, but not a seen one', () => {
    const e = new Errseq();
    const early = e.sample();
    e.set(eio());
    const late = e.sample();
    expect(e.check(late)?.code).toBe('EIO');
    expect(e.checkAndAdvance(early)?.code).toBe('EIO');
    const later = e.sample();
    expect(e.checkAndAdvance(later)).toBeUndefined();
  });

  it('reports a new error after a seen one, and the latest code', () => {
    const e = new Errseq();
    const c = e.sample();
    e.set(eio());
    e.checkAndAdvance(c);
    e.set(new FsError('ENOSPC', 'no space'));
    expect(e.checkAndAdvance(c)?.code).toBe('ENOSPC');
    expect(e.checkAndAdvance(c)).toBeUndefined();
  });

  it('does not count an unseen error twice', () => {
    const e = new Errseq();
    const c = e.sample();
    e.set(eio());
    e.set(eio());
    expect(e.checkAndAdvance(c)?.code).toBe('EIO');
    expect(e.checkAndAdvance(c)).toBeUndefined();
  });
});

describe('page cache options', () => {
  it('rejects invalid options with EINVAL', () => {
    expect(() => new PageCache({ budget: -1 })).toThrow(/EINVAL/);
    expect(() => new PageCache({ dirtyRatio: 0 })).toThrow(/EINVAL/);
    const cache = new PageCache();
    expect(cache.budget).toBe(64 << 20);
    expect(() => cache.createAddressSpace({ inode: 1, ops: { iomapBegin: () => Promise.reject(new Error('x')) }, blockSize: 1000 })).toThrow(/EINVAL/);
  });
});
