// The geometry of a new filesystem: how many groups, inodes per group,
// reserved GDT blocks, and where each group's metadata goes. The rules are
// those of e2fsprogs' ext2fs_initialize (1.47), so that for the same request
// we build the same layout as `mke2fs -t ext2` (EXT2.md 2.1, 2.3, 2.4):
//
//   groups  = ceil((blocks - first_data_block) / bpg)
//   ipg     = ceil(inodes / groups), at most 8*bs (else bpg shrinks by 8 and
//             we retry), then rounded UP to fill whole inode-table blocks and
//             DOWN to a multiple of 8
//   rsv_gdt = GDT blocks needed to grow to min(1024 x size, 2^32 blocks),
//             minus the current GDT, capped at bs/4 (resize_inode only)
//   a last group shorter than its metadata + 50 blocks is dropped (the
//   filesystem shrinks, reserved blocks keep their ratio); a lone group
//   shorter than its metadata is refused.
// Where mke2fs would switch to meta_bg (GDT + reserved GDT above 3/4 of a
// group, only with a small blocksPerGroup) we refuse instead: mkfs creates
// only the features of feature-edits.ts.
//
// Group layout (no flex_bg): [superblock | GDT | reserved GDT] in groups with
// a backup, then block bitmap, inode bitmap, inode table, data.
import { FsError } from '@iomap/core';
import { COMPAT, type FeatureWords } from '../format/features.js';
import { GROUP_DESCRIPTOR_SIZE } from '../format/geometry.js';
import { hasSuperblockBackup } from '../format/superblock.js';

/** Largest u32: block and inode numbers are 32-bit on ext2. */
export const MAX_U32 = 0xffffffff;
/** First inode mkfs may hand out; inodes 1..10 are reserved (EXT2.md 3.9). */
export const FIRST_INO = 11;
/** A last group needs this many data blocks beyond its metadata to be kept. */
const LAST_GROUP_SLACK = 50;

/** What the layout is computed from (mke2fs's fs_param). */
export interface LayoutRequest {
  readonly blockSize: number;
  /** Blocks asked for (the device size in blocks). */
  readonly blocksCount: number;
  /** s_inodes_count asked for; 0 lets the layout pick blocks / (4096 / bs). */
  readonly inodesCount: number;
  readonly inodeSize: number;
  readonly blocksPerGroup: number;
  /** s_r_blocks_count asked for (from the requested size). */
  readonly reservedBlocks: number;
  readonly features: FeatureWords;
}

/** Where one group's metadata lives. */
export interface GroupLayout {
  readonly group: number;
  /** First block of the group. */
  readonly first: number;
  /** Blocks in the group (the last one may be shorter). */
  readonly blocks: number;
  /** Holds a superblock and GDT copy (group 0: the primary). */
  readonly hasBackup: boolean;
  readonly blockBitmap: number;
  readonly inodeBitmap: number;
  readonly inodeTable: number;
  /** Blocks from `first` through the end of the inode table: all metadata, one run. */
  readonly metadataBlocks: number;
}

/** The computed geometry. */
export interface Layout {
  readonly blockSize: number;
  readonly firstDataBlock: number;
  readonly blocksCount: number;
  readonly blocksPerGroup: number;
  readonly groupCount: number;
  readonly inodesPerGroup: number;
  readonly inodesCount: number;
  readonly inodeSize: number;
  readonly inodeTableBlocks: number;
  readonly descriptorBlocks: number;
  readonly reservedGdtBlocks: number;
  /** s_r_blocks_count, rescaled when a short last group was dropped. */
  readonly reservedBlocks: number;
  readonly features: FeatureWords;
  readonly groups: readonly GroupLayout[];
}

function refuse(detail: string): FsError {
  return new FsError('EINVAL', detail, { syscall: 'mkfs' });
}

/** Reserved GDT blocks for growth to min(1024 x blocks, 2^32) blocks (e2fsprogs calc_reserved_gdt_blocks). */
export function reservedGdtBlocksFor(blocksCount: number, firstDataBlock: number, blocksPerGroup: number, blockSize: number, descBlocks: number): number {
  const perBlock = blockSize / GROUP_DESCRIPTOR_SIZE;
  const maxBlocks = blocksCount < Math.floor(MAX_U32 / 1024) ? blocksCount * 1024 : MAX_U32;
  const groups = Math.ceil((maxBlocks - firstDataBlock) / blocksPerGroup);
  return Math.min(Math.ceil(groups / perBlock) - descBlocks, blockSize / 4);
}

interface InodeGeometry {
  readonly inodesPerGroup: number;
  readonly inodeTableBlocks: number;
}

/** ipg rounded up to whole inode-table blocks, then down to a multiple of 8 (bitmap splicing). */
function fitInodesPerGroup(ipg: number, inodeSize: number, blockSize: number, groups: number): InodeGeometry {
  for (let want = ipg; want > 0; want--) {
    let tableBlocks = Math.ceil((want * inodeSize) / blockSize);
    let perGroup = (tableBlocks * blockSize) / inodeSize;
    perGroup = Math.max(perGroup, 8) & ~7;
    tableBlocks = Math.ceil((perGroup * inodeSize) / blockSize);
    if (perGroup * groups <= MAX_U32) return { inodesPerGroup: perGroup, inodeTableBlocks: tableBlocks };
  }
  throw refuse(`cannot fit inodes into ${groups} groups`);
}

/**
 * Computes the layout for a request, or refuses (EINVAL) when the device is
 * too small or too many inodes are asked for.
 * Precondition: the request's numbers passed option validation.
 */
