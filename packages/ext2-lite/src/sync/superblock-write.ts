// Writing the superblock and the group descriptors back into the
// block-device cache (EXT2.md 1.4, 1.5, 2.6). The in-memory copies are the
// truth while mounted; this encodes them (only changed fields, unknown bytes
// kept) into their blocks and marks those dirty. The superblock's free
// totals are always the sums of the descriptors' counts when written.
//
//   primary superblock  byte 1024: block 1 (1 KiB blocks) or block 0 offset 1024
//   descriptor g        descriptor block g / (bs/32), offset (g % (bs/32)) * 32
//   backups             first block of each backup group, s_block_group_nr = g,
//                       VALID_FS cleared (e2fsprogs' habit), only when features change
import { encodeGroupDescriptor } from '../format/group-descriptor.js';
import { groupDescriptorLocation, groupFirstBlock } from '../format/geometry.js';
import { FS_STATE, SUPERBLOCK_OFFSET, encodeSuperblock, hasSuperblockBackup } from '../format/superblock.js';
import type { MountContext } from '../mount/mount-context.js';

/** Copies `bytes` into block `block` at `offset` through the block-device cache. */
async function writeInto(ctx: MountContext, block: number, offset: number, bytes: Uint8Array): Promise<void> {
  const blk = await ctx.vol.bdev.getBlock(block);
  try {
    await blk.modify((data) => data.set(bytes, offset));
  } finally {
    blk.release();
  }
}

/** Seconds of the mount's clock, as the u32 superblock times hold them. */
export function clockSeconds(ctx: MountContext): number {
  const s = Number(ctx.now() / 1_000_000_000n);
  return Math.min(0xffffffff, Math.max(0, s));
}

/** Encodes every changed group descriptor into its table block. */
export async function writeDescriptors(ctx: MountContext): Promise<void> {
  const groups = [...ctx.alloc.dirtyGroups].sort((a, b) => a - b);
  ctx.alloc.dirtyGroups.clear();
  const g = ctx.vol.geometry;
  for (const group of groups) {
    const gd = ctx.vol.descriptors[group];
    if (gd === undefined) continue;
    const bytes = encodeGroupDescriptor(gd);
    gd.raw = bytes;
    const { block, offset } = groupDescriptorLocation(g, group);
    await writeInto(ctx, block, offset, bytes);
  }
}

/**
 * Encodes the primary superblock (free totals from the descriptors, s_wtime
 * now) into its block. `backups` also rewrites every backup superblock.
 */
export async function writeSuperblock(ctx: MountContext, options: { backups?: boolean } = {}): Promise<void> {
  const { sb, geometry: g } = ctx.vol;
  ctx.alloc.superblockDirty = false;
  // The on-disk totals are the sums of the on-disk group counts (claims by writeback excluded).
  let blocks = 0;
  let inodes = 0;
  for (const gd of ctx.vol.descriptors) {
    blocks += gd.freeBlocksCount;
    inodes += gd.freeInodesCount;
  }
  sb.freeBlocksCount = blocks;
  sb.freeInodesCount = inodes;
  sb.wtime = clockSeconds(ctx);
  const bytes = encodeSuperblock(sb);
  sb.raw = bytes;
  const bs = g.blockSize;
  await writeInto(ctx, Math.floor(SUPERBLOCK_OFFSET / bs), SUPERBLOCK_OFFSET % bs, bytes);
  if (options.backups !== true) return;
  for (let group = 1; group < g.groupCount; group++) {
    if (!hasSuperblockBackup(sb, group)) continue;
    const backup = encodeSuperblock({ ...sb, blockGroupNr: group, state: sb.state & ~FS_STATE.VALID_FS });
    await writeInto(ctx, groupFirstBlock(g, group), 0, backup);
  }
}
