// Pass 1, before any inode: the blocks that belong to the filesystem itself
// (e2fsck mark_table_blocks) — each group's superblock and descriptor copies
// (reserved GDT blocks included), block bitmap, inode bitmap and inode table.
// They start out claimed, so a file pointing into them is a multiply-claimed
// block like any other. Overlaps between them were reported in pass 0.
import type { CheckContext } from './check-context.js';
import { superAndDescriptorRuns } from './group-layout.js';

/** Marks every group's fixed metadata as in use and as metadata. */
export function markTableBlocks(ctx: CheckContext): void {
  const g = ctx.g;
  const mark = (first: number, count: number): void => {
    ctx.blockFound.addRange(first, count);
    ctx.blockMetadata.addRange(first, count);
  };
  for (let group = 0; group < g.groupCount; group++) {
    for (const run of superAndDescriptorRuns(g, group)) mark(run.first, run.count);
    const d = ctx.descriptors[group];
    if (d === undefined) continue;
    mark(d.inodeTable, g.inodeTableBlocks);
    mark(d.blockBitmap, 1);
    mark(d.inodeBitmap, 1);
  }
}
