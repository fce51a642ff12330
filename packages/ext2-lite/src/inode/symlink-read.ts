// readlink (EXT2.md 3.5): a fast symlink's target is the i_block text; a
// slow one's is the NUL-padded start of its one data block, read through the
// block-device cache after the pointer is checked. format/symlink.ts decides
// which it is and rejects inodes where e2fsprogs' and the kernel's rules disagree.
import { FsError } from '@iomap/core';
import { decodeFastSymlink, decodeSlowSymlink, symlinkStorage } from '../format/symlink.js';
import { checkFileBlock, withBlock, type Volume } from '../mount/volume.js';
import type { Ext2Inode } from './ext2-inode.js';

/** The target bytes of symlink `inode`. Precondition: none (EINVAL for a non-symlink). */
export async function readSymlink(vol: Volume, inode: Ext2Inode): Promise<Uint8Array> {
  if (!inode.isSymlink) throw new FsError('EINVAL', `inode ${inode.ino} is not a symbolic link`, { syscall: 'readlink' });
  const opts = { ino: inode.ino, blockSize: vol.geometry.blockSize };
  if (symlinkStorage(inode.disk, opts) === 'fast') return decodeFastSymlink(inode.disk, opts);
  const block = inode.disk.block[0] ?? 0;
  if (block === 0) return decodeSlowSymlink(inode.disk, new Uint8Array(opts.blockSize), { ...opts, range: vol.geometry });
  checkFileBlock(vol, block, { structure: `symlink inode ${inode.ino}`, location: 'i_block[0]' });
  const data = await withBlock(vol, block, (bytes) => bytes.slice());
  return decodeSlowSymlink(inode.disk, data, { ...opts, range: vol.geometry });
}
