// Open flags as Node accepts them: a string ('r', 'r+', 'w', 'ax+', …) or a
// number of O_* bits, turned into O_* bits (Node's stringToFlags).
import { ArgumentTypeError, describeReceived } from './argument-errors.js';
import { constants } from './fs-constants.js';

const { O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_EXCL, O_TRUNC, O_APPEND, O_SYNC } = constants;

const FLAG_STRINGS: Readonly<Record<string, number>> = {
  r: O_RDONLY,
  rs: O_RDONLY | O_SYNC,
  sr: O_RDONLY | O_SYNC,
  'r+': O_RDWR,
  'rs+': O_RDWR | O_SYNC,
  'sr+': O_RDWR | O_SYNC,
  w: O_TRUNC | O_CREAT | O_WRONLY,
  wx: O_TRUNC | O_CREAT | O_WRONLY | O_EXCL,
  xw: O_TRUNC | O_CREAT | O_WRONLY | O_EXCL,
  'w+': O_TRUNC | O_CREAT | O_RDWR,
  'wx+': O_TRUNC | O_CREAT | O_RDWR | O_EXCL,
  'xw+': O_TRUNC | O_CREAT | O_RDWR | O_EXCL,
  a: O_APPEND | O_CREAT | O_WRONLY,
  ax: O_APPEND | O_CREAT | O_WRONLY | O_EXCL,
  xa: O_APPEND | O_CREAT | O_WRONLY | O_EXCL,
  as: O_APPEND | O_CREAT | O_WRONLY | O_SYNC,
  sa: O_APPEND | O_CREAT | O_WRONLY | O_SYNC,
  'a+': O_APPEND | O_CREAT | O_RDWR,
  'ax+': O_APPEND | O_CREAT | O_RDWR | O_EXCL,
  'xa+': O_APPEND | O_CREAT | O_RDWR | O_EXCL,
  'as+': O_APPEND | O_CREAT | O_RDWR | O_SYNC,
  'sa+': O_APPEND | O_CREAT | O_RDWR | O_SYNC,
};

/**
 * Open flags as Node's fs functions take them.
 *
 * @example
 * ```ts
 * const flags: OpenFlags[] = ['r', 'a+', constants.O_RDONLY | constants.O_NOFOLLOW];
 * ```
 */
export type OpenFlags = string | number;

/**
 * The O_* bits for a flags argument (`undefined`/`null` means `fallback`).
 * Throws Node's `ERR_INVALID_ARG_VALUE` for unknown strings and
 * `ERR_INVALID_ARG_TYPE` for other types.
 *
 * @example
 * ```ts
 * parseOpenFlags('r+'); // O_RDWR
 * parseOpenFlags('wx'); // O_TRUNC | O_CREAT | O_WRONLY | O_EXCL
 * ```
 */
export function parseOpenFlags(flags: unknown, fallback: OpenFlags = 'r'): number {
  const value = flags ?? fallback;
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 31) {
      throw new ArgumentTypeError('ERR_INVALID_ARG_VALUE', `The argument 'flags' is invalid. Received ${value}`);
    }
    return value;
  }
  if (typeof value === 'string') {
    const bits = FLAG_STRINGS[value];
    if (bits === undefined) {
      throw new ArgumentTypeError('ERR_INVALID_ARG_VALUE', `The argument 'flags' is invalid. Received '${value}'`);
    }
    return bits;
  }
  throw new ArgumentTypeError(
    'ERR_INVALID_ARG_TYPE',
    `The "flags" argument must be of type string or number. ${describeReceived(value)}`,
  );
}

/**
 * True when opening with `flags` would change the file: write access,
 * `O_TRUNC`, or `O_CREAT` (which may create it).
 *
 * @example
 * ```ts
 * opensForChange(parseOpenFlags('a')); // true
 * ```
 */
export function opensForChange(flags: number): boolean {
  return (flags & (O_WRONLY | O_RDWR)) !== 0 || (flags & (O_TRUNC | O_CREAT)) !== 0;
}

/**
 * True when `flags` grant reading (`O_RDONLY` or `O_RDWR`).
 *
 * @example
 * ```ts
 * opensForReading(parseOpenFlags('w')); // false
 * ```
 */
export function opensForReading(flags: number): boolean {
  const access = flags & 3;
  return access === O_RDONLY || access === O_RDWR;
}

/**
 * A file mode argument as Node takes it (a 32-bit unsigned integer or an
 * octal string), with Node's `ERR_INVALID_ARG_VALUE` otherwise.
 *
 * @example
 * ```ts
 * parseFileMode('644', 0o666); // 0o644
 * ```
 */
export function parseFileMode(mode: unknown, fallback: number): number {
  if (mode === undefined || mode === null) return fallback;
  if (typeof mode === 'string' && /^[0-7]+$/.test(mode)) mode = Number.parseInt(mode, 8);
  if (typeof mode === 'number' && Number.isInteger(mode) && mode >= 0 && mode < 2 ** 32) return mode;
  const shown = typeof mode === 'string' ? `'${mode}'` : String(mode);
  throw new ArgumentTypeError(
    'ERR_INVALID_ARG_VALUE',
    `The argument 'mode' must be a 32-bit unsigned integer or an octal string. Received ${shown}`,
  );
}

/**
 * True when `flags` grant writing (`O_WRONLY` or `O_RDWR`).
 *
 * @example
 * ```ts
 * opensForWriting(parseOpenFlags('a')); // true
 * ```
 */
export function opensForWriting(flags: number): boolean {
  const access = flags & 3;
  return access === O_WRONLY || access === O_RDWR;
}
