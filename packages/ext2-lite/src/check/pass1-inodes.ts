// Pass 1: every inode of every group, read a whole inode table at a time
// (EXT2.md 3, 6.2). Decides which inodes are in use (links_count > 0;
// reserved inodes always), applies the per-inode rules in e2fsck's order, and
// claims every block an inode owns (inode-blocks-check.ts).
//
//   free inode           dtime below s_inodes_count (an orphan-list remnant),
//                        or a mode with dtime 0 ("deleted inode has zero dtime")
//   reserved 1..first-1  1 bad-blocks list, 2 root (a directory), 3/4 quota and
//                        8 journal (empty unless in use), 5 boot loader (not a
//                        directory), 7 resize inode (regular), others mode 0
//   in-use inode         no dtime; flags the features allow; valid extra_isize
//                        and in-inode xattrs; a valid type; fields that must be
//                        zero are zero; then its blocks
import { INODE_FLAGS, JOURNAL_INO, RESIZE_INO, ROOT_INO, BAD_INO, S_IF } from '../format/inode.js';
import { GOOD_OLD_INODE_SIZE } from '../format/superblock.js';
import type { CheckContext } from './check-context.js';
import { checkInodeBlocks } from './inode-blocks-check.js';
import { fullSize, livenessAt, modeType, readInodeRecord, type InodeRecord } from './inode-record.js';
import { isFastSymlink, looksLikeDirectory, specialInodeValid, symlinkValid } from './inode-type-checks.js';
import { checkBadBlocksInode } from './bad-blocks-inode.js';
import { checkXattrRefcounts, inodeXattrProblem, type XattrBlockRefs } from './xattr-check.js';
import { markTableBlocks } from './table-blocks.js';
import { reportMultiplyClaimed } from './pass1b-duplicates.js';

/** ext4's casefold flag, which ext2 never has. */
const CASEFOLD_FL = 0x40000000;
/** ext4's encrypt flag (ext2's old ECOMPR bit): e2fsck wants an encryption policy xattr with it, which ext2 never has. */
const ENCRYPT_FL = 0x800;
/** Quota inodes reserved by number (user, group). */
const QUOTA_INOS: ReadonlySet<number> = new Set([3, 4]);

/** Runs pass 1 over the whole inode space. */
export async function pass1Inodes(ctx: CheckContext): Promise<void> {
  markTableBlocks(ctx);
  const xattrRefs = new Map<number, XattrBlockRefs>();
  const lowDtimeCheck = lowDtimeCheckEnabled(ctx);
  const g = ctx.g;
  for (let group = 0; group < g.groupCount; group++) {
    const d = ctx.descriptors[group];
    if (d === undefined || !ctx.usable[group]?.inodeTable) continue;
    const table = await ctx.reader.readBlocks(d.inodeTable, g.inodeTableBlocks);
    const view = new DataView(table.buffer, table.byteOffset, table.byteLength);
    for (let index = 0; index < g.inodesPerGroup; index++) {
      const ino = group * g.inodesPerGroup + index + 1;
      const offset = index * g.inodeSize;
      const { mode, dtime, linksCount } = livenessAt(view, offset);
      if (dtime !== 0 && lowDtimeCheck && dtime < g.inodesCount) {
        ctx.log.add('ORPHAN_LIST_INODE', `inode ${ino} has dtime ${dtime}, below s_inodes_count: a remnant of a broken orphan list`, { ino });
      }
      if (linksCount === 0 && ino >= g.firstIno) {
        if (dtime === 0 && mode !== 0) ctx.log.add('DELETED_INODE_ZERO_DTIME', `deleted inode ${ino} (links 0, mode 0${mode.toString(8)}) has dtime 0`, { ino });
        continue;
      }
      await checkInode(ctx, readInodeRecord(table, offset, g.inodeSize, ino), xattrRefs);
    }
  }
  checkXattrRefcounts(ctx, xattrRefs);
  await reportMultiplyClaimed(ctx);
}

