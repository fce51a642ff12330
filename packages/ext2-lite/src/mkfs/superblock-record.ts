// The superblock mkfs writes (EXT2.md 1.2), field for field what mke2fs 1.47
// writes for `-t ext2`: rev 1, s_first_ino 11, Linux creator, half_md4 hash
// with the signed-hash flag (x86 char), user_xattr,acl mount options, no
// periodic check (max mount count -1, interval 0), s_overhead_clusters.
//
// Backups (EXT2.md 1.5) are the same record with s_block_group_nr = group and
// VALID_FS cleared, as e2fsprogs writes them, so an fsck started from a
// backup always does a full check.
import { readFields, viewOf, writeFields } from '../format/fields.js';
import {
  CREATOR_OS,
  DEFAULT_MOUNT_OPTS,
  EXT2_SUPER_MAGIC,
  FS_STATE,
  REV_DYNAMIC,
  SUPERBLOCK_FIELDS,
  SUPERBLOCK_FLAGS,
  SUPERBLOCK_SIZE,
  type Superblock,
} from '../format/superblock.js';
import type { FeatureWords } from '../format/features.js';
import { FIRST_INO, type Layout } from './layout.js';
import { MKFS_EXTRA_ISIZE } from './initial-tree.js';

/** s_def_hash_version: half_md4, mke2fs's default. */
export const HASH_HALF_MD4 = 1;

/** Everything of the superblock that is not layout. */
export interface SuperblockSettings {
  readonly features: FeatureWords;
  readonly reservedBlocks: number;
  readonly freeBlocks: number;
  readonly freeInodes: number;
  readonly uuid: Uint8Array;
  readonly hashSeed: Uint8Array;
  /** s_volume_name, exactly 16 bytes, NUL padded. */
  readonly volumeName: Uint8Array;
  readonly time: number;
  /** s_errors */
  readonly errors: number;
  /** s_overhead_clusters: metadata blocks (+ first_data_block). */
  readonly overheadBlocks: number;
}

/** The hash seed bytes as the four little-endian u32 words of s_hash_seed. */
function hashSeedWords(seed: Uint8Array): number[] {
  const view = viewOf(seed);
  return [0, 1, 2, 3].map((i) => view.getUint32(i * 4, true));
}

/** Encodes the primary superblock (1024 bytes). */
export function encodePrimarySuperblock(layout: Layout, s: SuperblockSettings): Uint8Array {
  const raw = new Uint8Array(SUPERBLOCK_SIZE);
  const logBlockSize = Math.log2(layout.blockSize / 1024);
  const values: Partial<Record<keyof Superblock, unknown>> = {
    inodesCount: layout.inodesCount,
    blocksCount: layout.blocksCount,
    rBlocksCount: s.reservedBlocks,
    freeBlocksCount: s.freeBlocks,
    freeInodesCount: s.freeInodes,
    firstDataBlock: layout.firstDataBlock,
    logBlockSize,
    logFragSize: logBlockSize,
    blocksPerGroup: layout.blocksPerGroup,
    fragsPerGroup: layout.blocksPerGroup,
    inodesPerGroup: layout.inodesPerGroup,
    wtime: s.time,
    maxMntCount: -1,
    magic: EXT2_SUPER_MAGIC,
    state: FS_STATE.VALID_FS,
    errors: s.errors,
    lastCheck: s.time,
    creatorOs: CREATOR_OS.linux,
    revLevel: REV_DYNAMIC,
    firstIno: FIRST_INO,
    inodeSize: layout.inodeSize,
    featureCompat: s.features.compat,
    featureIncompat: s.features.incompat,
    featureRoCompat: s.features.roCompat,
    uuid: s.uuid,
    volumeName: s.volumeName,
    reservedGdtBlocks: layout.reservedGdtBlocks,
    hashSeed: hashSeedWords(s.hashSeed),
    defHashVersion: HASH_HALF_MD4,
    defaultMountOpts: DEFAULT_MOUNT_OPTS.user_xattr | DEFAULT_MOUNT_OPTS.acl,
    mkfsTime: s.time,
    // mke2fs sets the extra_isize hints only when inodes hold ext2_inode_large.
    minExtraIsize: layout.inodeSize > 128 ? MKFS_EXTRA_ISIZE : 0,
    wantExtraIsize: layout.inodeSize > 128 ? MKFS_EXTRA_ISIZE : 0,
    flags: SUPERBLOCK_FLAGS.signed_hash,
    overheadClusters: s.overheadBlocks,
  };
  writeFields(SUPERBLOCK_FIELDS, values, raw);
  return raw;
}

/**
 * A backup copy for `group`: s_block_group_nr = group (a u16: e2fsprogs
 * clamps groups past 65535 to 65535), VALID_FS cleared.
 */
export function encodeBackupSuperblock(primary: Uint8Array, group: number): Uint8Array {
  const copy = primary.slice();
  const state = readFields({ state: SUPERBLOCK_FIELDS.state }, copy).state;
  writeFields(SUPERBLOCK_FIELDS, { blockGroupNr: Math.min(group, 0xffff), state: state & ~FS_STATE.VALID_FS }, copy);
  return copy;
}
