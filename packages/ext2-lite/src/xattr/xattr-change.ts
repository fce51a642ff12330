// Changing an inode's extended attributes (EXT2.md 5): read them (in-inode
// area and xattr block), plan where each goes (xattr-plan.ts), then apply:
//
//   1. the block part first — it is the only step that can fail for want of
//      space (a new block: ENOSPC), so nothing has changed if it does:
//        no block attributes left     -> drop the reference (freed at 0)
//        block with h_refcount 1      -> rewrite it in place
//        no block, or h_refcount > 1  -> a new block (refcount 1); the old
//                                        one loses a reference (copy-on-write)
//   2. the in-inode area, rebuilt into the inode's bytes after i_extra_isize
//   3. ctime, and the inode marked dirty (its bytes past 128 go with it)
//
// Values arrive as stored: the ACL encodings are converted by the callers.
import { FsError } from '@iomap/core';
import { buildInodeXattrArea, buildXattrBlock, decodeInodeXattrs, type NewXattr, type XattrEntry } from '../format/xattr.js';
import type { Ext2Inode } from '../inode/ext2-inode.js';
import { markInodeDirty } from '../inode/inode-write.js';
import type { MountContext } from '../mount/mount-context.js';
import { setInodeTime } from '../namespace/inode-times.js';
import { writeNewMetadataBlock } from '../namespace/new-metadata-block.js';
import { detachXattrBlock, dropXattrBlockReference, overwriteMetadataBlock, readXattrBlock, xattrBlockLock } from './xattr-block-refs.js';
import { planXattrChange, type XattrChange, type XattrPlan } from './xattr-plan.js';

const GOOD_OLD_INODE_SIZE = 128;

/** Where the in-inode attribute area of `inode` lies, or undefined when it has none (128-byte inode, or i_extra_isize below 4). */
export function inodeXattrArea(inode: Ext2Inode): { start: number; length: number } | undefined {
  const d = inode.disk;
  const extra = d.extraIsize ?? 0;
  if (d.inodeSize <= GOOD_OLD_INODE_SIZE || extra < 4) return undefined;
  const start = GOOD_OLD_INODE_SIZE + extra;
  const length = d.inodeSize - start;
  return length >= 8 ? { start, length } : undefined;
}

const toNew = (e: XattrEntry): NewXattr => ({ nameIndex: e.nameIndex, name: e.name, value: e.value });

/** Runs `body` with inode.lock exclusive once the inode is known to be live (else ENOENT). */
export async function withLiveInodeLocked<T>(inode: Ext2Inode, syscall: string, body: () => Promise<T>): Promise<T> {
  const release = await inode.lock.acquireExclusive();
  try {
    if (inode.disk.linksCount === 0 && inode.openers === 0) throw new FsError('ENOENT', `inode ${inode.ino} was deleted`, { syscall });
    return await body();
  } finally {
    release();
  }
}

/**
 * Applies `change` to `inode`'s attributes and records a ctime (`ctimeNs`, default the clock's).
 * Precondition: the caller holds inode.lock exclusive (or the inode is not
 * reachable yet) and the inode is live.
 */
export async function changeXattrLocked(ctx: MountContext, inode: Ext2Inode, change: XattrChange, syscall: string, ctimeNs?: bigint): Promise<void> {
  await xattrBlockLock(ctx).runExclusive(() => applyChange(ctx, inode, change, syscall, ctimeNs ?? ctx.now()));
}

async function applyChange(ctx: MountContext, inode: Ext2Inode, change: XattrChange, syscall: string, ctimeNs: bigint): Promise<void> {
  const d = inode.disk;
  const area = inodeXattrArea(inode);
  const inInode = area === undefined ? [] : decodeInodeXattrs(d.raw, { ino: inode.ino, extraIsize: d.extraIsize ?? 0 });
  const block = d.fileAcl === 0 ? undefined : await readXattrBlock(ctx, d.fileAcl, inode.ino);
  const current = { inode: inInode.map(toNew), block: (block?.entries ?? []).map(toNew) };
  const plan = planXattrChange(current, change, { inodeArea: area?.length ?? 0, blockSize: ctx.vol.geometry.blockSize }, syscall);
  if (plan.blockChanged) await applyBlockPart(ctx, inode, block?.refcount, plan);
  if (plan.inodeChanged && area !== undefined) {
    const bytes = buildInodeXattrArea(plan.inode, area.length);
    if (bytes === undefined) throw new FsError('ENOSPC', `the planned in-inode attributes of inode ${inode.ino} do not fit ${area.length} bytes`, { syscall });
    d.raw.set(bytes, area.start);
  }
  setInodeTime(d, 'ctime', ctimeNs);
  markInodeDirty(ctx, inode);
}

async function applyBlockPart(ctx: MountContext, inode: Ext2Inode, refcount: number | undefined, plan: XattrPlan): Promise<void> {
  const d = inode.disk;
  const bs = ctx.vol.geometry.blockSize;
  const old = d.fileAcl;
  if (plan.block.length === 0) {
    if (old !== 0) {
      await dropXattrBlockReference(ctx, old, inode.ino);
      detachXattrBlock(ctx, inode);
    }
    return;
  }
  const bytes = buildXattrBlock(plan.block, { blockSize: bs, refcount: 1 });
  if (bytes === undefined) throw new FsError('ENOSPC', `the planned xattr block of inode ${inode.ino} does not fit ${bs} bytes`, { syscall: 'setxattr' });
  if (old !== 0 && refcount === 1) {
    await overwriteMetadataBlock(ctx, old, bytes);
    return;
  }
  const first = await writeNewMetadataBlock(ctx, inode, bytes);
  if (old !== 0) await dropXattrBlockReference(ctx, old, inode.ino);
  else d.blocks += bs / 512;
  d.fileAcl = first;
}
