// Changing the block map (EXT2.md 3.4): publishing a run of new data blocks
// (creating the indirect blocks on its path) and truncating (freeing every
// block at or past a logical block, whole indirect subtrees included).
// i_blocks follows every change: data, indirect, double and triple
// indirect blocks each count bs/512 sectors.
//
//   installRun(lblk 300, 4 blocks @ 9000), 1 KiB blocks:
//     path [13, 0, 32]: i_block[13] = 0 -> take node "13" (a new DIND block,
//     zeroed), its slot 0 = 0 -> take node "13/0" (a new IND), slots 32..35
//     = 9000..9003; i_blocks += (2 + 4) * 2
//
// New indirect blocks are written whole into the block-device cache (no
// read of stale bytes) and remembered as fresh metadata, which the metadata
// sync writes and flushes before anything pointing at them.
// Caller holds inode.mapLock (and for truncate inode.lock exclusively).
import { CorruptFilesystemError, FsError } from '@iomap/core';
import { blockMapLimits, blockPath } from '../format/block-map.js';
import { NDIR_BLOCKS, N_BLOCKS } from '../format/inode.js';
import { freeBlocks } from '../alloc/block-allocator.js';
import type { MountContext } from '../mount/mount-context.js';
import { checkFileBlock, isFileBlock, withBlock } from '../mount/volume.js';
import type { Ext2Inode } from './ext2-inode.js';
import { treeNodesOf } from './delalloc-state.js';

/** Supplies the block for a missing indirect-tree node (by key, e.g. "13/0"). */
export type NodeSource = (key: string) => Promise<number>;

function sectorsPerBlock(ctx: MountContext): number {
  return ctx.vol.geometry.blockSize / 512;
}

function addSectors(ctx: MountContext, inode: Ext2Inode, blocks: number): void {
  const next = inode.disk.blocks + blocks * sectorsPerBlock(ctx);
  if (next < 0 || next > 0xffffffff) {
    throw new CorruptFilesystemError({ structure: `inode ${inode.ino}` }, `i_blocks would become ${next}, outside 0..2^32-1`);
  }
  inode.disk.blocks = next;
}

/** A new, zeroed indirect block in the cache (no read), remembered as fresh metadata. */
async function initIndirectBlock(ctx: MountContext, block: number): Promise<void> {
  const bs = ctx.vol.geometry.blockSize;
  await ctx.vol.bdev.write(block * bs, new Uint8Array(bs));
  ctx.alloc.freshMetadata.add(block);
}

/** Reads slot `slot` of indirect block `block`. */
function readSlot(ctx: MountContext, block: number, slot: number): Promise<number> {
  return withBlock(ctx.vol, block, (data) => new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(slot * 4, true));
}

/** Writes slots [slot, slot + values.length) of indirect block `block`. */
async function writeSlots(ctx: MountContext, block: number, slot: number, values: ArrayLike<number>): Promise<void> {
  const blk = await ctx.vol.bdev.getBlock(block);
  try {
    await blk.modify((data) => {
      const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
      for (let i = 0; i < values.length; i++) view.setUint32((slot + i) * 4, values[i] as number, true);
    });
  } finally {
    blk.release();
  }
}

/**
 * The block holding the last-level array for `lblk` (0 for i_block itself),
 * creating missing tree nodes from `source`.
 */
async function arrayFor(ctx: MountContext, inode: Ext2Inode, lblk: number, source: NodeSource): Promise<{ holder: number; slot: number }> {
  const bs = ctx.vol.geometry.blockSize;
  const path = blockPath(lblk, bs);
  if (path.depth === 0) return { holder: 0, slot: lblk };
  const { keys } = treeNodesOf(lblk, bs);
  const top = path.offsets[0] as number;
  let ptr = inode.disk.block[top] ?? 0;
  if (ptr === 0) {
    ptr = await source(keys[0] as string);
    await initIndirectBlock(ctx, ptr);
    inode.disk.block[top] = ptr;
    addSectors(ctx, inode, 1);
  } else {
    checkFileBlock(ctx.vol, ptr, { structure: `inode ${inode.ino}`, location: `i_block[${top}]` });
  }
  for (let level = 1; level < path.depth; level++) {
    const slot = path.offsets[level] as number;
    let child = await readSlot(ctx, ptr, slot);
    if (child === 0) {
      child = await source(keys[level] as string);
      await initIndirectBlock(ctx, child);
      await writeSlots(ctx, ptr, slot, [child]);
      addSectors(ctx, inode, 1);
    } else {
      checkFileBlock(ctx.vol, child, { structure: `indirect block ${ptr} of inode ${inode.ino}`, location: `block ${ptr} slot ${slot}` });
    }
    ptr = child;
  }
  return { holder: ptr, slot: path.offsets[path.depth] as number };
}