/** e2fsck skips the orphan-dtime test when the superblock's own times are that small (a clock that never ran). */
function lowDtimeCheckEnabled(ctx: CheckContext): boolean {
  const { wtime, mtime, mkfsTime } = ctx.sb;
  const n = ctx.g.inodesCount;
  return !((wtime !== 0 && wtime < n) || (mtime !== 0 && mtime < n) || (mkfsTime !== 0 && mkfsTime < n));
}

/** One inode that is reserved or has links. */
async function checkInode(ctx: CheckContext, inode: InodeRecord, xattrRefs: Map<number, XattrBlockRefs>): Promise<void> {
  const { ino } = inode;
  checkForeignFlags(ctx, inode);
  if (ino === BAD_INO) {
    await checkBadBlocksInode(ctx, inode);
    ctx.inodeUsed.add(ino);
    return;
  }
  if (ino === ROOT_INO) {
    if (modeType(inode.mode) !== S_IF.DIR) ctx.log.add('ROOT_NOT_DIRECTORY', `the root inode has mode 0${inode.mode.toString(8)}, not a directory`, { ino });
  } else if (ino === JOURNAL_INO) {
    ctx.inodeUsed.add(ino);
    if (ctx.sb.journalInum === JOURNAL_INO) {
      if (modeType(inode.mode) !== S_IF.REG) ctx.log.add('RESERVED_INODE_BAD_MODE', `the journal inode 8 has mode 0${inode.mode.toString(8)}, not a regular file`, { ino });
      await checkInodeBlocks(ctx, inode, xattrRefs);
      return;
    }
    if (inode.linksCount !== 0 || inode.blocks !== 0 || inode.block[0] !== 0) {
      ctx.log.add('RESERVED_INODE_NOT_CLEAR', 'inode 8 is not the journal but has links or blocks', { ino });
    }
  } else if (QUOTA_INOS.has(ino)) {
    ctx.inodeUsed.add(ino);
    if (inode.linksCount !== 0 || inode.blocks !== 0 || inode.block[0] !== 0) {
      ctx.log.add('RESERVED_INODE_NOT_CLEAR', `quota inode ${ino} is not in use (no quota feature) but has links or blocks`, { ino });
    }
  } else if (ino < ctx.g.firstIno) {
    ctx.inodeUsed.add(ino);
    const type = modeType(inode.mode);
    const bad = ino === 5 ? type === S_IF.DIR : ino === RESIZE_INO ? inode.mode !== 0 && type !== S_IF.REG : inode.mode !== 0;
    if (bad) ctx.log.add('RESERVED_INODE_BAD_MODE', `reserved inode ${ino} has mode 0${inode.mode.toString(8)}`, { ino });
    await checkInodeBlocks(ctx, inode, xattrRefs);
    return;
  }
  if (inode.linksCount === 0) return;
  if (inode.dtime !== 0) ctx.log.add('INODE_IN_USE_HAS_DTIME', `inode ${ino} is in use (links ${inode.linksCount}) but has dtime ${inode.dtime}`, { ino });
  ctx.inodeUsed.add(ino);
  ctx.linkCount.set(ino, inode.linksCount);
  await checkLiveInode(ctx, inode, xattrRefs);
}

/** Flags from features ext2 does not have (e2fsck checks these on reserved inodes too). */
function checkForeignFlags(ctx: CheckContext, inode: InodeRecord): void {
  const { ino, flags } = inode;
  const say = (what: string): void => ctx.log.add('INODE_FLAGS_INVALID', `inode ${ino}: ${what}`, { ino });
  if ((flags & CASEFOLD_FL) !== 0) say('the casefold flag is set but the casefold feature is off');
  if ((flags & INODE_FLAGS.INLINE_DATA) !== 0 && ino >= ctx.g.firstIno) say('INLINE_DATA_FL is set on a filesystem without inline_data');
  if ((flags & INODE_FLAGS.EXTENTS) !== 0 && (inode.linksCount !== 0 || ino === BAD_INO || ino === ROOT_INO || ino === JOURNAL_INO)) {
    say('EXTENTS_FL is set on a filesystem without extents');
  }
}

