// getfattr's text, both ways: how getfattr(1) quotes paths and names and
// encodes values (`-e text|hex|base64`, or its automatic choice), and how
// setfattr(1) decodes a value it is given (`-v`, or a `--restore` dump).
// Strings here are latin1: one char per byte, so every byte survives.
//
// Paths and names: a backslash, newline and carriage return (and '=' in a
// name, which ends the name in a dump) become a backslash and three octal
// digits; every other byte is raw:
//
//   user.a=b\c  ->  user.a\075b\134c
//
// Values (attr 2.5's rules, checked against it in the tests):
//   text    "..." with one final NUL dropped; NUL, newline and CR as \ooo,
//           backslash and double quote escaped with a backslash; other bytes raw.
//   hex     0x and two lowercase digits a byte.
//   base64  0s and standard base64 with padding.
//   auto    text when "well enough printable": one final NUL aside, at most
//           one byte in eight outside printable ASCII (0x20..0x7e); else base64.
// An empty value is "" (text), 0x (hex) or 0s (base64).

/** An encoding getfattr's `-e` names. */
export type ValueEncoding = 'text' | 'hex' | 'base64';

/** The encodings `-e` accepts, in --help order. */
export const VALUE_ENCODINGS: readonly ValueEncoding[] = ['text', 'hex', 'base64'];

const OCTAL_ESCAPE = /\\([0-3][0-7]{2})/g;

/** Bytes as a latin1 string (one char per byte). */
export function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
}

/** getfattr's quoting: a backslash and each of `chars` as `\ooo` (latin1 in, latin1 out). */
function quote(text: string, chars: string): string {
  let out = '';
  for (const c of text) out += c === '\\' || chars.includes(c) ? `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}` : c;
  return out;
}

/** A path as getfattr prints it after "# file: " (latin1). */
export function quotePath(path: string): string {
  return quote(path, '\n\r');
}

/** An attribute name as getfattr prints it, given as a string (its UTF-8 bytes are quoted; latin1 out). */
export function quoteName(name: string): string {
  return quote(Buffer.from(name, 'utf8').toString('latin1'), '=\n\r');
}

