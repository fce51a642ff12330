// Pass 5: the on-disk bitmaps and counters against what passes 1-4 found
// (EXT2.md 2.5, 2.6).
//
//   block bitmap    bit set <=> block in use (metadata or owned by an inode)
//   inode bitmap    bit set <=> inode in use (reserved inodes always)
//   padding         bits past the group's last block / s_inodes_per_group, up
//                   to the end of the bitmap block, all set
//   group counters  bg_free_blocks_count, bg_free_inodes_count and
//                   bg_used_dirs_count equal what the on-disk bitmap says (as
//                   e2fsck -n counts them: a bitmap it may not fix is what the
//                   kernel allocates from)
//   superblock      s_free_blocks_count / s_free_inodes_count equal the sums
//                   (warnings: e2fsck -n exits 0 for these)
import { groupBlockCount, groupFirstBlock } from '../format/geometry.js';
import { bitmapBit, countClearBits, firstClearBit } from './bitset.js';
import type { CheckContext } from './check-context.js';

/** How many differing ranges a bitmap problem lists before summarising. */
const LISTED_RANGES = 16;

/** Collects "+a-b" style ranges of differences between found and on-disk maps. */
class Differences {
  private readonly ranges: Array<{ sign: '+' | '-'; first: number; last: number }> = [];
  count = 0;

  add(sign: '+' | '-', n: number): void {
    this.count++;
    const last = this.ranges[this.ranges.length - 1];
    if (last !== undefined && last.sign === sign && last.last === n - 1) last.last = n;
    else this.ranges.push({ sign, first: n, last: n });
  }

  get first(): number | undefined {
    return this.ranges[0]?.first;
  }

  describe(): string {
    const shown = this.ranges.slice(0, LISTED_RANGES).map((r) => (r.first === r.last ? `${r.sign}${r.first}` : `${r.sign}(${r.first}..${r.last})`));
    const more = this.ranges.length > LISTED_RANGES ? ` and ${this.ranges.length - LISTED_RANGES} more range(s)` : '';
    return `${shown.join(' ')}${more} (+ in use but clear in the bitmap, - set in the bitmap but not in use; ${this.count} in all)`;
  }
}

/** Bitmap reads kept in flight at once. */
const CONCURRENT_READS = 32;

/** Reads one bitmap block per group (undefined where the descriptor's location is unusable). */
async function readBitmaps(ctx: CheckContext, which: 'blockBitmap' | 'inodeBitmap'): Promise<Array<Uint8Array | undefined>> {
  const out: Array<Uint8Array | undefined> = [];
  for (let first = 0; first < ctx.descriptors.length; first += CONCURRENT_READS) {
    const batch = ctx.descriptors.slice(first, first + CONCURRENT_READS);
    out.push(...(await Promise.all(batch.map((d, i) => (ctx.usable[first + i]?.[which] === true ? ctx.reader.readBlock(d[which]) : undefined)))));
  }
  return out;
}

/** One kind of bitmap, as pass 5 compares it with what passes 1-4 found. */
interface BitmapKind {
  readonly which: 'blockBitmap' | 'inodeBitmap';
  /** The block or inode number bit 0 of the group's bitmap stands for. */
  first(group: number): number;
  /** Bits that stand for blocks or inodes in the group (the rest is padding). */
  count(group: number): number;
  /** Whether passes 1-4 found the block or inode in use. */
  used(n: number): boolean;
}

/** What comparing every group's bitmap of one kind gave. */
interface BitmapComparison {
  readonly diff: Differences;
  /** Groups whose padding bits are not all set. */
  readonly paddingGroups: number[];
  /** Clear bits over all readable bitmaps. */
  freeTotal: number;
  /** Every group's bitmap could be read (so freeTotal is comparable with the superblock). */
  complete: boolean;
}

/** Compares each group's on-disk bitmap bit by bit; `perGroup` sees each readable bitmap and its free count. */
async function compareBitmaps(ctx: CheckContext, kind: BitmapKind, perGroup: (group: number, bitmap: Uint8Array, free: number) => void): Promise<BitmapComparison> {
  const bitmaps = await readBitmaps(ctx, kind.which);
  const out: BitmapComparison = { diff: new Differences(), paddingGroups: [], freeTotal: 0, complete: true };
  for (let group = 0; group < ctx.g.groupCount; group++) {
    const bitmap = bitmaps[group];
    if (bitmap === undefined) {
      out.complete = false;
      continue;
    }
    const first = kind.first(group);
    const count = kind.count(group);
    for (let i = 0; i < count; i++) {
      const used = kind.used(first + i);
      if (used !== bitmapBit(bitmap, i)) out.diff.add(used ? '+' : '-', first + i);
    }
    const free = countClearBits(bitmap, count);
    out.freeTotal += free;
    perGroup(group, bitmap, free);
    if (firstClearBit(bitmap, count, 8 * ctx.g.blockSize) !== -1) out.paddingGroups.push(group);
  }
  return out;
}

