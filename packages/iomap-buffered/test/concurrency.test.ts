import { describe, expect, it } from 'vitest';
import { ExtentMapFs, FaultDevice, SeededRandom } from '@iomap/testkit';
import { MemoryBlockDevice } from '@iomap/core';
import { PageCache, bufferedRead, bufferedWrite, writebackPass, type AddressSpace } from '../src/index.js';
import { pattern, sameBytes } from './support/harness.js';

describe('concurrent use under memory pressure', () => {
  it('keeps data exact with one writer, readers, writeback passes and fsyncs racing on a tiny cache', async () => {
    const memory = new MemoryBlockDevice({ size: 8 << 20 });
    const device = new FaultDevice(memory, [{ kind: 'delay', ms: 0, jitterMs: 1 }], { seed: 3 });
    const fs = new ExtentMapFs({ device, blockSize: 1024, delalloc: true });
    const file = await fs.create('c');
    const cache = new PageCache({ budget: 32 << 10, dirtyRatio: 0.5 });
    const m = cache.createAddressSpace({
      inode: file,
      ops: fs,
      writeOps: { iomapValid: (i, map) => fs.iomapValid(i, map) },
      writebackOps: fs.writebackOps(),
      blockSize: 1024,
      maxFolioSize: 8192,
    });
    const data = pattern(1_200_000, 9);
    let written = 0;
    let done = false;
    const writer = (async () => {
      const rng = new SeededRandom(5);
      while (written < data.length) {
        const n = Math.min(data.length - written, rng.int(1, 20_001));
        expect(await bufferedWrite(m, written, data.subarray(written, written + n))).toBe(n);
        written += n;
      }
      done = true;
    })();
    const reader = (seed: number) =>
      (async () => {
        const rng = new SeededRandom(seed);
        while (!done) {
          const limit = written;
          if (limit === 0) {
            await new Promise((r) => setTimeout(r, 1));
            continue;
          }
          const pos = rng.int(0, limit);
          const len = Math.min(limit - pos, rng.int(1, 9001));
          const buf = new Uint8Array(len);
          const n = await bufferedRead(m, pos, buf);
          expect(n).toBe(len);
          expect(sameBytes(buf, data.subarray(pos, pos + len))).toBe('same');
          // Cached reads never leave the microtask queue: yield so timers (device latency) run.
          await new Promise((r) => setTimeout(r, 0));
        }
      })();
    const flusher = (async () => {
      const cursor = m.errseq.sample();
      let i = 0;
      while (!done) {
        if (i++ % 3 === 0) await m.fsync(cursor);
        else await writebackPass(m as AddressSpace<unknown>, { start: 0, end: Number.MAX_SAFE_INTEGER, sync: false, maxBytes: 16384 });
        await new Promise((r) => setTimeout(r, 1));
      }
    })();
    await Promise.all([writer, reader(1), reader(2), reader(3), flusher]);
    expect(cache.stats.throttled).toBeGreaterThan(0);
    expect(cache.stats.evictions).toBeGreaterThan(0);
    await m.fsync(m.errseq.sample());
    expect(sameBytes(await fs.readRaw(file, 0, data.length), data)).toBe('same');
    expect(cache.stats.dirty).toBe(0);
    expect([...m.folios.values()].every((f) => !f.lock.locked && !f.writeback)).toBe(true);
    // Reservations make concurrent allocations wait their turn: the budget holds exactly.
    expect(cache.stats.peakUsed).toBeLessThanOrEqual(32 << 10);
    expect(cache.stats.maxOvershoot).toBe(0);
    fs.verify();
    device.assertNoViolations();
  }, 60_000);
});
