// Pass 1, the block map of one inode (EXT2.md 3.4): every pointer visited in
// the order e2fsprogs' block iterator uses (i_block[0..11], then the IND tree
// with each indirect block before the blocks it maps, then DIND, then TIND),
// range-checked, claimed in the block map, counted for i_blocks, and, for
// directories, listed for pass 2 (holes included).
//
//   pointer outside s_first_data_block..s_blocks_count-1   ILLEGAL_BLOCK, not counted
//   directory block past 2 GiB, symlink data past block 0  FILE_TOO_BIG, not counted
//   block claimed before (another inode or metadata)       multiply claimed (pass 1B)
//
// Bounds: an indirect block is descended into once per walk, and only when
// this inode's claim on it was the first (a shared indirect block is already
// a multiply-claimed error, and its subtree was walked by its first owner), so
// a whole check reads each indirect block at most once whatever the image
// holds. The resize inode is the exception e2fsprogs makes too: its indirect
// blocks are the reserved GDT blocks, metadata it does not claim.
import { DIND_BLOCK, IND_BLOCK, NDIR_BLOCKS, RESIZE_INO, TIND_BLOCK } from '../format/inode.js';
import type { CheckContext } from './check-context.js';
import type { InodeRecord } from './inode-record.js';

/** What the walk found about one inode. */
export interface BlockWalk {
  /** Blocks counted for i_blocks (data, indirect; the xattr block is added by the caller). */
  numBlocks: number;
  /** Highest logical block mapped by a legal pointer, -1 for none. */
  lastBlock: number;
  /** Logical blocks of the file that are not one contiguous physical run. */
  fragmented: boolean;
  /** Indirect blocks not descended into because another owner claimed them first. */
  sharedSubtrees: number;
}

interface WalkState extends BlockWalk {
  readonly inode: InodeRecord;
  readonly isDir: boolean;
  readonly isReg: boolean;
  readonly isResize: boolean;
  readonly descended: Set<number>;
  /** Highest logical block already listed for pass 2 (directories). */
  lastDbBlock: number;
  previousBlock: number;
  illegal: number;
  tooBig: number;
  firstIllegal: string | undefined;
  firstTooBig: string | undefined;
}

/** Largest directory e2fsck accepts without largedir: logical blocks up to 2^21 >> log(bs/1024). */
function dirBlockLimit(blockSize: number): number {
  return 2 ** (21 - Math.log2(blockSize / 1024));
}

/**
 * Walks the block map of `inode` (a regular file, directory or slow symlink).
 * Precondition: the inode has valid blocks (ext2fs_inode_has_valid_blocks2).
 */
export async function walkBlockMap(ctx: CheckContext, inode: InodeRecord, isDir: boolean, isReg: boolean): Promise<BlockWalk> {
  const st: WalkState = {
    inode,
    isDir,
    isReg,
    isResize: inode.ino === RESIZE_INO,
    descended: new Set(),
    numBlocks: 0,
    lastBlock: -1,
    fragmented: false,
    sharedSubtrees: 0,
    lastDbBlock: -1,
    previousBlock: 0,
    illegal: 0,
    tooBig: 0,
    firstIllegal: undefined,
    firstTooBig: undefined,
  };
  const apb = ctx.g.addressesPerBlock;
  for (let i = 0; i < NDIR_BLOCKS; i++) {
    const b = inode.block[i] ?? 0;
    if (b !== 0 || isDir) visit(ctx, st, b, i);
  }
  await walkTree(ctx, st, inode.block[IND_BLOCK] ?? 0, 1, NDIR_BLOCKS);
  await walkTree(ctx, st, inode.block[DIND_BLOCK] ?? 0, 2, NDIR_BLOCKS + apb);
  await walkTree(ctx, st, inode.block[TIND_BLOCK] ?? 0, 3, NDIR_BLOCKS + apb + apb * apb);
  reportBadPointers(ctx, st);
  return { numBlocks: st.numBlocks, lastBlock: st.lastBlock, fragmented: st.fragmented, sharedSubtrees: st.sharedSubtrees };
}

