// Size and logical block size of a real block device.
//
// fstat() reports st_size 0 for block devices, and Node has neither lseek()
// nor ioctl(BLKGETSIZE64) without native code. So, in order:
//  1. sysfs: /sys/dev/block/<major>:<minor>/size is the size in 512-byte
//     sectors (always 512, whatever the device's sector size), and
//     queue/logical_block_size is the logical block size. A partition has no
//     queue/ directory of its own; its parent disk's is one level up.
//  2. Without sysfs (another OS, a container without /sys): find the size by
//     reading, since a pread at or past the end returns 0 bytes. Doubling
//     finds an upper bound, then a binary search on 512-byte sectors finds
//     the end: about 2 * log2(size / 512) one-byte reads, done once at open.
//     The logical block size then defaults to 512.
import { readFile } from 'node:fs/promises';

/** What a FileDevice needs to know about a block device. */
export interface BlockDeviceGeometry {
  size: number;
  logicalBlockSize: number;
  /** Where the numbers came from, for messages and docs. */
  source: 'sysfs' | 'probe';
}

/** Splits a Linux dev_t (as st_rdev) into major and minor, like glibc's gnu_dev_major/minor. */
export function splitDeviceNumber(rdev: number): { major: number; minor: number } {
  const dev = BigInt(rdev);
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & 0xfffff000n);
  const minor = (dev & 0xffn) | ((dev >> 12n) & 0xffffff00n);
  return { major: Number(major), minor: Number(minor) };
}

/** Reads size and logical block size from sysfs, or returns undefined when sysfs has no entry. */
export async function readSysfsGeometry(
  rdev: number,
  sysRoot = '/sys',
): Promise<{ size: number; logicalBlockSize: number } | undefined> {
  const { major, minor } = splitDeviceNumber(rdev);
  const dir = `${sysRoot}/dev/block/${major}:${minor}`;
  const sectors = await readNumber(`${dir}/size`);
  if (sectors === undefined) return undefined;
  const lbs =
    (await readNumber(`${dir}/queue/logical_block_size`)) ?? (await readNumber(`${dir}/../queue/logical_block_size`));
  return { size: sectors * 512, logicalBlockSize: lbs ?? 512 };
}

async function readNumber(path: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined; // absent: the caller falls back to the next source
  }
  const value = Number(text.trim());
  return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

/**
 * Finds the size of a file or device whose reads return 0 bytes at and past
 * the end, assuming the size is a multiple of 512. `readByteAt(pos)` reads one
 * byte and returns how many it got.
 */
export async function probeSizeByReading(readByteAt: (pos: number) => Promise<number>): Promise<number> {
  const SECTOR = 512;
  if ((await readByteAt(0)) === 0) return 0;
  // Invariant: sector `lo` exists (its first byte reads), sector `hi` does not.
  let lo = 0;
  let hi = 1;
  while ((await readByteAt(hi * SECTOR)) > 0) {
    lo = hi;
    hi *= 2;
    if (hi * SECTOR > Number.MAX_SAFE_INTEGER) break;
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if ((await readByteAt(mid * SECTOR)) > 0) lo = mid;
    else hi = mid;
  }
  return hi * SECTOR;
}
