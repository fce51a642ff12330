// Pass 0, superblock (EXT2.md 1, 6.2): what makes a superblock unusable and
// what is only worth a note.
//
//   unusable -> throw   bad magic; geometry e2fsck refuses to work with (its
//                       check_super_value list: block size, first data block,
//                       blocks/inodes per group, inode size, first inode,
//                       inode total = per-group x groups, reserved blocks <=
//                       half, reserved GDT blocks <= bs/4); features the
//                       checker cannot verify (e2fsck aborts on unknown ones)
//   noted    -> report  device shorter than s_blocks_count, bad extra_isize
//                       hints, superblock times in the future
// Free counts are compared with the bitmaps in pass 5, not here.
import { CorruptFilesystemError, UnsupportedFeatureError } from '@iomap/core';
import { readFields, hex } from '../format/fields.js';
import { COMPAT, INCOMPAT, RO_COMPAT, featureNames } from '../format/features.js';
import { geometryOf, type Geometry } from '../format/geometry.js';
import {
  EXT2_SUPER_MAGIC,
  GOOD_OLD_FIRST_INO,
  GOOD_OLD_INODE_SIZE,
  MAX_LOG_BLOCK_SIZE,
  REV_DYNAMIC,
  REV_GOOD_OLD,
  SUPERBLOCK_FIELDS,
  SUPERBLOCK_OFFSET,
  SUPERBLOCK_SIZE,
  blockSizeOf,
  firstInoOf,
  groupCountOf,
  inodeSizeOf,
  type Superblock,
} from '../format/superblock.js';
import type { ProblemLog } from './check-report.js';

/** Features whose on-disk rules the checker verifies (or that change nothing it checks). */
const CHECKABLE = {
  compat:
    COMPAT.dir_prealloc |
    COMPAT.imagic_inodes |
    COMPAT.has_journal |
    COMPAT.ext_attr |
    COMPAT.resize_inode |
    COMPAT.dir_index |
    COMPAT.sparse_super2 |
    COMPAT.stable_inodes,
  incompat: INCOMPAT.filetype | INCOMPAT.meta_bg | INCOMPAT.needs_recovery,
  roCompat: RO_COMPAT.sparse_super | RO_COMPAT.large_file | RO_COMPAT.dir_nlink | RO_COMPAT.extra_isize | RO_COMPAT['read-only'],
} as const;

/** Block sizes e2fsprogs tries when it looks for a backup superblock without a usable primary. */
const BACKUP_PROBE_BLOCK_SIZES = [1024, 2048, 4096, 8192, 16384, 32768, 65536];

/** e2fsck accepts superblock times this far ahead of its clock as "fudged" (it still prints them). */
const TIME_FUDGE_SECONDS = 86400;

function unusable(detail: string): CorruptFilesystemError {
  return new CorruptFilesystemError({ structure: 'superblock', location: `byte ${SUPERBLOCK_OFFSET}` }, detail, { syscall: 'check' });
}

/**
 * Decodes the primary superblock for checking: throws CorruptFilesystemError
 * (EUCLEAN) when it cannot describe an ext2 filesystem, UnsupportedFeatureError
 * (EOPNOTSUPP) for features the checker does not verify; everything softer is
 * left to the passes.
 */
export function decodeSuperblockForCheck(raw: Uint8Array): Superblock {
  if (raw.length < SUPERBLOCK_SIZE) throw unusable(`the device has only ${raw.length} bytes after byte ${SUPERBLOCK_OFFSET}, too few for a superblock`);
  const sb: Superblock = { ...readFields(SUPERBLOCK_FIELDS, raw), raw: raw.slice(0, SUPERBLOCK_SIZE) };
  // The order of e2fsprogs' ext2fs_open2: a missing magic or impossible
  // geometry send e2fsck to a backup superblock; a revision or incompatible
  // feature it does not know stop it.
  if (sb.magic !== EXT2_SUPER_MAGIC) throw unusable(`s_magic is ${hex(sb.magic)}, expected ${hex(EXT2_SUPER_MAGIC)} (not an ext2/ext3/ext4 filesystem)`);
  if (sb.revLevel > REV_DYNAMIC) {
    throw new UnsupportedFeatureError([`revision ${sb.revLevel}`], `s_rev_level ${sb.revLevel} is newer than the dynamic revision 1 (or the superblock is corrupt)`, { syscall: 'check' });
  }
  const incompat = featureNames('incompat', (sb.featureIncompat & ~CHECKABLE.incompat) >>> 0);
  if (incompat.length > 0) throw unsupported(incompat);
  checkGeometry(sb);
  checkFeatures(sb);
  return sb;
}

