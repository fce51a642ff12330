// The on-disk size of a regular file (EXT2.md 3.4, 1.3 large_file): raised
// when data up to a new end is on the device (ioend completion, direct-I/O
// completion, fsync), set by truncate. A size above 2^31 - 1 needs the
// large_file ro_compat feature; the first such file sets it, and because
// a feature word changed, every backup superblock is rewritten at the next
// metadata sync (EXT2.md 1.5).
import { FsError } from '@iomap/core';
import { RO_COMPAT } from '../format/features.js';
import { REV_GOOD_OLD } from '../format/superblock.js';
import type { MountContext } from '../mount/mount-context.js';
import type { Ext2Inode } from './ext2-inode.js';

const LARGE_FILE_THRESHOLD = 0x7fffffff;

/**
 * Makes sure the filesystem may hold a file of `size` bytes: sets large_file
 * the first time (EFBIG on a revision-0 filesystem, which has no feature words).
 */
export function allowFileSize(ctx: MountContext, size: number): void {
  if (size <= LARGE_FILE_THRESHOLD) return;
  const sb = ctx.vol.sb;
  if ((sb.featureRoCompat & RO_COMPAT.large_file) !== 0) return;
  if (sb.revLevel === REV_GOOD_OLD) {
    throw new FsError('EFBIG', `a file of ${size} bytes needs the large_file feature, which a revision-0 ext2 cannot have`, { syscall: 'write' });
  }
  sb.featureRoCompat |= RO_COMPAT.large_file;
  ctx.alloc.superblockDirty = true;
  ctx.alloc.backupsDirty = true;
}

/**
 * Raises the on-disk size of regular file `inode` to `size` if it is
 * smaller; returns whether it changed (the caller marks the inode dirty).
 * Precondition: the data up to `size` is on the device.
 */
export function noteFileSize(ctx: MountContext, inode: Ext2Inode, size: number): boolean {
  if (!inode.isRegular || size <= inode.disk.size) return false;
  allowFileSize(ctx, size);
  inode.disk.size = size;
  return true;
}
