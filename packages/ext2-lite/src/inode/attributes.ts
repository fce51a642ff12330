// getattr: an ext2 inode as the VFS's InodeAttributes (struct kstat).
//
//   st_mode i_mode   st_nlink i_links_count   st_uid/gid low | high << 16
//   st_size  i_size (| i_size_high << 32 for regular files)
//   st_blocks i_blocks (512-byte units)   st_rdev from i_block[0]/[1]
//   st_[acm]tim  i_[acm]time + i_[acm]time_extra (epoch bits, ns) on large inodes
//   birthtime    i_crtime + i_crtime_extra when i_extra_isize covers them
import type { InodeAttributes } from '@iomap/vfs';
import { timeNs } from '@iomap/vfs';
import { RO_COMPAT } from '../format/features.js';
import { S_IF, S_IFMT, decodeDeviceNumber, decodeInodeTime, inodeSectors } from '../format/inode.js';
import type { Volume } from '../mount/volume.js';
import type { Ext2Inode } from './ext2-inode.js';

/** Linux's makedev (glibc encoding, as st_rdev shows it): minor low byte, major, then the minor's high bits. */
export function makedev(major: number, minor: number): number {
  return (minor & 0xff) + (major & 0xfff) * 0x100 + Math.floor((minor & 0xfff00) / 0x100) * 0x100000;
}

function nsOf(seconds: number, extra: number | undefined): bigint {
  const t = decodeInodeTime(seconds, extra);
  return timeNs(t.seconds, t.nanoseconds);
}

/** The attributes of `inode`. Precondition: inode is live (from the inode table). */
export function inodeAttributes(vol: Volume, inode: Ext2Inode): InodeAttributes {
  const d = inode.disk;
  const type = d.mode & S_IFMT;
  const device = type === S_IF.CHR || type === S_IF.BLK ? decodeDeviceNumber(d.block) : undefined;
  const hugeFile = (vol.geometry.featureRoCompat & RO_COMPAT.huge_file) !== 0;
  return {
    ino: inode.ino,
    mode: d.mode,
    nlink: d.linksCount,
    uid: d.uid,
    gid: d.gid,
    size: d.size,
    blocks: inodeSectors(d, { hugeFile, blockSize: vol.geometry.blockSize }),
    blksize: vol.geometry.blockSize,
    rdev: device === undefined ? 0 : makedev(device.major, device.minor),
    dev: 0,
    atimeNs: nsOf(d.atime, d.atimeExtra),
    mtimeNs: nsOf(d.mtime, d.mtimeExtra),
    ctimeNs: nsOf(d.ctime, d.ctimeExtra),
    ...(d.crtime === undefined ? {} : { birthtimeNs: nsOf(d.crtime, d.crtimeExtra) }),
  };
}
