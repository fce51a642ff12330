import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MemoryBlockDevice, isFsError, type BlockDevice } from '@iomap/core';
import { SparseMemoryDevice } from '../src/index.js';
import { firstDifference, pattern } from './helpers/recording-device.js';

async function outcome(run: () => Promise<void>): Promise<string> {
  try {
    await run();
    return 'ok';
  } catch (err) {
    if (isFsError(err)) return err.code;
    throw err;
  }
}

describe('SparseMemoryDevice', () => {
  it('reads zeros where nothing was written and allocates only written chunks', async () => {
    const dev = new SparseMemoryDevice({ size: 2 ** 40, chunkSize: 4096 });
    expect(dev.allocatedBytes).toBe(0);
    await dev.write(2 ** 40 - 2, new Uint8Array([1, 2]));
    await dev.write(4095, new Uint8Array([3, 4])); // straddles chunks 0 and 1
    expect(dev.allocatedBytes).toBe(3 * 4096);
    const out = new Uint8Array(4);
    await dev.read(4094, out);
    expect([...out]).toEqual([0, 3, 4, 0]);
    await dev.read(2 ** 40 - 4, out);
    expect([...out]).toEqual([0, 0, 1, 2]);
  });

  it('discard frees whole chunks and zeroes partial ones', async () => {
    const dev = new SparseMemoryDevice({ size: 65536, chunkSize: 4096 });
    await dev.write(0, new Uint8Array(65536).fill(9));
    await dev.discard(100, 3 * 4096);
    expect(dev.allocatedBytes).toBe(65536 - 2 * 4096);
    const out = new Uint8Array(3 * 4096 + 2);
    await dev.read(99, out);
    expect(out[0]).toBe(9);
    expect(out.subarray(1, out.length - 1).every((b) => b === 0)).toBe(true);
    expect(out[out.length - 1]).toBe(9);
  });

  it('matches a MemoryBlockDevice under random operations (property)', async () => {
    const op = fc.record({
      kind: fc.constantFrom('write', 'writev', 'read', 'readv', 'discard'),
      pos: fc.integer({ min: 0, max: 2100 }),
      lengths: fc.array(fc.integer({ min: 0, max: 700 }), { minLength: 1, maxLength: 3 }),
      seed: fc.integer(),
    });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(1, 64, 512), fc.array(op, { maxLength: 30 }), async (chunkSize, ops) => {
        const sparse = new SparseMemoryDevice({ size: 2000, chunkSize });
        const model = new MemoryBlockDevice({ size: 2000 });
        for (const o of ops) {
          const bufs = o.lengths.map((n, i) => pattern(n, o.seed + i));
          const len = o.lengths.reduce((a, b) => a + b, 0);
          const run = (dev: BlockDevice, into: Uint8Array[]) => async () => {
            if (o.kind === 'write') await dev.write(o.pos, bufs[0]!);
            else if (o.kind === 'writev') await dev.writev(o.pos, bufs);
            else if (o.kind === 'discard') await dev.discard!(o.pos, len);
            else if (o.kind === 'read') await dev.read(o.pos, into[0]!);
            else await dev.readv(o.pos, into);
          };
          const got = o.lengths.map((n) => new Uint8Array(n));
          const want = o.lengths.map((n) => new Uint8Array(n));
          expect(await outcome(run(sparse, got))).toBe(await outcome(run(model, want)));
          got.forEach((g, i) => expect(firstDifference(g, want[i]!)).toBe(-1));
        }
        const all = new Uint8Array(2000);
        await sparse.read(0, all);
        expect(firstDifference(all, model.bytes)).toBe(-1);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses bad options, writes when read-only, and use after close', async () => {
    expect(() => new SparseMemoryDevice({ size: -1 })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => new SparseMemoryDevice({ size: 10, chunkSize: 3 })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    const ro = new SparseMemoryDevice({ size: 10, readOnly: true });
    await expect(ro.write(0, new Uint8Array(1))).rejects.toMatchObject({ code: 'EROFS' });
    const dev = new SparseMemoryDevice({ size: 10 });
    await expect(dev.read(5, new Uint8Array(6))).rejects.toMatchObject({ code: 'EIO' });
    await dev.close();
    await expect(dev.flush()).rejects.toMatchObject({ code: 'EBADF' });
  });
});
