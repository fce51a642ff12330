// bmap for whole runs (EXT2.md 3.4; the kernel's ext2_get_blocks without
// `create`): from logical block `lblk`, the longest stretch that is either
// one physically contiguous run of data blocks or one hole.
//
//   i_block[0..11]  direct            i_block[12] -> IND  -> data
//   i_block[13] -> DIND -> IND -> data    i_block[14] -> TIND -> DIND -> IND -> data
//
// A 0 pointer at any level is a hole of its whole subtree: with 4 KiB blocks
// a zero DIND slot skips 2^20 blocks (4 GiB) without reading anything below
// it, and zero siblings in the same indirect block are added on in one scan.
// So a 1 TiB sparse file is mapped with a handful of block reads.
//
// Worked example, 1 KiB blocks (apb 256), i_block[13] = 0, lblk = 300:
//   path [13, 0, 32]; the DIND pointer covers 256^2 blocks from 268, lblk is
//   32 into it -> hole of 65536 - 32 = 65504 blocks (then i_block[14] follows).
//
// Every pointer is range-checked (inside the filesystem, not metadata); an
// indirect block that reappears below itself is a cycle (EUCLEAN); walks are
// bounded by the tree depth and by MAX_MERGE_STEPS merges per call.
import { CorruptFilesystemError } from '@iomap/core';
import { blockMapLimits, blockPath } from '../format/block-map.js';
import { NDIR_BLOCKS } from '../format/inode.js';
import { checkFileBlock, checkFileRun, withBlock, type BlockSite, type Volume } from '../mount/volume.js';
import type { Ext2Inode } from './ext2-inode.js';

/** A stretch of logical blocks: data at `physical` (contiguous), or a hole when `physical` is 0. */
export interface BlockRun {
  readonly physical: number;
  readonly count: number;
}

/** Bound on sub-walks merged into one answer; the caller simply asks again. */
const MAX_MERGE_STEPS = 4096;

/**
 * The run starting at logical block `lblk`, at most `maxBlocks` long (at
 * least 1). Beyond what the block map can address everything is hole.
 * Precondition: inode is a block-mapped regular file, directory or slow symlink; maxBlocks >= 1.
 */
export async function mapBlockRun(vol: Volume, inode: Ext2Inode, lblk: number, maxBlocks: number): Promise<BlockRun> {
  const limits = blockMapLimits(vol.geometry.blockSize);
  if (lblk >= limits.maxBlocks) return { physical: 0, count: maxBlocks };
  let run = inode.lastRun;
  if (run === undefined || lblk < run.lblk || lblk >= run.lblk + run.count) {
    run = { lblk, ...(await walkAhead(vol, inode, lblk, Math.min(maxBlocks, limits.maxBlocks - lblk))) };
    inode.lastRun = run;
  }
  const skip = lblk - run.lblk;
  return { physical: run.physical === 0 ? 0 : run.physical + skip, count: Math.min(maxBlocks, run.count - skip) };
}

/**
 * Maps up to one indirect block's worth beyond `max` (never past EOF), so the
 * next sequential calls hit the cache. Bad pointers beyond what was asked
 * for must not fail this call: then only `max` blocks are walked.
 */
async function walkAhead(vol: Volume, inode: Ext2Inode, lblk: number, max: number): Promise<BlockRun> {
  const bs = vol.geometry.blockSize;
  const fileBlocks = Math.ceil(inode.size / bs);
  const want = Math.max(max, Math.min(vol.geometry.addressesPerBlock, fileBlocks - lblk, blockMapLimits(bs).maxBlocks - lblk));
  if (want === max) return walkRun(vol, inode, lblk, max);
  try {
    return await walkRun(vol, inode, lblk, want);
  } catch {
    return walkRun(vol, inode, lblk, max);
  }
}

/** mapBlockRun without the cache. Precondition: 1 <= max <= blocks addressable from lblk. */
async function walkRun(vol: Volume, inode: Ext2Inode, lblk: number, max: number): Promise<BlockRun> {
  let run = await mapWithinArray(vol, inode, lblk, max);
  for (let step = 0; run.count < max && step < MAX_MERGE_STEPS; step++) {
    const next = await mapWithinArray(vol, inode, lblk + run.count, max - run.count);
    const mergeable = run.physical === 0 ? next.physical === 0 : next.physical === run.physical + run.count;
    if (!mergeable) break;
    run = { physical: run.physical, count: run.count + next.count };
  }
  return run;
}

