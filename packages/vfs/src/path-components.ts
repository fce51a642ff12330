// Splitting a path into its components, the first step of Linux's
// link_path_walk: repeated slashes count as one, `.` and `..` stay (the
// walker gives them meaning), and a slash after the last component is
// remembered because it makes that component "must be a directory, follow it".
const SLASH = 0x2f;

/**
 * A path split into components.
 *
 * @example
 * ```ts
 * parsePath(encodeName('//a/./b/')); // absolute, components a . b, trailingSlash true
 * ```
 */
export interface ParsedPath {
  /** Starts with `/`. */
  absolute: boolean;
  /** The non-empty components in order, `.` and `..` included (views into the path's bytes). */
  components: Uint8Array[];
  /** A `/` follows the last component (`a/`, `a//`). False for `/` itself. */
  trailingSlash: boolean;
}

/**
 * Splits path bytes on `/`.
 *
 * @example
 * ```ts
 * parsePath(encodeName('a//b')).components.map(decodeName); // ['a', 'b']
 * ```
 */
export function parsePath(bytes: Uint8Array): ParsedPath {
  const components: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === SLASH) {
      if (i > start) components.push(bytes.subarray(start, i));
      start = i + 1;
    }
  }
  const absolute = bytes[0] === SLASH;
  const trailingSlash = components.length > 0 && bytes[bytes.length - 1] === SLASH;
  return { absolute, components, trailingSlash };
}
