// What every change of a directory's entries does to the directory inode
// (EXT2.md 4.3, 4.6): mtime and ctime become the change time, INDEX_FL is
// cleared (we keep entries linearly and do not maintain an htree index, so
// an index left in place would describe blocks that no longer match it),
// and the inode is queued for write-back.
import { FsError } from '@iomap/core';
import { clearIndexFlag } from '../format/htree.js';
import type { Ext2Inode } from '../inode/ext2-inode.js';
import { markInodeDirty } from '../inode/inode-write.js';
import type { MountContext } from '../mount/mount-context.js';
import { setInodeTimes } from './inode-times.js';

/** Records a change of `dir`'s entries at time `ns`. Caller holds dir.lock exclusive. */
export function directoryChanged(ctx: MountContext, dir: Ext2Inode, ns: bigint): void {
  dir.disk.flags = clearIndexFlag(dir.disk.flags);
  setInodeTimes(dir.disk, ns, ['mtime', 'ctime']);
  markInodeDirty(ctx, dir);
}

/**
 * Throws ENOENT when `dir` was removed (rmdir leaves links 0) — a create in
 * a directory deleted while the caller waited for its lock (the kernel's
 * IS_DEADDIR), or ENOTDIR when it is not a directory.
 * Caller holds dir.lock.
 */
export function requireLiveDirectory(dir: Ext2Inode, syscall: string): void {
  if (!dir.isDirectory) throw new FsError('ENOTDIR', `inode ${dir.ino} is not a directory`, { syscall });
  if (dir.disk.linksCount === 0) throw new FsError('ENOENT', `directory inode ${dir.ino} was removed`, { syscall });
}

/** Links an inode may have (e2fsprogs' EXT2_LINK_MAX without dir_nlink). */
export const LINK_MAX = 65000;

/** Throws EMLINK when `inode` cannot take one more link. */
export function requireLinkRoom(inode: Ext2Inode, syscall: string): void {
  if (inode.disk.linksCount >= LINK_MAX) throw new FsError('EMLINK', `inode ${inode.ino} already has ${inode.disk.linksCount} links, ext2's limit`, { syscall });
}
