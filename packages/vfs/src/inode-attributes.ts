// What getattr reports about an inode: the fields of Linux's `struct kstat`
// that Node's Stats shows. Times are exact nanoseconds since the epoch as
// bigint, because ext2 stores seconds plus (on 256-byte inodes) nanoseconds,
// and a double cannot hold today's time to the nanosecond.
import { FsError } from '@iomap/core';
import type { AclEntry } from './posix-acl.js';

/**
 * An inode's attributes as {@link InodeOperations.getattr} reports them.
 *
 * @example
 * ```ts
 * const attrs: InodeAttributes = {
 *   ino: 12, mode: 0o100644, nlink: 1, uid: 1000, gid: 1000, size: 5,
 *   blocks: 8, blksize: 4096, rdev: 0, dev: 0x801,
 *   atimeNs: timeNs(1_700_000_000), mtimeNs: timeNs(1_700_000_000),
 *   ctimeNs: timeNs(1_700_000_000),
 * };
 * ```
 */
export interface InodeAttributes {
  /** Inode number (`st_ino`). */
  ino: number;
  /** File type bits and permissions (`st_mode`, ext2 `i_mode`). */
  mode: number;
  /** Hard links (`st_nlink`, ext2 `i_links_count`). */
  nlink: number;
  /** Owner user id (`st_uid`). */
  uid: number;
  /** Owner group id (`st_gid`). */
  gid: number;
  /** Size in bytes (`st_size`); for a symlink, the target's length. */
  size: number;
  /** Storage used, in 512-byte units (`st_blocks`, ext2 `i_blocks`). */
  blocks: number;
  /** Preferred I/O size (`st_blksize`), usually the filesystem block size. */
  blksize: number;
  /** Last access time, ns since the epoch (`st_atim`). */
  atimeNs: bigint;
  /** Last data change, ns since the epoch (`st_mtim`). */
  mtimeNs: bigint;
  /** Last inode change, ns since the epoch (`st_ctim`). */
  ctimeNs: bigint;
  /** Creation time, ns since the epoch; omit when the filesystem keeps none (Node then shows 0). */
  birthtimeNs?: bigint;
  /** Device number of a device inode (`st_rdev`, Linux `makedev` encoding), else 0. */
  rdev: number;
  /** Device number of the filesystem itself (`st_dev`). */
  dev: number;
  /**
   * The inode's access ACL, for permission checks (the kernel's cached
   * `i_acl`), from a filesystem with POSIX ACLs in force; omit when the
   * inode has none. An ACL the filesystem could not read is `[]`: the
   * owner's bits and privilege still apply, every other caller is refused,
   * as the kernel refuses when get_inode_acl fails.
   */
  accessAcl?: readonly AclEntry[];
}

const NS_PER_SECOND = 1_000_000_000n;

/**
 * Nanoseconds since the epoch from seconds and nanoseconds, the way on-disk
 * formats store time (ext2: `i_mtime` and `i_mtime_extra`).
 *
 * @example
 * ```ts
 * timeNs(1_700_000_000, 500); // 1700000000000000500n
 * ```
 */
export function timeNs(seconds: number, nanoseconds = 0): bigint {
  if (!Number.isSafeInteger(seconds) || !Number.isInteger(nanoseconds) || nanoseconds < 0 || nanoseconds >= 1e9) {
    throw new FsError('EINVAL', `timeNs needs integer seconds and nanoseconds in [0, 1e9), got ${seconds}, ${nanoseconds}`);
  }
  return BigInt(seconds) * NS_PER_SECOND + BigInt(nanoseconds);
}

/**
 * A time as `struct timespec` holds it: whole seconds (floored) and 0 ≤ nanoseconds < 1e9.
 *
 * @example
 * ```ts
 * const { seconds, nanoseconds }: Timespec = splitTimeNs(attrs.mtimeNs);
 * ```
 */
export interface Timespec {
  seconds: bigint;
  nanoseconds: bigint;
}

/**
 * Splits nanoseconds since the epoch into seconds and nanoseconds, flooring
 * so that times before 1970 keep a non-negative nanosecond part (as Linux's
 * `timespec64` does).
 *
 * @example
 * ```ts
 * splitTimeNs(-1n); // { seconds: -1n, nanoseconds: 999999999n }
 * ```
 */
export function splitTimeNs(ns: bigint): Timespec {
  let seconds = ns / NS_PER_SECOND;
  let nanoseconds = ns % NS_PER_SECOND;
  if (nanoseconds < 0n) {
    seconds -= 1n;
    nanoseconds += NS_PER_SECOND;
  }
  return { seconds, nanoseconds };
}