function cycleError(inode: Ext2Inode, block: number, site: BlockSite): CorruptFilesystemError {
  return new CorruptFilesystemError(site, `block ${block} of inode ${inode.ino} appears twice on one path of its block map (indirect-block cycle or shared block)`);
}

/** Checks a data run (every block a file block, none an indirect block above it). */
function checkRun(vol: Volume, inode: Ext2Inode, first: number, count: number, ancestors: readonly number[], site: BlockSite): void {
  checkFileRun(vol, first, count, site);
  for (const a of ancestors) if (a >= first && a < first + count) throw cycleError(inode, a, site);
}

/** Runs inside i_block[0..11]. Precondition: lblk < 12. */
function mapDirect(vol: Volume, inode: Ext2Inode, lblk: number, max: number): BlockRun {
  const blocks = inode.disk.block;
  const at = (i: number): number => blocks[i] ?? 0;
  const p = at(lblk);
  let n = 1;
  if (p === 0) {
    while (n < max && lblk + n < NDIR_BLOCKS && at(lblk + n) === 0) n++;
    return { physical: 0, count: n };
  }
  while (n < max && lblk + n < NDIR_BLOCKS && at(lblk + n) === p + n) n++;
  checkRun(vol, inode, p, n, [], { structure: `inode ${inode.ino}`, location: `i_block[${lblk}]` });
  return { physical: p, count: n };
}

/** Logical blocks between the start of slot `offsets[level]`'s subtree and lblk. */
function offsetInsideSubtree(offsets: readonly number[], level: number, depth: number, apb: number): number {
  let within = 0;
  for (let j = level + 1; j <= depth; j++) within += (offsets[j] ?? 0) * apb ** (depth - j);
  return within;
}

type Step = { run: BlockRun } | { next: number };

/**
 * One answer from one path: stops at the end of the last-level indirect
 * block, or at the end of a hole's subtree plus its zero siblings.
 */
async function mapWithinArray(vol: Volume, inode: Ext2Inode, lblk: number, max: number): Promise<BlockRun> {
  const apb = vol.geometry.addressesPerBlock;
  const { depth, offsets } = blockPath(lblk, vol.geometry.blockSize);
  if (depth === 0) return mapDirect(vol, inode, lblk, max);
  const top = offsets[0] ?? 0;
  let ptr = inode.disk.block[top] ?? 0;
  let site: BlockSite = { structure: `inode ${inode.ino}`, location: `i_block[${top}]` };
  if (ptr === 0) return { physical: 0, count: Math.min(max, apb ** depth - offsetInsideSubtree(offsets, 0, depth, apb)) };
  const ancestors: number[] = [];
  for (let level = 1; level <= depth; level++) {
    checkFileBlock(vol, ptr, site);
    if (ancestors.includes(ptr)) throw cycleError(inode, ptr, site);
    ancestors.push(ptr);
    const block = ptr;
    const slot = offsets[level] ?? 0;
    const slotSite: BlockSite = { structure: `indirect block ${block} of inode ${inode.ino}`, location: `block ${block} slot ${slot}` };
    const step = await withBlock(vol, block, (data): Step => {
      const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
      const at = (i: number): number => view.getUint32(i * 4, true);
      const p = at(slot);
      if (level === depth) return { run: lastLevelRun(vol, inode, at, slot, max, apb, ancestors, slotSite) };
      if (p !== 0) return { next: p };
      const per = apb ** (depth - level);
      let n = per - offsetInsideSubtree(offsets, level, depth, apb);
      for (let s = slot + 1; n < max && s < apb && at(s) === 0; s++) n += per;
      return { run: { physical: 0, count: Math.min(n, max) } };
    });
    if ('run' in step) return step.run;
    ptr = step.next;
    site = slotSite;
  }
  throw new CorruptFilesystemError(site, `block map walk of inode ${inode.ino} did not end at depth ${depth}`);
}

/** The run in a last-level indirect block starting at `slot`. */
function lastLevelRun(
  vol: Volume,
  inode: Ext2Inode,
  at: (i: number) => number,
  slot: number,
  max: number,
  apb: number,
  ancestors: readonly number[],
  site: BlockSite,
): BlockRun {
  const p = at(slot);
  let n = 1;
  if (p === 0) {
    while (n < max && slot + n < apb && at(slot + n) === 0) n++;
    return { physical: 0, count: n };
  }
  while (n < max && slot + n < apb && at(slot + n) === p + n) n++;
  checkRun(vol, inode, p, n, ancestors, site);
  return { physical: p, count: n };
}
