// Emptying a directory in one call (vfs removeContents; EXT2.md 4.3-4.5):
// rm -r's inner loop with the directory lock taken once and its index
// walked once, instead of a lookup, a getattr and an unlink per entry.
//
//   lock dir -> index (built once) -> its entries in on-disk order (what
//   readdir, and so a per-entry rm -r, would meet) -> each one:
//     path too long for the caller?            -> stop (false)
//     subdirectory: policy.mayEmpty(attrs)?    -> no: stop (false)
//                   lock it, empty it (recursion), then rmdir's change
//     anything else: unlink's change
//
// Each removal is the same single metadata change unlink or rmdir makes, so
// a sync between two of them writes a consistent image with some entries
// gone. A file whose removal needs no I/O and no wait (block of the entry
// cached, file unopened, direct blocks only, nobody holding its locks) is
// removed synchronously, so a run of such files costs no promise at all;
// anything else takes the awaited unlink path (its own barrier entry).
// A synchronous run of such removals is one barrier entry, left before any
// await (where a sync can come in), and stamps the directory's mtime/ctime
// once, with one change time per directory.
import { CorruptFilesystemError, FsError } from '@iomap/core';
import { ROOT_INO } from '../format/inode.js';
import { cachedAttributes } from '../inode/attributes.js';
import type { Ext2Inode } from '../inode/ext2-inode.js';
import { canDropLinkNow, dropLinkNow } from '../inode/inode-write.js';
import type { MountContext } from '../mount/mount-context.js';
import type { Leave } from '../sync/metadata-barrier.js';
import { removeDirSlotNow } from '../dir/dir-edit.js';
import { directoryIndex, keyName, DOT_KEY, DOTDOT_KEY, type DirIndex, type DirSlot } from '../dir/dir-index.js';
import type { ContentRemovalPolicy } from '@iomap/vfs';
import { directoryChanged, requireLiveDirectory } from './dir-change.js';
import { rmdirVictim, unlinkVictim } from './remove.js';

/** One directory being emptied: its lock is held; `stamped` says its times were set since the last await. */
interface Emptying {
  readonly dir: Ext2Inode;
  readonly index: DirIndex;
  /** Bytes of the directory's path (the policy's pathLength for the top one). */
  readonly pathLength: number;
  readonly now: bigint;
  stamped: boolean;
  /** The metadata change a synchronous run of removals is inside (left before any await). */
  leave: Leave | undefined;
  /** The job of the directory holding this one (its lock is held too), undefined for the top. */
  readonly parent: Emptying | undefined;
}

/** The live entries of an index but '.' and '..', in on-disk order (block, then offset). */
function entriesInDiskOrder(index: DirIndex): [string, DirSlot][] {
  const entries: [string, DirSlot][] = [];
  for (const entry of index.names) if (entry[0] !== DOT_KEY && entry[0] !== DOTDOT_KEY) entries.push(entry);
  return entries.sort((a, b) => a[1].block - b[1].block || a[1].offset - b[1].offset);
}

/** Sets the directory's times once per synchronous run. */
function stamp(ctx: MountContext, job: Emptying): void {
  if (job.stamped) return;
  directoryChanged(ctx, job.dir, job.now);
  job.stamped = true;
}

/**
 * Ends the synchronous run before an await: leaves its metadata change (a
 * waiting sync may run now, and sees every removal so far complete) and
 * makes the next removal stamp the directory again.
 */
function pause(job: Emptying): void {
  const leave = job.leave;
  job.leave = undefined;
  job.stamped = false;
  if (leave !== undefined) leave();
}

/**
 * unlink of the non-directory `victim` (entry `key` at `slot`) without an
 * await; false, having changed nothing, when that needs one.
 */
