// Timestamps into inodes (EXT2.md 3.1-3.2) and mknod device numbers (EXT2.md 3.6).
import { describe, expect, it } from 'vitest';
import { timeNs } from '@iomap/vfs';
import { decodeDeviceNumber, decodeInodeTime, encodeDeviceNumber } from '../../src/format/inode.js';
import { makedev } from '../../src/inode/attributes.js';
import type { MutableInode } from '../../src/inode/ext2-inode.js';
import { splitRdev } from '../../src/namespace/device-number.js';
import { setInodeTime, setInodeTimes } from '../../src/namespace/inode-times.js';
import { expectFsError } from '../format/helpers.js';

function disk(large: boolean): MutableInode {
  const d = { atime: 0, mtime: 0, ctime: 0 } as unknown as MutableInode;
  if (large) Object.assign(d, { atimeExtra: 0, mtimeExtra: 0, ctimeExtra: 0 });
  return d;
}

describe('inode timestamps', () => {
  it('keeps nanoseconds on a large inode and drops them on a 128-byte one', () => {
    const big = disk(true);
    setInodeTimes(big, timeNs(1_700_000_000, 123_456_789), ['mtime', 'ctime']);
    expect(decodeInodeTime(big.mtime, big.mtimeExtra)).toEqual({ seconds: 1_700_000_000, nanoseconds: 123_456_789 });
    expect(big.ctime).toBe(1_700_000_000);
    expect(big.atime).toBe(0);
    const small = disk(false);
    setInodeTime(small, 'atime', timeNs(1_700_000_000, 999));
    expect(small.atime).toBe(1_700_000_000);
    expect(small.atimeExtra).toBeUndefined();
  });

  it('reaches past 2038 with the epoch bits, and clamps what neither form can hold', () => {
    const big = disk(true);
    setInodeTime(big, 'mtime', timeNs(2 ** 32 + 5, 7));
    expect(decodeInodeTime(big.mtime, big.mtimeExtra)).toEqual({ seconds: 2 ** 32 + 5, nanoseconds: 7 });
    setInodeTime(big, 'mtime', timeNs(2 ** 40));
    expect(decodeInodeTime(big.mtime, big.mtimeExtra)).toEqual({ seconds: 2 ** 34 - 2 ** 31 - 1, nanoseconds: 999_999_999 });
    setInodeTime(big, 'mtime', -(2n ** 40n) * 1_000_000_000n);
    expect(decodeInodeTime(big.mtime, big.mtimeExtra)).toEqual({ seconds: -(2 ** 31), nanoseconds: 0 });
    const small = disk(false);
    setInodeTime(small, 'mtime', timeNs(2 ** 32));
    expect(small.mtime).toBe(2 ** 31 - 1);
    setInodeTime(small, 'mtime', -1n);
    expect(small.mtime).toBe(-1);
  });
});

describe('mknod device numbers (EXT2.md 3.6)', () => {
  it('splits makedev encodings and stores old and new forms like the kernel', () => {
    expect(splitRdev(makedev(4, 5))).toEqual({ major: 4, minor: 5 });
    expect(encodeDeviceNumber(splitRdev(makedev(4, 5)))[0]).toBe(0x405);
    const big = splitRdev(makedev(259, 70000));
    expect(big).toEqual({ major: 259, minor: 70000 });
    const words = encodeDeviceNumber(big);
    expect([words[0], words[1]]).toEqual([0, 0x11110370]);
    expect(decodeDeviceNumber(words)).toEqual(big);
    expect(splitRdev(makedev(0xfff, 0xfffff))).toEqual({ major: 0xfff, minor: 0xfffff });
  });

  it('refuses device numbers ext2 cannot store', () => {
    expectFsError(() => splitRdev(2 ** 32), 'EINVAL');
    expectFsError(() => splitRdev(-1), 'EINVAL');
    expectFsError(() => splitRdev(1.5), 'EINVAL');
  });
});
