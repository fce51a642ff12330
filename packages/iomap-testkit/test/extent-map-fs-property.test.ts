// Property: whatever the configuration and the sequence of changes, every
// mapping ExtentMapFs returns satisfies core's rules, the mappings tile the
// file, they respect the configured size limit and boundaries, reads through
// the mappings agree with readRaw and with a plain model, and the block
// accounting stays consistent.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FsError, IomapFlags, IomapOp, IomapType } from '@iomap/core';
import { ExtentMapFs, referenceRead, referenceWrite, referenceZeroRange, type ExtentMapFsOptions } from '../src/index.js';
import { pattern, sameBytes, walk } from './helpers.js';

const BS = 512;
const MAX = 24 * BS;

const configArb: fc.Arbitrary<ExtentMapFsOptions> = fc.record({
  blockSize: fc.constant(BS),
  deviceSize: fc.constant(256 * BS),
  maxMappingLength: fc.constantFrom(BS, 3 * BS, 8 * BS, Infinity),
  allocation: fc.constantFrom('contiguous', 'fragmented', 'reverse', 'random'),
  seed: fc.nat(1000),
  delalloc: fc.boolean(),
  writeAllocation: fc.constantFrom('mapped', 'unwritten'),
  inlineCapacity: fc.constantFrom(0, 0, 300),
  boundaryEvery: fc.constantFrom(0, 4),
  mergedFlag: fc.boolean(),
  poison: fc.constantFrom(undefined, 0xcc),
});

type Change =
  | { kind: 'write'; pos: number; length: number; direct: boolean }
  | { kind: 'truncate'; size: number }
  | { kind: 'punch'; pos: number; length: number }
  | { kind: 'zero'; pos: number; length: number }
  | { kind: 'fallocate'; pos: number; length: number }
  | { kind: 'writeback' }
  | { kind: 'reflink'; blocks: number }
  | { kind: 'packTail' };

const posArb = fc.nat(MAX - 1);
const lenArb = fc.integer({ min: 1, max: 6 * BS });
const changeArb: fc.Arbitrary<Change> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('write' as const), pos: posArb, length: lenArb, direct: fc.boolean() }) },
  fc.record({ kind: fc.constant('truncate' as const), size: fc.nat(MAX) }),
  fc.record({ kind: fc.constant('punch' as const), pos: posArb, length: lenArb }),
  fc.record({ kind: fc.constant('zero' as const), pos: posArb, length: lenArb }),
  fc.record({ kind: fc.constant('fallocate' as const), pos: posArb, length: lenArb }),
  fc.constant({ kind: 'writeback' as const }),
  fc.record({ kind: fc.constant('reflink' as const), blocks: fc.integer({ min: 1, max: 8 }) }),
  fc.constant({ kind: 'packTail' as const }),
);

async function apply(fs: ExtentMapFs, change: Change, model: { bytes: Uint8Array; size: number }, n: number) {
  const file = fs.lookup('f')!;
  const other = fs.lookup('g')!;
  const zero = (pos: number, length: number) => model.bytes.fill(0, pos, Math.min(pos + length, model.size));
  switch (change.kind) {
    case 'write': {
      const { pos, length } = change.direct
        ? { pos: change.pos - (change.pos % BS), length: Math.ceil(change.length / BS) * BS }
        : change;
      const data = pattern(length, n);
      if (pos + length > MAX) return;
      if ((await referenceWrite(fs, file, pos, data, { direct: change.direct }).catch(() => -1)) !== length) return;
      model.bytes.set(data, pos);
      model.size = Math.max(model.size, pos + length);
      return;
    }
    case 'truncate':
      await fs.truncate(file, change.size);
      model.bytes.fill(0, Math.min(change.size, model.size));
      model.size = change.size;
      return;
    case 'punch':
      await fs.punchHole(file, change.pos, change.length);
      return zero(change.pos, change.length);
    case 'zero':
      await referenceZeroRange(fs, file, change.pos, change.length);
      return zero(change.pos, change.length);
    case 'fallocate':
      if (change.pos + change.length > MAX) return;
      await fs.fallocate(file, change.pos, change.length, { keepSize: true });
      return;
    case 'writeback':
      if (model.size > 0 && fs.extents(file).every((e) => e.type !== IomapType.Inline)) await fs.writebackMap(file, 0, model.size);
      return;
    case 'reflink':
      // Inline files and delalloc sources are refused with EINVAL by design.
      await fs.reflink(file, 0, other, 0, change.blocks * BS).catch((e: unknown) => {
        if (!(e instanceof FsError && e.code === 'EINVAL')) throw e;
      });
      return;
    case 'packTail':
      await fs.packTail(file).catch(() => undefined);
      return;
  }
}

async function checkMappings(fs: ExtentMapFs, options: ExtentMapFsOptions, size: number): Promise<void> {
  const file = fs.lookup('f')!;
  if (size === 0) return;
  const maps = await walk(fs, file, 0, size);
  let at = 0;
  for (const m of maps) {
    expect(m.offset).toBeLessThanOrEqual(at);
    at = m.offset + m.length;
    if (m.type === IomapType.Inline) continue;
    if (m.type !== IomapType.Hole) expect(m.length).toBeLessThanOrEqual(options.maxMappingLength ?? Infinity);
    if (m.type === IomapType.Mapped || m.type === IomapType.Unwritten) {
      expect(m.addr).toBeGreaterThanOrEqual(BS);
      expect(m.addr + m.length).toBeLessThanOrEqual(fs.device.size);
    }
    const b = options.boundaryEvery ?? 0;
    if (b > 0 && m.type !== IomapType.Hole) {
      expect(Math.floor(m.offset / BS / b)).toBe(Math.floor((m.offset + m.length - 1) / BS / b));
      expect((m.flags & IomapFlags.Boundary) !== 0).toBe((m.offset / BS) % b === 0);
    }
  }
  expect(at).toBeGreaterThanOrEqual(size);
}

describe('ExtentMapFs property', () => {
  it('keeps mappings valid, tiled, bounded and consistent with its contents', async () => {
    await fc.assert(
      fc.asyncProperty(configArb, fc.array(changeArb, { minLength: 1, maxLength: 25 }), async (options, changes) => {
        const fs = new ExtentMapFs(options);
        await fs.create('f');
        await fs.create('g');
        const model = { bytes: new Uint8Array(2 * MAX), size: 0 };
        for (const [n, change] of changes.entries()) {
          await apply(fs, change, model, n);
          fs.verify();
        }
        const file = fs.lookup('f')!;
        expect(file.size).toBe(model.size);
        await checkMappings(fs, options, model.size);
        const raw = await fs.readRaw(file, 0, MAX * 2);
        expect(sameBytes(raw, model.bytes.subarray(0, model.size))).toBe(true);
        expect(sameBytes(await referenceRead(fs, file, 0, MAX * 2), raw)).toBe(true);
        const report = await fs.iomapBegin(file, 0, 1, IomapOp.Report);
        expect(report.flags & IomapFlags.New).toBe(0);
      }),
      { numRuns: 150, seed: 20240601 },
    );
  });
});
