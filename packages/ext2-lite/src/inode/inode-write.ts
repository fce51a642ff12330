// Creating, changing and freeing inodes (EXT2.md 3.8, 3.10).
//
//   createInode   number from the inode allocator, all isz bytes zeroed,
//                 mode/uid/gid/times/links 1/inherited flags, i_extra_isize
//                 32 on large inodes, registered in the in-core table, dirty
//   markInodeDirty  queue for the next metadata sync (write_inode there
//                 encodes it into its inode-table block in the bdev cache)
//   dropLink      links - 1, ctime; evicted at 0 once nobody has it open
//   evictInode    page cache dropped, delayed allocations released, every
//                 block freed (truncateBlocks), xattr block released,
//                 links 0, dtime = now; the inode bit is cleared and the
//                 counters fixed by the next metadata sync (deferred reuse)
import { FsError } from '@iomap/core';
import type { NewInodeAttributes } from '@iomap/vfs';
import { releaseClaimedBlocks, unreserveBlocks } from '../alloc/block-allocator.js';
import { allocateInodeNumber, freeInodeNumber, makeInodeRoom, releaseInodeNumber } from '../alloc/inode-allocator.js';
import { GOOD_OLD_INODE_SIZE } from '../format/superblock.js';
import { DIND_BLOCK, IND_BLOCK, INODE_FLAGS, S_IF, S_IFMT, TIND_BLOCK, decodeInode, encodeDeviceNumber, encodeInodeOver, isDirectory } from '../format/inode.js';
import { FAST_SYMLINK_AREA } from '../format/symlink.js';
import type { MountContext } from '../mount/mount-context.js';
import { splitRdev } from '../namespace/device-number.js';
import { setInodeTimes } from '../namespace/inode-times.js';
import { releaseXattrBlock } from '../xattr/xattr-block-refs.js';
import { freeDirectOnlyBlocks, truncateBlocksLocked } from './block-map-write.js';
import { Ext2Inode, type MutableInode } from './ext2-inode.js';

/** i_extra_isize of new large inodes (mke2fs and the ext4 driver use 32). */
const NEW_EXTRA_ISIZE = 32;

/** Flags a new inode inherits from its directory (kernel EXT2_FL_INHERITED, without the compression bits ext2 must not set). */
const INHERITED_FLAGS = INODE_FLAGS.SECRM | INODE_FLAGS.UNRM | INODE_FLAGS.SYNC | INODE_FLAGS.NODUMP | INODE_FLAGS.NOATIME | INODE_FLAGS.JOURNAL_DATA | INODE_FLAGS.NOTAIL | INODE_FLAGS.DIRSYNC;

/** The flags `mode`'s type keeps of the inherited ones (kernel ext2_mask_flags). */
function maskFlags(mode: number, flags: number): number {
  const type = mode & S_IFMT;
  if (type === S_IF.DIR) return flags;
  if (type === S_IF.REG) return flags & ~(INODE_FLAGS.DIRSYNC | INODE_FLAGS.TOPDIR);
  return flags & (INODE_FLAGS.NODUMP | INODE_FLAGS.NOATIME);
}

function throwIfReadOnly(ctx: MountContext, syscall: string): void {
  if (ctx.readOnly)
    throw new FsError('EROFS', 'the filesystem is mounted read-only', {
      syscall,
    });
}

/**
 * A fresh on-disk inode for `ino`: all bytes zero, then the new inode's
 * fields. Links start at 1 (a directory's mkdir raises them to 2 with '.').
 */
