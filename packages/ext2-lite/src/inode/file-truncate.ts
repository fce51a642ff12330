// Size changes and preallocation of regular files (the kernel's
// ext2_setsize and fallocate; ext2 has no unwritten extents).
//
//   truncate down  zero the rest of the new EOF block (BUF-26 / DAX-7),
//                  drop cached pages past it (waiting for their writeback),
//                  drop reservations, free every block past it, whole
//                  indirect subtrees included
//   truncate up    zero the rest of the old EOF block, then only i_size
//                  moves (the new range is a hole)
//   fallocate      mode 0 / KEEP_SIZE: allocate the holes now, zeroed on the
//                  device before their pointers exist (KEEP_SIZE only up to
//                  EOF: e2fsck rejects blocks past i_size); PUNCH_HOLE|KEEP_SIZE:
//                  zero partial edge blocks, free the whole blocks
// All under the inode lock held exclusively; mtime/ctime as Linux sets them.
import { FsError, IomapType } from '@iomap/core';
import { truncatePage, truncatePagecacheRange, zeroRange } from '@iomap/buffered';
import { awaitLayoutIdle, daxTruncatePage, daxZeroRange } from '@iomap/dax';
import { FallocateFlag } from '@iomap/vfs';
import { releaseClaimedBlocks, unreserveBlocks } from '../alloc/block-allocator.js';
import { maxFileSize } from '../format/block-map.js';
import { dataMapping, type MountContext } from '../mount/mount-context.js';
import { setInodeTimes } from '../namespace/inode-times.js';
import { allocateAndPublish } from './allocate-now.js';
import { freeBlockRange } from './block-map-write.js';
import { currentMapping, locked } from './current-mapping.js';
import type { Ext2Inode } from './ext2-inode.js';
import { allowFileSize } from './file-size.js';
import { checkWritableFile, daxFileOf } from './file-write.js';
import { markInodeDirty } from './inode-write.js';
import { ownerMayUseReserved } from './reservation.js';
import { releaseIdleNodes } from './writeback-ops.js';

function checkSize(ctx: MountContext, size: number, syscall: string): void {
  if (!Number.isSafeInteger(size) || size < 0)
    throw new FsError('EINVAL', `size ${size} is not a non-negative integer`, {
      syscall,
    });
  const max = maxFileSize(ctx.vol.geometry.blockSize);
  if (size > max) throw new FsError('EFBIG', `size ${size} exceeds the largest ext2 file (${max} bytes with ${ctx.vol.geometry.blockSize}-byte blocks)`, { syscall });
}

/**
 * Removes logical blocks [from, to) from the file: reservations, blocks
 * writeback allocated but not yet published, and published blocks.
 * Precondition: caller holds inode.lock exclusively; no cached page in the
 * range is dirty or under writeback (dropped before).
 */
async function removeBlocks(ctx: MountContext, inode: Ext2Inode, from: number, to: number): Promise<void> {
  await locked(inode, async () => {
    const bs = ctx.vol.geometry.blockSize;
    const { dataBlocks, nodesReleased } = inode.delalloc.unreserve(from, to, bs);
    unreserveBlocks(ctx, dataBlocks + nodesReleased);
    for (const piece of inode.delalloc.takeInflight(from, to)) await releaseClaimedBlocks(ctx, piece.physical, piece.count);
    await freeBlockRange(ctx, inode, from, to);
    await releaseIdleNodes(ctx, inode);
  });
}

/** Zeroes file bytes [from, to) of the cached or DAX data (whole blocks are left to the caller). */
async function zeroBytes(ctx: MountContext, inode: Ext2Inode, from: number, to: number): Promise<void> {
  if (to <= from) return;
  if (ctx.daxDevice !== undefined) await daxZeroRange(daxFileOf(ctx, inode), from, to - from);
  else await zeroRange(dataMapping(ctx, inode), from, to - from);
}

/** Moves the in-core and on-disk size to `size` (growth or shrink; blocks are the caller's business). */
async function setSizes(ctx: MountContext, inode: Ext2Inode, size: number): Promise<void> {
  if (ctx.daxDevice === undefined) await dataMapping(ctx, inode).truncate(size);
  await locked(inode, () => {
    allowFileSize(ctx, size);
    inode.disk.size = size;
  });
}

/** truncate body. Caller holds inode.lock exclusively. */
async function changeSize(ctx: MountContext, inode: Ext2Inode, size: number): Promise<void> {
  const old = inode.size;
  const bs = ctx.vol.geometry.blockSize;
  if (size < old) {
    if (ctx.daxDevice !== undefined) {
      const file = daxFileOf(ctx, inode);
      await daxTruncatePage(file, size);
      await awaitLayoutIdle(file, size);
    } else {
      await truncatePage(dataMapping(ctx, inode), size);
    }
    await setSizes(ctx, inode, size);
    await removeBlocks(ctx, inode, Math.ceil(size / bs), Number.MAX_SAFE_INTEGER);
  } else if (size > old) {
    // Bytes of the old EOF block past EOF must read as zeros once inside the file.
    if (ctx.daxDevice !== undefined) await daxTruncatePage(daxFileOf(ctx, inode), old);
    else await truncatePage(dataMapping(ctx, inode), old);
    await setSizes(ctx, inode, size);
  }
}

