// Where two directories sit relative to each other, for a cross-directory
// rename (the kernel's lock_rename and its "trap"): the chain of '..' from a
// directory up to the root.
//
// Caller holds ctx.renameMutex and no inode lock: under the mutex no '..'
// changes (only cross-directory renames rewrite '..', and they all hold it),
// so the chains stay true until the rename ends. A directory on a chain has
// a descendant, so it cannot be removed meanwhile either.
import { CorruptFilesystemError } from '@iomap/core';
import { ROOT_INO } from '../format/inode.js';
import type { Ext2Inode } from '../inode/ext2-inode.js';
import type { MountContext } from '../mount/mount-context.js';
import { cachedDirIndex, DOTDOT_KEY } from '../dir/dir-index.js';
import { parentInodeNumber } from '../dir/dir-edit.js';

async function parentOf(ctx: MountContext, dir: Ext2Inode): Promise<number> {
  const slot = cachedDirIndex(dir)?.names.get(DOTDOT_KEY);
  if (slot !== undefined) return slot.ino;
  return dir.lock.withShared(() => parentInodeNumber(ctx, dir));
}

/** Inode numbers from `dir` up to the root, both included. Precondition: see the module comment. */
export async function ancestorChain(ctx: MountContext, dir: Ext2Inode): Promise<Set<number>> {
  const chain = new Set<number>();
  let cur = dir;
  for (;;) {
    chain.add(cur.ino);
    if (cur.ino === ROOT_INO) return chain;
    const parent = await parentOf(ctx, cur);
    if (chain.has(parent)) {
      throw new CorruptFilesystemError({ structure: `directory inode ${cur.ino}` }, `'..' names inode ${parent}, which closes a loop below the root`);
    }
    const next = ctx.inodes.peek(parent) ?? (await ctx.inodes.get(parent, `'..' of directory inode ${cur.ino}`));
    if (!next.isDirectory) throw new CorruptFilesystemError({ structure: `directory inode ${cur.ino}` }, `'..' names inode ${parent}, which is not a directory`);
    cur = next;
  }
}

/** The order to lock two different parent directories in: an ancestor before its descendant, else ascending inode number. */
export function parentLockOrder(oldDir: Ext2Inode, newDir: Ext2Inode, oldChain: Set<number>, newChain: Set<number>): [Ext2Inode, Ext2Inode] {
  if (newChain.has(oldDir.ino)) return [oldDir, newDir];
  if (oldChain.has(newDir.ino)) return [newDir, oldDir];
  return oldDir.ino < newDir.ino ? [oldDir, newDir] : [newDir, oldDir];
}
