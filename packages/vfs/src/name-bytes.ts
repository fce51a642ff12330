// Names are bytes. On ext2 (and in Linux) a directory entry's name is any
// byte string without '/' or NUL, up to 255 bytes; it is not necessarily
// UTF-8. The contract therefore passes names as Uint8Array, and only the
// Node-facing adapter turns them into strings, the way Node does: UTF-8, with
// U+FFFD for bytes that are not valid UTF-8.

/**
 * Longest name of one path component, in bytes (Linux `NAME_MAX`).
 *
 * @example
 * ```ts
 * encodeName('é'.repeat(128)).length > NAME_MAX; // true: 256 bytes, ENAMETOOLONG
 * ```
 */
export const NAME_MAX = 255;

/**
 * Size of the longest path Linux accepts, in bytes, counting the terminating
 * NUL (Linux `PATH_MAX`): a path of 4096 or more bytes is `ENAMETOOLONG`.
 *
 * @example
 * ```ts
 * encodeName(path).length < PATH_MAX; // false means ENAMETOOLONG
 * ```
 */
export const PATH_MAX = 4096;

const encoder = new TextEncoder();
// ignoreBOM: a name that starts with U+FEFF keeps it, as Node's Buffer#toString does.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * The UTF-8 bytes of a name or path.
 *
 * @example
 * ```ts
 * encodeName('é'); // Uint8Array [0xc3, 0xa9]
 * ```
 */
export function encodeName(name: string): Uint8Array {
  return encoder.encode(name);
}

/**
 * A name's bytes as a string: UTF-8, invalid sequences replaced by U+FFFD
 * (what Node returns for such names).
 *
 * @example
 * ```ts
 * decodeName(new Uint8Array([0x61, 0xff])); // 'a\uFFFD'
 * ```
 */
export function decodeName(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/**
 * True when two names are the same bytes.
 *
 * @example
 * ```ts
 * namesEqual(encodeName('a'), new Uint8Array([0x61])); // true
 * ```
 */
export function namesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * True for the names `.` and `..`, which readdir may report and lookups never
 * receive.
 *
 * @example
 * ```ts
 * isDotOrDotDot(encodeName('..')); // true
 * ```
 */
export function isDotOrDotDot(name: Uint8Array): boolean {
  return name[0] === 0x2e && (name.length === 1 || (name.length === 2 && name[1] === 0x2e));
}
