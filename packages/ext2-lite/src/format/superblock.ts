// The superblock (EXT2.md 1): 1024 bytes at byte 1024 of the device whatever
// the block size; backups sit at the first block of each backup group
// (offset 0 in that block) with s_block_group_nr = the group.
//
// Layout (offsets from the start of the superblock, little-endian):
//   0x000 counts (inodes, blocks, reserved, free blocks, free inodes)
//   0x014 geometry (first data block, log block/frag size, per-group counts)
//   0x02C times, mount counts, magic 0xEF53 at 0x038, state, errors
//   0x04C revision; rev 1 adds first_ino, inode_size, features, uuid, label
//   0x0C8 ext3/htree fields (journal, orphan list, hash seed), 0x100 mount opts
//   0x15C extra_isize hints, s_flags; 0x164..0x3FB ext4 territory; 0x3FC s_checksum
// Decoding keeps all 1024 raw bytes; encoding writes only changed known
// fields into a copy, so the bytes we do not interpret survive untouched.
import { CorruptFilesystemError } from '@iomap/core';
import { decodeUtf8, readFields, requireLength, writeFields, u8, u16, s16, u32, u64, bytes, u32s, hex, type FieldValues } from './fields.js';
import { COMPAT, INCOMPAT, RO_COMPAT, featurePolicy, type FeatureVerdict, type FeatureWords } from './features.js';

/** Byte offset of the primary superblock on the device. */
export const SUPERBLOCK_OFFSET = 1024;
/** Size of the superblock record. */
export const SUPERBLOCK_SIZE = 1024;
/** s_magic */
export const EXT2_SUPER_MAGIC = 0xef53;
/** Largest s_log_block_size: 1024 << 6 = 64 KiB (e2fsprogs EXT2_MAX_BLOCK_LOG_SIZE 16). */
export const MAX_LOG_BLOCK_SIZE = 6;
/** Rev-0 constants: fixed inode size (also the base part of larger inodes) and first non-reserved inode. */
export const GOOD_OLD_INODE_SIZE = 128;
export const GOOD_OLD_FIRST_INO = 11;
/** s_rev_level values. */
export const REV_GOOD_OLD = 0;
export const REV_DYNAMIC = 1;

/** s_state bits. */
export const FS_STATE = { VALID_FS: 0x1, ERROR_FS: 0x2, ORPHAN_FS: 0x4 } as const;
/** s_errors values: what the kernel does on detecting corruption. */
export const FS_ERRORS = { continue: 1, 'remount-ro': 2, panic: 3 } as const;
/** s_creator_os values. */
export const CREATOR_OS = { linux: 0, hurd: 1, masix: 2, freebsd: 3, lites: 4 } as const;
/** s_default_mount_opts bits. */
export const DEFAULT_MOUNT_OPTS = { debug: 0x1, bsdgroups: 0x2, user_xattr: 0x4, acl: 0x8, uid16: 0x10 } as const;
/** s_flags bits (htree hash signedness hint). */
export const SUPERBLOCK_FLAGS = { signed_hash: 0x1, unsigned_hash: 0x2, test_fs: 0x4 } as const;

