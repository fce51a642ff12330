// Inode allocation (EXT2.md 3.10, 6.1): which group a new inode goes to, and
// the lowest free inode bit there.
//
//   directory under the root (or a TOPDIR_FL parent): spread — from a
//     rotating start, the group with the fewest directories among those with
//     at least average free inodes and 3/4 of the average free blocks
//     (Orlov's top-level rule)
//   other directory: the parent's group while it has free inodes and blocks
//     and not too many directories, else the next group with >= average
//     free inodes
//   anything else: the parent's group; else a quadratic probe from
//     (parent group + parent ino) % groups; else any group with a free inode
//
// Setting the bit, bg_free_inodes_count-- and (directories) bg_used_dirs_count++
// happen under the allocator mutex; the superblock total follows at sync.
import { CorruptFilesystemError, FsError } from '@iomap/core';
import { INODE_FLAGS, ROOT_INO } from '../format/inode.js';
import type { Ext2Inode } from '../inode/ext2-inode.js';
import type { MountContext } from '../mount/mount-context.js';
import { clearBits, findClearBit, setBits, testBit } from './bitmap.js';

/** Directories a group may hold before a subdirectory goes elsewhere (Orlov's max_dirs, simplified). */
const MAX_DIRS_PER_GROUP_FRACTION = 4;

function groupOfInode(ctx: MountContext, ino: number): number {
  return Math.floor((ino - 1) / ctx.vol.geometry.inodesPerGroup);
}

function averages(ctx: MountContext): { inodes: number; blocks: number } {
  const n = ctx.vol.geometry.groupCount;
  return { inodes: ctx.alloc.freeInodes / n, blocks: ctx.alloc.freeBlocks / n };
}

/** Orlov's spreading for top-level directories: fewest directories among well-stocked groups. */
function topDirectoryGroup(ctx: MountContext): number | undefined {
  const n = ctx.vol.geometry.groupCount;
  const avg = averages(ctx);
  const start = ctx.alloc.nextTopDirGroup % n;
  let best: number | undefined;
  for (let k = 0; k < n; k++) {
    const group = (start + k) % n;
    const gd = ctx.vol.descriptors[group];
    if (gd === undefined || gd.freeInodesCount === 0) continue;
    // 3/4 of the average free blocks: groups holding a superblock backup (a few hundred blocks
    // of reserved GDT) still qualify, as they would once real directories used blocks elsewhere.
    if (gd.freeInodesCount < avg.inodes || gd.freeBlocksCount < (avg.blocks * 3) / 4) continue;
    const bestGd = best === undefined ? undefined : ctx.vol.descriptors[best];
    if (bestGd === undefined || gd.usedDirsCount < bestGd.usedDirsCount) best = group;
  }
  ctx.alloc.nextTopDirGroup = (best ?? start) + 1;
  return best;
}

function directoryGroup(ctx: MountContext, parentGroup: number): number | undefined {
  const g = ctx.vol.geometry;
  const avg = averages(ctx);
  const maxDirs = Math.max(1, Math.floor(g.inodesPerGroup / MAX_DIRS_PER_GROUP_FRACTION));
  const home = ctx.vol.descriptors[parentGroup];
  if (home !== undefined && home.freeInodesCount > 0 && home.freeBlocksCount > 0 && home.usedDirsCount < maxDirs) return parentGroup;
  for (let k = 1; k <= g.groupCount; k++) {
    const group = (parentGroup + k) % g.groupCount;
    const gd = ctx.vol.descriptors[group];
    if (gd !== undefined && gd.freeInodesCount > 0 && gd.freeInodesCount >= avg.inodes) return group;
  }
  return anyGroupWithFreeInode(ctx, parentGroup);
}

function otherGroup(ctx: MountContext, parentGroup: number, parentIno: number): number | undefined {
  const n = ctx.vol.geometry.groupCount;
  const usable = (group: number, needBlock: boolean): boolean => {
    const gd = ctx.vol.descriptors[group];
    return gd !== undefined && gd.freeInodesCount > 0 && (!needBlock || gd.freeBlocksCount > 0);
  };
  if (usable(parentGroup, true)) return parentGroup;
  let group = (parentGroup + parentIno) % n;
  for (let step = 1; step < n; step <<= 1) {
    group = (group + step) % n;
    if (usable(group, true)) return group;
  }
  return anyGroupWithFreeInode(ctx, parentGroup);
}

