// Derived geometry (EXT2.md 1.1, 2.1): the numbers every layer computes from
// a validated superblock, and where groups, descriptor blocks and inodes live.
// No on-disk structure of its own.
//
//   group g        blocks first_data_block + g*bpg .. +bpg-1 (last group shorter)
//   GDT            block first_data_block + 1, ceil(groups*32/bs) blocks; with
//                  meta_bg, descriptor block i >= s_first_meta_bg lives in the
//                  first block (after a superblock backup, if any) of group i*(bs/32)
//   inode n        group (n-1)/ipg, index (n-1)%ipg, byte bg_inode_table*bs + index*isz
import { CorruptFilesystemError } from '@iomap/core';
import { INCOMPAT } from './features.js';
import { blockSizeOf, firstInoOf, groupCountOf, hasSuperblockBackup, inodeSizeOf, type Superblock } from './superblock.js';

/** Size of an ext2 group descriptor (no 64bit feature). */
export const GROUP_DESCRIPTOR_SIZE = 32;

/** Layout numbers derived once from a validated superblock. */
export interface Geometry {
  readonly blockSize: number;
  readonly firstDataBlock: number;
  readonly blocksCount: number;
  readonly inodesCount: number;
  readonly blocksPerGroup: number;
  readonly inodesPerGroup: number;
  readonly groupCount: number;
  readonly inodeSize: number;
  readonly inodesPerBlock: number;
  /** Blocks of inode table per group: ceil(ipg * isz / bs). */
  readonly inodeTableBlocks: number;
  readonly firstIno: number;
  /** bs / 32 */
  readonly descriptorsPerBlock: number;
  /** Blocks of the (primary) group descriptor table: ceil(groups / descriptorsPerBlock). */
  readonly descriptorBlocks: number;
  readonly reservedGdtBlocks: number;
  readonly firstMetaBg: number;
  /** u32 block numbers per indirect block: bs / 4. */
  readonly addressesPerBlock: number;
  readonly featureCompat: number;
  readonly featureIncompat: number;
  readonly featureRoCompat: number;
  readonly backupBgs: readonly number[];
}

/** Computes the geometry of a superblock that `decodeSuperblock` accepted. */
export function geometryOf(sb: Superblock): Geometry {
  const blockSize = blockSizeOf(sb);
  const inodeSize = inodeSizeOf(sb);
  const groupCount = groupCountOf(sb);
  const descriptorsPerBlock = blockSize / GROUP_DESCRIPTOR_SIZE;
  return {
    blockSize,
    firstDataBlock: sb.firstDataBlock,
    blocksCount: sb.blocksCount,
    inodesCount: sb.inodesCount,
    blocksPerGroup: sb.blocksPerGroup,
    inodesPerGroup: sb.inodesPerGroup,
    groupCount,
    inodeSize,
    inodesPerBlock: blockSize / inodeSize,
    inodeTableBlocks: Math.ceil((sb.inodesPerGroup * inodeSize) / blockSize),
    firstIno: firstInoOf(sb),
    descriptorsPerBlock,
    descriptorBlocks: Math.ceil(groupCount / descriptorsPerBlock),
    reservedGdtBlocks: sb.reservedGdtBlocks,
    firstMetaBg: sb.firstMetaBg,
    addressesPerBlock: blockSize / 4,
    featureCompat: sb.featureCompat,
    featureIncompat: sb.featureIncompat,
    featureRoCompat: sb.featureRoCompat,
    backupBgs: sb.backupBgs,
  };
}

/** First block of `group`. Precondition: 0 <= group < groupCount. */
export function groupFirstBlock(g: Geometry, group: number): number {
  return g.firstDataBlock + group * g.blocksPerGroup;
}

/** Number of blocks in `group` (the last group is usually shorter). */
export function groupBlockCount(g: Geometry, group: number): number {
  return Math.min(g.blocksPerGroup, g.blocksCount - groupFirstBlock(g, group));
}

/** Last block (inclusive) of `group`. */
export function groupLastBlock(g: Geometry, group: number): number {
  return groupFirstBlock(g, group) + groupBlockCount(g, group) - 1;
}

/**
 * Device block holding primary group-descriptor block `index` (0-based).
 * Without meta_bg (or below s_first_meta_bg) the table follows the primary
 * superblock; with meta_bg, block i lives in the first group of its meta group,
 * right after that group's superblock backup if it has one (kernel
 * `descriptor_loc`, e2fsprogs `ext2fs_descriptor_block_loc2`).
 */
export function descriptorBlockLocation(g: Geometry, index: number): number {
  const metaBg = (g.featureIncompat & INCOMPAT.meta_bg) !== 0;
  if (!metaBg || index < g.firstMetaBg) return g.firstDataBlock + 1 + index;
  const group = index * g.descriptorsPerBlock;
  return groupFirstBlock(g, group) + (hasSuperblockBackup(g, group) ? 1 : 0);
}

/** Where the descriptor of `group` lives: device block and byte offset inside it. */
export function groupDescriptorLocation(g: Geometry, group: number): { block: number; offset: number } {
  const index = Math.floor(group / g.descriptorsPerBlock);
  return {
    block: descriptorBlockLocation(g, index),
    offset: (group % g.descriptorsPerBlock) * GROUP_DESCRIPTOR_SIZE,
  };
}

/** Group and index inside the group's inode table of inode `ino`; EUCLEAN when out of range. */
export function inodeGroupIndex(g: Geometry, ino: number): { group: number; index: number } {
  if (!Number.isInteger(ino) || ino < 1 || ino > g.inodesCount) {
    throw new CorruptFilesystemError({ structure: `inode ${ino}` }, `inode number ${ino} is outside 1..${g.inodesCount}`);
  }
  return { group: Math.floor((ino - 1) / g.inodesPerGroup), index: (ino - 1) % g.inodesPerGroup };
}

/**
 * Device block and byte offset inside it of inode-table slot `index`, given
 * the group's bg_inode_table.
 */
export function inodeTableSlot(g: Geometry, inodeTable: number, index: number): { block: number; offset: number } {
  const byte = index * g.inodeSize;
  return { block: inodeTable + Math.floor(byte / g.blockSize), offset: byte % g.blockSize };
}