/** Every superblock field we name, at its offset, next to its ext2 name. */
export const SUPERBLOCK_FIELDS = {
  inodesCount: u32(0x000, 's_inodes_count'),
  blocksCount: u32(0x004, 's_blocks_count'),
  rBlocksCount: u32(0x008, 's_r_blocks_count'),
  freeBlocksCount: u32(0x00c, 's_free_blocks_count'),
  freeInodesCount: u32(0x010, 's_free_inodes_count'),
  firstDataBlock: u32(0x014, 's_first_data_block'),
  logBlockSize: u32(0x018, 's_log_block_size'),
  logFragSize: u32(0x01c, 's_log_frag_size'),
  blocksPerGroup: u32(0x020, 's_blocks_per_group'),
  fragsPerGroup: u32(0x024, 's_frags_per_group'),
  inodesPerGroup: u32(0x028, 's_inodes_per_group'),
  mtime: u32(0x02c, 's_mtime'),
  wtime: u32(0x030, 's_wtime'),
  mntCount: u16(0x034, 's_mnt_count'),
  maxMntCount: s16(0x036, 's_max_mnt_count'),
  magic: u16(0x038, 's_magic'),
  state: u16(0x03a, 's_state'),
  errors: u16(0x03c, 's_errors'),
  minorRevLevel: u16(0x03e, 's_minor_rev_level'),
  lastCheck: u32(0x040, 's_lastcheck'),
  checkInterval: u32(0x044, 's_checkinterval'),
  creatorOs: u32(0x048, 's_creator_os'),
  revLevel: u32(0x04c, 's_rev_level'),
  defResuid: u16(0x050, 's_def_resuid'),
  defResgid: u16(0x052, 's_def_resgid'),
  firstIno: u32(0x054, 's_first_ino'),
  inodeSize: u16(0x058, 's_inode_size'),
  blockGroupNr: u16(0x05a, 's_block_group_nr'),
  featureCompat: u32(0x05c, 's_feature_compat'),
  featureIncompat: u32(0x060, 's_feature_incompat'),
  featureRoCompat: u32(0x064, 's_feature_ro_compat'),
  uuid: bytes(0x068, 16, 's_uuid'),
  volumeName: bytes(0x078, 16, 's_volume_name'),
  lastMounted: bytes(0x088, 64, 's_last_mounted'),
  algorithmUsageBitmap: u32(0x0c8, 's_algorithm_usage_bitmap'),
  preallocBlocks: u8(0x0cc, 's_prealloc_blocks'),
  preallocDirBlocks: u8(0x0cd, 's_prealloc_dir_blocks'),
  reservedGdtBlocks: u16(0x0ce, 's_reserved_gdt_blocks'),
  journalUuid: bytes(0x0d0, 16, 's_journal_uuid'),
  journalInum: u32(0x0e0, 's_journal_inum'),
  journalDev: u32(0x0e4, 's_journal_dev'),
  lastOrphan: u32(0x0e8, 's_last_orphan'),
  hashSeed: u32s(0x0ec, 4, 's_hash_seed'),
  defHashVersion: u8(0x0fc, 's_def_hash_version'),
  jnlBackupType: u8(0x0fd, 's_jnl_backup_type'),
  descSize: u16(0x0fe, 's_desc_size'),
  defaultMountOpts: u32(0x100, 's_default_mount_opts'),
  firstMetaBg: u32(0x104, 's_first_meta_bg'),
  mkfsTime: u32(0x108, 's_mkfs_time'),
  jnlBlocks: u32s(0x10c, 17, 's_jnl_blocks'),
  blocksCountHi: u32(0x150, 's_blocks_count_hi'),
  rBlocksCountHi: u32(0x154, 's_r_blocks_count_hi'),
  freeBlocksHi: u32(0x158, 's_free_blocks_hi'),
  minExtraIsize: u16(0x15c, 's_min_extra_isize'),
  wantExtraIsize: u16(0x15e, 's_want_extra_isize'),
  flags: u32(0x160, 's_flags'),
  checksumType: u8(0x175, 's_checksum_type'),
  kbytesWritten: u64(0x178, 's_kbytes_written'),
  overheadClusters: u32(0x248, 's_overhead_clusters'),
  backupBgs: u32s(0x24c, 2, 's_backup_bgs'),
  checksumSeed: u32(0x270, 's_checksum_seed'),
  checksum: u32(0x3fc, 's_checksum'),
} as const;

/** A decoded superblock: every named field plus the raw 1024 bytes it came from. */
export interface Superblock extends FieldValues<typeof SUPERBLOCK_FIELDS> {
  /** The 1024 bytes as read; `encodeSuperblock` starts from a copy of them. */
  readonly raw: Uint8Array;
}

export interface SuperblockDecodeOptions {
  /** Where the bytes came from, for error messages (default `'byte 1024'`). */
  location?: string;
}

/** Throws the superblock's corruption error. */
function corrupt(location: string, detail: string): CorruptFilesystemError {
  return new CorruptFilesystemError({ structure: 'superblock', location }, detail);
}

