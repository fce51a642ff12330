// The mounted volume: everything every layer above needs to reach the disk —
// the validated superblock and its geometry, the group descriptors, the one
// page cache (one memory budget) and its block-device cache for metadata,
// and the checks every on-disk block number goes through.
//
//   block b is usable for data/indirect/xattr iff
//     s_first_data_block <= b < s_blocks_count            (checkBlockPointer)
//     and b is not the superblock/GDT/reserved GDT of a backup group,
//     nor a bitmap, nor inside an inode table             (isMetadataBlock)
//
// In-memory state: the superblock and the descriptors are changed in place by
// a writable mount (allocators, mount/unmount state) and encoded back by the
// metadata sync (sync/metadata-sync.ts); geometry never changes.
import { CorruptFilesystemError, type BlockDevice } from '@iomap/core';
import type { BlockDeviceCache, PageCache } from '@iomap/buffered';
import { checkBlockPointer } from '../format/block-map.js';
import { INCOMPAT } from '../format/features.js';
import { descriptorBlockLocation, groupFirstBlock, type Geometry } from '../format/geometry.js';
import type { GroupDescriptor } from '../format/group-descriptor.js';
import { hasSuperblockBackup, type MountPolicy, type Superblock } from '../format/superblock.js';

/** A decoded structure with its fields writable (the in-memory copy a writable mount edits). */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** What the layers above share about one mounted filesystem. */
export interface Volume {
  /** The device every access goes to (the read-only guard of a read-only mount). */
  readonly device: BlockDevice;
  /** The primary superblock as last decoded or encoded; counts are written back by the metadata sync. */
  readonly sb: Mutable<Superblock>;
  readonly geometry: Geometry;
  /** The group descriptors; a writable mount changes their counts in place (alloc/). */
  readonly descriptors: Mutable<GroupDescriptor>[];
  readonly cache: PageCache;
  /** Metadata (superblock, descriptors, inode tables, indirect and xattr blocks). */
  readonly bdev: BlockDeviceCache;
  /** The filetype feature: byte 7 of a dirent is its type. */
  readonly filetype: boolean;
  readonly policy: MountPolicy;
  /** Descriptor blocks of a meta_bg filesystem (outside the usual backup layout). */
  readonly metaBgDescriptorBlocks: ReadonlySet<number>;
  /** POSIX ACLs are in force (mount option `acl`): system.posix_acl_* are served, chmod and create follow them (xattr/posix-acl.ts). */
  readonly posixAcl: boolean;
}

/** Descriptor blocks that meta_bg moved away from the primary table (empty without meta_bg). */
export function metaBgDescriptorBlocks(g: Geometry): Set<number> {
  const out = new Set<number>();
  if ((g.featureIncompat & INCOMPAT.meta_bg) === 0) return out;
  for (let i = 0; i < g.descriptorBlocks; i++) out.add(descriptorBlockLocation(g, i));
  return out;
}

/** True when block `b` (already range-checked) holds filesystem metadata. Precondition: b is inside the filesystem. */
export function isMetadataBlock(vol: Volume, b: number): boolean {
  const g = vol.geometry;
  const group = Math.floor((b - g.firstDataBlock) / g.blocksPerGroup);
  const gd = vol.descriptors[group];
  if (gd === undefined) return false;
  if (b === gd.blockBitmap || b === gd.inodeBitmap) return true;
  if (b >= gd.inodeTable && b < gd.inodeTable + g.inodeTableBlocks) return true;
  if (vol.metaBgDescriptorBlocks.has(b)) return true;
  if (!hasSuperblockBackup(vol.sb, group)) return false;
  const first = groupFirstBlock(g, group);
  const metaBg = (g.featureIncompat & INCOMPAT.meta_bg) !== 0;
  const tableBlocks = metaBg ? Math.min(g.descriptorBlocks, g.firstMetaBg) : g.descriptorBlocks;
  return b >= first && b < first + 1 + tableBlocks + g.reservedGdtBlocks;
}

/**
 * The first metadata block in [first, first + count), or -1 when there is
 * none: the range form of isMetadataBlock, one test per group spanned
 * rather than one per block, so a 1 MiB run costs the same as one block.
 * Precondition: the whole range is inside the filesystem.
 */