/** An indirect block `ptr` at `depth` (1 IND, 2 DIND, 3 TIND) mapping logical blocks from `firstLblk`. */
async function walkTree(ctx: CheckContext, st: WalkState, ptr: number, depth: 1 | 2 | 3, firstLblk: number): Promise<void> {
  if (ptr === 0) return;
  const legal = visit(ctx, st, ptr, -depth);
  // The resize inode's IND blocks are not claimed (visit returns 'fresh' for them).
  if (legal === 'shared') st.sharedSubtrees++;
  if (legal !== 'fresh' || st.descended.has(ptr)) return;
  st.descended.add(ptr);
  const data = await ctx.reader.readBlock(ptr);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const apb = ctx.g.addressesPerBlock;
  const span = apb ** (depth - 1);
  for (let i = 0; i < apb; i++) {
    const child = view.getUint32(4 * i, true);
    const lblk = firstLblk + i * span;
    if (depth === 1) {
      if (child !== 0 || st.isDir) visit(ctx, st, child, lblk);
    } else if (child !== 0) {
      await walkTree(ctx, st, child, (depth - 1) as 1 | 2, lblk);
    }
  }
}

/**
 * One pointer: `blockcnt` >= 0 is a data block at that logical index, < 0 an
 * indirect block (-1 IND, -2 DIND, -3 TIND). Returns false when the pointer
 * was not accepted, else whether this claim was the block's first.
 */
function visit(ctx: CheckContext, st: WalkState, b: number, blockcnt: number): false | 'fresh' | 'shared' {
  if (st.isDir && blockcnt === 0 && b === 0) {
    addDirBlock(ctx, st, 0, 0);
    return false;
  }
  if (b === 0) return false;
  if (st.previousBlock !== 0 && !st.isResize && st.previousBlock + 1 !== b) st.fragmented = true;
  let tooBig = false;
  if (st.isDir && blockcnt > dirBlockLimit(ctx.g.blockSize)) tooBig = true;
  if (!st.isDir && !st.isReg && blockcnt > 0) tooBig = true;
  if (!ctx.inRange(b)) {
    st.illegal++;
    st.firstIllegal ??= `${describe(blockcnt)} is block ${b}, outside ${ctx.g.firstDataBlock}..${ctx.g.blocksCount - 1}`;
    return false;
  }
  if (tooBig) {
    st.tooBig++;
    st.firstTooBig ??= `${describe(blockcnt)} (block ${b}) makes the ${st.isDir ? 'directory' : 'symlink'} too big`;
    return false;
  }
  let result: 'fresh' | 'shared' = 'fresh';
  if (!st.isResize || blockcnt === -2) result = ctx.claimBlock(b) ? 'shared' : 'fresh';
  st.numBlocks++;
  if (blockcnt >= 0) st.lastBlock = blockcnt;
  st.previousBlock = b;
  if (st.isDir && blockcnt >= 0) addDirBlock(ctx, st, blockcnt, b);
  return result;
}

function describe(blockcnt: number): string {
  if (blockcnt >= 0) return `logical block ${blockcnt}`;
  return ['', 'the indirect block', 'the double-indirect block', 'the triple-indirect block'][-blockcnt] ?? 'an indirect block';
}

/** Lists a directory block for pass 2, with the hole before it (e2fsck adds holes to its dblist too). */
function addDirBlock(ctx: CheckContext, st: WalkState, lblk: number, pblk: number): void {
  const ino = st.inode.ino;
  if (pblk === 0) {
    ctx.dirHoles.push({ ino, firstLblk: 0, count: 1 });
    st.lastDbBlock++;
    return;
  }
  if (lblk > st.lastDbBlock + 1) ctx.dirHoles.push({ ino, firstLblk: st.lastDbBlock + 1, count: lblk - st.lastDbBlock - 1 });
  st.lastDbBlock = Math.max(st.lastDbBlock, lblk);
  ctx.dirBlocks.push({ ino, lblk, pblk });
}

function reportBadPointers(ctx: CheckContext, st: WalkState): void {
  const ino = st.inode.ino;
  if (st.firstIllegal !== undefined) {
    ctx.log.add('ILLEGAL_BLOCK', `inode ${ino} has ${st.illegal} block pointer(s) outside the filesystem; first: ${st.firstIllegal}`, { ino });
  }
  if (st.firstTooBig !== undefined) {
    ctx.log.add('FILE_TOO_BIG', `inode ${ino} maps ${st.tooBig} block(s) beyond what its type allows; first: ${st.firstTooBig}`, { ino });
  }
}