const isPowerOfTwo = (n: number): boolean => n > 0 && (n & (n - 1)) === 0;

/**
 * Decodes and validates a superblock. Checks every number a later layer
 * would trust: magic, block size (1 KiB..64 KiB), frag size, first data block,
 * per-group counts, inode size and first inode, the inode total against the
 * group count, free/reserved counts, reserved GDT blocks, extra_isize hints,
 * features on a rev-0 fs and s_first_meta_bg.
 * Throws CorruptFilesystemError naming the field.
 */
export function decodeSuperblock(buf: Uint8Array, options: SuperblockDecodeOptions = {}): Superblock {
  requireLength(buf, SUPERBLOCK_SIZE, 'superblock');
  const raw = buf.slice(0, SUPERBLOCK_SIZE);
  const sb: Superblock = { ...readFields(SUPERBLOCK_FIELDS, raw), raw };
  validateSuperblock(sb, options.location ?? `byte ${SUPERBLOCK_OFFSET}`);
  return sb;
}

/** Encodes `sb` into a copy of its raw bytes, writing only fields that changed. */
export function encodeSuperblock(sb: Superblock): Uint8Array {
  const out = sb.raw.slice();
  const { raw: _raw, ...values } = sb;
  writeFields(SUPERBLOCK_FIELDS, values, out);
  return out;
}

/** bs = 1024 << s_log_block_size. */
export function blockSizeOf(sb: Pick<Superblock, 'logBlockSize'>): number {
  return 1024 * 2 ** sb.logBlockSize;
}

/** Inode size: 128 on rev 0, else s_inode_size. */
export function inodeSizeOf(sb: Pick<Superblock, 'revLevel' | 'inodeSize'>): number {
  return sb.revLevel === REV_GOOD_OLD ? GOOD_OLD_INODE_SIZE : sb.inodeSize;
}

/** First non-reserved inode: 11 on rev 0, else s_first_ino. */
export function firstInoOf(sb: Pick<Superblock, 'revLevel' | 'firstIno'>): number {
  return sb.revLevel === REV_GOOD_OLD ? GOOD_OLD_FIRST_INO : sb.firstIno;
}

/** groups = ceil((s_blocks_count - s_first_data_block) / s_blocks_per_group). */
export function groupCountOf(sb: Pick<Superblock, 'blocksCount' | 'firstDataBlock' | 'blocksPerGroup'>): number {
  return Math.ceil((sb.blocksCount - sb.firstDataBlock) / sb.blocksPerGroup);
}

/** The feature words in the shape features.ts takes. */
export function featureWordsOf(sb: Pick<Superblock, 'featureCompat' | 'featureIncompat' | 'featureRoCompat'>): FeatureWords {
  return { compat: sb.featureCompat, incompat: sb.featureIncompat, roCompat: sb.featureRoCompat };
}

function validateSuperblock(sb: Superblock, at: string): void {
  if (sb.magic !== EXT2_SUPER_MAGIC) {
    throw corrupt(at, `s_magic is ${hex(sb.magic)}, expected ${hex(EXT2_SUPER_MAGIC)} (not an ext2/ext3/ext4 filesystem)`);
  }
  if (sb.logBlockSize > MAX_LOG_BLOCK_SIZE) {
    throw corrupt(at, `s_log_block_size ${sb.logBlockSize} gives a block size above 64 KiB`);
  }
  const bs = blockSizeOf(sb);
  const bigalloc = (sb.featureRoCompat & RO_COMPAT.bigalloc) !== 0;
  if (!bigalloc && sb.logFragSize !== sb.logBlockSize) {
    throw corrupt(at, `s_log_frag_size ${sb.logFragSize} differs from s_log_block_size ${sb.logBlockSize}`);
  }
  const wantFirst = bs === 1024 ? 1 : 0;
  if (!bigalloc && sb.firstDataBlock !== wantFirst) {
    throw corrupt(at, `s_first_data_block is ${sb.firstDataBlock}, must be ${wantFirst} for ${bs}-byte blocks`);
  }
  if (sb.revLevel === REV_GOOD_OLD && (sb.featureCompat | sb.featureIncompat | sb.featureRoCompat) !== 0) {
    throw corrupt(at, 's_rev_level 0 (good old revision) with feature bits set in s_feature_compat/incompat/ro_compat');
  }
  validateGroupGeometry(sb, at, bs);
  validateCounts(sb, at, bs);
}

