// FileDevice against the reference MemoryBlockDevice: the same random
// sequence of reads, writes, vectored I/O and discards on both, every read
// and the final contents compared. Sequences run one at a time and as
// concurrent batches (which the queue merges and runs in parallel), across the
// sync path, the async path, and tiny queue depths.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { MemoryBlockDevice, type BlockDevice } from '@iomap/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FileDevice, type FileDeviceOptions } from '../src/index.js';
import { useTempDir } from './temp-dir.js';

const tmp = useTempDir();
const SIZE = 256 * 1024;

type Op =
  | { kind: 'read'; pos: number; length: number }
  | { kind: 'write'; pos: number; length: number; seed: number }
  | { kind: 'readv'; pos: number; lengths: number[] }
  | { kind: 'writev'; pos: number; lengths: number[]; seed: number }
  | { kind: 'discard'; pos: number; length: number }
  | { kind: 'flush' };

/** Lengths and positions biased to sector and page boundaries, where bugs live. */
const lengthArb = fc.oneof(fc.integer({ min: 0, max: 9000 }), fc.constantFrom(512, 4096, 65536, 65537, 131072));
const posArb = (max: number): fc.Arbitrary<number> =>
  fc.oneof(
    fc.integer({ min: 0, max }),
    fc.integer({ min: 0, max: Math.floor(max / 4096) }).map((b) => b * 4096),
  );

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('read' as const), pos: posArb(SIZE), length: lengthArb }),
  fc.record({ kind: fc.constant('write' as const), pos: posArb(SIZE), length: lengthArb, seed: fc.nat() }),
  fc.record({ kind: fc.constant('readv' as const), pos: posArb(SIZE), lengths: fc.array(lengthArb, { maxLength: 5 }) }),
  fc.record({
    kind: fc.constant('writev' as const),
    pos: posArb(SIZE),
    lengths: fc.array(lengthArb, { maxLength: 5 }),
    seed: fc.nat(),
  }),
  fc.record({ kind: fc.constant('discard' as const), pos: posArb(SIZE), length: lengthArb }),
  fc.constant({ kind: 'flush' as const }),
);

function bytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed | 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Length and SHA-1 of each buffer: compares as fast as strings (toEqual on big typed arrays is slow). */
function digest(buffers: Uint8Array[]): string[] {
  return buffers.map((b) => `${b.length}:${createHash('sha1').update(b).digest('hex')}`);
}

/** Runs `op` on `dev`; returns digests of what a read produced, 'ok', or the error code. */
async function apply(dev: BlockDevice, op: Op): Promise<string | string[]> {
  return applyRaw(dev, op).then((r) => (typeof r === 'string' ? r : digest(r)));
}

async function applyRaw(dev: BlockDevice, op: Op): Promise<string | Uint8Array[]> {
  try {
    switch (op.kind) {
      case 'read': {
        const b = new Uint8Array(op.length);
        await dev.read(op.pos, b);
        return [b];
      }
      case 'write':
        await dev.write(op.pos, bytes(op.length, op.seed));
        return 'ok';
      case 'readv': {
        const bs = op.lengths.map((n) => new Uint8Array(n));
        await dev.readv(op.pos, bs);
        return bs;
      }
      case 'writev':
        await dev.writev(
          op.pos,
          op.lengths.map((n, i) => bytes(n, op.seed + i)),
        );
        return 'ok';
      case 'discard':
        await dev.discard?.(op.pos, op.length);
        return 'ok';
      case 'flush':
        await dev.flush();
        return 'ok';
    }
  } catch (err) {
    return (err as { code?: string }).code ?? 'no code';
  }
}

async function openPair(options: FileDeviceOptions): Promise<[FileDevice, MemoryBlockDevice]> {
  const dev = await FileDevice.open(tmp.path('model.img'), { create: true, size: SIZE, ...options });
  return [dev, new MemoryBlockDevice({ size: SIZE })];
}

async function expectSameContents(dev: FileDevice, ref: MemoryBlockDevice): Promise<void> {
  await dev.close();
  expect(digest([await readFile(dev.path)])).toEqual(digest([ref.bytes]));
}

const setups: [string, FileDeviceOptions][] = [
  ['defaults', {}],
  ['async only, queueDepth 1', { syncMaxBytes: 0, queueDepth: 1 }],
  ['async only, queueDepth 3, small merges', { syncMaxBytes: 0, queueDepth: 3, maxMergeBytes: 8192 }],
  ['sync for everything', { syncMaxBytes: Infinity }],
];

describe.each(setups)('FileDevice matches MemoryBlockDevice (%s)', (_name, options) => {
  it('for a random sequence of operations, one at a time', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 40 }), async (ops) => {
        const [dev, ref] = await openPair(options);
        for (const op of ops) expect(await apply(dev, op)).toEqual(await apply(ref, op));
        await expectSameContents(dev, ref);
      }),
      { numRuns: 50, seed: 20240611 },
    );
  });

  it('for random batches of concurrent operations (overlaps take effect in submission order)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(opArb, { minLength: 1, maxLength: 12 }), { maxLength: 8 }),
        async (batches) => {
          const [dev, ref] = await openPair(options);
          for (const batch of batches) {
            const ours = await Promise.all(batch.map((op) => apply(dev, op)));
            const theirs: (string | string[])[] = [];
            for (const op of batch) theirs.push(await apply(ref, op));
            expect(ours).toEqual(theirs);
          }
          await expectSameContents(dev, ref);
        },
      ),
      { numRuns: 50, seed: 20240612 },
    );
  });
});
