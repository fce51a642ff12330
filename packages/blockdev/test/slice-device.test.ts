import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MemoryBlockDevice, isFsError, type BlockDevice } from '@iomap/core';
import { SliceDevice } from '../src/index.js';
import { RecordingDevice, firstDifference, pattern } from './helpers/recording-device.js';

const KiB = 1024;

function setup(offset = 4 * KiB, length = 8 * KiB) {
  const mem = MemoryBlockDevice.from(pattern(16 * KiB));
  const base = new RecordingDevice(mem);
  const slice = new SliceDevice(base, offset, length);
  return { mem, base, slice, original: mem.bytes.slice() };
}

describe('SliceDevice', () => {
  it('reads and writes the base at the window offset', async () => {
    const { mem, slice, original } = setup();
    const out = new Uint8Array(100);
    await slice.read(10, out);
    expect(out).toEqual(original.subarray(4 * KiB + 10, 4 * KiB + 110));
    await slice.write(8 * KiB - 3, new Uint8Array([1, 2, 3]));
    expect(mem.bytes.subarray(12 * KiB - 3, 12 * KiB)).toEqual(new Uint8Array([1, 2, 3]));
    expect(slice.size).toBe(8 * KiB);
    expect(slice.offset).toBe(4 * KiB);
    expect(slice.logicalBlockSize).toBe(512);
  });

  it('rejects a window outside the base, or invalid numbers, with EINVAL', () => {
    const base = new MemoryBlockDevice({ size: 4096 });
    for (const [offset, length] of [
      [0, 4097],
      [4096, 1],
      [4000, 200],
      [-1, 10],
      [1.5, 10],
      [0, Number.NaN],
      [Number.MAX_SAFE_INTEGER, 1],
    ] as const) {
      expect(() => new SliceDevice(base, offset, length), `${offset}+${length}`).toThrow(
        expect.objectContaining({ code: 'EINVAL' }),
      );
    }
    expect(new SliceDevice(base, 4096, 0).size).toBe(0);
    expect(new SliceDevice(base, 0, 4096).size).toBe(4096);
  });

  it('fails with EIO past the end of the slice and never touches the base', async () => {
    const { base, slice, mem, original } = setup();
    await expect(slice.read(8 * KiB - 1, new Uint8Array(2))).rejects.toMatchObject({ code: 'EIO', syscall: 'read' });
    await expect(slice.write(8 * KiB, new Uint8Array(1))).rejects.toMatchObject({ code: 'EIO', syscall: 'write' });
    await expect(slice.readv(8 * KiB - 4, [new Uint8Array(2), new Uint8Array(3)])).rejects.toMatchObject({ code: 'EIO' });
    await expect(slice.writev(0, [new Uint8Array(8 * KiB), new Uint8Array(1)])).rejects.toMatchObject({ code: 'EIO' });
    await expect(slice.discard!(4 * KiB, 4 * KiB + 1)).rejects.toMatchObject({ code: 'EIO', syscall: 'discard' });
    await expect(slice.read(-1, new Uint8Array(1))).rejects.toMatchObject({ code: 'EINVAL' });
    expect(base.accesses).toEqual([]);
    expect(mem.bytes).toEqual(original);
  });

  it('forwards readv, writev, flush and discard', async () => {
    const { base, slice, mem } = setup();
    await slice.writev(100, [new Uint8Array([1, 2]), new Uint8Array([3])]);
    const a = new Uint8Array(2);
    const b = new Uint8Array(1);
    await slice.readv(100, [a, b]);
    expect([...a, ...b]).toEqual([1, 2, 3]);
    await slice.flush();
    await slice.discard!(0, 512);
    expect(mem.bytes.subarray(4 * KiB, 4 * KiB + 512).every((x) => x === 0)).toBe(true);
    expect(base.accesses.map((x) => [x.op, x.pos, x.length])).toEqual([
      ['writev', 4 * KiB + 100, 3],
      ['readv', 4 * KiB + 100, 3],
      ['flush', 0, 0],
      ['discard', 4 * KiB, 512],
    ]);
  });

  it('offers discard only when the base does', () => {
    const mem = new MemoryBlockDevice({ size: 1024 });
    const noDiscard: BlockDevice = {
      size: mem.size,
      logicalBlockSize: mem.logicalBlockSize,
      readOnly: mem.readOnly,
      read: mem.read.bind(mem),
      write: mem.write.bind(mem),
      readv: mem.readv.bind(mem),
      writev: mem.writev.bind(mem),
      flush: mem.flush.bind(mem),
      close: mem.close.bind(mem),
    };
    expect(new SliceDevice(noDiscard, 0, 512).discard).toBeUndefined();
    expect(new SliceDevice(mem, 0, 512).discard).toBeTypeOf('function');
  });

  it('is read-only when asked or when the base is, refusing writes with EROFS', async () => {
    const { mem } = setup();
    const ro = new SliceDevice(mem, 0, 1024, { readOnly: true });
    await expect(ro.write(0, new Uint8Array(1))).rejects.toMatchObject({ code: 'EROFS' });
    await expect(ro.discard!(0, 1)).rejects.toMatchObject({ code: 'EROFS' });
    const roBase = new MemoryBlockDevice({ size: 1024, readOnly: true });
    expect(new SliceDevice(roBase, 0, 512).readOnly).toBe(true);
    expect(new SliceDevice(roBase, 0, 512, { readOnly: false }).readOnly).toBe(true);
  });

  it('fails with EBADF after close and leaves the base open', async () => {
    const { slice, mem } = setup();
    await slice.close();
    await expect(slice.read(0, new Uint8Array(1))).rejects.toMatchObject({ code: 'EBADF' });
    await expect(slice.flush()).rejects.toMatchObject({ code: 'EBADF' });
    await mem.read(0, new Uint8Array(1));
  });

  it('matches a window of the base for random windows and accesses (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 4096 }),
        fc.integer({ min: 0, max: 4096 }),
        fc.array(
          fc.record({ write: fc.boolean(), pos: fc.integer({ min: 0, max: 4200 }), length: fc.integer({ min: 0, max: 600 }), seed: fc.integer() }),
          { maxLength: 20 },
        ),
        async (offset, length, ops) => {
          const mem = MemoryBlockDevice.from(pattern(8192, 7));
          const model = mem.bytes.slice();
          const base = new RecordingDevice(mem);
          const slice = new SliceDevice(base, offset, length);
          for (const op of ops) {
            const inside = op.pos + op.length <= length;
            const buf = op.write ? pattern(op.length, op.seed) : new Uint8Array(op.length);
            const run = op.write ? slice.write(op.pos, buf) : slice.read(op.pos, buf);
            if (!inside) {
              await expect(run).rejects.toSatisfy((e) => isFsError(e, 'EIO'));
              continue;
            }
            await run;
            if (op.write) model.set(buf, offset + op.pos);
            else expect(buf).toEqual(model.subarray(offset + op.pos, offset + op.pos + op.length));
          }
          expect(firstDifference(mem.bytes, model)).toBe(-1);
          for (const a of base.accesses) {
            expect(a.pos).toBeGreaterThanOrEqual(offset);
            expect(a.pos + a.length).toBeLessThanOrEqual(offset + length);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
