// Node's validation of the arguments of the calls that change things, so a
// caller gets the same `ERR_INVALID_ARG_TYPE`/`ERR_OUT_OF_RANGE` from us as
// from node:fs: integers (lengths, uid/gid), file modes, booleans, times
// (Date, seconds, numeric strings), buffer arrays.
import { ArgumentRangeError, ArgumentTypeError, describeReceived } from './argument-errors.js';

function subject(name: string): string {
  return name.includes('.') ? `"${name}" property` : `"${name}" argument`;
}

/**
 * Node's `ERR_INVALID_ARG_TYPE` for argument `name`.
 *
 * @example
 * ```ts
 * throw invalidType('uid', 'number', '5'); // The "uid" argument must be of type number. Received type string ('5')
 * ```
 */
export function invalidType(name: string, expected: string, value: unknown): ArgumentTypeError {
  return new ArgumentTypeError('ERR_INVALID_ARG_TYPE', `The ${subject(name)} must be ${expected}. ${describeReceived(value)}`);
}

/**
 * Node's `ERR_OUT_OF_RANGE` for argument `name`.
 *
 * @example
 * ```ts
 * throw outOfRange('len', 'an integer', 1.5);
 * ```
 */
export function outOfRange(name: string, range: string, value: unknown): ArgumentRangeError {
  return new ArgumentRangeError('ERR_OUT_OF_RANGE', `The value of "${name}" is out of range. It must be ${range}. Received ${String(value)}`);
}

/**
 * Node's validateInteger: a number that is an integer within `[min, max]`.
 *
 * @example
 * ```ts
 * const uid = checkInteger(value, 'uid', -1, 2 ** 32 - 1);
 * ```
 */
export function checkInteger(value: unknown, name: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number') throw invalidType(name, 'of type number', value);
  if (!Number.isInteger(value)) throw outOfRange(name, 'an integer', value);
  if (value < min || value > max) throw outOfRange(name, `>= ${min} && <= ${max}`, value);
  return value;
}

/**
 * Node's validateBoolean.
 *
 * @example
 * ```ts
 * checkBoolean(options.recursive, 'options.recursive');
 * ```
 */
export function checkBoolean(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') throw invalidType(name, 'of type boolean', value);
  return value;
}

/**
 * Node's parseFileMode: a 32-bit unsigned integer or an octal string;
 * `fallback` for undefined/null (none: the mode is required).
 *
 * @example
 * ```ts
 * parseModeArgument('755', 'mode'); // 0o755
 * ```
 */
export function parseModeArgument(value: unknown, name: string, fallback?: number): number {
  const mode = value ?? fallback;
  if (typeof mode === 'string') {
    if (!/^[0-7]+$/.test(mode)) {
      throw new ArgumentTypeError(
        'ERR_INVALID_ARG_VALUE',
        `The argument '${name}' must be a 32-bit unsigned integer or an octal string. Received '${mode}'`,
      );
    }
    return Number.parseInt(mode, 8);
  }
  return checkInteger(mode, name, 0, 2 ** 32 - 1);
}

/**
 * Node's toUnixTimestamp: seconds since the epoch from a Date, a finite
 * number (negative means now, as in Node) or a numeric string.
 *
 * @example
 * ```ts
 * toUnixSeconds(new Date(1500), 'atime'); // 1.5
 * ```
 */
export function toUnixSeconds(time: unknown, name: string): number {
  // Node tests `+time == time`: any string that converts to a number (' 7 ', '') counts, as it is.
  if (typeof time === 'string' && !Number.isNaN(+time)) return +time;
  if (typeof time === 'number' && Number.isFinite(time)) return time < 0 ? Date.now() / 1000 : time;
  if (time instanceof Date) return time.getTime() / 1000;
  throw invalidType(name, 'an instance of Date or an Time in seconds', time);
}

const NS_PER_SECOND = 1_000_000_000n;

/**
 * Seconds as libuv turns them into a `timespec` for utimensat: whole
 * seconds truncated, nanoseconds truncated to whole microseconds, borrowing
 * a second when negative. Returned as ns since the epoch.
 *
 * @example
 * ```ts
 * timeNsOfSeconds(1.0000019); // 1000001000n
 * ```
 */
export function timeNsOfSeconds(seconds: number): bigint {
  let whole = Math.trunc(seconds);
  let nanoseconds = Math.trunc((seconds - whole) * 1e9);
  nanoseconds -= nanoseconds % 1000;
  if (nanoseconds < 0) {
    nanoseconds += 1e9;
    whole -= 1;
  }
  return BigInt(whole) * NS_PER_SECOND + BigInt(nanoseconds);
}

/**
 * Node's validateBufferArray: an array of ArrayBufferViews, as Uint8Arrays.
 *
 * @example
 * ```ts
 * const parts = checkBufferArray([header, body], 'buffers');
 * ```
 */
export function checkBufferArray(buffers: unknown, name: string): Uint8Array[] {
  if (!Array.isArray(buffers) || !buffers.every((b) => ArrayBuffer.isView(b))) {
    throw invalidType(name, 'an instance of ArrayBufferView[]', buffers);
  }
  return (buffers as ArrayBufferView[]).map((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
}

/**
 * Node's validateObject for an options argument (undefined passes).
 *
 * @example
 * ```ts
 * const options = checkOptionsObject(raw, 'options');
 * ```
 */
export function checkOptionsObject(value: unknown, name: string): Record<string, unknown> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalidType(name, 'of type object', value);
  return value as Record<string, unknown>;
}
