// Block allocation (EXT2.md 2.5, 2.6, 6.1): goal-based, whole contiguous
// runs, reserved blocks kept for the privileged, freed blocks reused only
// after the metadata that freed them is durable.
//
//   allocateBlocks({ goal, max, min })
//     1. the goal block itself free?  take the run starting there (a file
//        growing sequentially stays contiguous)
//     2. otherwise the first free run of `max` blocks at or after the goal,
//        group by group (wrapping); failing that the longest run seen of at
//        least `min` blocks
//     3. set the bits (the cached bitmap block), bg_free_blocks_count -= n,
//        the superblock total follows at the next metadata sync — or, for
//        writeback (`claim`), only in the allocator's own copy of the bitmap:
//        the on-disk bits follow with the pointers (publishClaimedBlocks)
//
// Free-space rule: free - reserved(delalloc) - s_r_blocks_count (for the
// unprivileged) must cover `min`, else ENOSPC — after one commit that makes
// pending frees reusable, as ext4 retries after a journal commit.
import { CorruptFilesystemError, FsError } from '@iomap/core';
import { groupBlockCount, groupFirstBlock } from '../format/geometry.js';
import type { MountContext } from '../mount/mount-context.js';
import { checkFileRun, firstMetadataBlockIn } from '../mount/volume.js';
import type { BlockExtent } from './alloc-state.js';
import { clearBits, findClearRun, setBits, testBit, clearRunLength, type ClearRun } from './bitmap.js';

/** What to allocate. */
export interface BlockRequest {
  /** Preferred first block (the block after the file's previous one, or near its inode). */
  goal: number;
  /** Most blocks wanted (one contiguous run). */
  max: number;
  /** Fewest blocks acceptable (default 1). */
  min?: number;
  /** May use the reserved blocks (s_r_blocks_count): uid 0, s_def_resuid or s_def_resgid. */
  privileged: boolean;
  /** Internal: this many blocks of the request were reserved earlier (delayed allocation) and come out of that reservation. */
  fromReservation?: number;
  /**
   * Internal: claim the blocks for data in flight; the on-disk bitmap and
   * counters change only when they are published (publishClaimedBlocks) or
   * go back (releaseClaimedBlocks).
   */
  claim?: boolean;
}

/** Groups scanned past the first usable run before settling for it. */
const EXTRA_GROUPS_SCANNED = 4;

function enospc(what: string): FsError {
  return new FsError('ENOSPC', `no space left on the ext2 filesystem (${what}); free some space or mount a bigger image`, { syscall: 'write' });
}

/** Free blocks a request may use now. Caller holds the allocator mutex. */
export function usableBlocks(ctx: MountContext, privileged: boolean, fromReservation = 0): number {
  const a = ctx.alloc;
  const reserved = privileged ? 0 : ctx.vol.sb.rBlocksCount;
  return a.freeBlocks - (a.reservedBlocks - fromReservation) - reserved;
}

/**
 * Allocates one contiguous run of `min`..`max` blocks as near `goal` as it
 * can (see the module comment). ENOSPC when not even `min` are free.
 * Precondition: writable mount; max >= min >= 1. Takes the allocator mutex.
 */
export async function allocateBlocks(ctx: MountContext, request: BlockRequest): Promise<BlockExtent> {
  const min = request.min ?? 1;
  if (!(Number.isInteger(request.max) && Number.isInteger(min) && min >= 1 && request.max >= min)) {
    throw new FsError('EINVAL', `block request wants ${min}..${request.max} blocks`, { syscall: 'allocate' });
  }
  const first = await ctx.alloc.mutex.runExclusive(() => allocateLocked(ctx, request, min));
  if (first !== undefined) return first;
  // Not enough: make blocks freed since the last sync reusable, then try once more.
  // (Not from inside a metadata change: the commit's freeze would wait for the caller itself.)
  if (ctx.alloc.pendingFreeBlocks > 0 && ctx.alloc.commit !== undefined && ctx.barrier.holders === 0) await ctx.alloc.commit();
  const again = await ctx.alloc.mutex.runExclusive(() => allocateLocked(ctx, request, min));
  if (again === undefined) throw enospc(`${min} block(s) wanted, ${Math.max(0, usableBlocks(ctx, request.privileged))} usable`);
  return again;
}