function newDiskInode(ctx: MountContext, ino: number, parent: Ext2Inode, init: NewInodeAttributes): MutableInode {
  const g = ctx.vol.geometry;
  const raw = new Uint8Array(g.inodeSize);
  if (g.inodeSize > GOOD_OLD_INODE_SIZE) {
    const extra = Math.min(NEW_EXTRA_ISIZE, g.inodeSize - GOOD_OLD_INODE_SIZE);
    new DataView(raw.buffer).setUint16(0x80, extra, true);
  }
  const disk = decodeInode(raw, {
    ino,
    inodeSize: g.inodeSize,
    blockSize: g.blockSize,
    adoptBytes: true,
  }) as MutableInode;
  if (!Number.isInteger(init.uid) || init.uid < 0 || init.uid >= 2 ** 32 || !Number.isInteger(init.gid) || init.gid < 0 || init.gid >= 2 ** 32) {
    throw new FsError('EINVAL', `owner ${init.uid}:${init.gid} does not fit ext2's 32-bit uid/gid`, { syscall: 'create' });
  }
  disk.mode = init.mode;
  disk.uid = init.uid;
  disk.gid = init.gid;
  disk.linksCount = 1;
  disk.flags = maskFlags(init.mode, parent.disk.flags & INHERITED_FLAGS);
  disk.generation = ctx.alloc.nextGeneration;
  ctx.alloc.nextGeneration = (ctx.alloc.nextGeneration + 1) >>> 0;
  setInodeTimes(disk, init.timeNs, ['atime', 'mtime', 'ctime']);
  if (disk.crtimeExtra !== undefined) {
    // i_crtime shares the _extra encoding of the other times, and an
    // i_extra_isize that covers i_crtime_extra covers i_ctime_extra too: the
    // ctime just stored is the creation time, encoded (no copy of the inode).
    disk.crtime = disk.ctime;
    disk.crtimeExtra = disk.ctimeExtra;
  }
  const type = init.mode & S_IFMT;
  if ((type === S_IF.CHR || type === S_IF.BLK) && init.rdev !== undefined) disk.block = encodeDeviceNumber(splitRdev(init.rdev));
  return disk;
}

/**
 * Creates a new inode near directory `parent` (EXT2.md 3.10): allocates the
 * number, initialises the on-disk inode (size 0, no blocks, links 1),
 * registers it in the in-core table and marks it dirty. The caller adds the
 * directory entry (and for a directory writes '.'/'..' and sets links 2).
 * ENOSPC when no inode is free. Precondition: writable mount; caller holds parent.lock.
 */
export async function createInode(ctx: MountContext, parent: Ext2Inode, init: NewInodeAttributes): Promise<Ext2Inode> {
  throwIfReadOnly(ctx, 'create');
  await makeInodeRoom(ctx);
  return ctx.barrier.change(async () => {
    const ino = await allocateInodeNumber(ctx, parent, isDirectory(init.mode));
    let disk: MutableInode;
    try {
      disk = newDiskInode(ctx, ino, parent, init);
    } catch (err) {
      await releaseInodeNumber(ctx, ino, isDirectory(init.mode));
      throw err;
    }
    const inode = new Ext2Inode(ino, disk);
    ctx.inodes.register(inode);
    markInodeDirty(ctx, inode);
    return inode;
  });
}

/**
 * Queues `inode` for the next metadata sync, which encodes `inode.disk` into
 * its inode-table block (write_inode). Invalidates the cached attributes.
 * Callers change fields on inode.disk first. Precondition: writable mount.
 */
export function markInodeDirty(ctx: MountContext, inode: Ext2Inode): void {
  throwIfReadOnly(ctx, 'write');
  inode.forgetAttributes();
  ctx.dirtyInodes.set(inode.ino, inode);
}

/**
 * Drops one link: links_count - 1 and ctime = now; at 0, frees the inode
 * unless an open file holds it (then the last release frees it).
 * Precondition: caller holds the locks of the directory whose entry went away.
 */
export async function dropLink(ctx: MountContext, inode: Ext2Inode): Promise<void> {
  throwIfReadOnly(ctx, 'unlink');
  if (inode.disk.linksCount === 0) {
    throw new FsError('EIO', `inode ${inode.ino} already has no links`, {
      syscall: 'unlink',
    });
  }
  inode.disk.linksCount--;
  setInodeTimes(inode.disk, ctx.now(), ['ctime']);
  markInodeDirty(ctx, inode);
  if (inode.disk.linksCount === 0 && inode.openers === 0) await evictInode(ctx, inode);
}

