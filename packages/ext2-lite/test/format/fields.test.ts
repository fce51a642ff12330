import { describe, expect, it } from 'vitest';
import { checkFieldValue, fieldSize, readFields, requireLength, writeFields, bytes, s16, s32, u8, u16, u32, u32s, u64 } from '../../src/format/fields.js';
import { expectFsError } from './helpers.js';

const T = {
  a: u8(0, 'x_a'),
  b: u16(1, 'x_b'),
  c: s16(3, 'x_c'),
  d: u32(5, 'x_d'),
  e: s32(9, 'x_e'),
  f: u64(13, 'x_f'),
  g: bytes(21, 3, 'x_g'),
  h: u32s(24, 2, 'x_h'),
} as const;

describe('field tables', () => {
  it('reads and writes little-endian values of every kind at their offsets', () => {
    const buf = new Uint8Array(40).fill(0xee);
    const values = { a: 0xfe, b: 0x1234, c: -2, d: 0xdeadbeef, e: -5, f: 2n ** 63n + 1n, g: new Uint8Array([1, 2, 3]), h: [7, 0xffffffff] };
    writeFields(T, values, buf);
    expect(Array.from(buf.subarray(0, 5))).toEqual([0xfe, 0x34, 0x12, 0xfe, 0xff]);
    expect(readFields(T, buf)).toEqual(values);
    expect(buf[32]).toBe(0xee);
    expect(Object.values(T).map(fieldSize)).toEqual([1, 2, 2, 4, 4, 8, 3, 8]);
  });

  it('reads from a subarray at its own offset, and at a base offset', () => {
    const outer = new Uint8Array(64);
    writeFields(T, { d: 42 }, outer, 10);
    expect(readFields(T, outer.subarray(10)).d).toBe(42);
    expect(readFields(T, outer, 10).d).toBe(42);
  });

  it('skips undefined values and leaves unchanged fields untouched', () => {
    const buf = new Uint8Array(40).fill(0x11);
    writeFields(T, { a: 0x11, b: undefined }, buf);
    expect(buf.every((x) => x === 0x11)).toBe(true);
  });

  it('rejects values that do not fit, naming the on-disk field', () => {
    expectFsError(() => checkFieldValue(T.a, 256), 'EINVAL', 'x_a');
    expectFsError(() => checkFieldValue(T.c, 40000), 'EINVAL', 'x_c');
    expectFsError(() => checkFieldValue(T.d, 1.5), 'EINVAL', 'x_d');
    expectFsError(() => checkFieldValue(T.f, 5), 'EINVAL', 'x_f');
    expectFsError(() => checkFieldValue(T.g, new Uint8Array(2)), 'EINVAL', 'x_g');
    expectFsError(() => checkFieldValue(T.h, [1]), 'EINVAL', 'x_h');
    expectFsError(() => checkFieldValue(T.h, [1, -1]), 'EINVAL', 'x_h');
    expectFsError(() => requireLength(new Uint8Array(3), 4, 'thing'), 'EINVAL', 'thing needs 4 bytes');
  });
});
