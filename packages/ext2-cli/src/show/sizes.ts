// Sizes on the command line: "64M", "512K", "1G", "4096", with K/M/G/T as
// powers of 1024 (as mke2fs and truncate read them); an optional trailing
// "iB" or "B" is accepted ("64MiB").
import { UsageError } from '../cli/usage-error.js';

const UNITS: Record<string, number> = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40, P: 2 ** 50 };

/** Bytes from a size operand; `what` names the flag in errors. */
export function parseSize(text: string, what: string): number {
  const m = /^(\d+)([KMGTP]?)(?:i?B)?$/i.exec(text.trim());
  const unit = m === null ? undefined : UNITS[(m[2] as string).toUpperCase()];
  const bytes = m === null || unit === undefined ? NaN : Number(m[1]) * unit;
  if (!Number.isSafeInteger(bytes)) {
    throw new UsageError(`${what}: '${text}' is not a size (bytes, or a number with K, M, G or T, e.g. 64M)`);
  }
  return bytes;
}

/** A non-negative integer operand. */
export function parseCount(text: string, what: string): number {
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`${what}: '${text}' is not a whole number`);
  }
  return Number(text);
}

/** "1.5 MiB" for people. */
export function humanBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