/** Whether `inode` keeps block numbers in i_block (not a fast symlink, device, FIFO or socket). */
export function hasBlockMap(inode: Ext2Inode): boolean {
  const type = inode.disk.mode & S_IFMT;
  if (type === S_IF.REG || type === S_IF.DIR) return true;
  // Fast vs slow is decided by size, as e2fsprogs does (EXT2.md 3.5).
  return type === S_IF.LNK && inode.disk.size >= FAST_SYMLINK_AREA;
}

/** A dtime that can never be read as an orphan-list pointer (EXT2.md 3.8): a real time, above s_inodes_count. */
function deletionTime(ctx: MountContext, now: bigint): number {
  const seconds = Number(now / 1_000_000_000n);
  return Math.min(0xffffffff, Math.max(seconds, ctx.vol.geometry.inodesCount + 1));
}

/**
 * Frees inode `inode` and everything it owns: its cached data (after any
 * writeback in flight), delayed allocations, every data and indirect block,
 * its xattr block reference; then links 0, dtime, size 0, the inode bit and
 * the group counters (used_dirs for a directory). Idempotent.
 * Precondition: links_count is 0 and no open file holds the inode; the
 * caller may hold inode.lock (it is not taken here).
 */
export async function evictInode(ctx: MountContext, inode: Ext2Inode): Promise<void> {
  throwIfReadOnly(ctx, 'unlink');
  if (inode.evicted) return;
  inode.evicted = true;
  // One metadata change; a small unopened file is freed without an await.
  const leave = ctx.barrier.tryEnter() ?? (await ctx.barrier.enter());
  try {
    if (!freeEverythingNow(ctx, inode)) await freeEverything(ctx, inode);
  } finally {
    leave();
  }
}

/**
 * Whether freeing `inode` needs no I/O and no wait: no page cache, no
 * delayed allocation, no xattr block, no indirect block, the mapping lock free.
 */
function freesWithoutWait(inode: Ext2Inode): boolean {
  if (inode.mapping !== undefined || inode.disk.fileAcl !== 0 || !inode.delallocIdle || inode.mapLockHeld) return false;
  if (!hasBlockMap(inode)) return true;
  const block = inode.disk.block;
  return (block[IND_BLOCK] ?? 0) === 0 && (block[DIND_BLOCK] ?? 0) === 0 && (block[TIND_BLOCK] ?? 0) === 0;
}

/**
 * freeEverything when freesWithoutWait: nothing can run in between, so the
 * mapping lock (free) is not taken. Precondition: inside a metadata change.
 */
function freeNow(ctx: MountContext, inode: Ext2Inode, now: bigint): void {
  if (hasBlockMap(inode)) {
    if (!freeDirectOnlyBlocks(ctx, inode)) throw new FsError('EIO', `inode ${inode.ino}: block map changed under its mapping lock`, { syscall: 'unlink' });
    inode.disk.size = 0;
  }
  markEvicted(ctx, inode, now);
}

/** freeEverything without an await when freesWithoutWait; false, having changed nothing, otherwise. */
function freeEverythingNow(ctx: MountContext, inode: Ext2Inode): boolean {
  if (!freesWithoutWait(inode)) return false;
  freeNow(ctx, inode, ctx.now());
  return true;
}

/** Whether dropLinkNow would drop a link of `inode` (checked before the entry that held it is removed). */
export function canDropLinkNow(inode: Ext2Inode): boolean {
  const links = inode.disk.linksCount;
  if (links === 0) return false;
  return links > 1 || inode.openers > 0 || inode.evicted || freesWithoutWait(inode);
}

/**
 * dropLink without an await (a tree delete's per-file step), with the
 * change time `now`: false, having changed nothing, when the inode would be
 * freed and that needs a wait (see freesWithoutWait), or has no link left
 * (dropLink words that EIO). Precondition: inside a metadata change; caller
 * holds inode.lock or it is idle (Ext2Inode.locksIdle) and the caller does
 * not await before this returns.
 */