function unsupported(features: string[]): UnsupportedFeatureError {
  return new UnsupportedFeatureError(features, 'this ext2 checker cannot verify filesystems with these features; use e2fsck', { syscall: 'check' });
}

function checkFeatures(sb: Superblock): void {
  const unknown = [
    ...featureNames('compat', (sb.featureCompat & ~CHECKABLE.compat) >>> 0),
    ...featureNames('roCompat', (sb.featureRoCompat & ~CHECKABLE.roCompat) >>> 0),
  ];
  if (unknown.length > 0) throw unsupported(unknown);
  // e2fsck goes looking for the journal device as soon as s_journal_uuid is set.
  if (sb.journalUuid.some((b) => b !== 0)) {
    throw new UnsupportedFeatureError(['external journal'], 's_journal_uuid names a journal on another device, which this checker cannot reach; use e2fsck', { syscall: 'check' });
  }
}

const isPowerOfTwo = (n: number): boolean => n > 0 && (n & (n - 1)) === 0;

/** The limits e2fsck's check_super_block aborts on. */
function checkGeometry(sb: Superblock): void {
  if (sb.logBlockSize > MAX_LOG_BLOCK_SIZE) throw unusable(`s_log_block_size ${sb.logBlockSize} is above ${MAX_LOG_BLOCK_SIZE}`);
  const bs = blockSizeOf(sb);
  if (sb.logFragSize !== sb.logBlockSize) throw unusable(`s_log_frag_size ${sb.logFragSize} differs from s_log_block_size ${sb.logBlockSize}`);
  const wantFirst = bs === 1024 ? 1 : 0;
  if (sb.firstDataBlock !== wantFirst) throw unusable(`s_first_data_block is ${sb.firstDataBlock}, must be ${wantFirst} for ${bs}-byte blocks`);
  const maxBpg = Math.min(8 * bs, 65528);
  if (sb.blocksPerGroup < 8 || sb.blocksPerGroup > maxBpg) throw unusable(`s_blocks_per_group ${sb.blocksPerGroup} is outside 8..${maxBpg}`);
  if (sb.fragsPerGroup !== sb.blocksPerGroup) throw unusable(`s_frags_per_group ${sb.fragsPerGroup} differs from s_blocks_per_group ${sb.blocksPerGroup}`);
  const isz = inodeSizeOf(sb);
  if (sb.revLevel !== REV_GOOD_OLD && (!isPowerOfTwo(isz) || isz < GOOD_OLD_INODE_SIZE || isz > bs)) {
    throw unusable(`s_inode_size ${isz} is not a power of two from 128 to the block size ${bs}`);
  }
  const ipb = bs / isz;
  const maxIpg = Math.min(8 * bs, 65536 - ipb, ipb * (sb.blocksPerGroup - 4));
  if (sb.inodesPerGroup < ipb || sb.inodesPerGroup > maxIpg) throw unusable(`s_inodes_per_group ${sb.inodesPerGroup} is outside ${ipb}..${maxIpg}`);
  if (sb.blocksCount <= sb.firstDataBlock) throw unusable(`s_blocks_count ${sb.blocksCount} leaves no block after s_first_data_block ${sb.firstDataBlock}`);
  const groups = groupCountOf(sb);
  if (sb.inodesCount !== groups * sb.inodesPerGroup) {
    throw unusable(`s_inodes_count ${sb.inodesCount} is not s_inodes_per_group ${sb.inodesPerGroup} x ${groups} groups`);
  }
  const firstIno = firstInoOf(sb);
  if (firstIno < GOOD_OLD_FIRST_INO || firstIno > sb.inodesCount) throw unusable(`s_first_ino ${firstIno} is outside ${GOOD_OLD_FIRST_INO}..${sb.inodesCount}`);
  if (sb.rBlocksCount > sb.blocksCount / 2) throw unusable(`s_r_blocks_count ${sb.rBlocksCount} exceeds half of s_blocks_count ${sb.blocksCount}`);
  if (sb.reservedGdtBlocks > bs / 4) throw unusable(`s_reserved_gdt_blocks ${sb.reservedGdtBlocks} exceeds ${bs / 4}`);
}