function anyGroupWithFreeInode(ctx: MountContext, from: number): number | undefined {
  const n = ctx.vol.geometry.groupCount;
  for (let k = 0; k < n; k++) {
    const group = (from + k) % n;
    if ((ctx.vol.descriptors[group]?.freeInodesCount ?? 0) > 0) return group;
  }
  return undefined;
}

/**
 * When no inode is free but some were freed since the last sync, commits
 * (a metadata sync) so they become usable. Not from inside a metadata
 * change: the commit's freeze would wait for the caller itself.
 */
export async function makeInodeRoom(ctx: MountContext): Promise<void> {
  if (ctx.alloc.freeInodes <= 0 && ctx.alloc.pendingFreeInodes.length > 0 && ctx.alloc.commit !== undefined && ctx.barrier.holders === 0) await ctx.alloc.commit();
}

/**
 * Allocates an inode number for a new inode in directory `parent` (see the
 * module comment for the group choice). ENOSPC when no inode is free.
 * Precondition: writable mount. Takes the allocator mutex.
 */
export async function allocateInodeNumber(ctx: MountContext, parent: Ext2Inode, isDirectory: boolean): Promise<number> {
  await makeInodeRoom(ctx);
  return ctx.alloc.mutex.runExclusive(async () => {
    const g = ctx.vol.geometry;
    if (ctx.alloc.freeInodes <= 0) throw new FsError('ENOSPC', 'no free inodes left on the ext2 filesystem; delete files or make the image with more inodes', { syscall: 'create' });
    const parentGroup = groupOfInode(ctx, parent.ino);
    const topLevel = parent.ino === ROOT_INO || (parent.disk.flags & INODE_FLAGS.TOPDIR) !== 0;
    let group = isDirectory ? (topLevel ? topDirectoryGroup(ctx) : directoryGroup(ctx, parentGroup)) : otherGroup(ctx, parentGroup, parent.ino);
    group ??= anyGroupWithFreeInode(ctx, parentGroup);
    for (let tries = 0; group !== undefined && tries < g.groupCount; tries++) {
      const ino = await takeLowestFree(ctx, group, isDirectory);
      if (ino !== undefined) return ino;
      group = anyGroupWithFreeInode(ctx, (group + 1) % g.groupCount);
    }
    throw new FsError('ENOSPC', 'no free inodes left on the ext2 filesystem (bitmaps are full)', { syscall: 'create' });
  });
}

/** Sets the lowest free bit of `group`'s inode bitmap; undefined when the bitmap has none (the count was wrong). */
async function takeLowestFree(ctx: MountContext, group: number, isDirectory: boolean): Promise<number | undefined> {
  const g = ctx.vol.geometry;
  const gd = ctx.vol.descriptors[group];
  if (gd === undefined) return undefined;
  const blk = await ctx.alloc.inodeBitmap(group);
  // Inodes below s_first_ino are reserved even when their bit is clear.
  const firstBit = group === 0 ? g.firstIno - 1 : 0;
  const bit = findClearBit(blk.data, firstBit, g.inodesPerGroup);
  if (bit === -1) {
    throw new CorruptFilesystemError({ structure: `group descriptor ${group}` }, `bg_free_inodes_count ${gd.freeInodesCount} but the inode bitmap (block ${gd.inodeBitmap}) has no free inode`);
  }
  await blk.modify((data) => setBits(data, bit, bit + 1));
  gd.freeInodesCount--;
  if (isDirectory) gd.usedDirsCount++;
  ctx.alloc.freeInodes--;
  ctx.alloc.groupChanged(group);
  return group * g.inodesPerGroup + bit + 1;
}