async function allocateLocked(ctx: MountContext, request: BlockRequest, min: number): Promise<BlockExtent | undefined> {
  const fromReservation = request.fromReservation ?? 0;
  const usable = usableBlocks(ctx, request.privileged, fromReservation);
  if (usable < min) return undefined;
  const want = Math.min(request.max, usable);
  const found = await findRun(ctx, request.goal, want, min);
  if (found === undefined) return undefined;
  await markAllocated(ctx, found.group, found.run, request.claim !== true);
  const first = groupFirstBlock(ctx.vol.geometry, found.group) + found.run.start;
  ctx.alloc.reservedBlocks -= Math.min(fromReservation, found.run.length);
  return { first, count: found.run.length };
}

/** The group holding block `b`. */
function groupOf(ctx: MountContext, b: number): number {
  const g = ctx.vol.geometry;
  return Math.floor((b - g.firstDataBlock) / g.blocksPerGroup);
}

async function findRun(ctx: MountContext, goal: number, want: number, min: number): Promise<{ group: number; run: ClearRun } | undefined> {
  const g = ctx.vol.geometry;
  const target = Number.isInteger(goal) && goal >= g.firstDataBlock && goal < g.blocksCount ? goal : g.firstDataBlock;
  const startGroup = groupOf(ctx, target);
  const goalBit = target - groupFirstBlock(g, startGroup);
  let best: { group: number; run: ClearRun } | undefined;
  let scannedSinceBest = 0;
  // One pass over every group from the goal's, then the goal group's bits before the goal.
  for (let k = 0; k <= g.groupCount; k++) {
    const group = (startGroup + k) % g.groupCount;
    const gd = ctx.vol.descriptors[group];
    if (gd === undefined || gd.freeBlocksCount === 0) continue;
    const bits = groupBlockCount(g, group);
    const from = k === 0 ? goalBit : 0;
    const to = k === g.groupCount ? goalBit : bits;
    if (from >= to) continue;
    const bitmap = await ctx.alloc.allocationMap(group);
    if (k === 0 && !testBit(bitmap, goalBit)) {
      // Step 1: continue exactly at the goal.
      const length = clearRunLength(bitmap, goalBit, bits, want);
      if (length >= min) return { group, run: { start: goalBit, length } };
    }
    const run = findClearRun(bitmap, from, to, want);
    if (run !== undefined && run.length >= want) return { group, run };
    if (run !== undefined && run.length >= min && (best === undefined || run.length > best.run.length)) {
      best = { group, run };
      scannedSinceBest = 0;
    } else if (best !== undefined && ++scannedSinceBest >= EXTRA_GROUPS_SCANNED) {
      break;
    }
  }
  return best;
}

async function markAllocated(ctx: MountContext, group: number, run: ClearRun, publish: boolean): Promise<void> {
  const g = ctx.vol.geometry;
  const first = groupFirstBlock(g, group) + run.start;
  // A bitmap that calls metadata free is corrupt; never hand such a block out.
  const meta = firstMetadataBlockIn(ctx.vol, first, run.length);
  if (meta !== -1) {
    throw new CorruptFilesystemError({ structure: `block bitmap of group ${group}`, location: `block ${ctx.vol.descriptors[group]?.blockBitmap}` }, `metadata block ${meta} is marked free`);
  }
  const gd = ctx.vol.descriptors[group];
  if (gd === undefined || gd.freeBlocksCount < run.length) {
    throw new CorruptFilesystemError({ structure: `group descriptor ${group}` }, `bg_free_blocks_count ${gd?.freeBlocksCount} is below the ${run.length} free blocks its bitmap shows`);
  }
  setBits(await ctx.alloc.allocationMap(group), run.start, run.start + run.length);
  ctx.alloc.freeBlocks -= run.length;
  if (publish) await setDiskBits(ctx, group, run.start, run.length);
}

/** Sets on-disk bits [start, start + length) of `group` and lowers its free count. Caller holds the allocator mutex. */
async function setDiskBits(ctx: MountContext, group: number, start: number, length: number): Promise<void> {
  const gd = ctx.vol.descriptors[group];
  if (gd === undefined) return;
  const blk = await ctx.alloc.blockBitmap(group);
  await blk.modify((data) => setBits(data, start, start + length));
  gd.freeBlocksCount -= length;
  ctx.alloc.groupChanged(group);
}

/** Calls `fn(group, startBit, length)` for each group-sized piece of [first, first + count). */
async function perGroup(ctx: MountContext, first: number, count: number, fn: (group: number, start: number, length: number) => Promise<void>): Promise<void> {
  const g = ctx.vol.geometry;
  for (let b = first; b < first + count; ) {
    const group = groupOf(ctx, b);
    const start = groupFirstBlock(g, group);
    const end = Math.min(first + count, start + groupBlockCount(g, group));
    await fn(group, b - start, end - b);
    b = end;
  }
}

