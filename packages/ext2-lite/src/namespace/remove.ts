// Removing names (EXT2.md 3.8, 4.3-4.5): unlink and rmdir.
//
//   lock dir, then the victim (parent before child) -> dir alive, entry
//   still there and of the right type (the VFS checked without locks) ->
//   remove the entry -> dir: mtime/ctime, INDEX_FL cleared (and links - 1
//   for a removed subdirectory) -> victim: links - 1 (a directory: to 0,
//   its own '.' goes too); at 0 and unopened the inode is evicted (blocks,
//   xattr block reference, inode number freed, dtime set).
import { FsError } from '@iomap/core';
import { ROOT_INO } from '../format/inode.js';
import type { Ext2Inode } from '../inode/ext2-inode.js';
import { dropLink } from '../inode/inode-write.js';
import type { MountContext } from '../mount/mount-context.js';
import { findDirEntry, isDirectoryEmpty, removeDirEntry } from '../dir/dir-edit.js';
import { cachedDirIndex, nameKey } from '../dir/dir-index.js';
import { directoryChanged, requireLiveDirectory } from './dir-change.js';
import { lockInOrder } from './inode-locks.js';
import { isLostAndFoundName } from './name-checks.js';

/** The inode the entry `name` of `dir` names; ENOENT when there is none. Caller holds dir.lock. */
export async function entryInode(ctx: MountContext, dir: Ext2Inode, name: Uint8Array, syscall: string): Promise<Ext2Inode> {
  const slot = await findDirEntry(ctx, dir, name);
  if (slot === undefined) throw new FsError('ENOENT', `no such entry in directory inode ${dir.ino}`, { syscall });
  return ctx.inodes.peek(slot.ino) ?? ctx.inodes.get(slot.ino, `directory inode ${dir.ino}`);
}

/** EPERM for removing or renaming away /lost+found, which e2fsck needs to reconnect orphans (EXT2.md 4.5). */
export function requireNotLostAndFound(dir: Ext2Inode, name: Uint8Array, victim: Ext2Inode, syscall: string): void {
  if (dir.ino === ROOT_INO && victim.isDirectory && isLostAndFoundName(name)) {
    throw new FsError('EPERM', '/lost+found is kept: e2fsck reconnects orphaned inodes there (EXT2.md 4.5)', { syscall });
  }
}

/**
 * Drops the links a removed entry held: one for a non-directory; both of an
 * (empty) directory's — the parent's entry and its own '.'.
 * Precondition: the entry is gone; caller holds the victim's lock.
 */
export async function dropRemovedEntryLinks(ctx: MountContext, victim: Ext2Inode): Promise<void> {
  if (victim.isDirectory) victim.disk.linksCount = Math.min(victim.disk.linksCount, 2);
  if (victim.isDirectory && victim.disk.linksCount === 2) await dropLink(ctx, victim);
  await dropLink(ctx, victim);
}

/**
 * entryInode without an await when the directory's index is built and the
 * inode is in core (a delete going through a directory); else undefined.
 */
function entryInodeNow(ctx: MountContext, dir: Ext2Inode, name: Uint8Array): Ext2Inode | undefined {
  const slot = cachedDirIndex(dir)?.names.get(nameKey(name));
  return slot === undefined ? undefined : ctx.inodes.peek(slot.ino);
}

/**
 * unlink's change once the entry `name` of `dir` and its non-directory
 * `victim` are known: the victim locked, then one metadata change (a sync
 * never writes the removed entry without the dropped link count).
 * Precondition: caller holds dir.lock exclusive.
 */
export async function unlinkVictim(ctx: MountContext, dir: Ext2Inode, name: Uint8Array, victim: Ext2Inode): Promise<void> {
  const releaseVictim = victim.lock.tryAcquireExclusive() ?? (await lockInOrder([victim]));
  try {
    const leave = ctx.barrier.tryEnter() ?? (await ctx.barrier.enter());
    try {
      await removeDirEntry(ctx, dir, name);
      directoryChanged(ctx, dir, ctx.now());
      await dropRemovedEntryLinks(ctx, victim);
    } finally {
      leave();
    }
  } finally {
    releaseVictim();
  }
}

/** unlink(2): removes the non-directory entry `name` of `dir`. */
export async function unlinkEntry(ctx: MountContext, dir: Ext2Inode, name: Uint8Array): Promise<void> {
  // Uncontended locks and barrier are taken without a wait (a tree delete
  // unlinks thousands of names one after another).
  const releaseDir = dir.lock.tryAcquireExclusive() ?? (await dir.lock.acquireExclusive());
  try {
    requireLiveDirectory(dir, 'unlink');
    const victim = entryInodeNow(ctx, dir, name) ?? (await entryInode(ctx, dir, name, 'unlink'));
    if (victim.isDirectory) throw new FsError('EISDIR', 'unlink of a directory: use rmdir', { syscall: 'unlink' });
    await unlinkVictim(ctx, dir, name, victim);
  } finally {
    releaseDir();
  }
}

/**
 * rmdir's change once the entry `name` of `dir` and its directory `victim`
 * are known and the victim is locked: ENOTEMPTY unless it is empty, then
 * one metadata change. Precondition: caller holds dir.lock and victim.lock exclusive.
 */
export async function rmdirVictim(ctx: MountContext, dir: Ext2Inode, name: Uint8Array, victim: Ext2Inode): Promise<void> {
  if (!(await isDirectoryEmpty(ctx, victim))) throw new FsError('ENOTEMPTY', `directory inode ${victim.ino} is not empty`, { syscall: 'rmdir' });
  await ctx.barrier.change(async () => {
    await removeDirEntry(ctx, dir, name);
    dir.disk.linksCount = Math.max(2, dir.disk.linksCount - 1);
    directoryChanged(ctx, dir, ctx.now());
    await dropRemovedEntryLinks(ctx, victim);
  });
}

/** rmdir(2): removes the empty directory `name` of `dir` (ENOTEMPTY otherwise). */
export async function removeDirectory(ctx: MountContext, dir: Ext2Inode, name: Uint8Array): Promise<void> {
  const releaseDir = await dir.lock.acquireExclusive();
  try {
    requireLiveDirectory(dir, 'rmdir');
    const victim = await entryInode(ctx, dir, name, 'rmdir');
    if (!victim.isDirectory) throw new FsError('ENOTDIR', 'rmdir of something that is not a directory', { syscall: 'rmdir' });
    requireNotLostAndFound(dir, name, victim, 'rmdir');
    const releaseVictim = await lockInOrder([victim]);
    try {
      await rmdirVictim(ctx, dir, name, victim);
    } finally {
      releaseVictim();
    }
  } finally {
    releaseDir();
  }
}