/** Root and every inode with links: everything after the liveness test. */
async function checkLiveInode(ctx: CheckContext, inode: InodeRecord, xattrRefs: Map<number, XattrBlockRefs>): Promise<void> {
  const { ino } = inode;
  const reported = ino === ROOT_INO || ino >= ctx.g.firstIno;
  const bad = (code: 'INODE_FIELD_NOT_ZERO' | 'INODE_BAD_MODE' | 'SPECIAL_FILE_INVALID' | 'SYMLINK_INVALID', what: string): void => {
    ctx.inodeBad.add(ino);
    // e2fsck offers these fixes in pass 2 or 4, which never visit reserved inodes.
    if (reported) ctx.log.add(code, `inode ${ino}: ${what}`, { ino });
  };
  for (const field of fieldsThatMustBeZero(ctx, inode)) bad('INODE_FIELD_NOT_ZERO', field);
  if ((inode.flags & ENCRYPT_FL) !== 0) ctx.log.add('INODE_FLAGS_INVALID', `inode ${ino}: the encrypt flag (0x800) is set without an encryption policy`, { ino });
  if ((inode.flags & INODE_FLAGS.IMAGIC) !== 0) {
    if (ctx.features.imagicInodes) ctx.imagicInodes.add(ino);
    else ctx.log.add('INODE_FLAGS_INVALID', `inode ${ino}: the imagic flag is set without the imagic_inodes feature`, { ino });
  }
  checkExtraSpace(ctx, inode);
  if (await looksLikeDirectory(ctx, inode)) {
    ctx.log.add('INODE_LOOKS_LIKE_DIRECTORY', `inode ${ino} has mode 0${inode.mode.toString(8)} but its first block holds '.' and '..': it looks like a directory`, { ino });
  }
  const type = modeType(inode.mode);
  const c = ctx.counts;
  if (type !== S_IF.DIR && type !== S_IF.REG) ctx.otherModes.set(ino, inode.mode);
  if (type === S_IF.DIR) {
    ctx.inodeDir.add(ino);
    ctx.dirInfo.set(ino, { parent: 0, dotdot: 0 });
    c.directories++;
  } else if (type === S_IF.REG) {
    ctx.inodeReg.add(ino);
    c.regularFiles++;
  } else if (type === S_IF.CHR || type === S_IF.BLK || type === S_IF.FIFO || type === S_IF.SOCK) {
    if (specialInodeValid(inode)) {
      checkSpecialFile(ctx, inode);
      if (type === S_IF.CHR) c.characterDevices++;
      else if (type === S_IF.BLK) c.blockDevices++;
      else if (type === S_IF.FIFO) c.fifos++;
      else c.sockets++;
    } else {
      bad('SPECIAL_FILE_INVALID', `a device/FIFO/socket with flags 0x${inode.flags.toString(16)} or block numbers it cannot have`);
    }
  } else if (type === S_IF.LNK) {
    if (await symlinkValid(ctx, inode)) {
      if ((inode.flags & (INODE_FLAGS.IMMUTABLE | INODE_FLAGS.APPEND)) !== 0) {
        ctx.log.add('SPECIAL_FILE_FLAGS', `symlink inode ${ino} has the immutable or append-only flag`, { ino });
      }
      c.symlinks++;
      if (isFastSymlink(inode)) c.fastSymlinks++;
    } else {
      bad('SYMLINK_INVALID', `a symlink whose target does not match i_size ${inode.sizeLow} (fast/slow storage, terminating NUL, block pointers)`);
    }
  } else {
    bad('INODE_BAD_MODE', `mode 0${inode.mode.toString(8)} is not a valid file type`);
  }
  await checkInodeBlocks(ctx, inode, xattrRefs);
}

