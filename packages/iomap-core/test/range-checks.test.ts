// checkOffset / checkRange: offsets are numbers exact up to 2^53 - 1, and
// anything else is EINVAL (DESIGN.md, Conventions: Offsets).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkOffset, checkRange, isFsError } from '../src/index.js';

const MAX = Number.MAX_SAFE_INTEGER;

/** Every number an offset must not be. */
const INVALID_NUMBERS: ReadonlyArray<[string, number]> = [
  ['-1', -1],
  ['-4096', -4096],
  ['MIN_SAFE_INTEGER', Number.MIN_SAFE_INTEGER],
  ['0.5', 0.5],
  ['1.5', 1.5],
  ['4096.000001', 4096.000001],
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['-Infinity', Number.NEGATIVE_INFINITY],
  ['2^53', 2 ** 53],
  ['2^53 + 2', 2 ** 53 + 2],
  ['2^64', 2 ** 64],
  ['MAX_VALUE', Number.MAX_VALUE],
  ['EPSILON', Number.EPSILON],
];

/** Calls `fn` and returns the EINVAL it must throw. */
function expectEinval(fn: () => void, syscall: string): Error {
  try {
    fn();
  } catch (err) {
    expect(isFsError(err, 'EINVAL')).toBe(true);
    expect(err).toMatchObject({ code: 'EINVAL', errno: -22, syscall });
    return err as Error;
  }
  return expect.unreachable('expected EINVAL');
}

/** A non-negative safe integer range [pos, pos + length) ending at or before 2^53 - 1. */
const safeRange = fc
  .tuple(fc.integer({ min: 0, max: MAX }), fc.integer({ min: 0, max: MAX }))
  .map(([a, b]) => {
    const pos = Math.min(a, b);
    return { pos, length: Math.max(a, b) - pos };
  });

/** Any number that is not a non-negative safe integer (including subnormals, -0 excluded). */
const notAnOffset = fc
  .oneof(
    fc.double(),
    fc.integer({ min: Number.MIN_SAFE_INTEGER, max: -1 }),
    fc.double({ min: 2 ** 53, noNaN: true }),
    fc.constantFrom(Number.NaN, Infinity, -Infinity, 2 ** 53, -1, 0.5),
  )
  .filter((n) => !(Number.isSafeInteger(n) && n >= 0));

describe('checkOffset', () => {
  it.each(INVALID_NUMBERS)('rejects %s with EINVAL', (_label, value) => {
    expectEinval(() => checkOffset(value, 'pos', 'fiemap'), 'fiemap');
  });

  it('names the argument, the allowed range and the bad value in the message', () => {
    const err = expectEinval(() => checkOffset(-1, 'pos', 'fiemap'), 'fiemap');
    expect(err.message).toBe('EINVAL: pos must be an integer from 0 to 2^53-1, got -1, fiemap');
    expect(expectEinval(() => checkOffset(Number.NaN, 'len', 'seek'), 'seek').message).toContain('got NaN');
  });

  it.each([0, 1, 511, 4096, 2 ** 32, 2 ** 53 - 2, MAX])('accepts %d', (value) => {
    expect(() => checkOffset(value, 'pos', 'read')).not.toThrow();
  });

  it('accepts -0 as offset zero', () => {
    expect(() => checkOffset(-0, 'pos', 'read')).not.toThrow();
  });

  it('rejects any number that is not a non-negative safe integer (property)', () => {
    fc.assert(
      fc.property(notAnOffset, (value) => {
        expectEinval(() => checkOffset(value, 'pos', 'read'), 'read');
      }),
    );
  });

  it('accepts every non-negative safe integer (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX }), (value) => {
        checkOffset(value, 'pos', 'read');
      }),
    );
  });
});

