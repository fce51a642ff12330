// Pass 1, inode 1: the bad-blocks list (EXT2.md 3.9). It is a reserved inode
// with mode, owner, links and xattr block all zero; its block map lists
// blocks the filesystem must never use. Listed blocks are claimed (so a file
// using one is multiply claimed); one that is also filesystem metadata means
// the filesystem cannot be trusted (e2fsck's "primary superblock is on the bad
// block list", "block bitmap is bad", ...), except a backup superblock or
// descriptor copy, which e2fsck only warns about.
import { DIND_BLOCK, IND_BLOCK, NDIR_BLOCKS, TIND_BLOCK } from '../format/inode.js';
import type { CheckContext } from './check-context.js';
import { superAndDescriptorRuns } from './group-layout.js';
import type { InodeRecord } from './inode-record.js';

/** Checks the bad-blocks inode and claims the blocks it lists. */
export async function checkBadBlocksInode(ctx: CheckContext, inode: InodeRecord): Promise<void> {
  const ino = inode.ino;
  if (inode.mode !== 0 || inode.uidLow !== 0 || inode.gidLow !== 0 || inode.linksCount !== 0 || inode.fileAcl !== 0) {
    ctx.log.add('BAD_BLOCKS_INODE_INVALID', `the bad-blocks inode 1 has mode 0${inode.mode.toString(8)}, uid/gid, links ${inode.linksCount} or an xattr block`, { ino });
  }
  const problems: string[] = [];
  const backupCopies = backupSuperAndDescriptorBlocks(ctx);
  const listed = (b: number): void => {
    if (!ctx.inRange(b)) problems.push(`lists block ${b}, outside the filesystem`);
    else if (!ctx.blockFound.add(b)) return;
    else if (backupCopies.has(b)) return;
    else if (ctx.blockMetadata.has(b)) problems.push(`lists block ${b}, which holds filesystem metadata`);
    else problems.push(`lists block ${b}, already in use`);
  };
  const apb = ctx.g.addressesPerBlock;
  for (let i = 0; i < NDIR_BLOCKS; i++) if ((inode.block[i] ?? 0) !== 0) listed(inode.block[i] as number);
  const walk = async (ptr: number, depth: number, seen: Set<number>): Promise<void> => {
    if (ptr === 0) return;
    if (!ctx.inRange(ptr)) {
      problems.push(`has indirect block ${ptr}, outside the filesystem`);
      return;
    }
    if (ctx.blockFound.has(ptr)) problems.push(`has indirect block ${ptr}, which is already in use`);
    if (seen.has(ptr)) return;
    seen.add(ptr);
    ctx.blockFound.add(ptr);
    const data = await ctx.reader.readBlock(ptr);
    const view = new DataView(data.buffer);
    for (let i = 0; i < apb; i++) {
      const child = view.getUint32(4 * i, true);
      if (child === 0) continue;
      if (depth === 1) listed(child);
      else await walk(child, depth - 1, seen);
    }
  };
  const seen = new Set<number>();
  await walk(inode.block[IND_BLOCK] ?? 0, 1, seen);
  await walk(inode.block[DIND_BLOCK] ?? 0, 2, seen);
  await walk(inode.block[TIND_BLOCK] ?? 0, 3, seen);
  if (problems.length > 0) {
    ctx.log.add('BAD_BLOCKS_INODE_INVALID', `the bad-blocks inode ${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`, { ino });
  }
}

/** Superblock and descriptor copies outside group 0 (a bad block there only costs a backup). */
function backupSuperAndDescriptorBlocks(ctx: CheckContext): Set<number> {
  const out = new Set<number>();
  for (let group = 1; group < ctx.g.groupCount; group++) {
    for (const run of superAndDescriptorRuns(ctx.g, group)) for (let b = run.first; b < run.first + run.count; b++) out.add(b);
  }
  return out;
}