/**
 * truncate(2) of regular file `inode` to `size` bytes (see the module
 * comment). EFBIG past the largest ext2 file.
 */
export async function truncateFile(ctx: MountContext, inode: Ext2Inode, size: number): Promise<void> {
  checkWritableFile(ctx, inode, 'truncate');
  checkSize(ctx, size, 'truncate');
  const release = await inode.lock.acquireExclusive();
  try {
    await ctx.barrier.change(async () => {
      await changeSize(ctx, inode, size);
      setInodeTimes(inode.disk, ctx.now(), ['mtime', 'ctime']);
      markInodeDirty(ctx, inode);
    });
  } finally {
    release();
  }
}

/** Allocates (zeroed) every hole of logical blocks [first, end). Caller holds inode.lock exclusively. */
async function preallocate(ctx: MountContext, inode: Ext2Inode, first: number, end: number): Promise<void> {
  const bs = ctx.vol.geometry.blockSize;
  const privileged = ownerMayUseReserved(ctx, inode);
  for (let lblk = first; lblk < end; ) {
    const step = await ctx.barrier.change(() =>
      locked(inode, async () => {
        const current = await currentMapping(ctx, inode, lblk, end - lblk);
        const blocks = current.length / bs;
        if (current.type !== IomapType.Hole) return blocks;
        const run = await allocateAndPublish(ctx, inode, lblk, blocks, {
          zero: true,
          privileged,
        });
        return run.count;
      })
    );
    lblk += step;
  }
}

/** Frees the whole blocks of [pos, end) and zeroes the partial ones (FALLOC_FL_PUNCH_HOLE). */
async function punchHole(ctx: MountContext, inode: Ext2Inode, pos: number, end: number): Promise<void> {
  const bs = ctx.vol.geometry.blockSize;
  const eof = inode.size;
  const stop = Math.min(end, eof);
  if (stop <= pos) return;
  const first = Math.ceil(pos / bs);
  // Up to EOF the block holding EOF goes too: its bytes past EOF never count.
  const last = stop === eof ? Math.ceil(stop / bs) : Math.floor(stop / bs);
  // Everything in the range reads as zeros from now on (holes and clean cache are skipped).
  await zeroBytes(ctx, inode, pos, stop);
  if (last <= first) return;
  if (ctx.daxDevice !== undefined) {
    await awaitLayoutIdle(daxFileOf(ctx, inode), first * bs, last * bs);
  } else {
    const mapping = dataMapping(ctx, inode);
    // Publish what writeback allocated there, then drop the pages (straddling ones are zeroed).
    await mapping.writeAndWaitRange(first * bs, last * bs);
    await truncatePagecacheRange(mapping, first * bs, last * bs);
  }
  await removeBlocks(ctx, inode, first, last);
}

/**
 * fallocate(2) of regular file `inode`: mode 0 and KEEP_SIZE preallocate
 * (zeroed blocks: ext2 has no unwritten extents), PUNCH_HOLE|KEEP_SIZE frees.
 * Other modes: EOPNOTSUPP.
 */
export async function fallocateFile(ctx: MountContext, inode: Ext2Inode, pos: number, length: number, mode: number): Promise<void> {
  checkWritableFile(ctx, inode, 'fallocate');
  const supported = FallocateFlag.KeepSize | FallocateFlag.PunchHole;
  if ((mode & ~supported) !== 0)
    throw new FsError('EOPNOTSUPP', `fallocate mode 0x${mode.toString(16)} is not supported by ext2 (only 0, KEEP_SIZE and PUNCH_HOLE|KEEP_SIZE)`, { syscall: 'fallocate' });
  const punch = (mode & FallocateFlag.PunchHole) !== 0;
  if (punch && (mode & FallocateFlag.KeepSize) === 0)
    throw new FsError('EOPNOTSUPP', 'PUNCH_HOLE needs KEEP_SIZE', {
      syscall: 'fallocate',
    });
  if (!Number.isSafeInteger(pos) || !Number.isSafeInteger(length) || pos < 0 || length <= 0) {
    throw new FsError('EINVAL', `fallocate range ${pos}+${length} is invalid (offset >= 0, length > 0)`, { syscall: 'fallocate' });
  }
  checkSize(ctx, pos + length, 'fallocate');
  const release = await inode.lock.acquireExclusive();
  try {
    const bs = ctx.vol.geometry.blockSize;
    const now = ctx.now();
    if (punch) {
      await ctx.barrier.change(() => punchHole(ctx, inode, pos, pos + length));
      setInodeTimes(inode.disk, now, ['mtime', 'ctime']);
    } else {
      const keepSize = (mode & FallocateFlag.KeepSize) !== 0;
      // ext2 has no EOFBLOCKS flag: e2fsck rejects blocks past i_size, so KEEP_SIZE stops at EOF.
      const end = keepSize ? Math.min(pos + length, inode.size) : pos + length;
      await preallocate(ctx, inode, Math.floor(pos / bs), Math.ceil(end / bs));
      const grows = !keepSize && pos + length > inode.size;
      if (grows) await ctx.barrier.change(() => changeSize(ctx, inode, pos + length));
      setInodeTimes(inode.disk, now, grows ? ['mtime', 'ctime'] : ['ctime']);
    }
    markInodeDirty(ctx, inode);
  } finally {
    release();
  }
}
