// Storing timestamps in an inode (EXT2.md 3.1, 3.2): i_[acm]time are signed
// 32-bit seconds; on large inodes whose i_extra_isize covers them the
// i_[acm]time_extra words add nanoseconds and two epoch bits. A time beyond
// what the inode can hold is clamped to the nearest representable one, as
// the kernel's timestamp_truncate does (128-byte inodes end in 2038).
import { splitTimeNs } from '@iomap/vfs';
import { encodeInodeTime } from '../format/inode.js';
import type { MutableInode } from '../inode/ext2-inode.js';

const S32_MIN = -(2 ** 31);
const S32_MAX = 2 ** 31 - 1;
/** Largest second the 2 epoch bits of an _extra word reach. */
const EXTRA_MAX = 2 ** 34 - 2 ** 31 - 1;

/** Which inode times a change sets. */
export type TimeField = 'atime' | 'mtime' | 'ctime';

const EXTRA_OF = { atime: 'atimeExtra', mtime: 'mtimeExtra', ctime: 'ctimeExtra' } as const;

/** Stores `ns` (nanoseconds since the epoch) into i_<field> (and its _extra word when the inode has one). */
export function setInodeTime(disk: MutableInode, field: TimeField, ns: bigint): void {
  const { seconds: s, nanoseconds } = splitTimeNs(ns);
  const extraKey = EXTRA_OF[field];
  if (disk[extraKey] === undefined) {
    disk[field] = Number(s < BigInt(S32_MIN) ? BigInt(S32_MIN) : s > BigInt(S32_MAX) ? BigInt(S32_MAX) : s);
    return;
  }
  let seconds = Number(s);
  let nano = Number(nanoseconds);
  if (s < BigInt(S32_MIN)) [seconds, nano] = [S32_MIN, 0];
  else if (s > BigInt(EXTRA_MAX)) [seconds, nano] = [EXTRA_MAX, 999_999_999];
  const encoded = encodeInodeTime({ seconds, nanoseconds: nano });
  disk[field] = encoded.seconds;
  disk[extraKey] = encoded.extra;
}

/** Sets each named time to `ns`. */
export function setInodeTimes(disk: MutableInode, ns: bigint, fields: readonly TimeField[]): void {
  const first = fields[0];
  if (first === undefined) return;
  setInodeTime(disk, first, ns);
  // Every create, write and directory change sets two or three times to one
  // instant: encode it once and copy it to the fields stored the same way
  // (with or without an _extra word).
  const withExtra = disk[EXTRA_OF[first]] !== undefined;
  for (let i = 1; i < fields.length; i++) {
    const field = fields[i] as TimeField;
    if ((disk[EXTRA_OF[field]] !== undefined) !== withExtra) {
      setInodeTime(disk, field, ns);
      continue;
    }
    disk[field] = disk[first];
    if (withExtra) disk[EXTRA_OF[field]] = disk[EXTRA_OF[first]];
  }
}
