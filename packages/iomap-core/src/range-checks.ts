// Argument checks shared by every public entry point (DESIGN.md: offsets are
// numbers exact up to 2^53 - 1; anything else is EINVAL).
import { FsError } from './errors.js';

/**
 * Throws `EINVAL` unless `value` is a non-negative safe integer.
 *
 * @example
 * ```ts
 * checkOffset(pos, 'pos', 'fiemap'); // NaN, -1, 1.5 or 2**53 all throw EINVAL
 * ```
 */
export function checkOffset(value: number, name: string, syscall: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new FsError('EINVAL', `${name} must be an integer from 0 to 2^53-1, got ${String(value)}`, { syscall });
  }
}

/**
 * Throws `EINVAL` unless `[pos, pos + length)` is a valid byte range: both are
 * non-negative safe integers and the end does not pass 2^53 - 1.
 * A zero `length` is allowed only with `allowEmpty`.
 */
export function checkRange(pos: number, length: number, syscall: string, allowEmpty = true): void {
  checkOffset(pos, 'position', syscall);
  checkOffset(length, 'length', syscall);
  if (!allowEmpty && length === 0) {
    throw new FsError('EINVAL', 'length must be greater than 0', { syscall });
  }
  if (pos + length > Number.MAX_SAFE_INTEGER) {
    throw new FsError('EINVAL', `range ${pos}+${length} ends beyond 2^53-1`, { syscall });
  }
}