export function computeLayout(req: LayoutRequest): Layout {
  const bs = req.blockSize;
  const firstDataBlock = bs === 1024 ? 1 : 0;
  const inodesPerBlock = bs / req.inodeSize;
  const resize = (req.features.compat & COMPAT.resize_inode) !== 0;
  let blocksPerGroup = req.blocksPerGroup;
  let blocksCount = req.blocksCount;
  let reservedBlocks = req.reservedBlocks;
  for (;;) {
    if (blocksCount <= firstDataBlock) throw refuse(`${req.blocksCount} blocks of ${bs} bytes are too few for a filesystem; use a larger device`);
    const groups = Math.ceil((blocksCount - firstDataBlock) / blocksPerGroup);
    const descBlocks = Math.ceil(groups / (bs / GROUP_DESCRIPTOR_SIZE));
    let inodes = req.inodesCount !== 0 ? req.inodesCount : Math.floor(blocksCount / Math.max(1, 4096 / bs));
    inodes = Math.max(inodes, FIRST_INO + 1);
    let ipg = Math.ceil(inodes / groups);
    if (ipg > bs * 8) {
      if (blocksPerGroup >= 256) {
        // More groups give each fewer inodes; mke2fs retries the same way.
        blocksPerGroup -= 8;
        blocksCount = req.blocksCount;
        continue;
      }
      throw refuse(`${inodes} inodes need more than ${bs * 8} per group; ask for fewer inodes (inodeCount) or more bytes per inode (bytesPerInode)`);
    }
    ipg = Math.min(ipg, 65536 - inodesPerBlock);
    const { inodesPerGroup, inodeTableBlocks } = fitInodesPerGroup(ipg, req.inodeSize, bs, groups);
    const reservedGdtBlocks = resize ? reservedGdtBlocksFor(blocksCount, firstDataBlock, blocksPerGroup, bs, descBlocks) : 0;
    if (reservedGdtBlocks + descBlocks > Math.floor((blocksPerGroup * 3) / 4)) {
      throw refuse(
        `the group descriptor table (${descBlocks} blocks${resize ? ` + ${reservedGdtBlocks} reserved for resize_inode` : ''}) would fill more than 3/4 of a ${blocksPerGroup}-block group; ` +
          `use a larger blocksPerGroup${resize ? ' or ^resize_inode' : ' or blockSize'}`,
      );
    }
    if (3 + inodeTableBlocks + descBlocks + reservedGdtBlocks > blocksPerGroup) {
      throw refuse(`the inode table (${inodeTableBlocks} blocks a group) leaves no room in a ${blocksPerGroup}-block group; ask for fewer inodes or a larger block size`);
    }
    const features = req.features;
    const lastHasBackup = hasSuperblockBackup({ featureCompat: features.compat, featureRoCompat: features.roCompat, backupBgs: [0, 0] }, groups - 1);
    const lastOverhead = 2 + inodeTableBlocks + (lastHasBackup ? 1 + descBlocks + reservedGdtBlocks : 0);
    const rem = (blocksCount - firstDataBlock) % blocksPerGroup;
    if (groups === 1 && rem !== 0 && rem < lastOverhead) {
      throw refuse(`${blocksCount} blocks of ${bs} bytes cannot hold one group's metadata (${lastOverhead} blocks); use a larger device or fewer inodes`);
    }
    if (rem !== 0 && rem < lastOverhead + LAST_GROUP_SLACK) {
      blocksCount -= rem;
      // Same double arithmetic as ext2fs_initialize, so the count matches mke2fs.
      const ratio = (100.0 * req.reservedBlocks) / req.blocksCount;
      reservedBlocks = Math.floor((ratio * blocksCount) / 100.0);
      continue;
    }
    const shape = { blockSize: bs, firstDataBlock, blocksCount, blocksPerGroup, descBlocks, reservedGdtBlocks, inodeTableBlocks, features };
    return {
      blockSize: bs,
      firstDataBlock,
      blocksCount,
      blocksPerGroup,
      groupCount: groups,
      inodesPerGroup,
      inodesCount: inodesPerGroup * groups,
      inodeSize: req.inodeSize,
      inodeTableBlocks,
      descriptorBlocks: descBlocks,
      reservedGdtBlocks,
      reservedBlocks,
      features,
      groups: Array.from({ length: groups }, (_, g) => groupLayout(shape, g)),
    };
  }
}

interface GroupShape {
  readonly blockSize: number;
  readonly firstDataBlock: number;
  readonly blocksCount: number;
  readonly blocksPerGroup: number;
  readonly descBlocks: number;
  readonly reservedGdtBlocks: number;
  readonly inodeTableBlocks: number;
  readonly features: FeatureWords;
}

function groupLayout(s: GroupShape, group: number): GroupLayout {
  const first = s.firstDataBlock + group * s.blocksPerGroup;
  const hasBackup = hasSuperblockBackup({ featureCompat: s.features.compat, featureRoCompat: s.features.roCompat, backupBgs: [0, 0] }, group);
  const start = first + (hasBackup ? 1 + s.descBlocks + s.reservedGdtBlocks : 0);
  return {
    group,
    first,
    blocks: Math.min(s.blocksPerGroup, s.blocksCount - first),
    hasBackup,
    blockBitmap: start,
    inodeBitmap: start + 1,
    inodeTable: start + 2,
    metadataBlocks: start + 2 + s.inodeTableBlocks - first,
  };
}

/** Groups holding superblock backups (not group 0), as their first block numbers: what mke2fs lists. */
export function backupSuperblockBlocks(layout: Layout): number[] {
  return layout.groups.filter((g) => g.group !== 0 && g.hasBackup).map((g) => g.first);
}
