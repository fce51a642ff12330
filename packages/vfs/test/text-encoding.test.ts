// Bytes to text without Buffer: every decoder must equal Node's
// Buffer#toString for any bytes; the streaming decoder and line splitter must
// not depend on where reads split the data; posix-path helpers equal node:path.
import { posix } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBytes, encodeText, type BufferEncoding } from '../src/index.js';
import { splitLines, streamDecoder } from '../src/line-splitter.js';
import { dirnamePath, joinPath, normalizePath, resolvePathText } from '../src/posix-path.js';
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

describe('encodeText', () => {
  // Text made of the characters each decoder treats specially: hex digits, base64 letters, padding,
  // whitespace, lone surrogates, characters above U+00FF.
  const text = fc.string({
    unit: fc.constantFrom(...'0123456789abcdefABCDEFxyz+/-_= \n\u00e9\u0100\ud800\udc00\u{1f600}'.split('')),
    maxLength: 40,
  });

  it('gives the bytes Buffer.from(text, encoding) gives, for every encoding (property)', () => {
    fc.assert(
      fc.property(text, fc.constantFrom(...ENCODINGS), (value, encoding) => {
        // Node's base64 decoder stops or skips at UTF-16 surrogates depending on the string's length; not modelled.
        fc.pre(!encoding.startsWith('base64') || !/[\ud800-\udfff]/.test(value));
        expect([...encodeText(value, encoding)]).toEqual([...Buffer.from(value, encoding)]);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('dirnamePath and resolvePathText', () => {
  const path = fc.array(fc.constantFrom('', '/', '//', 'a', 'b', '.', '..', '/a', 'a/'), { maxLength: 6 }).map((parts) => parts.join(''));

  it('equal node:path posix dirname and resolve (property)', () => {
    fc.assert(
      fc.property(path, path, (a, b) => {
        expect(dirnamePath(a)).toBe(posix.dirname(a));
        expect(resolvePathText('/work/cwd', a, b)).toBe(posix.resolve('/work/cwd', a, b));
      }),
      { numRuns: 2000 },
    );
  });
});
