import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MemoryBlockDevice, isFsError, type BlockDevice } from '@iomap/core';
import { OverlayDevice, SparseMemoryDevice, type ByteRange } from '../src/index.js';
import { RecordingDevice, firstDifference, pattern } from './helpers/recording-device.js';

type Op =
  | { kind: 'write'; pos: number; length: number; seed: number }
  | { kind: 'writev'; pos: number; lengths: number[]; seed: number }
  | { kind: 'read'; pos: number; length: number }
  | { kind: 'readv'; pos: number; lengths: number[] }
  | { kind: 'discard'; pos: number; length: number };

const opArb = (size: number): fc.Arbitrary<Op> => {
  const pos = fc.integer({ min: 0, max: size + 8 });
  const length = fc.integer({ min: 0, max: Math.max(1, Math.floor(size / 2)) });
  const lengths = fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 4 });
  return fc.oneof(
    fc.record({ kind: fc.constant('write' as const), pos, length, seed: fc.integer() }),
    fc.record({ kind: fc.constant('writev' as const), pos, lengths, seed: fc.integer() }),
    fc.record({ kind: fc.constant('read' as const), pos, length }),
    fc.record({ kind: fc.constant('readv' as const), pos, lengths }),
    fc.record({ kind: fc.constant('discard' as const), pos, length }),
  );
};

/** Runs `op` on `dev`; returns what it read (or the error code). */
async function apply(dev: BlockDevice, op: Op): Promise<Uint8Array | string | undefined> {
  try {
    switch (op.kind) {
      case 'write':
        return void (await dev.write(op.pos, pattern(op.length, op.seed)));
      case 'writev':
        return void (await dev.writev(op.pos, op.lengths.map((n, i) => pattern(n, op.seed + i))));
      case 'discard':
        return void (await dev.discard!(op.pos, op.length));
      case 'read': {
        const buf = new Uint8Array(op.length);
        await dev.read(op.pos, buf);
        return buf;
      }
      case 'readv': {
        const bufs = op.lengths.map((n) => new Uint8Array(n));
        await dev.readv(op.pos, bufs);
        return Uint8Array.from(bufs.flatMap((b) => [...b]));
      }
    }
  } catch (err) {
    if (isFsError(err)) return err.code;
    throw err;
  }
}

async function readAll(dev: BlockDevice): Promise<Uint8Array> {
  const out = new Uint8Array(dev.size);
  await dev.read(0, out);
  return out;
}

async function collect(iter: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const pieces: Uint8Array[] = [];
  for await (const p of iter) pieces.push(p);
  return pieces;
}

const concat = (pieces: Uint8Array[]) => Uint8Array.from(pieces.flatMap((p) => [...p]));

/** Checks changedRanges: sorted, coalesced, chunk-aligned, covering `touched`, and the rest equal to the base. */
function checkChangedRanges(ranges: ByteRange[], chunkSize: number, size: number, touched: Uint8Array, base: Uint8Array, merged: Uint8Array): void {
  const changed = new Uint8Array(size);
  ranges.forEach(({ start, length }, i) => {
    expect(length).toBeGreaterThan(0);
    expect(start % chunkSize).toBe(0);
    const end = start + length;
    expect(end === size || end % chunkSize === 0).toBe(true);
    if (i > 0) expect(start).toBeGreaterThan(ranges[i - 1]!.start + ranges[i - 1]!.length); // sorted, not even adjacent
    changed.fill(1, start, end);
  });
  for (let i = 0; i < size; i++) {
    if (touched[i] && !changed[i]) expect.fail(`byte ${i} was written but is not in changedRanges`);
    if (!changed[i] && merged[i] !== base[i]) expect.fail(`byte ${i} differs from the base outside changedRanges`);
  }
}

