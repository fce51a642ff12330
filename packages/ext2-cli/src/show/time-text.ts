// Times as the command prints them: UTC, so output is the same on every
// machine (images carry no time zone).
import { splitTimeNs } from '@iomap/vfs';

/** "2024-05-01 12:34" (ls -l, long-iso style, UTC). */
export function shortTime(ns: bigint): string {
  return isoSeconds(ns).slice(0, 16).replace('T', ' ');
}

/** "2024-05-01T12:34:56Z" */
export function isoSeconds(ns: bigint): string {
  const { seconds } = splitTimeNs(ns);
  const date = new Date(Number(seconds) * 1000);
  if (Number.isNaN(date.getTime())) return `@${seconds}`;
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** "2024-05-01 12:34:56.123456789 +0000" (stat(1) style, UTC). */
export function fullTime(ns: bigint): string {
  const { nanoseconds } = splitTimeNs(ns);
  const iso = isoSeconds(ns);
  if (iso.startsWith('@')) return iso;
  return `${iso.slice(0, 19).replace('T', ' ')}.${nanoseconds.toString().padStart(9, '0')} +0000`;
}

/** A whole-seconds on-disk time (superblock fields) like dumpe2fs: "n/a" for 0. */
export function superblockTime(seconds: number): string {
  if (seconds === 0) return 'n/a';
  return new Date(seconds * 1000).toUTCString();
}