function unlinkNow(ctx: MountContext, job: Emptying, key: string, slot: DirSlot, victim: Ext2Inode): boolean {
  // Idle locks cannot be taken by anyone before this returns: no need to make and take them.
  if (!victim.locksIdle) return false;
  // One metadata change for the whole synchronous run: nothing can run
  // between two of its removals, so a sync sees each one whole either way.
  job.leave ??= ctx.barrier.tryEnter();
  if (job.leave === undefined) return false;
  // dropLinkNow's check first: a removed entry never waits for its link drop.
  if (!canDropLinkNow(victim) || !removeDirSlotNow(ctx, job.dir, job.index, key, slot)) return false;
  stamp(ctx, job);
  if (!dropLinkNow(ctx, victim, job.now)) throw new FsError('EIO', `inode ${victim.ino}: its link drop was refused after its entry went`, { syscall: 'unlink' });
  return true;
}

/** Empties the locked directory of `job`; false when the policy stopped it. */
async function emptyLocked(ctx: MountContext, job: Emptying, policy: ContentRemovalPolicy): Promise<boolean> {
  try {
    return await emptyEntries(ctx, job, policy);
  } finally {
    pause(job);
  }
}

/** emptyLocked's walk: entries in disk order, inodes prefetched, each removed at once when it can be. */
async function emptyEntries(ctx: MountContext, job: Emptying, policy: ContentRemovalPolicy): Promise<boolean> {
  const { dir } = job;
  const from = `directory inode ${dir.ino}`;
  const entries = entriesInDiskOrder(job.index);
  await ctx.inodes.prefetch(entries.map((entry) => entry[1].ino));
  for (const [key, slot] of entries) {
    const pathLength = job.pathLength + 1 + key.length;
    if (pathLength >= policy.maxPathLength) return false;
    let victim = ctx.inodes.getNow(slot.ino, from);
    if (victim === undefined) {
      pause(job);
      victim = await ctx.inodes.get(slot.ino, from);
    }
    if (victim.isDirectory) {
      pause(job);
      if (!(await removeSubdirectory(ctx, job, key, victim, pathLength, policy))) return false;
    } else if (!unlinkNow(ctx, job, key, slot, victim)) {
      pause(job);
      await unlinkVictim(ctx, dir, keyName(key), victim);
    }
  }
  return true;
}

/** Empties subdirectory `victim` (entry `key` of the job's directory) and removes it; false when the policy stopped it. */
async function removeSubdirectory(ctx: MountContext, parent: Emptying, key: string, victim: Ext2Inode, pathLength: number, policy: ContentRemovalPolicy): Promise<boolean> {
  // A corrupt entry naming a directory already being emptied: its lock is held here.
  for (let job: Emptying | undefined = parent; job !== undefined; job = job.parent) {
    if (job.dir === victim) throw new CorruptFilesystemError({ structure: `directory inode ${parent.dir.ino}` }, `an entry names directory inode ${victim.ino}, which contains it`);
  }
  if (!policy.mayEmpty(await cachedAttributes(ctx.vol, victim))) return false;
  const release = victim.lock.tryAcquireExclusive() ?? (await victim.lock.acquireExclusive());
  try {
    requireLiveDirectory(victim, 'rmdir');
    const index = await directoryIndex(ctx, victim);
    const job: Emptying = { dir: victim, index, pathLength, now: parent.now, stamped: false, leave: undefined, parent };
    if (!(await emptyLocked(ctx, job, policy))) return false;
    await rmdirVictim(ctx, parent.dir, keyName(key), victim);
    return true;
  } finally {
    release();
  }
}

/**
 * removeContents: removes every entry of directory `dir` as unlink and rmdir
 * would, subdirectories emptied first, while `policy` allows; true when
 * `dir` is left empty. The root directory is left to the caller (its
 * lost+found is kept, EXT2.md 4.5).
 */
export async function removeContents(ctx: MountContext, dir: Ext2Inode, policy: ContentRemovalPolicy): Promise<boolean> {
  if (dir.ino === ROOT_INO) return false;
  const release = dir.lock.tryAcquireExclusive() ?? (await dir.lock.acquireExclusive());
  try {
    requireLiveDirectory(dir, 'rmdir');
    const index = await directoryIndex(ctx, dir);
    return await emptyLocked(ctx, { dir, index, pathLength: policy.pathLength, now: ctx.now(), stamped: false, leave: undefined, parent: undefined }, policy);
  } finally {
    release();
  }
}