/**
 * Publishes data blocks [physical, physical + count) at logical blocks
 * [lblk, lblk + count): sets the pointers (creating indirect blocks on the
 * way from `source`) and adds everything to i_blocks. Every slot must have
 * been a hole (EIO otherwise: the caller's bookkeeping is wrong).
 * Precondition: caller holds inode.mapLock; the data is on the device (or
 * will be written before the next metadata sync).
 */
export async function installRun(ctx: MountContext, inode: Ext2Inode, lblk: number, count: number, physical: number, source: NodeSource): Promise<void> {
  const bs = ctx.vol.geometry.blockSize;
  for (let done = 0; done < count; ) {
    const at = lblk + done;
    const { span } = treeNodesOf(at, bs);
    const n = Math.min(span, count - done);
    const { holder, slot } = await arrayFor(ctx, inode, at, source);
    const values = new Array<number>(n);
    for (let i = 0; i < n; i++) values[i] = physical + done + i;
    if (holder === 0) {
      for (let i = 0; i < n; i++) {
        if ((inode.disk.block[slot + i] ?? 0) !== 0) throw overwriteError(inode, at + i);
        inode.disk.block[slot + i] = values[i] as number;
      }
    } else {
      const busy = await withBlock(ctx.vol, holder, (data) => {
        const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
        for (let i = 0; i < n; i++) if (view.getUint32((slot + i) * 4, true) !== 0) return i;
        return -1;
      });
      if (busy !== -1) throw overwriteError(inode, at + busy);
      await writeSlots(ctx, holder, slot, values);
    }
    addSectors(ctx, inode, n);
    done += n;
  }
  inode.blockMapChanged();
}

function overwriteError(inode: Ext2Inode, lblk: number): FsError {
  return new FsError('EIO', `inode ${inode.ino}: logical block ${lblk} is already mapped; a new block may only fill a hole (allocation bookkeeping error)`, { syscall: 'writeback' });
}

/**
 * The tree nodes (keys) missing on the path of [lblk, lblk + count): the
 * indirect blocks a publication of that run would have to create.
 * Precondition: caller holds inode.mapLock.
 */
export async function missingNodes(ctx: MountContext, inode: Ext2Inode, lblk: number, count: number): Promise<string[]> {
  const bs = ctx.vol.geometry.blockSize;
  const missing: string[] = [];
  const known = new Map<string, number>();
  for (let at = lblk; at < lblk + count; ) {
    const path = blockPath(at, bs);
    const { keys, span } = treeNodesOf(at, bs);
    let ptr = 0;
    for (let level = 0; level < path.depth; level++) {
      const key = keys[level] as string;
      let node = known.get(key);
      if (node === undefined) {
        if (level === 0) node = inode.disk.block[path.offsets[0] as number] ?? 0;
        else node = ptr === 0 ? 0 : await readSlot(ctx, ptr, path.offsets[level] as number);
        known.set(key, node);
        if (node === 0) missing.push(key);
      }
      ptr = node;
    }
    at += Math.min(span, lblk + count - at);
  }
  return missing;
}

/** Accumulates freed blocks into runs (one freeBlocks call per run). */
class FreeList {
  private first = 0;
  private count = 0;
  total = 0;

  constructor(private readonly ctx: MountContext) {}

  add(block: number): void {
    this.total++;
    if (this.count > 0 && this.first + this.count === block) {
      this.count++;
      return;
    }
    this.flush();
    this.first = block;
    this.count = 1;
  }

  flush(): void {
    if (this.count > 0) freeBlocks(this.ctx, this.first, this.count);
    this.count = 0;
  }
}

/** Logical blocks [from, to) to free, and where freed blocks are collected. */
interface Cut {
  readonly from: number;
  readonly to: number;
  readonly freed: FreeList;
}

/**
 * Frees every block of the subtree under `ptr` (depth levels of indirection
 * above the data; depth 0 = a data block) that maps logical blocks inside
 * the cut; `start` is the first logical block under `ptr`. Returns whether
 * the whole subtree (ptr included) was freed — then the caller clears its
 * pointer; otherwise the cleared slots were zeroed here.
 */
async function cutSubtree(ctx: MountContext, inode: Ext2Inode, ptr: number, depth: number, start: number, cut: Cut, site: string): Promise<boolean> {
  checkFileBlock(ctx.vol, ptr, { structure: `inode ${inode.ino}`, location: site });
  if (depth === 0) {
    cut.freed.add(ptr);
    return true;
  }
  const apb = ctx.vol.geometry.addressesPerBlock;
  const per = apb ** (depth - 1);
  const slots = await withBlock(ctx.vol, ptr, (data) => {
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const out = new Uint32Array(apb);
    for (let i = 0; i < apb; i++) out[i] = view.getUint32(i * 4, true);
    return out;
  });
  const cleared: number[] = [];
  let keptAny = false;
  for (let i = 0; i < apb; i++) {
    const child = slots[i] as number;
    if (child === 0) continue;
    const childStart = start + i * per;
    if (childStart + per <= cut.from || childStart >= cut.to) {
      keptAny = true;
      continue;
    }
    const whole = await cutSubtree(ctx, inode, child, depth - 1, childStart, cut, `block ${ptr} slot ${i}`);
    if (whole) cleared.push(i);
    else keptAny = true;
  }
  if (!keptAny) {
    cut.freed.add(ptr);
    return true;
  }
  if (cleared.length > 0) {
    const blk = await ctx.vol.bdev.getBlock(ptr);
    try {
      await blk.modify((data) => {
        const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
        for (const i of cleared) view.setUint32(i * 4, 0, true);
      });
    } finally {
      blk.release();
    }
  }
  return false;
}

