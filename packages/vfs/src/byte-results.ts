// What byte results (readFile without encoding, readdir/readlink/realpath
// with encoding 'buffer') are returned as. Node returns Buffers, and code
// written for node:fs calls Buffer methods on them (`data.toString('utf8')`);
// a plain Uint8Array would answer "104,105" there without an error. So where
// the platform has a global Buffer (Node, Bun, Deno, bundler polyfills), the
// default wraps results in a Buffer view of the same memory (no copy); in a
// browser without one, results stay Uint8Array. Nothing is imported from
// node:*; the lookup is a feature test.

/**
 * Turns a result's bytes into the type handed to the caller.
 *
 * @example
 * ```ts
 * const asIs: WrapBytes = (bytes) => bytes; // always plain Uint8Array
 * ```
 */
export type WrapBytes = (bytes: Uint8Array) => Uint8Array;

interface BufferLike {
  from(buffer: ArrayBufferLike, byteOffset: number, length: number): Uint8Array;
}

/**
 * The default {@link WrapBytes}: a view as the global `Buffer` when there is
 * one, else the bytes unchanged.
 *
 * @example
 * ```ts
 * const wrap = platformWrapBytes();
 * wrap(new Uint8Array([104, 105])).toString(); // 'hi' in Node
 * ```
 */
export function platformWrapBytes(): WrapBytes {
  const buffer = (globalThis as { Buffer?: Partial<BufferLike> }).Buffer;
  if (typeof buffer?.from !== 'function') return (bytes) => bytes;
  const from = buffer.from.bind(buffer) as BufferLike['from'];
  return (bytes) => from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
