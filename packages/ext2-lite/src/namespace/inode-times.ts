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

/** One instant as both inode encodings: i_<x>time alone, and i_<x>time with its _extra word. */
interface EncodedTime {
  ns: bigint;
  /** i_<x>time of an inode without the _extra word (clamped to s32). */
  plain: number;
  /** i_<x>time and i_<x>time_extra of an inode with it. */
  seconds: number;
  extra: number;
}

/**
 * The last instant encoded: a tree delete stamps thousands of inodes with
 * one change time, and each encoding splits a bigint (allocations).
 */
let lastEncoded: EncodedTime | undefined = undefined;

function encodedTime(ns: bigint): EncodedTime {
  if (lastEncoded !== undefined && lastEncoded.ns === ns) return lastEncoded;
  const { seconds: s, nanoseconds } = splitTimeNs(ns);
  const plain = Number(s < BigInt(S32_MIN) ? BigInt(S32_MIN) : s > BigInt(S32_MAX) ? BigInt(S32_MAX) : s);
  let seconds = Number(s);
  let nano = Number(nanoseconds);
  if (s < BigInt(S32_MIN)) [seconds, nano] = [S32_MIN, 0];
  else if (s > BigInt(EXTRA_MAX)) [seconds, nano] = [EXTRA_MAX, 999_999_999];
  const encoded = encodeInodeTime({ seconds, nanoseconds: nano });
  lastEncoded = { ns, plain, seconds: encoded.seconds, extra: encoded.extra };
  return lastEncoded;
}

/** Stores `ns` (nanoseconds since the epoch) into i_<field> (and its _extra word when the inode has one). */
export function setInodeTime(disk: MutableInode, field: TimeField, ns: bigint): void {
  const time = encodedTime(ns);
  const extraKey = EXTRA_OF[field];
  if (disk[extraKey] === undefined) {
    disk[field] = time.plain;
    return;
  }
  disk[field] = time.seconds;
  disk[extraKey] = time.extra;
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