describe('OverlayDevice', () => {
  it('behaves like a MemoryBlockDevice model under random operations, never writing the base (property)', async () => {
    const scenario = fc
      .record({
        size: fc.integer({ min: 1, max: 3000 }),
        chunkSize: fc.constantFrom(1, 16, 64, 512, 4096),
        upper: fc.constantFrom('default', 'memory', 'sparse'),
        seed: fc.integer(),
      })
      .chain((s) => fc.record({ s: fc.constant(s), ops: fc.array(opArb(s.size), { maxLength: 25 }) }));
    await fc.assert(
      fc.asyncProperty(scenario, async ({ s, ops }) => {
        const image = pattern(s.size, s.seed);
        const base = new RecordingDevice(MemoryBlockDevice.from(image, { readOnly: true }));
        const upper =
          s.upper === 'memory'
            ? new MemoryBlockDevice({ size: s.size + 100 })
            : s.upper === 'sparse'
              ? new SparseMemoryDevice({ size: s.size, chunkSize: 256 })
              : undefined;
        const overlay = new OverlayDevice(base, upper, { chunkSize: s.chunkSize });
        const model = MemoryBlockDevice.from(image);
        const touched = new Uint8Array(s.size);
        for (const op of ops) {
          const got = await apply(overlay, op);
          const want = await apply(model, op);
          if (got instanceof Uint8Array && want instanceof Uint8Array) expect(firstDifference(got, want)).toBe(-1);
          else expect(got).toEqual(want);
          if (want === undefined && op.kind !== 'read' && op.kind !== 'readv') {
            const length = op.kind === 'writev' ? op.lengths.reduce((a, b) => a + b, 0) : op.length;
            touched.fill(1, op.pos, op.pos + length);
          }
        }
        const merged = await readAll(overlay);
        expect(firstDifference(merged, model.bytes)).toBe(-1);
        expect(base.neverWritten).toBe(true);
        expect(base.outOfRange()).toEqual([]);
        expect(firstDifference((base.inner as MemoryBlockDevice).bytes, image)).toBe(-1);
        checkChangedRanges(overlay.changedRanges(), s.chunkSize, s.size, touched, image, merged);
        const exported = concat(await collect(overlay.exportImage({ pieceSize: 700 })));
        expect(firstDifference(exported, model.bytes)).toBe(-1);
        const commit = MemoryBlockDevice.from(image);
        await overlay.exportTo(commit, { changedOnly: true, pieceSize: 333 });
        expect(firstDifference(commit.bytes, model.bytes)).toBe(-1);
      }),
      { numRuns: 250 },
    );
  });

  it('applies concurrent writes to the same clean chunks in call order (property)', async () => {
    const write = fc.record({ pos: fc.integer({ min: 0, max: 1000 }), length: fc.integer({ min: 0, max: 100 }), seed: fc.integer() });
    await fc.assert(
      fc.asyncProperty(fc.array(write, { minLength: 2, maxLength: 30 }), fc.constantFrom(64, 256, 4096), async (writes, chunkSize) => {
        const image = pattern(1100, 3);
        const overlay = new OverlayDevice(MemoryBlockDevice.from(image, { readOnly: true }), undefined, { chunkSize });
        const model = MemoryBlockDevice.from(image);
        await Promise.all(writes.map((w) => overlay.write(w.pos, pattern(w.length, w.seed))));
        for (const w of writes) await model.write(w.pos, pattern(w.length, w.seed));
        expect(firstDifference(await readAll(overlay), model.bytes)).toBe(-1);
      }),
      { numRuns: 200 },
    );
  });

  it('coalesces changed chunks into sorted ranges', async () => {
    const overlay = new OverlayDevice(new MemoryBlockDevice({ size: 10_000, readOnly: true }));
    expect(overlay.changedRanges()).toEqual([]);
    await overlay.write(8192 + 5, new Uint8Array(1)); // chunk 2
    await overlay.write(100, new Uint8Array(1)); // chunk 0
    expect(overlay.changedRanges()).toEqual([
      { start: 0, length: 4096 },
      { start: 8192, length: 1808 }, // the last chunk ends at the device end
    ]);
    await overlay.write(4095, new Uint8Array(2)); // chunks 0 and 1: all three join
    expect(overlay.changedRanges()).toEqual([{ start: 0, length: 10_000 }]);
    await overlay.write(0, new Uint8Array(0));
    expect(overlay.changedRanges()).toHaveLength(1);
  });

  it('copies up the rest of a partially written chunk from the base', async () => {
    const image = pattern(8192, 9);
    const upper = new MemoryBlockDevice({ size: 8192 });
    const overlay = new OverlayDevice(MemoryBlockDevice.from(image, { readOnly: true }), upper);
    await overlay.write(4100, new Uint8Array([1, 2, 3]));
    const expected = image.slice(4096, 8192);
    expected.set([1, 2, 3], 4);
    expect(upper.bytes.subarray(4096, 8192)).toEqual(expected);
    expect(upper.bytes.subarray(0, 4096).every((b) => b === 0)).toBe(true); // chunk 0 never copied
    await overlay.write(4096, new Uint8Array([7])); // already copied: no second copy-up
    expect(upper.bytes.subarray(4096, 4104)).toEqual(Uint8Array.from([7, ...image.subarray(4097, 4100), 1, 2, 3, image[4103]!]));
  });

  it('discard zeroes the range in the overlay, counts it as changed and leaves the base alone', async () => {
    const image = pattern(20_000, 4);
    const base = MemoryBlockDevice.from(image, { readOnly: true });
    const overlay = new OverlayDevice(base);
    await overlay.write(0, pattern(20_000, 5));
    const sparse = overlay.upper as SparseMemoryDevice;
    expect(sparse.allocatedBytes).toBe(20_480);
    await overlay.discard(1000, 19_000);
    const merged = await readAll(overlay);
    expect(merged.subarray(1000).every((b) => b === 0)).toBe(true);
    expect(merged.subarray(0, 1000)).toEqual(pattern(20_000, 5).subarray(0, 1000));
    expect(sparse.allocatedBytes).toBe(4096 * 2); // chunk 0 (partial) and the last, partial chunk stay allocated
    expect(overlay.changedRanges()).toEqual([{ start: 0, length: 20_000 }]);
    expect(base.bytes).toEqual(image);
    const fresh = new OverlayDevice(base);
    await fresh.discard(5000, 100);
    expect(fresh.changedRanges()).toEqual([{ start: 4096, length: 4096 }]);
  });

  it('allocates memory in proportion to what was written, not to the device size', async () => {
    const huge = { size: 2 ** 40, logicalBlockSize: 512, readOnly: true } as const;
    const base: BlockDevice = {
      ...huge,
      read: async (_pos, buf) => void buf.fill(0xee),
      write: async () => expect.fail('the base was written'),
      readv: async (_pos, bufs) => void bufs.forEach((b) => b.fill(0xee)),
      writev: async () => expect.fail('the base was written'),
      flush: async () => {},
      close: async () => {},
    };
    const overlay = new OverlayDevice(base);
    await overlay.write(2 ** 39 + 10, new Uint8Array([1]));
    const out = new Uint8Array(3);
    await overlay.read(2 ** 39 + 9, out);
    expect([...out]).toEqual([0xee, 1, 0xee]);
    expect((overlay.upper as SparseMemoryDevice).allocatedBytes).toBe(4096);
    expect(overlay.changedRanges()).toEqual([{ start: 2 ** 39, length: 4096 }]);
  });

  it('exports the whole merged image in pieces and to a target device', async () => {
    const image = pattern(10_000, 1);
    const overlay = new OverlayDevice(MemoryBlockDevice.from(image, { readOnly: true }));
    await overlay.write(9_999, new Uint8Array([42]));
    const pieces = await collect(overlay.exportImage({ pieceSize: 4096 }));
    expect(pieces.map((p) => p.length)).toEqual([4096, 4096, 1808]);
    const model = image.slice();
    model[9_999] = 42;
    expect(concat(pieces)).toEqual(model);
    expect(concat(await collect(overlay.exportImage()))).toEqual(model); // default 1 MiB pieces
    const target = new MemoryBlockDevice({ size: 12_000 });
    await overlay.exportTo(target);
    expect(target.bytes.subarray(0, 10_000)).toEqual(model);
    await expect(overlay.exportTo(new MemoryBlockDevice({ size: 9_999 }))).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(overlay.exportTo(new MemoryBlockDevice({ size: 10_000, readOnly: true }))).rejects.toMatchObject({ code: 'EROFS' });
    await expect(collect(overlay.exportImage({ pieceSize: 0 }))).rejects.toMatchObject({ code: 'EINVAL' });
  });

  it('checks its arguments and accesses like every device', async () => {
    const base = new MemoryBlockDevice({ size: 8192, readOnly: true });
    expect(() => new OverlayDevice(base, new MemoryBlockDevice({ size: 4096 }))).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => new OverlayDevice(base, new MemoryBlockDevice({ size: 8192, readOnly: true }))).toThrow(/must be writable/);
    expect(() => new OverlayDevice(base, undefined, { chunkSize: 3000 })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    const overlay = new OverlayDevice(base);
    expect([overlay.size, overlay.logicalBlockSize, overlay.readOnly, overlay.chunkSize]).toEqual([8192, 512, false, 4096]);
    await expect(overlay.write(8190, new Uint8Array(3))).rejects.toMatchObject({ code: 'EIO' });
    await expect(overlay.read(0.5, new Uint8Array(1))).rejects.toMatchObject({ code: 'EINVAL' });
    await overlay.flush();
    await overlay.close();
    await expect(overlay.read(0, new Uint8Array(1))).rejects.toMatchObject({ code: 'EBADF' });
    await expect(collect(overlay.exportImage())).rejects.toMatchObject({ code: 'EBADF' });
    await base.read(0, new Uint8Array(1)); // the base stays open
  });

  it('leaves a caller-supplied upper open on close', async () => {
    const upper = new MemoryBlockDevice({ size: 4096 });
    const overlay = new OverlayDevice(new MemoryBlockDevice({ size: 4096 }), upper);
    await overlay.write(0, new Uint8Array([5]));
    await overlay.close();
    expect(upper.bytes[0]).toBe(5);
    await upper.read(0, new Uint8Array(1));
  });
});
