// Bytes to text without Buffer: every decoder must equal Node's
// Buffer#toString for any bytes; the streaming decoder and line splitter must
// not depend on where reads split the data; posix-path helpers equal node:path.
import { posix } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBytes, type BufferEncoding } from '../src/index.js';
import { splitLines, streamDecoder } from '../src/line-splitter.js';
import { joinPath, normalizePath } from '../src/posix-path.js';
import { checkEncoding } from '../src/text-encoding.js';

const ENCODINGS: BufferEncoding[] = ['utf8', 'utf-8', 'utf16le', 'ucs2', 'latin1', 'binary', 'ascii', 'hex', 'base64', 'base64url'];

describe('decodeBytes', () => {
  it.each(ENCODINGS)('equals Buffer#toString(%s) for any bytes', (encoding) => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(decodeBytes(bytes, encoding)).toBe(Buffer.from(bytes).toString(encoding));
      }),
      { numRuns: 500 },
    );
  });

  it('keeps a UTF-8 BOM and decodes large inputs', () => {
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, 0x61]);
    expect(decodeBytes(bom, 'utf8')).toBe(Buffer.from(bom).toString());
    const big = new Uint8Array(100_000).fill(0xe9);
    expect(decodeBytes(big, 'latin1')).toBe(Buffer.from(big).toString('latin1'));
  });

  it('rejects unknown encodings like Node', () => {
    expect(checkEncoding('UTF8')).toBe('utf8');
    expect(() => checkEncoding('nope')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
  });
});

async function collect(iterable: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** Splits bytes at the given cut points. */
function chunksOf(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    chunks.push(bytes.subarray(start, point));
    start = point;
  }
  return chunks;
}

describe('readLines building blocks', () => {
  it('decode the same text however the bytes are split', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), fc.array(fc.nat(), { maxLength: 6 }), (text, cuts) => {
        for (const encoding of ['utf8', 'utf16le', 'latin1'] as const) {
          const bytes = new Uint8Array(Buffer.from(text, encoding));
          const decode = streamDecoder(encoding);
          const parts = chunksOf(bytes, cuts).map((chunk) => decode(chunk, false));
          parts.push(decode(new Uint8Array(0), true));
          expect(parts.join('')).toBe(Buffer.from(bytes).toString(encoding));
        }
      }),
    );
  });

  it('split lines like readline however the text is split', async () => {
    const textArb = fc.array(fc.constantFrom('a', 'b', '\n', '\r', '\r\n', 'é'), { maxLength: 20 }).map((p) => p.join(''));
    await fc.assert(
      fc.asyncProperty(textArb, fc.array(fc.nat(), { maxLength: 5 }), async (text, cuts) => {
        const expected = text.split(/\r\n|\n|\r/);
        if (expected[expected.length - 1] === '') expected.pop();
        const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
        const pieces = [...points, text.length].map((end, i, all) => text.slice(i === 0 ? 0 : all[i - 1], end));
        const lines = await collect(splitLines((async function* () { yield* pieces; })()));
        expect(lines).toEqual(expected);
      }),
    );
  });
});

describe('posix path helpers', () => {
  const pathArb = fc.array(fc.constantFrom('a', 'bc', '.', '..', '', '/'), { maxLength: 8 }).map((p) => p.join('/'));

  it('normalize and join like node:path.posix', () => {
    fc.assert(
      fc.property(pathArb, pathArb, (a, b) => {
        expect(normalizePath(a)).toBe(posix.normalize(a));
        expect(joinPath(a, b)).toBe(posix.join(a, b));
      }),
      { numRuns: 2000 },
    );
  });
});
