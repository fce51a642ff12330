// Device numbers of mknod (EXT2.md 3.6). The VFS hands st_rdev in Linux's
// makedev encoding (glibc: minor low byte | major << 8 | minor high bits << 12,
// major high bits from bit 32); ext2 stores major:minor in i_block, old form
// (i_block[0] = major << 8 | minor) when both fit a byte, else the new
// 12:20 form in i_block[1] (format/inode.ts encodeDeviceNumber).
import { FsError } from '@iomap/core';
import type { DeviceNumber } from '../format/inode.js';

/**
 * major:minor of a makedev-encoded `rdev` (glibc gnu_dev_major/minor). A
 * 12-bit major and 20-bit minor — all ext2 stores — fill exactly the low 32
 * bits of the encoding, so any higher bit is EINVAL.
 */
export function splitRdev(rdev: number): DeviceNumber {
  if (!Number.isInteger(rdev) || rdev < 0 || rdev >= 2 ** 32) {
    throw new FsError('EINVAL', `device number ${rdev} does not fit ext2's 12-bit major and 20-bit minor`, { syscall: 'mknod' });
  }
  return { major: (rdev >>> 8) & 0xfff, minor: (rdev & 0xff) | ((rdev >>> 12) & 0xfff00) };
}
