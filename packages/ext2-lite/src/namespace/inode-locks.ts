// Taking several inode locks (the contract's lock order): parents before
// children; two parents with the ancestor first, else in ascending inode
// number; the children of an operation (victims, the moved inode) last, in
// ascending inode number. Each lock is taken exclusive, once per inode.
import type { Release } from '@iomap/core';
import type { Ext2Inode } from '../inode/ext2-inode.js';

/** Locks `inodes` exclusive in the order given (duplicates skipped); the result releases them all, in reverse. */
export async function lockInOrder(inodes: readonly Ext2Inode[]): Promise<Release> {
  const releases: Release[] = [];
  const seen = new Set<number>();
  try {
    for (const inode of inodes) {
      if (seen.has(inode.ino)) continue;
      seen.add(inode.ino);
      releases.push(await inode.lock.acquireExclusive());
    }
  } catch (err) {
    for (const r of releases.reverse()) r();
    throw err;
  }
  return () => {
    for (const r of releases.reverse()) r();
  };
}

/** `inodes` in ascending inode number. */
export function byInodeNumber(inodes: readonly Ext2Inode[]): Ext2Inode[] {
  return [...inodes].sort((a, b) => a.ino - b.ino);
}
