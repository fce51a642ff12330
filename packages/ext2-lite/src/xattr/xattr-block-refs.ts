// Shared xattr blocks and their reference counts (EXT2.md 5.1, 5.3).
//
//   i_file_acl -> block { h_refcount = number of inodes pointing here, ... }
//
// A block is shared by refcount (e2fsprogs and the kernel share identical
// blocks between inodes). Rules kept here:
//   - dropping a reference: h_refcount - 1; at 0 the block is freed; the
//     inode's i_file_acl becomes 0 and its i_blocks loses bs/512 either way
//   - changing the attributes of an inode whose block has h_refcount > 1:
//     copy-on-write (a new block with refcount 1; the old one loses a ref)
//   - h_refcount 1: edit in place
// Every read-decide-write of a refcount happens under one per-mount mutex,
// because two inodes sharing a block may change at the same time (each under
// only its own inode lock) and must not both see "refcount 2".
// Xattr blocks live in the block-device cache (vol.bdev), not a page cache.
import { Mutex } from '@iomap/core';
import { decodeXattrBlock, XATTR_HEADER_FIELDS, type XattrBlock } from '../format/xattr.js';
import { viewOf } from '../format/fields.js';
import { freeBlocks } from '../alloc/block-allocator.js';
import type { Ext2Inode } from '../inode/ext2-inode.js';
import { markInodeDirty } from '../inode/inode-write.js';
import type { MountContext } from '../mount/mount-context.js';
import { checkFileBlock, withBlock, type Volume } from '../mount/volume.js';

const locks = new WeakMap<Volume, Mutex>();

/** The per-mount mutex every xattr-block refcount change runs under. */
export function xattrBlockLock(ctx: MountContext): Mutex {
  let lock = locks.get(ctx.vol);
  if (lock === undefined) {
    lock = new Mutex();
    locks.set(ctx.vol, lock);
  }
  return lock;
}

/** The decoded xattr block `block` of inode `ino`, after checking the pointer. */
export async function readXattrBlock(ctx: MountContext, block: number, ino: number): Promise<XattrBlock> {
  checkFileBlock(ctx.vol, block, { structure: `inode ${ino}`, location: 'i_file_acl' });
  return withBlock(ctx.vol, block, (data) => decodeXattrBlock(data, { block, ino }));
}

/** Replaces the whole content of metadata block `block` in the block-device cache and marks it dirty. */
export async function overwriteMetadataBlock(ctx: MountContext, block: number, bytes: Uint8Array): Promise<void> {
  const blk = await ctx.vol.bdev.getBlock(block);
  try {
    await blk.modify((data) => data.set(bytes));
  } finally {
    blk.release();
  }
}

/**
 * Drops one reference to xattr block `block`: h_refcount - 1 in place, or
 * the block freed when that reaches 0. Returns the refcount left.
 * Precondition: caller holds xattrBlockLock; the block is referenced by the caller's inode.
 */
export async function dropXattrBlockReference(ctx: MountContext, block: number, ino: number): Promise<number> {
  const decoded = await readXattrBlock(ctx, block, ino);
  const left = decoded.refcount - 1;
  if (left === 0) {
    freeBlocks(ctx, block, 1);
    return 0;
  }
  const blk = await ctx.vol.bdev.getBlock(block);
  try {
    await blk.modify((data) => viewOf(data).setUint32(XATTR_HEADER_FIELDS.refcount.offset, left, true));
  } finally {
    blk.release();
  }
  return left;
}

/**
 * Releases `inode`'s xattr block (the inode is being freed, or lost its last
 * block attribute): refcount - 1, the block freed at 0, i_file_acl = 0,
 * i_blocks - bs/512, inode marked dirty. Nothing to do without a block.
 * Precondition: caller holds inode.lock exclusive, or the inode is being
 * evicted (nobody else can reach it).
 */
export async function releaseXattrBlock(ctx: MountContext, inode: Ext2Inode): Promise<void> {
  const block = inode.disk.fileAcl;
  if (block === 0) return;
  await xattrBlockLock(ctx).runExclusive(() => dropXattrBlockReference(ctx, block, inode.ino));
  detachXattrBlock(ctx, inode);
}

/** i_file_acl = 0 and i_blocks without the block's sectors; marks the inode dirty. */
export function detachXattrBlock(ctx: MountContext, inode: Ext2Inode): void {
  const sectors = ctx.vol.geometry.blockSize / 512;
  inode.disk.fileAcl = 0;
  inode.disk.blocks = Math.max(0, inode.disk.blocks - sectors);
  markInodeDirty(ctx, inode);
}
