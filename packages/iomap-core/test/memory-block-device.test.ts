// MemoryBlockDevice as the reference BlockDevice and DaxDevice: every rule of
// the device contract in block-device.ts, checked against plain memory.
import fc from 'fast-check';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { MemoryBlockDevice, isFsError, type BlockDevice, type DaxDevice, type ErrnoCode } from '../src/index.js';

const SIZE = 64 * 1024;

/** A device of `size` bytes whose byte i holds (i * 7 + 3) & 0xff, so misplaced copies show. */
function patternedDevice(size = SIZE, options: { readOnly?: boolean } = {}): MemoryBlockDevice {
  return MemoryBlockDevice.from(pattern(size), options);
}

function pattern(length: number, seed = 3): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 7 + seed) & 0xff;
  return out;
}

function filled(length: number, value: number): Uint8Array {
  return new Uint8Array(length).fill(value);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Asserts equal bytes; compares natively first so 64 KiB checks stay fast, and diffs only on mismatch. */
function expectBytes(actual: Uint8Array, expected: Uint8Array): void {
  const same =
    actual.length === expected.length &&
    Buffer.from(actual.buffer, actual.byteOffset, actual.length).equals(
      Buffer.from(expected.buffer, expected.byteOffset, expected.length),
    );
  if (!same) expect(actual).toEqual(expected);
}

/** Awaits `promise`, which must reject with an FsError of `code` naming `syscall`. */
async function expectRejects(promise: Promise<unknown>, code: ErrnoCode, syscall: string): Promise<void> {
  const err = await promise.then(
    () => expect.unreachable(`expected ${code}, but the call succeeded`),
    (e: unknown) => e,
  );
  expect(isFsError(err, code), `expected ${code}, got ${String(err)}`).toBe(true);
  expect(err).toMatchObject({ code, syscall });
}

/** Calls `fn`, which must throw an FsError of `code`. */
function expectThrows(fn: () => unknown, code: ErrnoCode): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(isFsError(err, code), `expected ${code}, got ${String(err)}`).toBe(true);
}

const BAD_POSITIONS: ReadonlyArray<[string, number]> = [
  ['-1', -1],
  ['-4096', -4096],
  ['0.5', 0.5],
  ['4095.9', 4095.9],
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['-Infinity', Number.NEGATIVE_INFINITY],
  ['2^53', 2 ** 53],
];