export function firstMetadataBlockIn(vol: Volume, first: number, count: number): number {
  const g = vol.geometry;
  const end = first + count;
  let found = -1;
  // Straight-line (no closures): called for every run a delete frees.
  for (let group = Math.floor((first - g.firstDataBlock) / g.blocksPerGroup); ; group++) {
    const groupStart = groupFirstBlock(g, group);
    if (groupStart >= end) break;
    const gd = vol.descriptors[group];
    if (gd === undefined) break;
    // isMetadataBlock compares a block only with its own group's metadata.
    const lo = Math.max(first, groupStart);
    const hi = Math.min(end, groupStart + g.blocksPerGroup);
    found = lowestIn(found, gd.blockBitmap, gd.blockBitmap + 1, lo, hi);
    found = lowestIn(found, gd.inodeBitmap, gd.inodeBitmap + 1, lo, hi);
    found = lowestIn(found, gd.inodeTable, gd.inodeTable + g.inodeTableBlocks, lo, hi);
    if (hasSuperblockBackup(vol.sb, group)) {
      const metaBg = (g.featureIncompat & INCOMPAT.meta_bg) !== 0;
      const tableBlocks = metaBg ? Math.min(g.descriptorBlocks, g.firstMetaBg) : g.descriptorBlocks;
      found = lowestIn(found, groupStart, groupStart + 1 + tableBlocks + g.reservedGdtBlocks, lo, hi);
    }
  }
  for (const b of vol.metaBgDescriptorBlocks) found = lowestIn(found, b, b + 1, first, end);
  return found;
}

/** The lower of `found` (-1: none yet) and the first block of metadata [a, b) inside [lo, hi). */
function lowestIn(found: number, a: number, b: number, lo: number, hi: number): number {
  const at = Math.max(a, lo);
  return at < Math.min(b, hi) && (found === -1 || at < found) ? at : found;
}

/** Where a block number was found, for messages. */
export interface BlockSite {
  /** e.g. `inode 12` */
  readonly structure: string;
  /** e.g. `i_block[13]` or `indirect block 785 slot 4` */
  readonly location: string;
}

/** Whether block `b` (not 0) is one a file may own: checkFileBlock's test, without its error. */
export function isFileBlock(vol: Volume, b: number): boolean {
  const g = vol.geometry;
  return b >= g.firstDataBlock && b < g.blocksCount && !isMetadataBlock(vol, b);
}

/**
 * Throws EUCLEAN unless `b` is a block a file may own: inside the
 * filesystem and not metadata. Precondition: b !== 0 (0 is a hole).
 */
export function checkFileBlock(vol: Volume, b: number, site: BlockSite): void {
  checkBlockPointer(b, vol.geometry, site);
  if (isMetadataBlock(vol, b)) {
    throw new CorruptFilesystemError(site, `block pointer ${b} points into filesystem metadata (superblock, descriptors, bitmaps or inode table)`);
  }
}

/**
 * Throws EUCLEAN unless every block of the contiguous run [first, first + count)
 * is a block a file may own (checkFileBlock for each, in one pass per group).
 * Precondition: first !== 0, count >= 1.
 */
export function checkFileRun(vol: Volume, first: number, count: number, site: BlockSite): void {
  const g = vol.geometry;
  if (first < g.firstDataBlock || first + count > g.blocksCount) {
    // Name the first block outside, as a block-by-block check would.
    checkBlockPointer(first < g.firstDataBlock ? first : Math.max(first, g.blocksCount), g, site);
  }
  const meta = firstMetadataBlockIn(vol, first, count);
  if (meta !== -1) checkFileBlock(vol, meta, site);
}

/**
 * Runs `fn` on the cached bytes of metadata block `b` and releases it.
 * Precondition: `b` was range-checked; `fn` is synchronous and keeps no reference to the bytes.
 */
export async function withBlock<T>(vol: Volume, b: number, fn: (data: Uint8Array) => T): Promise<T> {
  const blk = await vol.bdev.getBlock(b);
  try {
    return fn(blk.data);
  } finally {
    blk.release();
  }
}