/** Runs pass 5. */
export async function pass5Summary(ctx: CheckContext): Promise<void> {
  await checkBlockBitmaps(ctx);
  await checkInodeBitmaps(ctx);
}

async function checkBlockBitmaps(ctx: CheckContext): Promise<void> {
  const g = ctx.g;
  const kind: BitmapKind = { which: 'blockBitmap', first: (group) => groupFirstBlock(g, group), count: (group) => groupBlockCount(g, group), used: (block) => ctx.blockFound.has(block) };
  const { diff, paddingGroups, freeTotal, complete } = await compareBitmaps(ctx, kind, (group, _bitmap, free) => {
    const d = ctx.descriptors[group];
    if (d !== undefined && d.freeBlocksCount !== free) {
      ctx.log.add('GROUP_FREE_BLOCKS_WRONG', `group ${group}: bg_free_blocks_count is ${d.freeBlocksCount}, its block bitmap has ${free} free blocks`, { group });
    }
  });
  if (diff.count > 0) ctx.log.add('BLOCK_BITMAP_DIFFERENCE', `block bitmap differences: ${diff.describe()}`, { block: diff.first as number });
  if (paddingGroups.length > 0) {
    ctx.log.add('BLOCK_BITMAP_PADDING', `the block bitmap padding (bits past the group's last block) is not all set in group(s) ${paddingGroups.join(', ')}`, { group: paddingGroups[0] as number });
  }
  if (complete && freeTotal !== ctx.sb.freeBlocksCount) {
    ctx.log.add('FREE_BLOCKS_COUNT_WRONG', `s_free_blocks_count is ${ctx.sb.freeBlocksCount}, the block bitmaps have ${freeTotal} free blocks`);
  }
}

async function checkInodeBitmaps(ctx: CheckContext): Promise<void> {
  const g = ctx.g;
  const firstIno = (group: number): number => group * g.inodesPerGroup + 1;
  const kind: BitmapKind = { which: 'inodeBitmap', first: firstIno, count: () => g.inodesPerGroup, used: (ino) => ctx.inodeUsed.has(ino) };
  const { diff, paddingGroups, freeTotal, complete } = await compareBitmaps(ctx, kind, (group, bitmap, free) => {
    const d = ctx.descriptors[group];
    if (d !== undefined && d.freeInodesCount !== free) {
      ctx.log.add('GROUP_FREE_INODES_WRONG', `group ${group}: bg_free_inodes_count is ${d.freeInodesCount}, its inode bitmap has ${free} free inodes`, { group });
    }
    // bg_used_dirs_count counts directories whose bit is set, as e2fsck -n reads the bitmap.
    let dirs = 0;
    for (let i = 0; i < g.inodesPerGroup; i++) if (bitmapBit(bitmap, i) && ctx.inodeDir.has(firstIno(group) + i)) dirs++;
    if (d !== undefined && d.usedDirsCount !== dirs) {
      ctx.log.add('GROUP_DIRECTORIES_WRONG', `group ${group}: bg_used_dirs_count is ${d.usedDirsCount}, ${dirs} directories are in use there`, { group });
    }
  });
  if (diff.count > 0) ctx.log.add('INODE_BITMAP_DIFFERENCE', `inode bitmap differences: ${diff.describe()}`, { ino: diff.first as number });
  if (paddingGroups.length > 0) {
    ctx.log.add('INODE_BITMAP_PADDING', `the inode bitmap padding (bits past s_inodes_per_group) is not all set in group(s) ${paddingGroups.join(', ')}`, { group: paddingGroups[0] as number });
  }
  if (complete && freeTotal !== ctx.sb.freeInodesCount) {
    ctx.log.add('FREE_INODES_COUNT_WRONG', `s_free_inodes_count is ${ctx.sb.freeInodesCount}, the inode bitmaps have ${freeTotal} free inodes`);
  }
}