describe('MemoryBlockDevice construction', () => {
  it('allocates a zeroed, writable device of the given size with 512-byte logical blocks', async () => {
    const dev = new MemoryBlockDevice({ size: 8192 });
    expect(dev.size).toBe(8192);
    expect(dev.logicalBlockSize).toBe(512);
    expect(dev.readOnly).toBe(false);
    expect(dev.bytes.length).toBe(8192);
    expect(dev.bytes.buffer).toBeInstanceOf(ArrayBuffer);
    const out = filled(8192, 0xee);
    await dev.read(0, out);
    expectBytes(out, new Uint8Array(8192));
  });

  it('satisfies both the BlockDevice and the DaxDevice contract', () => {
    const dev = new MemoryBlockDevice({ size: 4096 });
    const block: BlockDevice = dev;
    const dax: DaxDevice = dev;
    expect(block.size).toBe(dax.size);
    expect(typeof block.discard).toBe('function');
  });

  it('accepts any power-of-two logical block size', () => {
    for (const lbs of [1, 2, 512, 1024, 4096, 65536]) {
      expect(new MemoryBlockDevice({ size: 4096, logicalBlockSize: lbs }).logicalBlockSize).toBe(lbs);
    }
  });

  it.each([0, -512, 3, 1000, 4095, 1.5, 512.5, Number.NaN, Number.POSITIVE_INFINITY])(
    'refuses logical block size %d with EINVAL',
    (lbs) => {
      expectThrows(() => new MemoryBlockDevice({ size: 4096, logicalBlockSize: lbs }), 'EINVAL');
    },
  );

  it.each([
    ['2^32 + 2^31', 2 ** 32 + 2 ** 31],
    ['3 * 2^32', 3 * 2 ** 32],
    ['2^40 + 1', 2 ** 40 + 1],
    ['2^50 + 1', 2 ** 50 + 1],
    ['2^53 - 1', 2 ** 53 - 1],
  ])('refuses the large non-power-of-two logical block size %s with EINVAL', (_label, lbs) => {
    // A 32-bit `lbs & (lbs - 1)` test passes the first two; a floating-point
    // `Number.isInteger(Math.log2(lbs))` test passes the last two.
    expectThrows(() => new MemoryBlockDevice({ size: 4096, logicalBlockSize: lbs }), 'EINVAL');
  });

  it('accepts large power-of-two logical block sizes exactly', () => {
    for (const lbs of [2 ** 31, 2 ** 32, 2 ** 52]) {
      expect(new MemoryBlockDevice({ size: 0, logicalBlockSize: lbs }).logicalBlockSize).toBe(lbs);
    }
  });

  it('refuses to open without a size or a buffer with EINVAL', () => {
    let err: unknown;
    try {
      new MemoryBlockDevice({});
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'EINVAL', errno: -22, syscall: 'open' });
    expect((err as Error).message).toContain('size or a buffer');
  });

  it.each([
    ['-1', -1],
    ['1.5', 1.5],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['2^53', 2 ** 53],
  ])('refuses size %s with EINVAL', (_label, size) => {
    expectThrows(() => new MemoryBlockDevice({ size }), 'EINVAL');
  });

  it.each([
    ['2^53 - 1 (the allocation fails)', Number.MAX_SAFE_INTEGER],
    ['2^33 (may exceed the longest typed array)', 2 ** 33],
  ])('reports a size it cannot hold, %s, as an FsError, never a bare RangeError', (_label, size) => {
    let err: unknown;
    let dev: MemoryBlockDevice | undefined;
    try {
      dev = new MemoryBlockDevice({ size });
    } catch (e) {
      err = e;
    }
    if (dev !== undefined) {
      // The platform could hold it (memory is reserved lazily): then it must be whole.
      expect(dev.size).toBe(size);
      expect(dev.bytes.length).toBe(size);
      return;
    }
    expect(isFsError(err), `expected an FsError (ENOMEM or EINVAL), got ${String(err)}`).toBe(true);
    expect(['ENOMEM', 'EINVAL']).toContain((err as { code: string }).code);
    expect(err).toMatchObject({ syscall: 'open' });
  });

  it('refuses a size larger than the given buffer with EINVAL', () => {
    let err: unknown;
    try {
      new MemoryBlockDevice({ buffer: new ArrayBuffer(4096), size: 4097 });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'EINVAL', syscall: 'open' });
    expect((err as Error).message).toContain('4097');
  });

  it('allows an empty device, which refuses every non-empty access with EIO', async () => {
    const dev = new MemoryBlockDevice({ size: 0 });
    await dev.read(0, new Uint8Array(0));
    await expectRejects(dev.read(0, new Uint8Array(1)), 'EIO', 'read');
    await expectRejects(dev.write(0, new Uint8Array(1)), 'EIO', 'write');
  });

  it('uses a given ArrayBuffer in place, without copying it', async () => {
    const buffer = new ArrayBuffer(4096);
    const dev = new MemoryBlockDevice({ buffer });
    expect(dev.size).toBe(4096);
    expect(dev.bytes.buffer).toBe(buffer);
    await dev.write(100, Uint8Array.of(1, 2, 3));
    expect([...new Uint8Array(buffer, 100, 3)]).toEqual([1, 2, 3]);
    new Uint8Array(buffer)[200] = 0x5a;
    const out = new Uint8Array(1);
    await dev.read(200, out);
    expect(out[0]).toBe(0x5a);
  });

  it('limits the device to `size` when the buffer is larger, leaving the rest of the buffer alone', async () => {
    const buffer = new ArrayBuffer(8192);
    new Uint8Array(buffer).fill(0x77);
    const dev = new MemoryBlockDevice({ buffer, size: 4096 });
    expect(dev.size).toBe(4096);
    await expectRejects(dev.write(4096, Uint8Array.of(1)), 'EIO', 'write');
    await dev.discard(0, 4096);
    const whole = new Uint8Array(buffer);
    expect(whole.subarray(0, 4096).every((b) => b === 0)).toBe(true);
    expect(whole.subarray(4096).every((b) => b === 0x77)).toBe(true);
  });

  it('allocates a SharedArrayBuffer when asked for a shared device', () => {
    const dev = new MemoryBlockDevice({ size: 4096, shared: true });
    expect(dev.bytes.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(new MemoryBlockDevice({ size: 4096, shared: false }).bytes.buffer).toBeInstanceOf(ArrayBuffer);
  });

  it('lets two devices over one SharedArrayBuffer see each other’s writes', async () => {
    const sab = new SharedArrayBuffer(8192);
    const a = new MemoryBlockDevice({ buffer: sab });
    const b = new MemoryBlockDevice({ buffer: sab, readOnly: true });
    expect(a.bytes.buffer).toBe(sab);
    await a.write(4096, pattern(512));
    const out = new Uint8Array(512);
    await b.read(4096, out);
    expectBytes(out, pattern(512));
  });

  it('shares its memory with a worker thread through the SharedArrayBuffer', async () => {
    const dev = new MemoryBlockDevice({ size: 4096, shared: true });
    await dev.write(0, Uint8Array.of(1, 2, 3, 4));
    const worker = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       const bytes = new Uint8Array(workerData);
       const seen = Array.from(bytes.subarray(0, 4));
       bytes.set([9, 8, 7], 1000);
       parentPort.postMessage(seen);`,
      { eval: true, workerData: dev.bytes.buffer },
    );
    const seen = await new Promise<number[]>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(seen).toEqual([1, 2, 3, 4]);
    const out = new Uint8Array(3);
    await dev.read(1000, out);
    expect([...out]).toEqual([9, 8, 7]);
  });

  it('ignores `shared` when a buffer is given', () => {
    const buffer = new ArrayBuffer(1024);
    expect(new MemoryBlockDevice({ buffer, shared: true }).bytes.buffer).toBe(buffer);
  });
});

describe('MemoryBlockDevice.from', () => {
  it('holds a copy of the data, sized to it', async () => {
    const data = pattern(3000);
    const dev = MemoryBlockDevice.from(data);
    expect(dev.size).toBe(3000);
    data.fill(0);
    const out = new Uint8Array(3000);
    await dev.read(0, out);
    expectBytes(out, pattern(3000));
  });

  it('does not alias the source buffer', async () => {
    const data = pattern(1024);
    const dev = MemoryBlockDevice.from(data);
    await dev.write(0, filled(1024, 0));
    expect(data).toEqual(pattern(1024));
    expect(dev.bytes.buffer).not.toBe(data.buffer);
  });

  it('copies only the bytes of a view, not its whole backing buffer', async () => {
    const backing = pattern(4096);
    const dev = MemoryBlockDevice.from(backing.subarray(1000, 1100));
    expect(dev.size).toBe(100);
    const out = new Uint8Array(100);
    await dev.read(0, out);
    expectBytes(out, pattern(4096).subarray(1000, 1100));
  });

  it('passes on readOnly, logicalBlockSize and shared', async () => {
    const dev = MemoryBlockDevice.from(pattern(4096), { readOnly: true, logicalBlockSize: 4096, shared: true });
    expect(dev.readOnly).toBe(true);
    expect(dev.logicalBlockSize).toBe(4096);
    expect(dev.bytes.buffer).toBeInstanceOf(SharedArrayBuffer);
    const out = new Uint8Array(4096);
    await dev.read(0, out);
    expectBytes(out, pattern(4096));
  });

  it('refuses a bad logical block size with EINVAL', () => {
    expectThrows(() => MemoryBlockDevice.from(pattern(4096), { logicalBlockSize: 3 }), 'EINVAL');
  });
});

describe('MemoryBlockDevice read and write', () => {
  it('reads back what was written', async () => {
    const dev = new MemoryBlockDevice({ size: SIZE });
    const data = new TextEncoder().encode('hello, block device');
    await dev.write(4096, data);
    const out = new Uint8Array(data.length);
    await dev.read(4096, out);
    expectBytes(out, data);
  });

  it('writes only the bytes it was given', async () => {
    const dev = patternedDevice();
    await dev.write(1000, filled(10, 0xff));
    const out = new Uint8Array(SIZE);
    await dev.read(0, out);
    const expected = pattern(SIZE);
    expected.fill(0xff, 1000, 1010);
    expectBytes(out, expected);
  });

  it('reads and writes the first and the last byte', async () => {
    const dev = new MemoryBlockDevice({ size: SIZE });
    await dev.write(0, Uint8Array.of(0xa1));
    await dev.write(SIZE - 1, Uint8Array.of(0xb2));
    const first = new Uint8Array(1);
    const last = new Uint8Array(1);
    await dev.read(0, first);
    await dev.read(SIZE - 1, last);
    expect(first[0]).toBe(0xa1);
    expect(last[0]).toBe(0xb2);
  });

  it('reads and writes the whole device in one request', async () => {
    const dev = new MemoryBlockDevice({ size: SIZE });
    await dev.write(0, pattern(SIZE, 11));
    const out = new Uint8Array(SIZE);
    await dev.read(0, out);
    expectBytes(out, pattern(SIZE, 11));
  });

  it('respects the byte offset of a source or target view', async () => {
    const dev = new MemoryBlockDevice({ size: SIZE });
    const source = pattern(256, 5);
    await dev.write(512, source.subarray(64, 128));
    const target = filled(256, 0xcc);
    await dev.read(512, target.subarray(100, 164));
    expect(target.subarray(100, 164)).toEqual(pattern(256, 5).subarray(64, 128));
    expect(target.subarray(0, 100).every((b) => b === 0xcc)).toBe(true);
    expect(target.subarray(164).every((b) => b === 0xcc)).toBe(true);
  });

  it('accepts Node Buffers for reading and writing', async () => {
    const dev = new MemoryBlockDevice({ size: SIZE });
    await dev.write(10, Buffer.from('buffer data'));
    const out = Buffer.alloc(11);
    await dev.read(10, out);
    expect(out.toString()).toBe('buffer data');
  });

  it('treats zero-length reads and writes inside or at the end of the device as no-ops', async () => {
    const dev = patternedDevice();
    await dev.read(0, new Uint8Array(0));
    await dev.read(SIZE, new Uint8Array(0));
    await dev.write(SIZE, new Uint8Array(0));
    await dev.write(123, new Uint8Array(0));
    expectBytes(dev.bytes, pattern(SIZE));
  });

  it('returns a copy from read, so changing the buffer leaves the device alone', async () => {
    const dev = patternedDevice();
    const out = new Uint8Array(16);
    await dev.read(0, out);
    out.fill(0);
    const again = new Uint8Array(16);
    await dev.read(0, again);
    expectBytes(again, pattern(SIZE).subarray(0, 16));
  });

  it('copies on write, so changing the source afterwards leaves the device alone', async () => {
    const dev = new MemoryBlockDevice({ size: SIZE });
    const data = pattern(64);
    await dev.write(0, data);
    data.fill(0);
    const out = new Uint8Array(64);
    await dev.read(0, out);
    expectBytes(out, pattern(64));
  });

  it('refuses reads past the end with EIO instead of a short read', async () => {
    const dev = patternedDevice();
    const out = filled(8, 0xcc);
    await expectRejects(dev.read(SIZE - 4, out), 'EIO', 'read');
    // Nothing was copied: not even the 4 bytes that exist.
    expectBytes(out, filled(8, 0xcc));
  });

  it('refuses reads that start at or after the end with EIO', async () => {
    const dev = patternedDevice();
    await expectRejects(dev.read(SIZE, new Uint8Array(1)), 'EIO', 'read');
    await expectRejects(dev.read(SIZE + 4096, new Uint8Array(1)), 'EIO', 'read');
    await expectRejects(dev.read(SIZE + 1, new Uint8Array(0)), 'EIO', 'read');
  });

  it('says where the failed access was and how big the device is', async () => {
    const dev = patternedDevice();
    const err = await dev.read(SIZE - 1, new Uint8Array(2)).catch((e: unknown) => e);
    expect((err as Error).message).toContain(`at ${SIZE - 1}`);
    expect((err as Error).message).toContain(`size ${SIZE}`);
    expect(err).toMatchObject({ errno: -5 });
  });

  it('refuses writes past the end with EIO and leaves the device unchanged', async () => {
    const dev = patternedDevice();
    await expectRejects(dev.write(SIZE - 4, filled(8, 0xff)), 'EIO', 'write');
    await expectRejects(dev.write(SIZE, Uint8Array.of(1)), 'EIO', 'write');
    await expectRejects(dev.write(2 ** 40, Uint8Array.of(1)), 'EIO', 'write');
    expectBytes(dev.bytes, pattern(SIZE));
  });

  it.each(BAD_POSITIONS)('refuses position %s with EINVAL on every operation', async (_label, pos) => {
    const dev = patternedDevice();
    await expectRejects(dev.read(pos, new Uint8Array(1)), 'EINVAL', 'read');
    await expectRejects(dev.write(pos, new Uint8Array(1)), 'EINVAL', 'write');
    await expectRejects(dev.readv(pos, [new Uint8Array(1)]), 'EINVAL', 'readv');
    await expectRejects(dev.writev(pos, [new Uint8Array(1)]), 'EINVAL', 'writev');
    await expectRejects(dev.discard(pos, 1), 'EINVAL', 'discard');
    expectThrows(() => dev.directAccess(pos, 1), 'EINVAL');
    expectBytes(dev.bytes, pattern(SIZE));
  });

  it.each(BAD_POSITIONS)('refuses length %s with EINVAL for discard and directAccess', async (_label, length) => {
    const dev = patternedDevice();
    await expectRejects(dev.discard(0, length), 'EINVAL', 'discard');
    expectThrows(() => dev.directAccess(0, length), 'EINVAL');
    expectBytes(dev.bytes, pattern(SIZE));
  });

  it('reports argument errors by rejecting, never by throwing synchronously', async () => {
    const dev = patternedDevice();
    const pending = [
      dev.read(-1, new Uint8Array(1)),
      dev.write(Number.NaN, new Uint8Array(1)),
      dev.readv(SIZE, [new Uint8Array(1)]),
      dev.writev(0.5, [new Uint8Array(1)]),
      dev.discard(0, -1),
    ];
    for (const p of pending) expect(p).toBeInstanceOf(Promise);
    const results = await Promise.allSettled(pending);
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
  });

  it('resolves flush on an open device', async () => {
    const dev = new MemoryBlockDevice({ size: 4096 });
    await expect(dev.flush()).resolves.toBeUndefined();
  });
});

describe('MemoryBlockDevice readv and writev', () => {
  it('writes consecutive buffers to consecutive bytes, spanning buffer boundaries', async () => {
    const dev = new MemoryBlockDevice({ size: SIZE });
    const parts = [pattern(100, 1), new Uint8Array(0), pattern(4096, 2), pattern(7, 3)];
    await dev.writev(300, parts);
    const out = new Uint8Array(100 + 4096 + 7);
    await dev.read(300, out);
    expectBytes(out, concat(parts));
  });

  it('reads consecutive bytes into each buffer in turn', async () => {
    const dev = patternedDevice();
    const buffers = [new Uint8Array(3), new Uint8Array(0), new Uint8Array(513), new Uint8Array(4096)];
    await dev.readv(1000, buffers);
    expect(concat(buffers)).toEqual(pattern(SIZE).subarray(1000, 1000 + 3 + 513 + 4096));
  });

  it('round-trips between writev and readv with different buffer splits', async () => {
    const dev = new MemoryBlockDevice({ size: SIZE });
    const data = pattern(10_000, 9);
    await dev.writev(50, [data.subarray(0, 1), data.subarray(1, 5000), data.subarray(5000)]);
    const a = new Uint8Array(4096);
    const b = new Uint8Array(10_000 - 4096);
    await dev.readv(50, [a, b]);
    expect(concat([a, b])).toEqual(data);
  });

  it('accepts an empty buffer list', async () => {
    const dev = patternedDevice();
    await dev.readv(SIZE, []);
    await dev.writev(0, []);
    expectBytes(dev.bytes, pattern(SIZE));
  });

  it('refuses a readv past the end with EIO and fills none of the buffers', async () => {
    const dev = patternedDevice();
    const buffers = [filled(10, 0xcc), filled(10, 0xcc)];
    await expectRejects(dev.readv(SIZE - 15, buffers), 'EIO', 'readv');
    expect(buffers[0]).toEqual(filled(10, 0xcc));
    expect(buffers[1]).toEqual(filled(10, 0xcc));
  });

  it('refuses a writev past the end with EIO and writes none of the buffers', async () => {
    const dev = patternedDevice();
    await expectRejects(dev.writev(SIZE - 15, [filled(10, 0xff), filled(10, 0xff)]), 'EIO', 'writev');
    expectBytes(dev.bytes, pattern(SIZE));
  });
});

describe('MemoryBlockDevice read-only', () => {
  it('refuses write, writev and discard with EROFS and keeps the data', async () => {
    const dev = patternedDevice(SIZE, { readOnly: true });
    expect(dev.readOnly).toBe(true);
    await expectRejects(dev.write(0, filled(16, 0xff)), 'EROFS', 'write');
    await expectRejects(dev.writev(0, [filled(16, 0xff), filled(16, 0xff)]), 'EROFS', 'writev');
    await expectRejects(dev.discard(0, SIZE), 'EROFS', 'discard');
    expectBytes(dev.bytes, pattern(SIZE));
  });

  it('tells the user to reopen the device writable', async () => {
    const dev = patternedDevice(SIZE, { readOnly: true });
    const err = await dev.write(0, Uint8Array.of(1)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'EROFS', errno: -30 });
    expect((err as Error).message).toMatch(/read-only/);
    expect((err as Error).message).toMatch(/writable/);
  });

  it('still serves reads, readv, flush and directAccess', async () => {
    const dev = patternedDevice(SIZE, { readOnly: true });
    const out = new Uint8Array(100);
    await dev.read(200, out);
    expectBytes(out, pattern(SIZE).subarray(200, 300));
    const parts = [new Uint8Array(10), new Uint8Array(20)];
    await dev.readv(0, parts);
    expect(concat(parts)).toEqual(pattern(SIZE).subarray(0, 30));
    await dev.flush();
    expect(dev.directAccess(0, 4)).toEqual(pattern(SIZE).subarray(0, 4));
  });
});

describe('MemoryBlockDevice discard', () => {
  it('zeroes exactly the discarded range', async () => {
    const dev = patternedDevice();
    await dev.discard(4096, 8192);
    const expected = pattern(SIZE);
    expected.fill(0, 4096, 4096 + 8192);
    const out = new Uint8Array(SIZE);
    await dev.read(0, out);
    expectBytes(out, expected);
  });

  it('discards up to the very end and nothing for a zero length', async () => {
    const dev = patternedDevice();
    await dev.discard(SIZE, 0);
    await dev.discard(10, 0);
    expectBytes(dev.bytes, pattern(SIZE));
    await dev.discard(SIZE - 1, 1);
    expect(dev.bytes[SIZE - 1]).toBe(0);
    expect(dev.bytes[SIZE - 2]).toBe(pattern(SIZE)[SIZE - 2]);
  });

  it('refuses a discard past the end with EIO and zeroes nothing', async () => {
    const dev = patternedDevice();
    await expectRejects(dev.discard(SIZE - 10, 11), 'EIO', 'discard');
    expectBytes(dev.bytes, pattern(SIZE));
  });
});

describe('MemoryBlockDevice close', () => {
  it('fails every later call with EBADF', async () => {
    const dev = patternedDevice();
    await dev.close();
    await expectRejects(dev.read(0, new Uint8Array(1)), 'EBADF', 'read');
    await expectRejects(dev.write(0, new Uint8Array(1)), 'EBADF', 'write');
    await expectRejects(dev.readv(0, [new Uint8Array(1)]), 'EBADF', 'readv');
    await expectRejects(dev.writev(0, [new Uint8Array(1)]), 'EBADF', 'writev');
    await expectRejects(dev.flush(), 'EBADF', 'flush');
    await expectRejects(dev.discard(0, 1), 'EBADF', 'discard');
    expectThrows(() => dev.directAccess(0, 1), 'EBADF');
    expectBytes(dev.bytes, pattern(SIZE));
  });

  it('reports EBADF even for zero-length or otherwise invalid requests', async () => {
    const dev = patternedDevice();
    await dev.close();
    await expectRejects(dev.read(0, new Uint8Array(0)), 'EBADF', 'read');
    await expectRejects(dev.write(-1, new Uint8Array(1)), 'EBADF', 'write');
  });

  it('fails with errno -9 and says the device is closed', async () => {
    const dev = new MemoryBlockDevice({ size: 4096 });
    await dev.close();
    const err = await dev.read(0, new Uint8Array(1)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'EBADF', errno: -9 });
    expect((err as Error).message).toContain('closed');
  });

  it('can be closed twice', async () => {
    const dev = new MemoryBlockDevice({ size: 4096 });
    await dev.close();
    await expect(dev.close()).resolves.toBeUndefined();
  });
});

describe('MemoryBlockDevice directAccess (DAX)', () => {
  it('returns a view of the requested length at the requested position', async () => {
    const dev = patternedDevice();
    const view = dev.directAccess(1000, 24);
    expect(view.length).toBe(24);
    expect(view).toEqual(pattern(SIZE).subarray(1000, 1024));
  });

  it('aliases device memory: a store through the view is visible to read', async () => {
    const dev = new MemoryBlockDevice({ size: SIZE });
    const view = dev.directAccess(8192, 4096);
    view.set(pattern(4096, 13));
    view[0] = 0xfe;
    const out = new Uint8Array(4096);
    await dev.read(8192, out);
    const expected = pattern(4096, 13);
    expected[0] = 0xfe;
    expectBytes(out, expected);
  });

  it('aliases device memory: a write is visible through an earlier view', async () => {
    const dev = new MemoryBlockDevice({ size: SIZE });
    const view = dev.directAccess(0, 16);
    await dev.write(4, Uint8Array.of(1, 2, 3));
    expect([...view.subarray(4, 7)]).toEqual([1, 2, 3]);
    await dev.discard(0, 16);
    expect(view.every((b) => b === 0)).toBe(true);
  });

  it('gives overlapping views of the same memory', () => {
    const dev = new MemoryBlockDevice({ size: SIZE });
    const a = dev.directAccess(100, 100);
    const b = dev.directAccess(150, 100);
    a[60] = 0x42;
    expect(b[10]).toBe(0x42);
  });

  it('returns shared memory on a SharedArrayBuffer device', () => {
    const dev = new MemoryBlockDevice({ size: SIZE, shared: true });
    expect(dev.directAccess(0, 10).buffer).toBeInstanceOf(SharedArrayBuffer);
  });

  it('allows an empty view at the end and refuses views past it with EIO', () => {
    const dev = new MemoryBlockDevice({ size: SIZE });
    expect(dev.directAccess(SIZE, 0).length).toBe(0);
    expectThrows(() => dev.directAccess(SIZE - 1, 2), 'EIO');
    expectThrows(() => dev.directAccess(SIZE, 1), 'EIO');
  });

  it('cannot reach past the device into a larger backing buffer', () => {
    const buffer = new ArrayBuffer(8192);
    const dev = new MemoryBlockDevice({ buffer, size: 4096 });
    expectThrows(() => dev.directAccess(4000, 200), 'EIO');
    expect(dev.directAccess(4000, 96).length).toBe(96);
  });
});

// --- Model-based test ------------------------------------------------------

type Op =
  | { kind: 'write'; pos: number; data: Uint8Array }
  | { kind: 'writev'; pos: number; parts: Uint8Array[] }
  | { kind: 'read'; pos: number; length: number }
  | { kind: 'readv'; pos: number; lengths: number[] }
  | { kind: 'discard'; pos: number; length: number }
  | { kind: 'store'; pos: number; data: Uint8Array };

const MODEL_SIZE = 256;
/** Positions and lengths reach a little past the end, so EIO paths are exercised. */
const position = fc.integer({ min: 0, max: MODEL_SIZE + 8 });
const chunk = fc.uint8Array({ minLength: 0, maxLength: 48 });

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('write' as const), pos: position, data: chunk }),
  fc.record({ kind: fc.constant('writev' as const), pos: position, parts: fc.array(chunk, { maxLength: 4 }) }),
  fc.record({ kind: fc.constant('read' as const), pos: position, length: fc.integer({ min: 0, max: 64 }) }),
  fc.record({
    kind: fc.constant('readv' as const),
    pos: position,
    lengths: fc.array(fc.integer({ min: 0, max: 32 }), { maxLength: 4 }),
  }),
  fc.record({ kind: fc.constant('discard' as const), pos: position, length: fc.integer({ min: 0, max: 64 }) }),
  fc.record({ kind: fc.constant('store' as const), pos: position, data: chunk }),
);

function lengthOf(o: Op): number {
  switch (o.kind) {
    case 'write':
    case 'store':
      return o.data.length;
    case 'writev':
      return o.parts.reduce((n, p) => n + p.length, 0);
    case 'readv':
      return o.lengths.reduce((n, l) => n + l, 0);
    case 'read':
    case 'discard':
      return o.length;
  }
}

/** Applies `o` to the device and to the model, checking that the device refuses exactly the out-of-range requests. */
async function apply(dev: MemoryBlockDevice, model: Uint8Array, o: Op): Promise<void> {
  const fits = o.pos + lengthOf(o) <= model.length;
  const mustFailWith = fits ? undefined : 'EIO';
  const settle = async (run: () => Promise<unknown>): Promise<string | undefined> => {
    try {
      await run();
      return undefined;
    } catch (err) {
      return isFsError(err) ? err.code : `non-FsError: ${String(err)}`;
    }
  };
  switch (o.kind) {
    case 'write':
      expect(await settle(() => dev.write(o.pos, o.data))).toBe(mustFailWith);
      if (fits) model.set(o.data, o.pos);
      break;
    case 'writev':
      expect(await settle(() => dev.writev(o.pos, o.parts))).toBe(mustFailWith);
      if (fits) model.set(concat(o.parts), o.pos);
      break;
    case 'store':
      expect(
        await settle(async () => {
          dev.directAccess(o.pos, o.data.length).set(o.data);
        }),
      ).toBe(mustFailWith);
      if (fits) model.set(o.data, o.pos);
      break;
    case 'discard':
      expect(await settle(() => dev.discard(o.pos, o.length))).toBe(mustFailWith);
      if (fits) model.fill(0, o.pos, o.pos + o.length);
      break;
    case 'read': {
      const out = filled(o.length, 0xa5);
      expect(await settle(() => dev.read(o.pos, out))).toBe(mustFailWith);
      expectBytes(out, fits ? model.slice(o.pos, o.pos + o.length) : filled(o.length, 0xa5));
      break;
    }
    case 'readv': {
      const buffers = o.lengths.map((l) => filled(l, 0xa5));
      expect(await settle(() => dev.readv(o.pos, buffers))).toBe(mustFailWith);
      const total = lengthOf(o);
      expect(concat(buffers)).toEqual(fits ? model.slice(o.pos, o.pos + total) : filled(total, 0xa5));
      break;
    }
  }
}

describe('MemoryBlockDevice against a plain Uint8Array model', () => {
  it('behaves like the model for any sequence of write, writev, read, readv, discard and DAX stores', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: MODEL_SIZE, maxLength: MODEL_SIZE }), fc.array(op, { maxLength: 40 }), async (initial, ops) => {
        const dev = MemoryBlockDevice.from(initial);
        const model = initial.slice();
        for (const o of ops) {
          await apply(dev, model, o);
          expectBytes(dev.bytes, model);
        }
        const whole = new Uint8Array(MODEL_SIZE);
        await dev.read(0, whole);
        expectBytes(whole, model);
      }),
      { numRuns: 200 },
    );
  });
});