/** Fields e2fsck wants zero (its inode_bad_map reasons), described. */
function fieldsThatMustBeZero(ctx: CheckContext, inode: InodeRecord): string[] {
  const out: string[] = [];
  const f = ctx.features;
  if (inode.faddr !== 0) out.push(`i_faddr is ${inode.faddr}`);
  if (f.hurd && (inode.raw[0x74] !== 0 || inode.raw[0x75] !== 0)) out.push('the Hurd fragment fields are not zero');
  if (modeType(inode.mode) === S_IF.DIR && inode.sizeHigh !== 0) out.push(`i_size_high of a directory is ${inode.sizeHigh}`);
  if (!f.hurd && inode.fileAclHigh !== 0) out.push(`l_i_file_acl_high is ${inode.fileAclHigh}`);
  if (!f.hurd && inode.blocksHigh !== 0) out.push(`l_i_blocks_hi is ${inode.blocksHigh} without huge_file`);
  if (inode.fileAcl !== 0 && !f.extAttr) out.push(`i_file_acl is ${inode.fileAcl} but the filesystem lacks ext_attr`);
  else if (inode.fileAcl !== 0 && !ctx.inRange(inode.fileAcl)) out.push(`i_file_acl ${inode.fileAcl} is outside the filesystem`);
  return out;
}

/** Immutable/append and non-zero sizes on devices, FIFOs and sockets. */
function checkSpecialFile(ctx: CheckContext, inode: InodeRecord): void {
  const { ino } = inode;
  if ((inode.flags & (INODE_FLAGS.IMMUTABLE | INODE_FLAGS.APPEND)) !== 0) {
    ctx.log.add('SPECIAL_FILE_FLAGS', `special inode ${ino} has the immutable or append-only flag`, { ino });
  }
  if ((inode.flags & INODE_FLAGS.INLINE_DATA) !== 0) ctx.log.add('SPECIAL_FILE_FLAGS', `special inode ${ino} has INLINE_DATA_FL`, { ino });
  if (fullSize(inode) !== 0) ctx.log.add('SPECIAL_FILE_NONZERO_SIZE', `special inode ${ino} has size ${fullSize(inode)}`, { ino });
}

/**
 * Large inodes: i_extra_isize, the in-inode xattrs after it, and the time
 * extras (e2fsck check_inode_extra_space).
 */
function checkExtraSpace(ctx: CheckContext, inode: InodeRecord): void {
  const isz = ctx.g.inodeSize;
  if (isz === GOOD_OLD_INODE_SIZE) return;
  const { ino, extraIsize } = inode;
  const max = isz - GOOD_OLD_INODE_SIZE;
  if (extraIsize !== 0 && (extraIsize < 4 || extraIsize > max || extraIsize % 4 !== 0)) {
    ctx.log.add('INODE_EXTRA_ISIZE_INVALID', `inode ${ino}: i_extra_isize ${extraIsize} is not 0 or a multiple of 4 in 4..${max}`, { ino });
    return;
  }
  if (extraIsize >= max - 4) return;
  const view = new DataView(inode.raw.buffer, inode.raw.byteOffset, inode.raw.byteLength);
  if (view.getUint32(GOOD_OLD_INODE_SIZE + extraIsize, true) === 0xea020000) {
    const problem = inodeXattrProblem(inode);
    if (problem !== undefined) ctx.log.add('INODE_XATTR_INVALID', `inode ${ino}: in-inode extended attributes: ${problem}`, { ino });
  }
  // A set sign bit with both epoch bits set was the old encoding of pre-1970 times.
  const times: Array<[string, number, number]> = [
    ['atime', 0x08, 0x8c],
    ['ctime', 0x0c, 0x84],
    ['crtime', 0x90, 0x94],
    ['mtime', 0x10, 0x88],
  ];
  for (const [name, at, extraAt] of times) {
    if ((view.getUint32(at, true) & 0x80000000) !== 0 && (view.getUint32(extraAt, true) & 3) === 3) {
      ctx.log.add('INODE_TIME_EPOCH_SUSPICIOUS', `inode ${ino}: ${name} lies beyond 2310, probably a pre-1970 time in the old encoding`, { ino });
      return;
    }
  }
}
