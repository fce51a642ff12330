// Pass 2: every block of every directory found in pass 1, in the order
// e2fsck visits them (by device block; with dir_index, every directory's block
// 0 first), read in runs of consecutive device blocks. The order matters only
// for which of two entries naming one directory counts as its parent.
import { ROOT_INO } from '../format/inode.js';
import type { CheckContext, DirBlockRef } from './check-context.js';
import { checkDirBlock, type DirScan, type LostAndFound } from './dir-block-check.js';
import { HtreeCheck } from './htree-check.js';

/** Most blocks read in one request. */
const MAX_RUN_BLOCKS = 256;

function visitOrder(dirIndex: boolean): (a: DirBlockRef, b: DirBlockRef) => number {
  return (a, b) => {
    if (dirIndex && (a.lblk === 0) !== (b.lblk === 0)) return a.lblk === 0 ? -1 : 1;
    return a.pblk - b.pblk || a.ino - b.ino || a.lblk - b.lblk;
  };
}

/** Runs pass 2; returns the root's lost+found entry, if any. */
export async function pass2Directories(ctx: CheckContext): Promise<LostAndFound | undefined> {
  const root = ctx.dirInfo.get(ROOT_INO);
  if (root !== undefined) root.parent = ROOT_INO;
  for (const hole of ctx.dirHoles) {
    if (!ctx.inodeUsed.has(hole.ino)) continue;
    const which = hole.count === 1 ? `block ${hole.firstLblk}` : `blocks ${hole.firstLblk}..${hole.firstLblk + hole.count - 1}`;
    ctx.log.add('DIRECTORY_HOLE', `directory inode ${hole.ino} has no block mapped at logical ${which}`, { ino: hole.ino });
  }
  const htrees = new Map<number, HtreeCheck>();
  for (const [ino, info] of ctx.dxDirs) htrees.set(ino, new HtreeCheck(ctx, info));
  const scan: DirScan = { withDuplicates: new Set(), lostAndFound: undefined };
  const blocks = ctx.dirBlocks.filter((b) => ctx.inodeUsed.has(b.ino)).sort(visitOrder(ctx.features.dirIndex));
  const bs = ctx.g.blockSize;
  for (let i = 0; i < blocks.length; ) {
    let n = 1;
    while (i + n < blocks.length && n < MAX_RUN_BLOCKS && (blocks[i + n] as DirBlockRef).pblk === (blocks[i] as DirBlockRef).pblk + n) n++;
    const data = await ctx.reader.readBlocks((blocks[i] as DirBlockRef).pblk, n);
    for (let k = 0; k < n; k++) {
      const ref = blocks[i + k] as DirBlockRef;
      await checkDirBlock(ctx, scan, ref, data.subarray(k * bs, (k + 1) * bs), htrees.get(ref.ino));
    }
    i += n;
  }
  for (const htree of htrees.values()) htree.finish();
  if (ctx.largeFiles > 0 && !ctx.features.largeFile) {
    ctx.log.add('LARGE_FILE_WITHOUT_FEATURE', `${ctx.largeFiles} file(s) are 2 GiB or larger but the filesystem lacks the large_file feature`);
  }
  return scan.lostAndFound;
}