/** getfattr's quoting undone: `\ooo` back to the byte (latin1 in, latin1 out). */
export function unquote(text: string): string {
  return text.replace(OCTAL_ESCAPE, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

const isPrintable = (b: number): boolean => b >= 0x20 && b <= 0x7e;

/** The encoding getfattr chooses without `-e`: text when at most one byte in eight (a final NUL aside) is not printable. */
export function autoEncoding(value: Uint8Array): 'text' | 'base64' {
  const size = value.length > 0 && value[value.length - 1] === 0 ? value.length - 1 : value.length;
  let unprintable = 0;
  for (let i = 0; i < size; i++) if (!isPrintable(value[i] as number)) unprintable++;
  return size >= unprintable * 8 ? 'text' : 'base64';
}

/** The text encoding's body: escapes for NUL, newline, CR, backslash and double quote. */
function textBody(value: Uint8Array): string {
  const size = value.length > 0 && value[value.length - 1] === 0 ? value.length - 1 : value.length;
  let out = '';
  for (let i = 0; i < size; i++) {
    const b = value[i] as number;
    if (b === 0 || b === 0x0a || b === 0x0d) out += `\\${b.toString(8).padStart(3, '0')}`;
    else if (b === 0x5c || b === 0x22) out += `\\${String.fromCharCode(b)}`;
    else out += String.fromCharCode(b);
  }
  return out;
}

/**
 * A value as getfattr prints it after "name=" (latin1), in `encoding` or,
 * when undefined, in the one getfattr would choose.
 *
 * @example
 * ```ts
 * encodeValue(new TextEncoder().encode('hello\0'), undefined); // '"hello"'
 * encodeValue(Uint8Array.of(0, 255), 'hex');                 // '0x00ff'
 * ```
 */
export function encodeValue(value: Uint8Array, encoding: ValueEncoding | undefined): string {
  switch (encoding ?? autoEncoding(value)) {
    case 'text':
      return `"${textBody(value)}"`;
    case 'hex':
      return `0x${Buffer.from(value).toString('hex')}`;
    case 'base64':
      return `0s${Buffer.from(value).toString('base64')}`;
  }
}

/** Why a value could not be decoded (the caller names the value). */
export class ValueSyntaxError extends Error {
  override readonly name = 'ValueSyntaxError';
}

/** C's isspace in the C locale. */
const isSpace = (c: string | undefined): boolean => c !== undefined && ' \t\n\v\f\r'.includes(c);

/** `0x...`: hex digit pairs; whitespace anywhere between digits is skipped. */
function decodeHex(digits: string): Uint8Array {
  const clean = [...digits].filter((c) => !isSpace(c)).join('');
  if (clean.length % 2 !== 0) throw new ValueSyntaxError('an odd number of hex digits');
  if (!/^[0-9a-fA-F]*$/.test(clean)) throw new ValueSyntaxError('a character that is not a hex digit');
  return new Uint8Array(Buffer.from(clean, 'hex'));
}

const BASE64_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * `0s...`: groups of four base64 characters, whitespace allowed between
 * groups (not inside one); a group with padding ends the data (only "===="
 * groups may follow), and the bits padding drops must be zero.
 */
function decodeBase64(text: string): Uint8Array {
  const out: number[] = [];
  let ended = false;
  let i = 0;
  const digit = (c: string): number => {
    const d = BASE64_DIGITS.indexOf(c);
    if (d < 0) throw new ValueSyntaxError(`${JSON.stringify(c)} in a base64 group`);
    return d;
  };
  for (;;) {
    while (isSpace(text[i])) i++;
    if (i === text.length) break;
    const group = text.slice(i, i + 4);
    i += 4;
    if (group.length < 4) throw new ValueSyntaxError('base64 not in groups of four characters');
    if (group === '====') {
      ended = true;
      continue;
    }
    if (ended) throw new ValueSyntaxError('base64 after the padding that ends it');
    const [c0, c1, c2, c3] = group as unknown as [string, string, string, string];
    const d0 = digit(c0);
    const d1 = digit(c1);
    if (c2 === '=') {
      if (c3 !== '=' || (d1 & 0x0f) !== 0) throw new ValueSyntaxError(`bad base64 padding in ${JSON.stringify(group)}`);
      out.push((d0 << 2) | (d1 >> 4));
      ended = true;
      continue;
    }
    const d2 = digit(c2);
    if (c3 === '=') {
      if ((d2 & 0x03) !== 0) throw new ValueSyntaxError(`bad base64 padding in ${JSON.stringify(group)}`);
      out.push((d0 << 2) | (d1 >> 4), ((d1 & 0x0f) << 4) | (d2 >> 2));
      ended = true;
      continue;
    }
    const d3 = digit(c3);
    out.push((d0 << 2) | (d1 >> 4), ((d1 & 0x0f) << 4) | (d2 >> 2), ((d2 & 0x03) << 6) | d3);
  }
  return Uint8Array.from(out);
}

const isOctal = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '7';

/**
 * Anything else: the bytes themselves, without the double quotes when the
 * value both starts and ends with one, and with the escapes `\\`, `\"` and
 * `\o`..`\ooo` (octal, the byte is the number mod 256) replaced; a backslash
 * before anything else stays. As in setfattr, an escape may take the closing
 * quote (`"a\"` is `a"`).
 */
function decodeText(text: string): Uint8Array {
  const quoted = text.length >= 2 && text.startsWith('"') && text.endsWith('"');
  const end = quoted ? text.length - 1 : text.length;
  const out: number[] = [];
  let i = quoted ? 1 : 0;
  while (i < end) {
    const c = text[i] as string;
    const next = text[i + 1];
    if (c === '\\' && (next === '\\' || next === '"')) {
      out.push(next.charCodeAt(0));
      i += 2;
    } else if (c === '\\' && isOctal(next)) {
      let n = 0;
      let digits = 0;
      for (i++; digits < 3 && isOctal(text[i]); i++, digits++) n = n * 8 + Number(text[i]);
      out.push(n & 0xff);
    } else {
      out.push(c.charCodeAt(0));
      i++;
    }
  }
  return Uint8Array.from(out);
}

/**
 * A value as setfattr takes it (latin1 in): `0x`/`0X` hex, `0s`/`0S` base64,
 * otherwise text (see decodeText). ValueSyntaxError saying what is wrong.
 * Unlike attr 2.5.1's setfattr, which silently sets nothing for a bare `0s`,
 * an empty base64 value is an empty value.
 *
 * @example
 * ```ts
 * decodeValue('0x6869');     // 'hi'
 * decodeValue('"a\\012b"');  // 'a\nb'
 * ```
 */
export function decodeValue(text: string): Uint8Array {
  const prefix = text.slice(0, 2);
  if (prefix === '0x' || prefix === '0X') return decodeHex(text.slice(2));
  if (prefix === '0s' || prefix === '0S') return decodeBase64(text.slice(2));
  return decodeText(text);
}
