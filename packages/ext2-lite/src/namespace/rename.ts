// rename(2) and renameat2's RENAME_NOREPLACE / RENAME_EXCHANGE
// (EXT2.md 4.3-4.5; the kernel's ext2_rename and do_renameat2 checks).
//
//   cross-directory: the rename mutex, then the '..' chains of both parents
//   lock the parents (ancestor first, else ascending ino), then the source
//   and target inodes (ascending ino)
//   re-check under the locks: both parents alive, source exists, what the
//   target is now; same inode -> nothing to do (POSIX)
//   refuse:  source is an ancestor of the new parent        EINVAL
//            target is an ancestor of the old parent        ENOTEMPTY (EINVAL for exchange)
//            dir over non-dir ENOTDIR, non-dir over dir EISDIR, dir over
//            non-empty dir ENOTEMPTY, noReplace + target EEXIST,
//            exchange without target ENOENT, a parent full of links EMLINK
//   move:    target entry re-pointed (or a new entry added: the only step
//            that can need space) -> old entry removed -> a moved directory's
//            '..' re-pointed -> parents' link counts -> the replaced target
//            loses its links (evicted at 0 when unopened)
//   times:   both parents mtime/ctime (and INDEX_FL cleared), source ctime
import { FsError, type ErrnoCode, type Release } from '@iomap/core';
import type { RenameOptions } from '@iomap/vfs';
import { fileTypeFromMode } from '../format/dir-entry.js';
import { clearIndexFlag } from '../format/htree.js';
import type { Ext2Inode } from '../inode/ext2-inode.js';
import { markInodeDirty } from '../inode/inode-write.js';
import type { MountContext } from '../mount/mount-context.js';
import { addDirEntry, findDirEntry, isDirectoryEmpty, removeDirEntry, retargetDirEntry, setParentEntry } from '../dir/dir-edit.js';
import { directoryChanged, requireLinkRoom, requireLiveDirectory } from './dir-change.js';
import { byInodeNumber, lockInOrder } from './inode-locks.js';
import { setInodeTime } from './inode-times.js';
import { checkEntryName } from './name-checks.js';
import { dropRemovedEntryLinks, entryInode, requireNotLostAndFound } from './remove.js';
import { ancestorChain, parentLockOrder } from './rename-ancestry.js';

/** The two parents and names of one rename, with the chains of a cross-directory one. */
interface RenameSides {
  readonly oldDir: Ext2Inode;
  readonly oldName: Uint8Array;
  readonly newDir: Ext2Inode;
  readonly newName: Uint8Array;
  /** '..' chains (cross-directory renames only). */
  readonly oldChain: Set<number> | undefined;
  readonly newChain: Set<number> | undefined;
}

const fail = (code: ErrnoCode, message: string): FsError => new FsError(code, message, { syscall: 'rename' });

/** Moves (or exchanges) entry `oldName` of `oldDir` to `newName` of `newDir`. */
export async function renameEntry(
  ctx: MountContext,
  oldDir: Ext2Inode,
  oldName: Uint8Array,
  newDir: Ext2Inode,
  newName: Uint8Array,
  options: RenameOptions = {},
): Promise<void> {
  checkEntryName(oldName, 'rename');
  if (options.noReplace === true && options.exchange === true) throw fail('EINVAL', 'RENAME_NOREPLACE and RENAME_EXCHANGE exclude each other');
  const crossDir = oldDir.ino !== newDir.ino;
  const releaseMutex = crossDir ? await ctx.renameMutex.lock() : undefined;
  try {
    const oldChain = crossDir ? await ancestorChain(ctx, oldDir) : undefined;
    const newChain = crossDir ? await ancestorChain(ctx, newDir) : undefined;
    const parents = crossDir ? parentLockOrder(oldDir, newDir, oldChain as Set<number>, newChain as Set<number>) : [oldDir];
    const releaseParents = await lockInOrder(parents);
    try {
      await renameLocked(ctx, { oldDir, oldName, newDir, newName, oldChain, newChain }, options);
    } finally {
      releaseParents();
    }
  } finally {
    releaseMutex?.();
  }
}

