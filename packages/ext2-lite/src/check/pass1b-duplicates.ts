// Pass 1B-1D: who shares the multiply-claimed blocks pass 1 found. Pass 1
// only learns that a block was claimed twice; like e2fsck, a second walk over
// the inodes that own blocks attributes each such block to its owners (and to
// the filesystem's own metadata), and each owner is reported once.
//
// Bounded like pass 1: each indirect block is descended into once in the
// whole walk, so blocks under a shared indirect block are attributed to the
// first owner only (the shared indirect block itself to every owner).
import { DIND_BLOCK, IND_BLOCK, NDIR_BLOCKS, RESIZE_INO, TIND_BLOCK } from '../format/inode.js';
import { inodeGroupIndex, inodeTableSlot } from '../format/geometry.js';
import type { BitSet } from './bitset.js';
import type { CheckContext } from './check-context.js';
import { readInodeRecord, type InodeRecord } from './inode-record.js';
import { hasValidBlocks } from './inode-type-checks.js';

/** How many shared blocks one report lists. */
const LISTED_BLOCKS = 8;

/** Reports every inode holding multiply-claimed blocks. Precondition: pass 1 ran. */
export async function reportMultiplyClaimed(ctx: CheckContext): Promise<void> {
  const dup = ctx.blockDup;
  if (dup === undefined) return;
  const owners = new Map<number, number[]>();
  const perInode = new Map<number, number[]>();
  const descended = new Set<number>();
  for (const ino of [...ctx.claimants].sort((a, b) => a - b)) {
    const inode = await readInode(ctx, ino);
    if (inode === undefined) continue;
    const mine = await dupBlocksOf(ctx, inode, dup, descended);
    if (mine.length === 0) continue;
    perInode.set(ino, mine);
    for (const b of mine) {
      const list = owners.get(b);
      if (list === undefined) owners.set(b, [ino]);
      else list.push(ino);
    }
  }
  for (const [ino, blocks] of perInode) {
    const others = new Set<number>();
    let metadata = false;
    for (const b of blocks) {
      for (const o of owners.get(b) ?? []) if (o !== ino) others.add(o);
      if (ctx.blockMetadata.has(b)) metadata = true;
    }
    const with_ = [...(others.size > 0 ? [`inode(s) ${[...others].sort((a, b) => a - b).join(', ')}`] : []), ...(metadata ? ['filesystem metadata'] : [])];
    const listed = blocks.slice(0, LISTED_BLOCKS).join(', ') + (blocks.length > LISTED_BLOCKS ? ', ...' : '');
    ctx.log.add('MULTIPLY_CLAIMED_BLOCKS', `inode ${ino} has ${blocks.length} block(s) also claimed by ${with_.join(' and ') || 'another owner'}: ${listed}`, { ino, block: blocks[0] as number });
  }
}

async function readInode(ctx: CheckContext, ino: number): Promise<InodeRecord | undefined> {
  const { group, index } = inodeGroupIndex(ctx.g, ino);
  const d = ctx.descriptors[group];
  if (d === undefined || !ctx.usable[group]?.inodeTable) return undefined;
  const { block, offset } = inodeTableSlot(ctx.g, d.inodeTable, index);
  return readInodeRecord(await ctx.reader.readBlock(block), offset, ctx.g.inodeSize, ino);
}

/** The multiply-claimed blocks an inode points at (xattr block, data and indirect blocks). */
async function dupBlocksOf(ctx: CheckContext, inode: InodeRecord, dup: BitSet, descended: Set<number>): Promise<number[]> {
  const found = new Set<number>();
  const note = (b: number): void => {
    if (b !== 0 && ctx.inRange(b) && dup.has(b)) found.add(b);
  };
  if (ctx.features.extAttr) note(inode.fileAcl);
  if (!hasValidBlocks(inode)) return [...found];
  const resize = inode.ino === RESIZE_INO;
  if (!resize) for (let i = 0; i < NDIR_BLOCKS; i++) note(inode.block[i] ?? 0);
  const walk = async (ptr: number, depth: number): Promise<void> => {
    if (ptr === 0 || !ctx.inRange(ptr)) return;
    if (!resize || depth === 2) note(ptr);
    if (resize || descended.has(ptr)) return;
    descended.add(ptr);
    const data = await ctx.reader.readBlock(ptr);
    const view = new DataView(data.buffer);
    for (let i = 0; i < ctx.g.addressesPerBlock; i++) {
      const child = view.getUint32(4 * i, true);
      if (depth === 1) note(child);
      else await walk(child, depth - 1);
    }
  };
  await walk(inode.block[IND_BLOCK] ?? 0, 1);
  await walk(inode.block[DIND_BLOCK] ?? 0, 2);
  await walk(inode.block[TIND_BLOCK] ?? 0, 3);
  return [...found];
}