function validateGroupGeometry(sb: Superblock, at: string, bs: number): void {
  // u16 group free counts cap a group at 65528 blocks (e2fsprogs EXT2_MAX_BLOCKS_PER_GROUP).
  const maxBpg = Math.min(8 * bs, 65528);
  if (sb.blocksPerGroup < 8 || sb.blocksPerGroup > maxBpg || sb.blocksPerGroup % 8 !== 0) {
    throw corrupt(at, `s_blocks_per_group ${sb.blocksPerGroup} is not a multiple of 8 in 8..${maxBpg}`);
  }
  const bigalloc = (sb.featureRoCompat & RO_COMPAT.bigalloc) !== 0;
  if (!bigalloc && sb.fragsPerGroup !== sb.blocksPerGroup) {
    throw corrupt(at, `s_frags_per_group ${sb.fragsPerGroup} differs from s_blocks_per_group ${sb.blocksPerGroup}`);
  }
  const isz = inodeSizeOf(sb);
  if (sb.revLevel !== REV_GOOD_OLD && (!isPowerOfTwo(isz) || isz < GOOD_OLD_INODE_SIZE || isz > bs)) {
    throw corrupt(at, `s_inode_size ${isz} is not a power of two from 128 to the block size ${bs}`);
  }
  const ipb = bs / isz;
  const maxIpg = Math.min(8 * bs, 65536 - ipb, ipb * (sb.blocksPerGroup - 4));
  if (sb.inodesPerGroup < ipb || sb.inodesPerGroup > maxIpg) {
    throw corrupt(at, `s_inodes_per_group ${sb.inodesPerGroup} is outside ${ipb}..${maxIpg}`);
  }
  if (sb.blocksCount <= sb.firstDataBlock) {
    throw corrupt(at, `s_blocks_count ${sb.blocksCount} leaves no block after s_first_data_block ${sb.firstDataBlock}`);
  }
  const groups = groupCountOf(sb);
  if (sb.inodesCount !== groups * sb.inodesPerGroup) {
    throw corrupt(
      at,
      `s_inodes_count ${sb.inodesCount} is not s_inodes_per_group ${sb.inodesPerGroup} x ${groups} groups = ${groups * sb.inodesPerGroup}`,
    );
  }
  const firstIno = firstInoOf(sb);
  if (firstIno < GOOD_OLD_FIRST_INO || firstIno > sb.inodesCount) {
    throw corrupt(at, `s_first_ino ${firstIno} is outside ${GOOD_OLD_FIRST_INO}..${sb.inodesCount}`);
  }
  if ((sb.featureIncompat & INCOMPAT.meta_bg) !== 0) {
    const descBlocks = Math.ceil(groups / (bs / 32));
    if (sb.firstMetaBg > descBlocks) {
      throw corrupt(at, `s_first_meta_bg ${sb.firstMetaBg} is beyond the ${descBlocks} group descriptor blocks`);
    }
  }
}

function validateCounts(sb: Superblock, at: string, bs: number): void {
  if (sb.freeBlocksCount > sb.blocksCount) {
    throw corrupt(at, `s_free_blocks_count ${sb.freeBlocksCount} exceeds s_blocks_count ${sb.blocksCount}`);
  }
  if (sb.freeInodesCount > sb.inodesCount) {
    throw corrupt(at, `s_free_inodes_count ${sb.freeInodesCount} exceeds s_inodes_count ${sb.inodesCount}`);
  }
  if (sb.rBlocksCount > sb.blocksCount / 2) {
    throw corrupt(at, `s_r_blocks_count ${sb.rBlocksCount} exceeds half of s_blocks_count ${sb.blocksCount}`);
  }
  if (sb.reservedGdtBlocks > bs / 4) {
    throw corrupt(at, `s_reserved_gdt_blocks ${sb.reservedGdtBlocks} exceeds ${bs / 4} (block size / 4)`);
  }
  const isz = inodeSizeOf(sb);
  if (isz > GOOD_OLD_INODE_SIZE) {
    for (const [name, value] of [
      ['s_min_extra_isize', sb.minExtraIsize],
      ['s_want_extra_isize', sb.wantExtraIsize],
    ] as const) {
      if (value !== 0 && (value < 4 || value > isz - GOOD_OLD_INODE_SIZE || value % 4 !== 0)) {
        throw corrupt(at, `${name} ${value} is not 0 or a multiple of 4 in 4..${isz - GOOD_OLD_INODE_SIZE}`);
      }
    }
  }
}