/**
 * Frees inode number `ino` once the metadata that freed it is durable: until
 * the next metadata sync the number stays marked in use, so a crash can
 * never leave a new file's directory entry naming the old inode's content.
 * Precondition: the inode was evicted (links 0, dtime set).
 */
export function freeInodeNumber(ctx: MountContext, ino: number, isDirectory: boolean): void {
  ctx.alloc.pendingFreeInodes.push({ ino, isDirectory });
}

/**
 * Clears the bit of inode `ino` and fixes the counters (and bg_used_dirs_count
 * for a directory) at once: for numbers never published (a failed create)
 * and for the metadata sync's release of pending frees. Takes the allocator mutex.
 */
export async function releaseInodeNumber(ctx: MountContext, ino: number, isDirectory: boolean): Promise<void> {
  await ctx.alloc.mutex.runExclusive(() => clearInodeBit(ctx, ino, isDirectory));
}

/**
 * Releases every pending inode free: one bitmap change per group (a
 * 10,000-file delete frees 10,000 numbers, mostly in a few groups).
 * Takes the allocator mutex.
 */
export async function releasePendingInodes(ctx: MountContext): Promise<number> {
  return ctx.alloc.mutex.runExclusive(async () => {
    const pending = ctx.alloc.pendingFreeInodes;
    ctx.alloc.pendingFreeInodes = [];
    const byGroup = new Map<number, { ino: number; isDirectory: boolean }[]>();
    for (const free of pending) {
      const group = groupOfInode(ctx, free.ino);
      let list = byGroup.get(group);
      if (list === undefined) byGroup.set(group, (list = []));
      list.push(free);
    }
    for (const [group, frees] of [...byGroup].sort((a, b) => a[0] - b[0])) await clearGroupInodeBits(ctx, group, frees);
    return pending.length;
  });
}

/**
 * Clears the bits of `frees` (all in `group`) in one bitmap change and fixes
 * the counters; every bit is checked first, so a corrupt bitmap (a bit
 * already clear, or a number freed twice) changes nothing.
 * Caller holds the allocator mutex.
 */
async function clearGroupInodeBits(ctx: MountContext, group: number, frees: readonly { ino: number; isDirectory: boolean }[]): Promise<void> {
  const ipg = ctx.vol.geometry.inodesPerGroup;
  const gd = ctx.vol.descriptors[group];
  const blk = await ctx.alloc.inodeBitmap(group);
  const seen = new Set<number>();
  let dirs = 0;
  for (const { ino, isDirectory } of frees) {
    const bit = (ino - 1) % ipg;
    if (gd === undefined || seen.has(bit) || !testBit(blk.data, bit)) {
      throw new CorruptFilesystemError({ structure: `inode ${ino}` }, `freeing inode ${ino}, which its bitmap already shows free`);
    }
    seen.add(bit);
    if (isDirectory) dirs++;
  }
  if (gd === undefined) return;
  await blk.modify((data) => {
    for (const bit of seen) clearBits(data, bit, bit + 1);
  });
  gd.freeInodesCount += frees.length;
  gd.usedDirsCount = Math.max(0, gd.usedDirsCount - dirs);
  ctx.alloc.freeInodes += frees.length;
  ctx.alloc.groupChanged(group);
}

/** Caller holds the allocator mutex. */
async function clearInodeBit(ctx: MountContext, ino: number, isDirectory: boolean): Promise<void> {
  const g = ctx.vol.geometry;
  const group = groupOfInode(ctx, ino);
  const bit = (ino - 1) % g.inodesPerGroup;
  const gd = ctx.vol.descriptors[group];
  const blk = await ctx.alloc.inodeBitmap(group);
  if (gd === undefined || !testBit(blk.data, bit)) {
    throw new CorruptFilesystemError({ structure: `inode ${ino}` }, `freeing inode ${ino}, which its bitmap already shows free`);
  }
  await blk.modify((data) => clearBits(data, bit, bit + 1));
  gd.freeInodesCount++;
  if (isDirectory && gd.usedDirsCount > 0) gd.usedDirsCount--;
  ctx.alloc.freeInodes++;
  ctx.alloc.groupChanged(group);
}
