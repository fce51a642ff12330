// Where buffered writes copy from. A plain Uint8Array always copies fully;
// other sources (a user buffer that can fault, a stream) may copy less, and
// the write path handles those short copies (BUF-12, BUF-17).

/**
 * A source of bytes for {@link bufferedWrite}. `copyTo` copies up to
 * `length` bytes starting at `srcOffset` into `dest` at `destOffset` and
 * returns how many it copied (fewer = a short copy, like a user-memory fault;
 * 0 = nothing can be copied there, reported as `EFAULT`).
 *
 * @example
 * ```ts
 * const src: WriteSource = { length: data.length, copyTo: (dest, at, from, n) => { dest.set(data.subarray(from, from + n), at); return n; } };
 * ```
 */
export interface WriteSource {
  readonly length: number;
  copyTo(dest: Uint8Array, destOffset: number, srcOffset: number, length: number): number;
}

/**
 * Wraps a Uint8Array as a {@link WriteSource}; passes sources through.
 *
 * @example
 * ```ts
 * const src = toWriteSource(new Uint8Array([1, 2, 3]));
 * ```
 */
export function toWriteSource(data: Uint8Array | WriteSource): WriteSource {
  if (!(data instanceof Uint8Array)) return data;
  return {
    length: data.length,
    copyTo(dest, destOffset, srcOffset, length) {
      dest.set(data.subarray(srcOffset, srcOffset + length), destOffset);
      return length;
    },
  };
}