async function renameLocked(ctx: MountContext, sides: RenameSides, options: RenameOptions): Promise<void> {
  const { oldDir, oldName, newDir, newName } = sides;
  requireLiveDirectory(oldDir, 'rename');
  requireLiveDirectory(newDir, 'rename');
  const source = await entryInode(ctx, oldDir, oldName, 'rename');
  // Linux looks the source up before the target: a missing source is ENOENT even when the new name is too long.
  checkEntryName(newName, 'rename');
  const slot = await findDirEntry(ctx, newDir, newName);
  const target = slot === undefined ? undefined : (ctx.inodes.peek(slot.ino) ?? (await ctx.inodes.get(slot.ino, `directory inode ${newDir.ino}`)));
  if (target === source) return;
  const exchange = options.exchange === true;
  if (target !== undefined && options.noReplace === true) throw fail('EEXIST', 'the new name exists (RENAME_NOREPLACE)');
  if (target === undefined && exchange) throw fail('ENOENT', 'RENAME_EXCHANGE needs both names to exist');
  requireNotLostAndFound(oldDir, oldName, source, 'rename');
  if (target !== undefined) requireNotLostAndFound(newDir, newName, target, 'rename');
  if (source.isDirectory && sides.newChain?.has(source.ino) === true) throw fail('EINVAL', 'cannot move a directory into its own subtree');
  if (target?.isDirectory === true && sides.oldChain?.has(target.ino) === true) {
    throw exchange ? fail('EINVAL', 'cannot exchange a directory with one of its ancestors') : fail('ENOTEMPTY', 'the target directory contains the source');
  }
  if (target !== undefined && !exchange) {
    if (source.isDirectory && !target.isDirectory) throw fail('ENOTDIR', 'cannot replace a non-directory with a directory');
    if (!source.isDirectory && target.isDirectory) throw fail('EISDIR', 'cannot replace a directory with a non-directory');
  }
  const releaseChildren: Release = await lockInOrder(byInodeNumber(target === undefined ? [source] : [source, target]));
  try {
    // One metadata change: a sync never writes a rename halfway (both entries, '..', link counts).
    await ctx.barrier.change(async () => {
      if (exchange) await exchangeLocked(ctx, sides, source, target as Ext2Inode);
      else await moveLocked(ctx, sides, source, target);
    });
  } finally {
    releaseChildren();
  }
}

/** Points '..' of directory `dir` at `parent` and clears its INDEX_FL (the kernel's set_link on '..'). Caller holds dir.lock. */
async function reparent(ctx: MountContext, dir: Ext2Inode, parent: Ext2Inode): Promise<void> {
  await setParentEntry(ctx, dir, parent.ino);
  dir.disk.flags = clearIndexFlag(dir.disk.flags);
}

async function moveLocked(ctx: MountContext, sides: RenameSides, source: Ext2Inode, target: Ext2Inode | undefined): Promise<void> {
  const { oldDir, oldName, newDir, newName } = sides;
  const crossDir = oldDir.ino !== newDir.ino;
  if (target?.isDirectory === true && !(await isDirectoryEmpty(ctx, target))) throw fail('ENOTEMPTY', `directory inode ${target.ino} is not empty`);
  if (source.isDirectory && crossDir && target === undefined) requireLinkRoom(newDir, 'rename');
  const sourceEntry = { ino: source.ino, fileType: fileTypeFromMode(source.disk.mode) };
  if (target !== undefined) await retargetDirEntry(ctx, newDir, newName, sourceEntry);
  else await addDirEntry(ctx, newDir, newName, sourceEntry);
  await removeDirEntry(ctx, oldDir, oldName);
  const now = ctx.now();
  if (source.isDirectory) {
    if (crossDir) await reparent(ctx, source, newDir);
    if (target === undefined) newDir.disk.linksCount += 1;
    oldDir.disk.linksCount = Math.max(2, oldDir.disk.linksCount - 1);
  }
  setInodeTime(source.disk, 'ctime', now);
  markInodeDirty(ctx, source);
  directoryChanged(ctx, oldDir, now);
  if (crossDir) directoryChanged(ctx, newDir, now);
  if (target !== undefined) await dropRemovedEntryLinks(ctx, target);
}

async function exchangeLocked(ctx: MountContext, sides: RenameSides, source: Ext2Inode, target: Ext2Inode): Promise<void> {
  const { oldDir, oldName, newDir, newName } = sides;
  const crossDir = oldDir.ino !== newDir.ino;
  const typeChange = crossDir && source.isDirectory !== target.isDirectory;
  if (typeChange) requireLinkRoom(source.isDirectory ? newDir : oldDir, 'rename');
  await retargetDirEntry(ctx, newDir, newName, { ino: source.ino, fileType: fileTypeFromMode(source.disk.mode) });
  await retargetDirEntry(ctx, oldDir, oldName, { ino: target.ino, fileType: fileTypeFromMode(target.disk.mode) });
  if (crossDir) {
    if (source.isDirectory) await reparent(ctx, source, newDir);
    if (target.isDirectory) await reparent(ctx, target, oldDir);
  }
  if (typeChange) {
    // One more subdirectory on the side the directory moved to, one fewer on the other.
    const [gains, loses] = source.isDirectory ? [newDir, oldDir] : [oldDir, newDir];
    gains.disk.linksCount += 1;
    loses.disk.linksCount = Math.max(2, loses.disk.linksCount - 1);
  }
  const now = ctx.now();
  for (const inode of [source, target]) {
    setInodeTime(inode.disk, 'ctime', now);
    markInodeDirty(ctx, inode);
  }
  directoryChanged(ctx, oldDir, now);
  if (crossDir) directoryChanged(ctx, newDir, now);
}
