// The metadata sync: what makes every change since the last one durable, in
// an order that keeps a crash at any moment from leaving a pointer to bytes
// that are not there (ordered data, without a journal):
//
//   -. a background flush that failed since the last sync (flush-behind.ts)
//      fails this one: the data it was making durable may be lost
//   0. directory (and slow symlink) page caches written back (their blocks
//      are metadata to e2fsck, data to the page cache)
//   1. FLUSH: file data written before this sync is durable
//   2. dirty inodes encoded into their table blocks; descriptors and the
//      superblock (free totals = sums) encoded into theirs
//   3. fresh indirect blocks written, FLUSH: what new pointers point at is
//      durable before any pointer
//   4. every other dirty metadata block written, FLUSH
//   5. pending frees of blocks and inode numbers released (bits cleared,
//      counts raised), bitmaps, descriptors and superblock written, FLUSH:
//      only now can they be reused, because nothing durable uses them any more
//
// Callers write the data they care about first (fsync: one file; sync and
// unmount: every file). Syncs run one at a time (ctx.syncMutex).
import { writebackPass, type AddressSpace } from '@iomap/buffered';
import { releasePendingFrees } from '../alloc/block-allocator.js';
import { releasePendingInodes } from '../alloc/inode-allocator.js';
import type { Ext2Inode } from '../inode/ext2-inode.js';
import { writeDirtyInodes } from '../inode/inode-write.js';
import type { MountContext } from '../mount/mount-context.js';
import { writeDescriptors, writeSuperblock } from './superblock-write.js';

/** Runs of consecutive block numbers. */
function runsOf(blocks: Iterable<number>): [number, number][] {
  const sorted = [...blocks].sort((a, b) => a - b);
  const runs: [number, number][] = [];
  for (const b of sorted) {
    const last = runs[runs.length - 1];
    if (last !== undefined && last[0] + last[1] === b) last[1]++;
    else runs.push([b, 1]);
  }
  return runs;
}

/** Writes back the page caches of directories and slow symlinks (metadata to e2fsck). */
async function writeDirectoryData(ctx: MountContext): Promise<void> {
  for (const inode of ctx.inodes.loaded()) {
    if (inode.isRegular || inode.mapping === undefined) continue;
    await inode.mapping.writeAndWaitRange(0, Number.MAX_SAFE_INTEGER);
  }
}

/** Step 3: fresh indirect blocks on the device before anything points at them. */
async function writeFreshMetadata(ctx: MountContext): Promise<void> {
  const fresh = ctx.alloc.freshMetadata;
  if (fresh.size === 0) return;
  const bs = ctx.vol.geometry.blockSize;
  const runs = runsOf(fresh);
  fresh.clear();
  for (const [first, count] of runs) await ctx.vol.bdev.mapping.writeAndWaitRange(first * bs, (first + count) * bs);
  await ctx.vol.device.flush();
}

/**
 * Makes all metadata changed so far durable (see the module comment),
 * including the release of blocks freed since the last sync.
 * Precondition: writable mount. Takes ctx.syncMutex.
 */
export async function syncMetadata(ctx: MountContext): Promise<void> {
  await ctx.syncMutex.runExclusive(async () => {
    // No metadata change is halfway done while this sync writes (metadata-barrier.ts).
    const thaw = await ctx.barrier.freeze();
    try {
      await writeEverything(ctx);
    } finally {
      thaw();
    }
  });
}

/** Steps 0-5 of the module comment. Precondition: the barrier is frozen. */
async function writeEverything(ctx: MountContext): Promise<void> {
  // A background flush that failed may have lost data written before this sync.
  await ctx.flushBehind.settle();
  await writeDirectoryData(ctx);
  await ctx.vol.device.flush();
  await writeDirtyInodes(ctx);
  await writeDescriptors(ctx);
  const backups = ctx.alloc.backupsDirty;
  ctx.alloc.backupsDirty = false;
  await writeSuperblock(ctx, { backups });
  await writeFreshMetadata(ctx);
  await ctx.vol.bdev.syncBlocks();
  if (ctx.alloc.pendingFree.length > 0 || ctx.alloc.pendingFreeInodes.length > 0) {
    await releasePendingFrees(ctx);
    await releasePendingInodes(ctx);
    await writeDescriptors(ctx);
    await writeSuperblock(ctx);
    await ctx.vol.bdev.syncBlocks();
  }
}

/** Writes back and waits for the cached data of regular file `inode`; throws a writeback error once. */
export async function writeFileDataBack(inode: Ext2Inode): Promise<void> {
  if (inode.mapping !== undefined) await inode.mapping.writeAndWaitRange(0, Number.MAX_SAFE_INTEGER);
}

/**
 * sync(2) for the whole filesystem: every file's data, then all metadata.
 * Data errors do not stop the sync; the first is thrown at the end.
 */
export async function syncAll(ctx: MountContext): Promise<void> {
  let first: unknown;
  // Every file's writeback is started before any is waited for: with many
  // small files (a copied tree) no file waits behind the previous one's
  // completion, and the device sees the whole batch at once.
  for (const inode of ctx.inodes.loaded()) {
    if (!inode.isRegular || inode.mapping === undefined || inode.mapping.dirtyFolios.size === 0) continue;
    try {
      await writebackPass(inode.mapping as AddressSpace<unknown>, { start: 0, end: Number.MAX_SAFE_INTEGER, sync: false });
    } catch (err) {
      first ??= err;
    }
  }
  for (const inode of ctx.inodes.loaded()) {
    if (!inode.isRegular) continue;
    try {
      await writeFileDataBack(inode);
      reconcileSize(ctx, inode);
    } catch (err) {
      first ??= err;
    }
  }
  await syncMetadata(ctx);
  if (first !== undefined) throw first;
}

/**
 * After a file's data was written back: the on-disk size catches up with the
 * in-core one (normally ioend completion already moved it).
 */
export function reconcileSize(ctx: MountContext, inode: Ext2Inode): void {
  if (!inode.isRegular || inode.evicted || inode.mapping === undefined) return;
  const size = inode.mapping.size;
  if (size !== inode.disk.size) {
    inode.disk.size = size;
    inode.forgetAttributes();
    ctx.dirtyInodes.set(inode.ino, inode);
  }
}
