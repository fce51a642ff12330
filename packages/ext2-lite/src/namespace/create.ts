// Making new inodes with a name (EXT2.md 3.10, 4.4): create, mkdir, mknod,
// symlink. One path for all four:
//
//   lock dir (exclusive) -> dir still alive, name still free (the VFS
//   checked without the lock) -> createInode (number, on-disk inode, dirty)
//   -> the ACLs it inherits from dir's default ACL, if any -> fill it (a directory's first block, a symlink's target, a device
//   number) -> add the entry -> parent: mtime/ctime, INDEX_FL cleared,
//   links + 1 for a subdirectory
//
// The steps from createInode on are one metadata change (metadata-barrier.ts).
// If filling or the entry fails (ENOSPC), the half-made inode is dropped
// again (links to 0, evicted), so nothing leaks.
import { FsError } from '@iomap/core';
import type { NewInodeAttributes } from '@iomap/vfs';
import { fileTypeFromMode } from '../format/dir-entry.js';
import { S_IF, S_IFMT } from '../format/inode.js';
import type { Ext2Inode } from '../inode/ext2-inode.js';
import { makeInodeRoom } from '../alloc/inode-allocator.js';
import { createInode, dropLink, markInodeDirty } from '../inode/inode-write.js';
import type { MountContext } from '../mount/mount-context.js';
import { addDirEntry, findDirEntry, writeFirstDirBlock } from '../dir/dir-edit.js';
import { splitRdev } from './device-number.js';
import { directoryChanged, requireLinkRoom, requireLiveDirectory } from './dir-change.js';
import { applyInheritedAcls, inheritedAcls } from '../xattr/posix-acl.js';
import { checkEntryName } from './name-checks.js';
import { writeSymlinkTarget } from './symlink-target.js';

/** How a new inode gets its content before its entry is added. Runs before the inode is reachable. */
type Fill = (inode: Ext2Inode) => Promise<void>;

async function makeNode(ctx: MountContext, dir: Ext2Inode, name: Uint8Array, init: NewInodeAttributes, syscall: string, fill: Fill): Promise<Ext2Inode> {
  checkEntryName(name, syscall);
  const isDir = (init.mode & S_IFMT) === S_IF.DIR;
  const release = await dir.lock.acquireExclusive();
  try {
    requireLiveDirectory(dir, syscall);
    if ((await findDirEntry(ctx, dir, name)) !== undefined) throw new FsError('EEXIST', `the name already exists in directory inode ${dir.ino}`, { syscall });
    if (isDir) requireLinkRoom(dir, syscall);
    // Inodes freed since the last sync become usable here, outside the barrier (a commit inside would wait for itself).
    await makeInodeRoom(ctx);
    // A default ACL of the directory narrows the mode and is inherited (xattr/posix-acl.ts).
    const inherited = await inheritedAcls(ctx, dir, init.mode);
    // One metadata change: a sync never writes the inode without its entry or the entry without its inode.
    return await ctx.barrier.change(async () => {
      const inode = await createInode(ctx, dir, inherited === undefined ? init : { ...init, mode: inherited.mode });
      try {
        if (inherited !== undefined) await applyInheritedAcls(ctx, inode, inherited, syscall, init.timeNs);
        await fill(inode);
        await addDirEntry(ctx, dir, name, { ino: inode.ino, fileType: fileTypeFromMode(inode.disk.mode) });
      } catch (err) {
        await discardNewInode(ctx, inode);
        throw err;
      }
      if (isDir) dir.disk.linksCount += 1;
      directoryChanged(ctx, dir, init.timeNs);
      return inode;
    });
  } finally {
    release();
  }
}

/** Drops an inode that never got its entry: links to 0, so it is evicted (blocks and number freed). */
async function discardNewInode(ctx: MountContext, inode: Ext2Inode): Promise<void> {
  inode.disk.linksCount = 1;
  await dropLink(ctx, inode);
}

function requireType(init: NewInodeAttributes, allowed: readonly number[], syscall: string): void {
  const type = init.mode & S_IFMT;
  if (!allowed.includes(type)) throw new FsError('EINVAL', `mode 0${init.mode.toString(8)} is not a type ${syscall} makes`, { syscall });
}

/** Creates regular file `name` in `dir`. Precondition: init.mode has S_IFREG. */
export async function createFile(ctx: MountContext, dir: Ext2Inode, name: Uint8Array, init: NewInodeAttributes): Promise<Ext2Inode> {
  requireType(init, [S_IF.REG], 'open');
  return makeNode(ctx, dir, name, init, 'open', async () => {});
}

/**
 * Creates directory `name` in `dir`: one block with '.' and '..', links 2,
 * the parent's links + 1 (used_dirs is the inode allocator's).
 */
export async function makeDirectory(ctx: MountContext, dir: Ext2Inode, name: Uint8Array, init: NewInodeAttributes): Promise<Ext2Inode> {
  requireType(init, [S_IF.DIR], 'mkdir');
  return makeNode(ctx, dir, name, init, 'mkdir', async (inode) => {
    const release = await inode.lock.acquireExclusive();
    try {
      await writeFirstDirBlock(ctx, inode, dir.ino);
      inode.disk.linksCount = 2;
      markInodeDirty(ctx, inode);
    } finally {
      release();
    }
  });
}

/**
 * Creates a device, FIFO or socket inode (EXT2.md 3.6): size 0, no blocks;
 * createInode stores a device's number in i_block (old or new form).
 */
export async function makeSpecialNode(ctx: MountContext, dir: Ext2Inode, name: Uint8Array, init: NewInodeAttributes): Promise<Ext2Inode> {
  requireType(init, [S_IF.CHR, S_IF.BLK, S_IF.FIFO, S_IF.SOCK], 'mknod');
  const type = init.mode & S_IFMT;
  if (type === S_IF.CHR || type === S_IF.BLK) splitRdev(init.rdev ?? 0);
  return makeNode(ctx, dir, name, init, 'mknod', async () => {});
}

/** Creates symlink `name` in `dir` to `target` (fast below 60 bytes, else one block; EXT2.md 3.5). */
export async function makeSymlink(ctx: MountContext, dir: Ext2Inode, name: Uint8Array, target: Uint8Array, init: NewInodeAttributes): Promise<Ext2Inode> {
  requireType(init, [S_IF.LNK], 'symlink');
  const bs = ctx.vol.geometry.blockSize;
  if (target.length === 0) throw new FsError('ENOENT', 'a symlink needs a non-empty target', { syscall: 'symlink' });
  if (target.length >= bs) throw new FsError('ENAMETOOLONG', `a symlink target of ${target.length} bytes does not fit one ${bs}-byte block with its NUL`, { syscall: 'symlink' });
  if (target.includes(0)) throw new FsError('EINVAL', 'a symlink target may not contain NUL', { syscall: 'symlink' });
  return makeNode(ctx, dir, name, init, 'symlink', (inode) => writeSymlinkTarget(ctx, inode, target));
}
