// Times of a built inode (EXT2.md 3.1, 3.2): signed 32-bit seconds, and on
// large inodes the _extra words with nanoseconds and two epoch bits. Out of
// range times are clamped to the nearest one the inode can hold, as
// namespace/inode-times.ts (and the kernel's timestamp_truncate) do.
import { encodeInodeTime } from '../format/inode.js';

const S32_MIN = -(2 ** 31);
const S32_MAX = 2 ** 31 - 1;
/** Largest second the 2 epoch bits of an _extra word reach. */
const EXTRA_MAX = 2 ** 34 - 2 ** 31 - 1;
const NS_PER_S = 1_000_000_000n;

/** i_*time and (large inodes) i_*time_extra for `ns` nanoseconds since the epoch. */
export function inodeTimeWords(ns: bigint, large: boolean): { seconds: number; extra: number } {
  let s = ns / NS_PER_S;
  let nano = ns % NS_PER_S;
  if (nano < 0n) [s, nano] = [s - 1n, nano + NS_PER_S];
  if (!large) return { seconds: Number(s < BigInt(S32_MIN) ? BigInt(S32_MIN) : s > BigInt(S32_MAX) ? BigInt(S32_MAX) : s), extra: 0 };
  if (s < BigInt(S32_MIN)) return encodeInodeTime({ seconds: S32_MIN, nanoseconds: 0 });
  if (s > BigInt(EXTRA_MAX)) return encodeInodeTime({ seconds: EXTRA_MAX, nanoseconds: 999_999_999 });
  return encodeInodeTime({ seconds: Number(s), nanoseconds: Number(nano) });
}
