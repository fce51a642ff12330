import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PageCache, bufferedWrite, releaseSpareFolioMemory, spareFolioBytes } from '../src/index.js';
import { SPARE_HOLD_MS } from '../src/spare-folio-memory.js';
import { harness, pattern, readAll, sameBytes, type Harness } from './support/harness.js';

const FOLIO = 16 << 10;

/** A harness whose file uses 16 KiB folios, and an address space on it in `cache`. */
async function writer(cache?: PageCache): Promise<{ h: Harness; write(pos: number, data: Uint8Array): Promise<number> }> {
  const h = await harness({ blockSize: 4096, maxFolioSize: FOLIO, cache: { budget: 256 << 10 } });
  const c = cache ?? h.cache;
  const m = c.createAddressSpace({ inode: h.file, ops: h.fs, writeOps: h.writeOps, writebackOps: h.writebackOps, blockSize: 4096, maxFolioSize: FOLIO });
  return {
    h,
    write: async (pos, data) => {
      const n = await bufferedWrite(m, pos, data);
      await m.fsync(m.errseq.sample());
      return n;
    },
  };
}

describe('memory a closed page cache leaves to the next one', () => {
  beforeEach(() => releaseSpareFolioMemory());
  afterEach(() => {
    releaseSpareFolioMemory();
    vi.useRealTimers();
  });

  it('close() evicts clean folios and the next cache takes their memory instead of allocating', async () => {
    const a = await writer();
    await a.write(0, pattern(4 * FOLIO, 1));
    a.h.cache.close();
    expect(a.h.cache.stats).toMatchObject({ used: 0, pooled: 0, folios: 0 });
    expect(spareFolioBytes()).toBe(4 * FOLIO);

    const next = new PageCache({ budget: 256 << 10 });
    const b = await writer(next);
    const data = pattern(FOLIO, 9);
    await b.write(FOLIO, data);
    expect(next.stats).toMatchObject({ poolHits: 1, poolMisses: 0 });
    expect(spareFolioBytes()).toBe(3 * FOLIO);
    const expected = new Uint8Array(2 * FOLIO);
    expected.set(data, FOLIO);
    expect(sameBytes(await b.h.fs.readRaw(b.h.file, 0, expected.length), expected)).toBe('same');
  });

  it('keeps dirty folios in a closed cache (close never drops data)', async () => {
    const a = await writer();
    const m = a.h.cache.createAddressSpace({ inode: a.h.file, ops: a.h.fs, writeOps: a.h.writeOps, writebackOps: a.h.writebackOps, blockSize: 4096, maxFolioSize: FOLIO });
    const data = pattern(2 * FOLIO, 3);
    await bufferedWrite(m, 0, data);
    a.h.cache.close();
    expect(a.h.cache.stats).toMatchObject({ used: 2 * FOLIO, dirty: 2 * FOLIO });
    expect(spareFolioBytes()).toBe(0);
    await m.fsync(m.errseq.sample());
    expect(sameBytes(await readAll(m, 0, data.length), data)).toBe('same');
  });

  it('is dropped by releaseSpareFolioMemory() and after the hold time', async () => {
    vi.useFakeTimers();
    const a = await writer();
    await a.write(0, pattern(2 * FOLIO, 2));
    a.h.cache.close();
    expect(spareFolioBytes()).toBe(2 * FOLIO);
    vi.advanceTimersByTime(SPARE_HOLD_MS - 1);
    expect(spareFolioBytes()).toBe(2 * FOLIO);
    vi.advanceTimersByTime(1);
    expect(spareFolioBytes()).toBe(0);

    const b = await writer();
    await b.write(0, pattern(FOLIO, 4));
    b.h.cache.close();
    expect(spareFolioBytes()).toBe(FOLIO);
    releaseSpareFolioMemory();
    const c = await writer();
    await c.write(0, pattern(FOLIO, 5));
    expect(c.h.cache.stats).toMatchObject({ poolHits: 0, poolMisses: 1 });
  });
});
