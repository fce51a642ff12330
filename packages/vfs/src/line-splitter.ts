// Lines of a byte stream, as Node's readline gives them for a file: text is
// decoded chunk by chunk (never splitting a character), lines end at \n,
// \r\n or \r, and a last line without an ending is still a line.
import { decodeBytes, type BufferEncoding } from './text-encoding.js';

type Canonical = 'utf8' | 'utf16le' | 'latin1' | 'ascii' | 'base64' | 'base64url' | 'hex';

/** Bytes per unit an encoding must not split (UTF-8 is handled by TextDecoder's stream mode). */
const ALIGNMENT: Readonly<Record<Canonical, number>> = {
  utf8: 1,
  utf16le: 2,
  latin1: 1,
  ascii: 1,
  base64: 3,
  base64url: 3,
  hex: 1,
};

/**
 * Decodes a sequence of chunks into text, carrying partial characters from
 * one chunk to the next.
 *
 * @example
 * ```ts
 * const decode = streamDecoder('utf8');
 * decode(new Uint8Array([0xc3]), false) + decode(new Uint8Array([0xa9]), true); // 'é'
 * ```
 */
export function streamDecoder(encoding: Canonical): (chunk: Uint8Array, last: boolean) => string {
  if (encoding === 'utf8') {
    const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
    return (chunk, last) => decoder.decode(chunk, { stream: !last });
  }
  const unit = ALIGNMENT[encoding];
  let carry: Uint8Array = new Uint8Array(0);
  return (chunk, last) => {
    const bytes = carry.length === 0 ? chunk : concat(carry, chunk);
    const usable = last ? bytes.length : bytes.length - (bytes.length % unit);
    carry = bytes.slice(usable);
    return decodeBytes(bytes.subarray(0, usable), encoding as BufferEncoding);
  };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

const LF = 10;
const CR = 13;

/**
 * Splits text chunks into lines (without their endings). A `\r` at the end of
 * one chunk and a `\n` at the start of the next are one ending.
 *
 * @example
 * ```ts
 * for await (const line of splitLines(chunks)) console.log(line);
 * ```
 */
export async function* splitLines(chunks: AsyncIterable<string>): AsyncGenerator<string, void, undefined> {
  let pending = '';
  let afterCr = false;
  for await (const text of chunks) {
    if (text.length === 0) continue;
    pending += afterCr && text.charCodeAt(0) === LF ? text.slice(1) : text;
    afterCr = false;
    let start = 0;
    for (let i = 0; i < pending.length; i++) {
      const code = pending.charCodeAt(i);
      if (code !== LF && code !== CR) continue;
      yield pending.slice(start, i);
      if (code === CR) {
        if (i + 1 === pending.length) afterCr = true;
        else if (pending.charCodeAt(i + 1) === LF) i++;
      }
      start = i + 1;
    }
    pending = pending.slice(start);
  }
  if (pending.length > 0) yield pending;
}