describe('checkRange', () => {
  it.each(INVALID_NUMBERS)('rejects position %s with EINVAL', (_label, pos) => {
    const err = expectEinval(() => checkRange(pos, 4096, 'read'), 'read');
    expect(err.message).toContain('position');
  });

  it.each(INVALID_NUMBERS)('rejects length %s with EINVAL', (_label, length) => {
    const err = expectEinval(() => checkRange(0, length, 'write'), 'write');
    expect(err.message).toContain('length');
  });

  it('rejects a range whose end passes 2^53 - 1 by one byte', () => {
    const err = expectEinval(() => checkRange(MAX, 1, 'write'), 'write');
    expect(err.message).toContain('beyond 2^53-1');
  });

  it('rejects a range whose end overflows even though both halves are safe', () => {
    expectEinval(() => checkRange(MAX, MAX, 'write'), 'write');
    expectEinval(() => checkRange(2 ** 52, 2 ** 52, 'write'), 'write');
    expectEinval(() => checkRange(1, MAX, 'write'), 'write');
    // An exact sum of 2^53 + 1 rounds to 2^53 in floating point; still rejected.
    expectEinval(() => checkRange(2 ** 52 + 1, 2 ** 52, 'write'), 'write');
  });

  it('accepts ranges that end exactly at 2^53 - 1', () => {
    expect(() => checkRange(0, MAX, 'read')).not.toThrow();
    expect(() => checkRange(MAX - 1, 1, 'read')).not.toThrow();
    expect(() => checkRange(MAX, 0, 'read')).not.toThrow();
    expect(() => checkRange(2 ** 52, 2 ** 52 - 1, 'read')).not.toThrow();
  });

  it('accepts ordinary ranges', () => {
    expect(() => checkRange(0, 1, 'read')).not.toThrow();
    expect(() => checkRange(4096, 4096, 'read')).not.toThrow();
    expect(() => checkRange(2 ** 40, 2 ** 20, 'read')).not.toThrow();
  });

  it('accepts an empty range by default', () => {
    expect(() => checkRange(0, 0, 'read')).not.toThrow();
    expect(() => checkRange(12345, 0, 'read')).not.toThrow();
  });

  it('accepts an empty range when allowEmpty is true', () => {
    expect(() => checkRange(4096, 0, 'read', true)).not.toThrow();
  });

  it('rejects an empty range with EINVAL when allowEmpty is false', () => {
    const err = expectEinval(() => checkRange(4096, 0, 'fiemap', false), 'fiemap');
    expect(err.message).toBe('EINVAL: length must be greater than 0, fiemap');
  });

  it('accepts a non-empty range when allowEmpty is false', () => {
    expect(() => checkRange(4096, 1, 'fiemap', false)).not.toThrow();
    expect(() => checkRange(0, MAX, 'fiemap', false)).not.toThrow();
  });

  it('still rejects bad numbers before the empty-range rule', () => {
    const err = expectEinval(() => checkRange(-1, 0, 'fiemap', false), 'fiemap');
    expect(err.message).toContain('position');
  });

  it('reports the syscall it was given', () => {
    expectEinval(() => checkRange(-1, 1, 'swapfileActivate'), 'swapfileActivate');
    expectEinval(() => checkRange(MAX, 2, 'seekData'), 'seekData');
  });

  it('accepts every range of safe integers that ends by 2^53 - 1 (property)', () => {
    fc.assert(
      fc.property(safeRange, fc.boolean(), ({ pos, length }, allowEmpty) => {
        fc.pre(allowEmpty || length > 0);
        checkRange(pos, length, 'read', allowEmpty);
      }),
    );
  });

  it('rejects every range of safe integers that ends past 2^53 - 1 (property)', () => {
    const overflowing = fc
      .tuple(fc.integer({ min: 1, max: MAX }), fc.integer({ min: 1, max: MAX }))
      .filter(([pos, length]) => BigInt(pos) + BigInt(length) > BigInt(MAX));
    fc.assert(
      fc.property(overflowing, ([pos, length]) => {
        expectEinval(() => checkRange(pos, length, 'write'), 'write');
      }),
    );
  });

  it('rejects any non-safe-integer position or length (property)', () => {
    fc.assert(
      fc.property(notAnOffset, fc.integer({ min: 0, max: 2 ** 40 }), fc.boolean(), (bad, good, badIsPos) => {
        const [pos, length] = badIsPos ? [bad, good] : [good, bad];
        expectEinval(() => checkRange(pos, length, 'read'), 'read');
      }),
    );
  });
});
