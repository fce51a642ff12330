// fsync(2) / fdatasync(2) of one file (the kernel's generic_file_fsync with
// ext2's metadata in the block-device cache):
//
//   1. the file's dirty data written back and waited for; a writeback error
//      since the last fsync is reported once (errseq)
//   2. its on-disk size catches up with the data now on the device
//   3. the metadata sync: ALL dirty metadata (directories, inode tables,
//      indirect blocks, bitmaps, descriptors, superblock) and device
//      flushes, in crash-safe order (metadata-sync.ts)
//
// fdatasync does the same: ext2 keeps no separate record of which metadata
// a file's data needs, and the size and block pointers always are needed.
import { daxSync } from '@iomap/dax';
import type { Ext2Inode } from '../inode/ext2-inode.js';
import type { MountContext } from '../mount/mount-context.js';
import { reconcileSize, syncMetadata } from './metadata-sync.js';

/** Makes `inode`'s data and all metadata durable. Precondition: none (read-only mounts return at once). */
export async function fsyncFile(ctx: MountContext, inode: Ext2Inode, _datasync: boolean): Promise<void> {
  if (ctx.readOnly) return;
  const mapping = inode.mapping;
  if (mapping !== undefined) {
    inode.fsyncCursor ??= mapping.errseq.sample();
    await mapping.fsync(inode.fsyncCursor);
  }
  if (inode.dax !== undefined) await daxSync(inode.dax);
  reconcileSize(ctx, inode);
  await syncMetadata(ctx);
}
