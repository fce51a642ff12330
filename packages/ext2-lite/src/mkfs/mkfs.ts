// mkfs(): make an ext2 filesystem on a block device, the way `mke2fs -t ext2`
// does, so the result is byte-for-byte what mke2fs 1.47 writes for the same
// request (same UUID, hash seed and time).
//
//   1. options -> parameters (mkfs-options.ts), parameters -> layout
//      (layout.ts); refusals happen here, before any write
//   2. in memory: root directory, lost+found, inode 1 (initial-tree.ts), the
//      resize inode (resize-inode.ts), bitmaps, counters, descriptors,
//      superblock
//   3. on the device: discard (or wipe the old superblock), then every
//      group's metadata run [sb | GDT | reserved GDT | bitmaps | inode table]
//      as large writes (run-writer.ts), flush; the primary superblock last,
//      flush again - an interrupted mkfs never leaves a superblock that
//      points at unwritten tables.
import { FsError, type BlockDevice } from '@iomap/core';
import { COMPAT, describeFeatures, RO_COMPAT, type FeatureWords } from '../format/features.js';
import { RESIZE_INO } from '../format/inode.js';
import { formatUuid, SUPERBLOCK_OFFSET } from '../format/superblock.js';
import { BitmapBuilder } from './bitmaps.js';
import { BlockClaims } from './block-claims.js';
import { encodeDescriptorTable, type GroupCounts } from './descriptor-table.js';
import { buildInitialTree, LOST_AND_FOUND_INO, type InitialContent } from './initial-tree.js';
import { backupSuperblockBlocks, computeLayout, type Layout } from './layout.js';
import { resolveMkfsOptions, type MkfsOptions, type MkfsParameters } from './mkfs-options.js';
import { buildResizeInode } from './resize-inode.js';
import { writeImage } from './image-writer.js';
import { encodePrimarySuperblock } from './superblock-record.js';

/** What mkfs made: the numbers mke2fs and `dumpe2fs -h` report. */
export interface MkfsResult {
  readonly blockSize: number;
  readonly blocksCount: number;
  readonly inodesCount: number;
  readonly inodeSize: number;
  readonly groupCount: number;
  readonly blocksPerGroup: number;
  readonly inodesPerGroup: number;
  readonly firstDataBlock: number;
  readonly reservedBlocks: number;
  readonly reservedGdtBlocks: number;
  readonly freeBlocks: number;
  readonly freeInodes: number;
  /** Metadata blocks (s_overhead_clusters). */
  readonly overheadBlocks: number;
  /** First blocks of the groups holding superblock backups, as mke2fs lists them. */
  readonly backupSuperblocks: readonly number[];
  /** Blocks of the requested size left out because a too-short last group was dropped. */
  readonly unusedBlocks: number;
  /** Features in dumpe2fs's spelling and order. */
  readonly features: readonly string[];
  readonly uuid: string;
  readonly hashSeed: string;
  readonly label: string;
  /** The creation time written everywhere (unix seconds). */
  readonly timestamp: number;
}

/** Every inode mkfs marks in use: the reserved ones and lost+found. */
const USED_INODES = Array.from({ length: LOST_AND_FOUND_INO }, (_, i) => i + 1);

/** The bitmap blocks of each group. */
export interface GroupBitmaps {
  blockBitmap(group: number): Uint8Array;
  inodeBitmap(group: number): Uint8Array;
}

/** The finished plan: all bytes except the inode-table zeros. */
export interface ImagePlan {
  readonly layout: Layout;
  readonly superblock: Uint8Array;
  readonly descriptorTable: Uint8Array;
  readonly bitmaps: GroupBitmaps;
  /** Inode bytes by inode number (1, 2, 7, 11). */
  readonly inodes: Map<number, Uint8Array>;
  /**
   * The inode-table blocks of a group that hold inodes (undefined: none),
   * when they come from elsewhere than `inodes` (the image builder's tables).
   */
  readonly inodeTableHead?: (group: number) => Uint8Array | undefined;
  /** The feature words the superblock carries. */
  readonly features: FeatureWords;
  /** Allocated or reserved-GDT block contents by block number. */
  readonly blocks: Map<number, Uint8Array>;
}