export function dropLinkNow(ctx: MountContext, inode: Ext2Inode, now: bigint): boolean {
  throwIfReadOnly(ctx, 'unlink');
  if (!canDropLinkNow(inode)) return false;
  const links = inode.disk.linksCount;
  const frees = links === 1 && inode.openers === 0 && !inode.evicted;
  inode.disk.linksCount = links - 1;
  setInodeTimes(inode.disk, now, ['ctime']);
  markInodeDirty(ctx, inode);
  if (frees) {
    inode.evicted = true;
    freeNow(ctx, inode, now);
  }
  return true;
}

/** The last step of freeing an inode: links 0, dtime, written at the next sync, number freed after it. */
function markEvicted(ctx: MountContext, inode: Ext2Inode, now: bigint = ctx.now()): void {
  inode.disk.linksCount = 0;
  inode.disk.dtime = deletionTime(ctx, now);
  markInodeDirty(ctx, inode);
  freeInodeNumber(ctx, inode.ino, inode.isDirectory);
}

/** evictInode's body: one metadata change. */
async function freeEverything(ctx: MountContext, inode: Ext2Inode): Promise<void> {
  if (inode.mapping !== undefined) await inode.mapping.truncate(0);
  const release = await inode.mapLock.lock();
  try {
    await dropDelayedAllocations(ctx, inode);
    if (hasBlockMap(inode)) {
      await truncateBlocksLocked(ctx, inode, 0);
      inode.disk.size = 0;
    }
  } finally {
    release();
  }
  if (inode.disk.fileAcl !== 0) await releaseXattrBlock(ctx, inode);
  markEvicted(ctx, inode);
}

/**
 * Releases everything delayed allocation holds for `inode`: reservations,
 * and blocks allocated by writeback that never got published.
 * Precondition: caller holds inode.mapLock; no writeback of the inode is in flight.
 */
export async function dropDelayedAllocations(ctx: MountContext, inode: Ext2Inode): Promise<void> {
  const state = inode.delalloc;
  unreserveBlocks(ctx, state.clear());
  for (const run of state.takeInflight(0, Number.MAX_SAFE_INTEGER)) await releaseClaimedBlocks(ctx, run.physical, run.count);
  for (const block of state.inflightNodes.values()) await releaseClaimedBlocks(ctx, block, 1);
  state.inflightNodes.clear();
}

/**
 * write_inode for every dirty inode: encodes each into its inode-table block
 * in the block-device cache (one modify per table block), preserving every
 * byte the encoder does not own. Evicted inodes leave the in-core table
 * once written. Precondition: called by the metadata sync.
 */
export async function writeDirtyInodes(ctx: MountContext): Promise<number> {
  if (ctx.dirtyInodes.size === 0) return 0;
  const batch = [...ctx.dirtyInodes.values()];
  ctx.dirtyInodes.clear();
  const byBlock = new Map<number, { inode: Ext2Inode; offset: number }[]>();
  for (const inode of batch) {
    const { block, offset } = ctx.inodes.slot(inode.ino);
    let list = byBlock.get(block);
    if (list === undefined) byBlock.set(block, (list = []));
    list.push({ inode, offset });
  }
  const isz = ctx.vol.geometry.inodeSize;
  for (const block of [...byBlock.keys()].sort((a, b) => a - b)) {
    const entries = byBlock.get(block) ?? [];
    // One buffer for the block's inodes, each encoded into its own slot.
    const shared = new Uint8Array(entries.length * isz);
    const encoded = entries.map(({ inode, offset }, i) => {
      const bytes = shared.subarray(i * isz, (i + 1) * isz);
      bytes.set(inode.disk.raw.subarray(0, isz));
      encodeInodeOver(inode.disk, bytes);
      // The encoding is the inode's new base at once: changes made while the
      // table block is fetched start from it (and re-mark the inode dirty).
      inode.disk.raw = bytes;
      return { inode, offset, bytes };
    });
    const blk = await ctx.vol.bdev.getBlock(block);
    try {
      await blk.modify((data) => {
        for (const e of encoded) data.set(e.bytes.subarray(0, isz), e.offset);
      });
    } finally {
      blk.release();
    }
    ctx.inodes.tableBlockChanged(block);
    for (const e of encoded) if (e.inode.evicted && !ctx.dirtyInodes.has(e.inode.ino)) ctx.inodes.forget(e.inode);
  }
  return batch.length;
}
