// link(2) (EXT2.md 4.5): a second name for a non-directory.
//
//   lock dir, then the inode -> dir alive, the inode not already unlinked
//   to 0 (ENOENT, as Linux says for a deleted file), below 65000 links
//   (EMLINK), the name free (EEXIST) -> add the entry -> links + 1, ctime
//   -> dir: mtime/ctime, INDEX_FL cleared
// Holding the inode's lock keeps a concurrent unlink elsewhere from
// dropping it to 0 links (and evicting it) while the new entry is written.
import { FsError } from '@iomap/core';
import { fileTypeFromMode } from '../format/dir-entry.js';
import type { Ext2Inode } from '../inode/ext2-inode.js';
import { markInodeDirty } from '../inode/inode-write.js';
import type { MountContext } from '../mount/mount-context.js';
import { addDirEntry, findDirEntry } from '../dir/dir-edit.js';
import { directoryChanged, requireLinkRoom, requireLiveDirectory } from './dir-change.js';
import { lockInOrder } from './inode-locks.js';
import { setInodeTime } from './inode-times.js';
import { checkEntryName } from './name-checks.js';

/** Adds entry `name` in `dir` for the existing non-directory `inode`. */
export async function linkEntry(ctx: MountContext, inode: Ext2Inode, dir: Ext2Inode, name: Uint8Array): Promise<void> {
  checkEntryName(name, 'link');
  if (inode.isDirectory) throw new FsError('EPERM', 'hard links to directories are not allowed', { syscall: 'link' });
  const release = await lockInOrder([dir, inode]);
  try {
    requireLiveDirectory(dir, 'link');
    if (inode.disk.linksCount === 0) throw new FsError('ENOENT', `inode ${inode.ino} was deleted`, { syscall: 'link' });
    requireLinkRoom(inode, 'link');
    if ((await findDirEntry(ctx, dir, name)) !== undefined) throw new FsError('EEXIST', `the name already exists in directory inode ${dir.ino}`, { syscall: 'link' });
    // One metadata change: a sync never writes the entry without the raised link count.
    await ctx.barrier.change(async () => {
      await addDirEntry(ctx, dir, name, { ino: inode.ino, fileType: fileTypeFromMode(inode.disk.mode) });
      const now = ctx.now();
      inode.disk.linksCount += 1;
      setInodeTime(inode.disk, 'ctime', now);
      markInodeDirty(ctx, inode);
      directoryChanged(ctx, dir, now);
    });
  } finally {
    release();
  }
}
