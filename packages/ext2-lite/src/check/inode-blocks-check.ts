// Pass 1, what an inode owns (e2fsck check_blocks): its xattr block and block
// map are claimed and counted, then i_size, i_blocks and an htree root are
// checked against what was found (EXT2.md 3.4).
//
//   directory  i_size a multiple of bs, = (last mapped block + 1) * bs
//              (up to s_prealloc_dir_blocks more blocks mapped are allowed)
//   file       no mapped block at logical index > i_size / bs; i_size within
//              what the block map can address (sparse files are fine)
//   i_blocks   = counted blocks x bs/512 (data, indirect, xattr)
import { INODE_FLAGS, S_IF, maxBlockMappedBytes } from '../format/inode.js';
import { walkBlockMap } from './block-walk.js';
import type { CheckContext } from './check-context.js';
import { fullSize, modeType, type InodeRecord } from './inode-record.js';
import { hasValidBlocks, htreeRootProblems } from './inode-type-checks.js';
import { checkXattrBlock, type XattrBlockRefs } from './xattr-check.js';

/** Regular files this large need the large_file feature (ext2fs_needs_large_file_feature). */
const LARGE_FILE_BYTES = 2 ** 31;

/** Claims and counts everything `inode` owns, then checks its size and i_blocks. */
export async function checkInodeBlocks(ctx: CheckContext, inode: InodeRecord, xattrRefs: Map<number, XattrBlockRefs>): Promise<void> {
  const type = modeType(inode.mode);
  const isDir = type === S_IF.DIR;
  const isReg = type === S_IF.REG;
  let numBlocks = 0;
  let lastBlock = -1;
  let sharedSubtrees = 0;
  if (await checkXattrBlock(ctx, inode, xattrRefs)) numBlocks++;
  if (numBlocks > 0 || hasValidBlocks(inode)) ctx.claimants.push(inode.ino);
  if (hasValidBlocks(inode)) {
    const walk = await walkBlockMap(ctx, inode, isDir, isReg);
    numBlocks += walk.numBlocks;
    lastBlock = walk.lastBlock;
    sharedSubtrees = walk.sharedSubtrees;
    if (walk.fragmented && numBlocks < ctx.g.blocksPerGroup) ctx.counts.fragmented++;
  }
  const ino = inode.ino;
  if ((inode.flags & INODE_FLAGS.INDEX) !== 0) {
    for (const problem of await htreeRootProblems(ctx, inode)) ctx.log.add('HTREE_ROOT_INVALID', `htree directory inode ${ino}: ${problem}`, { ino });
    if (isDir && lastBlock >= 0) ctx.dxDirs.set(ino, { ino, numBlocks: lastBlock + 1 });
  }
  if (numBlocks === 0 && isDir) ctx.log.add('ZERO_LENGTH_DIRECTORY', `directory inode ${ino} has no blocks`, { ino });
  if (type !== S_IF.LNK) checkSize(ctx, inode, isDir, lastBlock);
  if (isReg && fullSize(inode) >= LARGE_FILE_BYTES) ctx.largeFiles++;
  const sectors = numBlocks * (ctx.g.blockSize / 512);
  if (!ctx.features.hurd && sectors !== inode.blocks) {
    const partial = sharedSubtrees > 0 ? `, not counting what ${sharedSubtrees} multiply-claimed indirect block(s) map` : '';
    ctx.log.add('INODE_I_BLOCKS_WRONG', `inode ${ino}: i_blocks is ${inode.blocks}, should be ${sectors} (${numBlocks} blocks of ${ctx.g.blockSize} bytes${partial})`, { ino });
  }
}

function checkSize(ctx: CheckContext, inode: InodeRecord, isDir: boolean, lastBlock: number): void {
  const bs = ctx.g.blockSize;
  const should = (lastBlock + 1) * bs;
  let why: string | undefined;
  if (isDir) {
    const size = inode.sizeLow;
    const nblock = Math.floor(size / bs);
    if (size % bs !== 0) why = 'is not a multiple of the block size';
    else if (nblock > lastBlock + 1) why = 'covers blocks that are not mapped';
    else if (lastBlock + 1 - nblock > ctx.sb.preallocDirBlocks) why = 'leaves mapped blocks past the end';
  } else {
    const size = fullSize(inode);
    if (lastBlock >= 0 && size < lastBlock * bs) why = `leaves logical block ${lastBlock} past the end`;
    else if (size > maxBlockMappedBytes(bs)) why = `exceeds the ${maxBlockMappedBytes(bs)} bytes a block map can address`;
  }
  if (why !== undefined) {
    const size = isDir ? inode.sizeLow : fullSize(inode);
    ctx.log.add('INODE_SIZE_WRONG', `inode ${inode.ino}: i_size ${size} ${why}; should be ${should}`, { ino: inode.ino });
  }
}
