// Pass 0, the resize inode (EXT2.md 2.4), as e2fsck's check_resize_inode
// validates it:
//   resize_inode off   inode 7 has no block pointers
//   resize_inode on    only i_block[13] (DIND) set, in range, links > 0, a
//                      regular-file mode bit; DIND slot (desc_blocks + k) %
//                      (bs/4) names reserved GDT block k, whose own slots name
//                      its copy in every backup group, in order
// e2fsck walks only the first s_reserved_gdt_blocks / 4 reserved blocks
// (a quirk kept here so that both agree); the blocks themselves are counted
// for inode 7's i_blocks in pass 1, and they are metadata in pass 5.
import { DIND_BLOCK, N_BLOCKS, RESIZE_INO, S_IF } from '../format/inode.js';
import { inodeGroupIndex, inodeTableSlot } from '../format/geometry.js';
import { hasSuperblockBackup } from '../format/superblock.js';
import type { CheckContext } from './check-context.js';
import { readInodeRecord, type InodeRecord } from './inode-record.js';

async function readResizeInode(ctx: CheckContext): Promise<InodeRecord | undefined> {
  const { group, index } = inodeGroupIndex(ctx.g, RESIZE_INO);
  const d = ctx.descriptors[group];
  if (d === undefined || !ctx.usable[group]?.inodeTable) return undefined;
  const { block, offset } = inodeTableSlot(ctx.g, d.inodeTable, index);
  return readInodeRecord(await ctx.reader.readBlock(block), offset, ctx.g.inodeSize, RESIZE_INO);
}

/** Checks inode 7 against the resize_inode feature. */
export async function checkResizeInode(ctx: CheckContext): Promise<void> {
  const inode = await readResizeInode(ctx);
  if (inode === undefined) return;
  const problem = ctx.features.resizeInode ? await resizeInodeProblem(ctx, inode) : inode.block.some((b) => b !== 0) ? 'the resize_inode feature is off but inode 7 has block pointers' : undefined;
  if (problem !== undefined) ctx.log.add('RESIZE_INODE_INVALID', `resize inode 7: ${problem}; e2fsck -fy would recreate it`, { ino: RESIZE_INO });
}

async function resizeInodeProblem(ctx: CheckContext, inode: InodeRecord): Promise<string | undefined> {
  const g = ctx.g;
  const dind = inode.block[DIND_BLOCK] ?? 0;
  for (let i = 0; i < N_BLOCKS; i++) if (i !== DIND_BLOCK && (inode.block[i] ?? 0) !== 0) return `i_block[${i}] is ${inode.block[i]}; only i_block[13] may be set`;
  if (dind === 0 || !ctx.inRange(dind)) return `its double-indirect block ${dind} is not a block of the filesystem`;
  if (inode.linksCount === 0 || (inode.mode & S_IF.REG) === 0) return `links ${inode.linksCount}, mode 0${inode.mode.toString(8)}: not an in-use regular file`;
  const dindData = await ctx.reader.readBlock(dind);
  const dindView = new DataView(dindData.buffer);
  const apb = g.addressesPerBlock;
  let gdtOff = g.descriptorBlocks;
  let pblk = g.firstDataBlock + 1 + g.descriptorBlocks;
  for (let i = 0; i < Math.floor(g.reservedGdtBlocks / 4); i++, gdtOff++, pblk++) {
    gdtOff %= apb;
    const named = dindView.getUint32(4 * gdtOff, true);
    if (named !== pblk) return `DIND slot ${gdtOff} names block ${named}, not reserved GDT block ${pblk}`;
    if (!ctx.inRange(pblk)) return `reserved GDT block ${pblk} lies outside the filesystem`;
    const view = new DataView((await ctx.reader.readBlock(pblk)).buffer);
    let slot = 0;
    for (let group = 1; group < g.groupCount && slot < apb; group++) {
      if (!hasSuperblockBackup(g, group)) continue;
      const expect = pblk + group * g.blocksPerGroup;
      const got = view.getUint32(4 * slot, true);
      if (got !== expect) return `reserved GDT block ${pblk} slot ${slot} names ${got}, not its group ${group} copy ${expect}`;
      slot++;
    }
  }
  return undefined;
}