/** A backup superblock found where e2fsck looks for one, decoded and validated. */
export interface BackupSuperblock {
  readonly sb: Superblock;
  /** Device block (in its own block size) holding it. */
  readonly block: number;
}

/**
 * The first backup superblock e2fsprogs would fall back to when the primary is
 * unusable (get_backup_sb): for each block size from 1 KiB up, group 1's copy
 * at block 8 x bs (+1 with 1 KiB blocks), if it has the magic, that block
 * size, and passes the same checks. Undefined when none does.
 */
export async function findBackupSuperblock(read: (pos: number, length: number) => Promise<Uint8Array | undefined>): Promise<BackupSuperblock | undefined> {
  for (const bs of BACKUP_PROBE_BLOCK_SIZES) {
    const block = bs * 8 + (bs === 1024 ? 1 : 0);
    const raw = await read(block * bs, SUPERBLOCK_SIZE);
    if (raw === undefined) continue;
    const fields = readFields(SUPERBLOCK_FIELDS, raw);
    if (fields.magic !== EXT2_SUPER_MAGIC || fields.logBlockSize > MAX_LOG_BLOCK_SIZE || blockSizeOf(fields) !== bs) continue;
    try {
      return { sb: decodeSuperblockForCheck(raw), block };
    } catch (err) {
      if (err instanceof CorruptFilesystemError) continue;
      throw err;
    }
  }
  return undefined;
}

/**
 * The geometry the passes use. With meta_bg, an s_first_meta_bg beyond the
 * descriptor table is reported and clamped, as e2fsprogs does when opening.
 */
export function checkGeometryOf(sb: Superblock, log: ProblemLog): Geometry {
  const g = geometryOf(sb);
  if ((sb.featureIncompat & INCOMPAT.meta_bg) !== 0 && sb.firstMetaBg > g.descriptorBlocks) {
    log.add('SUPERBLOCK_FIELD_INVALID', `s_first_meta_bg ${sb.firstMetaBg} is beyond the ${g.descriptorBlocks} group descriptor blocks`);
    return { ...g, firstMetaBg: g.descriptorBlocks };
  }
  return g;
}

/** The superblock's soft problems: device size, extra_isize hints, times ahead of `now`. */
export function checkSuperblockSoftFields(sb: Superblock, g: Geometry, deviceSize: number, now: number, log: ProblemLog): void {
  const deviceBlocks = Math.floor(deviceSize / g.blockSize);
  if (deviceBlocks < g.blocksCount) {
    log.add('DEVICE_TOO_SMALL', `the superblock says ${g.blocksCount} blocks but the device holds only ${deviceBlocks} (truncated image or wrong partition?); the missing blocks read as zeros`);
  }
  if (g.inodeSize > GOOD_OLD_INODE_SIZE) {
    for (const [name, value] of [
      ['s_min_extra_isize', sb.minExtraIsize],
      ['s_want_extra_isize', sb.wantExtraIsize],
    ] as const) {
      if (value !== 0 && (value < 4 || value > g.inodeSize - GOOD_OLD_INODE_SIZE || value % 4 !== 0)) {
        log.add('SUPERBLOCK_FIELD_INVALID', `${name} ${value} is not 0 or a multiple of 4 in 4..${g.inodeSize - GOOD_OLD_INODE_SIZE}`);
      }
    }
  }
  if ((sb.featureCompat & COMPAT.resize_inode) === 0 && sb.reservedGdtBlocks !== 0) {
    log.add('RESIZE_INODE_INVALID', `s_reserved_gdt_blocks is ${sb.reservedGdtBlocks} but the resize_inode feature is off; it should be 0`);
  }
  for (const [name, value] of [
    ['last mount time s_mtime', sb.mtime],
    ['last write time s_wtime', sb.wtime],
  ] as const) {
    if (value > now) {
      const by = value - now > TIME_FUDGE_SECONDS ? `${value - now} s` : 'less than a day (a clock set to local time?)';
      log.add('SUPERBLOCK_TIME_IN_FUTURE', `superblock ${name} ${value} is ${by} in the future`);
    }
  }
  if ((sb.featureIncompat & INCOMPAT.needs_recovery) !== 0) {
    log.add('JOURNAL_NEEDS_RECOVERY', 'needs_recovery is set: the journal holds transactions not yet replayed; the check ran on the unreplayed image');
  }
}
