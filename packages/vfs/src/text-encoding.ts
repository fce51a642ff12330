// Turning bytes into strings with Node's encodings ('utf8', 'latin1',
// 'base64', 'hex', …), without Node's Buffer so the package runs in
// browsers. Each decoder reproduces Buffer#toString: UTF-8 replaces invalid
// sequences with U+FFFD and keeps a leading BOM; 'ascii' clears the high bit;
// 'utf16le' drops an odd last byte and keeps lone surrogates.
import { ArgumentTypeError } from './argument-errors.js';

/**
 * The encodings Node's Buffer knows (any letter case is accepted).
 *
 * @example
 * ```ts
 * const text = await fsp.readFile('/etc/hostname', 'utf8' satisfies BufferEncoding);
 * ```
 */
export type BufferEncoding =
  | 'ascii'
  | 'utf8'
  | 'utf-8'
  | 'utf16le'
  | 'utf-16le'
  | 'ucs2'
  | 'ucs-2'
  | 'base64'
  | 'base64url'
  | 'latin1'
  | 'binary'
  | 'hex';

/** The canonical name of each encoding. */
type CanonicalEncoding = 'utf8' | 'utf16le' | 'latin1' | 'ascii' | 'base64' | 'base64url' | 'hex';

const ALIASES: Readonly<Record<string, CanonicalEncoding>> = {
  utf8: 'utf8',
  'utf-8': 'utf8',
  utf16le: 'utf16le',
  'utf-16le': 'utf16le',
  ucs2: 'utf16le',
  'ucs-2': 'utf16le',
  latin1: 'latin1',
  binary: 'latin1',
  ascii: 'ascii',
  base64: 'base64',
  base64url: 'base64url',
  hex: 'hex',
};

/**
 * Validates an `encoding` option: `undefined`/`null` stay undefined,
 * `'buffer'` means bytes, anything else must be a Buffer encoding
 * (`ERR_INVALID_ARG_VALUE` otherwise).
 *
 * @example
 * ```ts
 * checkEncoding('UTF8'); // 'utf8'
 * ```
 */
export function checkEncoding(encoding: unknown): CanonicalEncoding | 'buffer' | undefined {
  if (encoding === undefined || encoding === null || encoding === 'buffer') return encoding ?? undefined;
  const canonical = typeof encoding === 'string' ? ALIASES[encoding.toLowerCase()] : undefined;
  if (canonical === undefined) {
    throw new ArgumentTypeError(
      'ERR_INVALID_ARG_VALUE',
      `The argument 'encoding' is invalid encoding. Received ${typeof encoding === 'string' ? `'${encoding}'` : String(encoding)}`,
    );
  }
  return canonical;
}

const utf8Decoder = new TextDecoder('utf-8', { ignoreBOM: true });
const CHUNK = 0x2000;

/** Builds a string from 16-bit code units without a huge argument list. */
function fromCodeUnits(count: number, unitAt: (i: number) => number): string {
  let out = '';
  const units = new Array<number>(Math.min(count, CHUNK));
  for (let start = 0; start < count; start += CHUNK) {
    const end = Math.min(count, start + CHUNK);
    units.length = end - start;
    for (let i = start; i < end; i++) units[i - start] = unitAt(i);
    out += String.fromCharCode(...units);
  }
  return out;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function encodeBase64(bytes: Uint8Array, alphabet: string, pad: boolean): string {
  const parts: string[] = [];
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    parts.push(alphabet[n >>> 18]! + alphabet[(n >>> 12) & 63]! + alphabet[(n >>> 6) & 63]! + alphabet[n & 63]!);
  }
  const rest = bytes.length - i;
  if (rest > 0) {
    const n = (bytes[i]! << 16) | (rest === 2 ? bytes[i + 1]! << 8 : 0);
    let tail = alphabet[n >>> 18]! + alphabet[(n >>> 12) & 63]!;
    if (rest === 2) tail += alphabet[(n >>> 6) & 63]!;
    if (pad) tail += rest === 1 ? '==' : '=';
    parts.push(tail);
  }
  return parts.join('');
}

/**
 * Decodes bytes to a string in a Buffer encoding, exactly as Node's
 * `Buffer#toString(encoding)` does.
 *
 * @example
 * ```ts
 * decodeBytes(new Uint8Array([104, 105]), 'hex'); // '6869'
 * ```
 */
export function decodeBytes(bytes: Uint8Array, encoding: BufferEncoding | CanonicalEncoding): string {
  switch (checkEncoding(encoding)) {
    case 'latin1':
      return fromCodeUnits(bytes.length, (i) => bytes[i]!);
    case 'ascii':
      return fromCodeUnits(bytes.length, (i) => bytes[i]! & 0x7f);
    case 'utf16le':
      return fromCodeUnits(bytes.length >>> 1, (i) => bytes[2 * i]! | (bytes[2 * i + 1]! << 8));
    case 'hex': {
      const parts = new Array<string>(bytes.length);
      for (let i = 0; i < bytes.length; i++) parts[i] = HEX[bytes[i]!]!;
      return parts.join('');
    }
    case 'base64':
      return encodeBase64(bytes, BASE64, true);
    case 'base64url':
      return encodeBase64(bytes, BASE64URL, false);
    default:
      return utf8Decoder.decode(bytes);
  }
}

const BASE64_VALUES: ReadonlyMap<string, number> = new Map([
  ...[...BASE64].map((c, i) => [c, i] as const),
  ['-', 62],
  ['_', 63],
]);

function decodeHex(text: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i + 1 < text.length; i += 2) {
    const pair = text.slice(i, i + 2);
    if (!/^[0-9a-fA-F]{2}$/.test(pair)) break; // Buffer.from stops at the first pair that is not hex
    out.push(Number.parseInt(pair, 16));
  }
  return Uint8Array.from(out);
}

function decodeBase64(text: string): Uint8Array {
  const values: number[] = [];
  for (const c of text) {
    if (c === '=') break;
    const value = BASE64_VALUES.get(c);
    if (value !== undefined) values.push(value); // whitespace and other characters are skipped, as by Buffer.from
  }
  const out = new Uint8Array(Math.floor((values.length * 6) / 8));
  let bits = 0;
  let acc = 0;
  let at = 0;
  for (const value of values) {
    acc = (acc << 6) | value;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

const utf8Encoder = new TextEncoder();

/**
 * Encodes a string to bytes in a Buffer encoding, as Node's
 * `Buffer.from(text, encoding)` does (so writeFile writes the same bytes).
 *
 * @example
 * ```ts
 * encodeText('6869', 'hex'); // Uint8Array [0x68, 0x69]
 * ```
 */
export function encodeText(text: string, encoding: BufferEncoding | CanonicalEncoding | undefined): Uint8Array {
  switch (encoding === undefined ? 'utf8' : checkEncoding(encoding)) {
    case 'latin1':
    case 'ascii': {
      const out = new Uint8Array(text.length);
      for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
      return out;
    }
    case 'utf16le': {
      const out = new Uint8Array(text.length * 2);
      for (let i = 0; i < text.length; i++) {
        const unit = text.charCodeAt(i);
        out[2 * i] = unit & 0xff;
        out[2 * i + 1] = unit >>> 8;
      }
      return out;
    }
    case 'hex':
      return decodeHex(text);
    case 'base64':
    case 'base64url':
      return decodeBase64(text);
    default:
      return utf8Encoder.encode(text);
  }
}