function groupCounts(layout: Layout, claims: BlockClaims, bitmaps: BitmapBuilder, tree: InitialContent): GroupCounts {
  const groupOfIno = (ino: number) => Math.floor((ino - 1) / layout.inodesPerGroup);
  const usedDirs = new Array<number>(layout.groupCount).fill(0);
  for (const ino of tree.directories) usedDirs[groupOfIno(ino)] = (usedDirs[groupOfIno(ino)] ?? 0) + 1;
  return {
    freeBlocks: layout.groups.map((g) => claims.freeIn(g.group)),
    freeInodes: layout.groups.map((g) => layout.inodesPerGroup - bitmaps.usedInodesIn(g.group).length),
    usedDirs,
  };
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

/** The numbers mkfs reports, from the layout and what planImage counted. */
function describeResult(
  layout: Layout,
  p: MkfsParameters,
  counted: { features: FeatureWords; freeBlocks: number; freeInodes: number; overheadBlocks: number },
): MkfsResult {
  return {
    blockSize: layout.blockSize,
    blocksCount: layout.blocksCount,
    inodesCount: layout.inodesCount,
    inodeSize: layout.inodeSize,
    groupCount: layout.groupCount,
    blocksPerGroup: layout.blocksPerGroup,
    inodesPerGroup: layout.inodesPerGroup,
    firstDataBlock: layout.firstDataBlock,
    reservedBlocks: layout.reservedBlocks,
    reservedGdtBlocks: layout.reservedGdtBlocks,
    freeBlocks: counted.freeBlocks,
    freeInodes: counted.freeInodes,
    overheadBlocks: counted.overheadBlocks,
    backupSuperblocks: backupSuperblockBlocks(layout),
    unusedBlocks: p.blocksCount - layout.blocksCount,
    features: describeFeatures(counted.features),
    uuid: formatUuid(p.uuid),
    hashSeed: formatUuid(p.hashSeed),
    label: p.label,
    timestamp: p.time,
  };
}

/** Builds everything in memory. Throws EINVAL for requests that cannot make a filesystem. */
export function planImage(p: MkfsParameters): { plan: ImagePlan; result: MkfsResult } {
  const layout = computeLayout(p);
  const claims = new BlockClaims(layout);
  const tree = buildInitialTree(layout, claims, { rootUid: p.rootUid, rootGid: p.rootGid, time: p.time });
  const inodes = new Map(tree.inodes);
  const blocks = new Map(tree.blocks);
  let features: FeatureWords = layout.features;
  if ((features.compat & COMPAT.resize_inode) !== 0) {
    const resize = buildResizeInode(layout, claims, p.time);
    inodes.set(RESIZE_INO, resize.inode);
    for (const [block, bytes] of resize.blocks) blocks.set(block, bytes);
    // ext2fs_inode_size_set: a file of 2 GiB or more needs large_file.
    if (resize.size >= 0x80000000) features = { ...features, roCompat: features.roCompat | RO_COMPAT.large_file };
  }
  const bitmaps = new BitmapBuilder(layout, claims, USED_INODES);
  const counts = groupCounts(layout, claims, bitmaps, tree);
  const overheadBlocks = sum(layout.groups.map((g) => g.metadataBlocks)) + layout.firstDataBlock;
  const freeBlocks = sum(counts.freeBlocks);
  const freeInodes = sum(counts.freeInodes);
  const superblock = encodePrimarySuperblock(layout, {
    features,
    reservedBlocks: layout.reservedBlocks,
    freeBlocks,
    freeInodes,
    uuid: p.uuid,
    hashSeed: p.hashSeed,
    volumeName: p.volumeName,
    time: p.time,
    errors: p.errors,
    overheadBlocks,
  });
  const plan: ImagePlan = { layout, superblock, descriptorTable: encodeDescriptorTable(layout, counts), bitmaps, inodes, blocks, features };
  const result = describeResult(layout, p, { features, freeBlocks, freeInodes, overheadBlocks });
  return { plan, result };
}

/**
 * Makes an ext2 filesystem on `device`, like `mke2fs -t ext2`: sparse
 * superblock backups, reserved GDT blocks and the resize inode, root
 * directory, lost+found, exact free counts and bitmap padding. The result
 * is `e2fsck -fn` clean and mounts in Linux. Everything is checked before
 * the first write; impossible requests fail with EINVAL naming the option.
 * With `uuid`, `hashSeed` and `timestamp` given, every byte mkfs writes is
 * determined by the options and the device size; with `discard` (or a
 * device that reads as zero) so is the whole image.
 *
 * @example
 * ```ts
 * import { MemoryBlockDevice } from '@iomap/core';
 * import { mkfs, mount } from '@iomap/ext2-lite';
 *
 * const device = new MemoryBlockDevice({ size: 64 << 20 });
 * const made = await mkfs(device, { label: 'data', blockSize: 4096 });
 * console.log(made.groupCount, made.freeBlocks, made.uuid);
 * const fs = await mount(device, { readOnly: true });
 * console.log(await fs.promises.readdir('/')); // [ 'lost+found' ]
 * ```
 */
export async function mkfs(device: BlockDevice, options: MkfsOptions = {}): Promise<MkfsResult> {
  if (device.readOnly) throw new FsError('EROFS', 'the device is read-only; open it for writing to make a filesystem', { syscall: 'mkfs' });
  if (device.size < SUPERBLOCK_OFFSET * 2) throw new FsError('EINVAL', `the device's ${device.size} bytes are too small for a filesystem`, { syscall: 'mkfs' });
  const params = resolveMkfsOptions(device, options);
  const { plan, result } = planImage(params);
  await writeImage(device, plan, { discard: params.discard, assumeZeroed: params.assumeZeroed });
  return result;
}