/**
 * Publishes blocks writeback claimed: their on-disk bits and counters now
 * say "in use" (with the pointers to them, at ioend completion).
 * Precondition: the blocks were allocated with `claim`. Takes the allocator mutex.
 */
export async function publishClaimedBlocks(ctx: MountContext, first: number, count: number): Promise<void> {
  if (count <= 0) return;
  await ctx.alloc.mutex.runExclusive(() => perGroup(ctx, first, count, (group, start, length) => setDiskBits(ctx, group, start, length)));
}

/**
 * Gives back claimed blocks that were never published (the write failed,
 * the range was truncated): only the allocator's copy changes.
 * Takes the allocator mutex.
 */
export async function releaseClaimedBlocks(ctx: MountContext, first: number, count: number): Promise<void> {
  if (count <= 0) return;
  await ctx.alloc.mutex.runExclusive(() =>
    perGroup(ctx, first, count, async (group, start, length) => {
      const cleared = clearBits(await ctx.alloc.allocationMap(group), start, start + length);
      ctx.alloc.freeBlocks += cleared;
    }),
  );
}

/**
 * Frees [first, first + count) once the metadata that stopped using them is
 * durable: until the next metadata sync the blocks stay marked in use and
 * are not handed out again. Precondition: the blocks belong to the caller
 * (a file's data, indirect or xattr blocks) and nothing points at them any more.
 */
export function freeBlocks(ctx: MountContext, first: number, count: number): void {
  if (count <= 0) return;
  checkFileRun(ctx.vol, first, count, { structure: 'block free', location: `blocks ${first}..${first + count - 1}` });
  const pending = ctx.alloc.pendingFree;
  const last = pending[pending.length - 1];
  if (last !== undefined && last.first + last.count === first) pending[pending.length - 1] = { first: last.first, count: last.count + count };
  else pending.push({ first, count });
  ctx.alloc.pendingFreeBlocks += count;
}

/**
 * Gives back blocks allocated (not claimed) by this mount to which no
 * pointer was ever set: reusable at once.
 * Precondition: nothing references them. Takes the allocator mutex.
 */
export async function releaseUnpublishedBlocks(ctx: MountContext, first: number, count: number): Promise<void> {
  if (count <= 0) return;
  await ctx.alloc.mutex.runExclusive(() => clearRun(ctx, first, count));
}

/**
 * Makes every pending free reusable: clears the bits and raises the counts.
 * Called by the metadata sync after the metadata that freed them was
 * flushed. Takes the allocator mutex.
 */
export async function releasePendingFrees(ctx: MountContext): Promise<number> {
  return ctx.alloc.mutex.runExclusive(async () => {
    const pending = ctx.alloc.pendingFree;
    ctx.alloc.pendingFree = [];
    ctx.alloc.pendingFreeBlocks = 0;
    pending.sort((a, b) => a.first - b.first);
    let released = 0;
    for (const run of pending) released += await clearRun(ctx, run.first, run.count);
    return released;
  });
}

/** Clears the bits of [first, first + count) on disk and in the allocator's copy. Caller holds the allocator mutex. */
async function clearRun(ctx: MountContext, first: number, count: number): Promise<number> {
  let cleared = 0;
  await perGroup(ctx, first, count, async (group, start, length) => {
    clearBits(await ctx.alloc.allocationMap(group), start, start + length);
    const blk = await ctx.alloc.blockBitmap(group);
    let n = 0;
    await blk.modify((data) => {
      n = clearBits(data, start, start + length);
    });
    const gd = ctx.vol.descriptors[group];
    if (gd !== undefined && n > 0) {
      gd.freeBlocksCount += n;
      ctx.alloc.freeBlocks += n;
      ctx.alloc.groupChanged(group);
    }
    cleared += n;
  });
  return cleared;
}

/**
 * Reserves `count` blocks for a delayed allocation (counted as used until
 * allocated or released). False when they are not available (ENOSPC for
 * the caller). Caller holds the allocator mutex.
 */
export function reserveBlocksLocked(ctx: MountContext, count: number, privileged: boolean): boolean {
  if (count <= 0) return true;
  if (usableBlocks(ctx, privileged) < count) return false;
  ctx.alloc.reservedBlocks += count;
  return true;
}

/** Returns `count` reserved blocks to the free pool. */
export function unreserveBlocks(ctx: MountContext, count: number): void {
  if (count <= 0) return;
  ctx.alloc.reservedBlocks -= count;
  if (ctx.alloc.reservedBlocks < 0) {
    throw new FsError('EIO', `delayed-allocation reservations went negative (${ctx.alloc.reservedBlocks}): accounting bug`, { syscall: 'writeback' });
  }
}