/**
 * Frees every block mapping logical blocks >= `fromLblk`, whole indirect
 * subtrees included, clears their pointers and fixes i_blocks. Freed blocks
 * become reusable after the next metadata sync (freeBlocks).
 * Precondition: caller holds inode.lock exclusively (and no mapLock: this
 * takes it); the page cache past the cut was already dropped; the inode has
 * a block map (regular file, directory, slow symlink).
 */
export async function truncateBlocks(ctx: MountContext, inode: Ext2Inode, fromLblk: number): Promise<void> {
  const release = await inode.mapLock.lock();
  try {
    await truncateBlocksLocked(ctx, inode, fromLblk);
  } finally {
    release();
  }
}

/** truncateBlocks for a caller already holding inode.mapLock. */
export async function truncateBlocksLocked(ctx: MountContext, inode: Ext2Inode, fromLblk: number): Promise<void> {
  await freeBlockRange(ctx, inode, fromLblk, blockMapLimits(ctx.vol.geometry.blockSize).maxBlocks);
}

/**
 * truncateBlocksLocked(inode, 0) for a block map with no indirect block:
 * nothing to read, so no await (a small file's delete). Returns false, and
 * changes nothing, when i_block holds an indirect pointer.
 * Precondition: as freeBlockRange.
 */
export function freeDirectOnlyBlocks(ctx: MountContext, inode: Ext2Inode): boolean {
  const block = inode.disk.block;
  if (block.length !== N_BLOCKS) return false;
  for (let i = NDIR_BLOCKS; i < N_BLOCKS; i++) if ((block[i] ?? 0) !== 0) return false;
  const freed = new FreeList(ctx);
  try {
    for (let i = 0; i < NDIR_BLOCKS; i++) {
      const p = block[i] ?? 0;
      if (p === 0) continue;
      // The site (two strings) is made only for the error: a tree delete frees a block per file here.
      if (!isFileBlock(ctx.vol, p)) checkFileBlock(ctx.vol, p, { structure: `inode ${inode.ino}`, location: `i_block[${i}]` });
      freed.add(p);
      block[i] = 0;
    }
  } finally {
    freed.flush();
    inode.disk.blocks = Math.max(0, inode.disk.blocks - freed.total * sectorsPerBlock(ctx));
    inode.blocksRemoved();
  }
  return true;
}

/**
 * Frees the blocks mapping logical blocks [from, to) (hole punching and
 * truncate): data blocks, and indirect blocks left with no pointer; fixes
 * i_blocks. Precondition: caller holds inode.mapLock and inode.lock exclusively.
 */
export async function freeBlockRange(ctx: MountContext, inode: Ext2Inode, from: number, to: number): Promise<void> {
  const limits = blockMapLimits(ctx.vol.geometry.blockSize);
  const cut: Cut = { from: Math.max(0, from), to: Math.min(to, limits.maxBlocks), freed: new FreeList(ctx) };
  if (cut.from >= cut.to) return;
  const block = inode.disk.block;
  if (block.length !== N_BLOCKS) throw new CorruptFilesystemError({ structure: `inode ${inode.ino}` }, `i_block has ${block.length} slots`);
  try {
    for (let i = cut.from; i < Math.min(NDIR_BLOCKS, cut.to); i++) {
      const p = block[i] ?? 0;
      if (p === 0) continue;
      await cutSubtree(ctx, inode, p, 0, i, cut, `i_block[${i}]`);
      block[i] = 0;
    }
    const tops: [number, number, number][] = [
      [NDIR_BLOCKS, 1, limits.indirectStart],
      [NDIR_BLOCKS + 1, 2, limits.doubleStart],
      [NDIR_BLOCKS + 2, 3, limits.tripleStart],
    ];
    for (const [slot, depth, start] of tops) {
      const p = block[slot] ?? 0;
      if (p === 0 || start + limits.addressesPerBlock ** depth <= cut.from || start >= cut.to) continue;
      if (await cutSubtree(ctx, inode, p, depth, start, cut, `i_block[${slot}]`)) block[slot] = 0;
    }
  } finally {
    cut.freed.flush();
    inode.disk.blocks = Math.max(0, inode.disk.blocks - cut.freed.total * sectorsPerBlock(ctx));
    inode.blocksRemoved();
  }
}
