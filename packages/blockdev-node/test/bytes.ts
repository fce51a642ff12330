// Test data and byte comparisons. toEqual on large typed arrays is slow in
// vitest (element by element), so large comparisons use Buffer.compare and
// report the first differing offset.
import { expect } from 'vitest';

/** Bytes 0..n-1 of a repeating pattern that differs from zeros and from its neighbours. */
export function pattern(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed * 7 + 1) & 0xff || 1;
  return out;
}

/** Asserts `actual` and `expected` hold the same bytes; names the first difference. */
export function expectBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.length, 'length').toBe(expected.length);
  const a = Buffer.from(actual.buffer, actual.byteOffset, actual.length);
  const b = Buffer.from(expected.buffer, expected.byteOffset, expected.length);
  if (a.equals(b)) return;
  let i = 0;
  while (a[i] === b[i]) i++;
  expect(a[i], `byte ${i}`).toBe(b[i]);
}