/**
 * True when `group` carries a superblock (and GDT) backup. Group 0 always
 * holds the primary. sparse_super: groups 0, 1 and powers of 3, 5 and 7.
 * sparse_super2: group 0 and the (up to two) groups in s_backup_bgs.
 * Neither: every group.
 */
export function hasSuperblockBackup(
  sb: Pick<Superblock, 'featureCompat' | 'featureRoCompat' | 'backupBgs'>,
  group: number,
): boolean {
  if (group === 0) return true;
  if ((sb.featureCompat & COMPAT.sparse_super2) !== 0) return sb.backupBgs.includes(group);
  if ((sb.featureRoCompat & RO_COMPAT.sparse_super) === 0) return true;
  if (group === 1) return true;
  return isPowerOf(group, 3) || isPowerOf(group, 5) || isPowerOf(group, 7);
}

function isPowerOf(n: number, base: number): boolean {
  let x = n;
  while (x > 1 && x % base === 0) x /= base;
  return x === 1;
}

/** The volume label: s_volume_name up to the first NUL, decoded as UTF-8. */
export function volumeLabel(sb: Pick<Superblock, 'volumeName'>): string {
  return cString(sb.volumeName);
}

/** s_last_mounted up to the first NUL. */
export function lastMountedPath(sb: Pick<Superblock, 'lastMounted'>): string {
  return cString(sb.lastMounted);
}

function cString(field: Uint8Array): string {
  const end = field.indexOf(0);
  return decodeUtf8(end === -1 ? field : field.subarray(0, end));
}

/** Formats a 16-byte UUID as dumpe2fs prints it (lowercase 8-4-4-4-12). */
export function formatUuid(uuid: Uint8Array): string {
  const h = Array.from(uuid, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** The mount policy of EXT2.md 1.3-1.6 for one superblock. */
export interface MountPolicy extends FeatureVerdict {
  /** Things a mount should report but that do not block it. */
  readonly warnings: readonly string[];
}

/**
 * Applies the feature policy (features.ts) and the superblock's own state:
 * rev > 1 forces read-only (the kernel does the same), ERROR_FS forces
 * read-only until e2fsck has run, a pending orphan list (s_last_orphan) forces
 * read-only; a filesystem not marked VALID_FS mounts with a warning.
 * Throws UnsupportedFeatureError for refused incompat features.
 */
export function mountPolicy(sb: Superblock): MountPolicy {
  const verdict = featurePolicy(featureWordsOf(sb));
  const reasons = [...verdict.reasons];
  const warnings: string[] = [];
  if (sb.revLevel > REV_DYNAMIC) reasons.push(`s_rev_level ${sb.revLevel} is newer than the dynamic revision 1`);
  if ((sb.state & FS_STATE.ERROR_FS) !== 0) reasons.push('s_state has ERROR_FS: errors were detected; run e2fsck first');
  if (sb.lastOrphan !== 0) reasons.push(`s_last_orphan ${sb.lastOrphan}: the orphan inode list needs processing by e2fsck`);
  if ((sb.state & FS_STATE.VALID_FS) === 0) warnings.push('s_state lacks VALID_FS: not cleanly unmounted; running e2fsck is recommended');
  return { readOnly: reasons.length > 0, reasons, checkJournal: verdict.checkJournal, warnings };
}
