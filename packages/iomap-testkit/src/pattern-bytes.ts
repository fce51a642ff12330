// Test data every filesystem test needs: reproducible bytes that are never
// zero (so written data cannot be mistaken for a hole or a zeroed block), and
// a byte comparison that stays fast on large arrays.

/**
 * `length` bytes from a xorshift32 sequence seeded by `seed`; the same seed
 * always gives the same bytes, and no byte is 0.
 *
 * @example
 * ```ts
 * const data = patternBytes(8192, 7);
 * await fs.write(0, data);
 * ```
 */
export function patternBytes(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff || 1;
  }
  return out;
}

/**
 * Whether two byte arrays are equal. Use it instead of a deep-equality
 * matcher on large arrays, which walks (and prints) element by element.
 *
 * @example
 * ```ts
 * expect(sameBytes(await readBack(), patternBytes(8192, 7))).toBe(true);
 * ```
 */
export function sameBytes(actual: Uint8Array, expected: Uint8Array): boolean {
  if (actual.length !== expected.length) return false;
  for (let i = 0; i < actual.length; i++) if (actual[i] !== expected[i]) return false;
  return true;
}
