// getattr: an ext2 inode as the VFS's InodeAttributes (struct kstat).
//
//   st_mode i_mode   st_nlink i_links_count   st_uid/gid low | high << 16
//   st_size  i_size (| i_size_high << 32 for regular files)
//   st_blocks i_blocks (512-byte units)   st_rdev from i_block[0]/[1]
//   st_[acm]tim  i_[acm]time + i_[acm]time_extra (epoch bits, ns) on large inodes
//   birthtime    i_crtime + i_crtime_extra when i_extra_isize covers them
//   accessAcl    the system.posix_acl_access attribute, while ACLs are in
//                force, for the VFS's permission checks (the kernel's i_acl)
import { FsError } from '@iomap/core';
import type { AclEntry, InodeAttributes } from '@iomap/vfs';
import { timeNs } from '@iomap/vfs';
import { ACL_NAME_INDEX } from '../format/posix-acl.js';
import { RO_COMPAT } from '../format/features.js';
import { S_IF, S_IFMT, decodeDeviceNumber, decodeInodeTime, inodeSectors } from '../format/inode.js';
import type { Volume } from '../mount/volume.js';
import type { Ext2Inode } from './ext2-inode.js';
import { hasXattrs, readPosixAcl } from './xattr-read.js';

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

/** The access ACL for permission checks: undefined when there is none; [] (refusing all but owner and root) when it cannot be read. */
async function permissionAcl(vol: Volume, inode: Ext2Inode): Promise<readonly AclEntry[] | undefined> {
  try {
    return await readPosixAcl(vol, inode, ACL_NAME_INDEX.access);
  } catch (error) {
    // A corrupt or unreadable ACL fails the permission check, not stat (the kernel's get_inode_acl error).
    if (error instanceof FsError) return [];
    throw error;
  }
}

/**
 * The attributes of `inode` with its access ACL, cached on the inode until
 * the next markInodeDirty (forgetAttributes). Synchronous unless the ACL has
 * to be read: getattr runs for every path component. Precondition: inode is live.
 */
export function cachedAttributes(vol: Volume, inode: Ext2Inode): InodeAttributes | Promise<InodeAttributes> {
  const cached = inode.attributes;
  if (cached !== undefined) return cached;
  const attributes = inodeAttributes(vol, inode);
  if (!vol.posixAcl || !hasXattrs(inode)) return (inode.attributes = attributes);
  return withAccessAcl(vol, inode, attributes);
}

async function withAccessAcl(vol: Volume, inode: Ext2Inode, attributes: InodeAttributes): Promise<InodeAttributes> {
  const epoch = inode.attributesEpoch;
  const acl = await permissionAcl(vol, inode);
  const withAcl = acl === undefined ? attributes : { ...attributes, accessAcl: acl };
  // A change while the ACL was read makes this answer stale: return it, but do not keep it.
  if (inode.attributesEpoch === epoch) inode.attributes = withAcl;
  return withAcl;
}
