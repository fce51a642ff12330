// mkfs options in mke2fs's vocabulary, their defaults and their checks.
//
// Defaults follow mke2fs 1.47 with its stock mke2fs.conf for `-t ext2`: the
// filesystem's size picks a usage type (floppy < 3 MiB, small < 512 MiB,
// default < 4 TiB, big < 16 TiB, huge), which picks the block size (1 KiB for
// floppy/small, else 4 KiB) and the bytes per inode (8192 floppy, 4096 small,
// 16384 default, 32768 big, 65536 huge; never below the block size); 256-byte
// inodes, 5 % reserved blocks. The size used is the device's, rounded down
// to a multiple of 4 KiB (mke2fs rounds to the page size), unless `size` is
// given. Every request that cannot make a valid filesystem is refused here
// or in layout.ts with EINVAL before anything is written.
import { FsError } from '@iomap/core';
import { encodeUtf8 } from '../format/fields.js';
import { FS_ERRORS } from '../format/superblock.js';
import { applyFeatureEdits } from './feature-edits.js';
import { MAX_U32, type LayoutRequest } from './layout.js';
import { parseUuid, randomUuid, type RandomFill } from './uuid.js';

/** How to make the filesystem. Every field is optional. */
export interface MkfsOptions {
  /**
   * Bytes of the device the filesystem covers (mke2fs's blocks-count
   * argument, in bytes). Default: the whole device rounded down to 4 KiB.
   */
  size?: number;
  /** Block size (mke2fs -b): 1024, 2048 or 4096. Default by size: 1024 below 512 MiB, else 4096. */
  blockSize?: number;
  /** Inode size (mke2fs -I): 128 or 256. Default 256. */
  inodeSize?: number;
  /** Number of inodes (mke2fs -N); rounded to whole inode-table blocks per group, as mke2fs does. */
  inodeCount?: number;
  /** Bytes of space per inode (mke2fs -i), 1024..67108864. Default by size (see above). */
  bytesPerInode?: number;
  /** Percentage of blocks reserved for root (mke2fs -m), 0..50. Default 5. */
  reservedPercent?: number;
  /** Blocks per group (mke2fs -g): a multiple of 8 in 256..8 x blockSize. Default 8 x blockSize. */
  blocksPerGroup?: number;
  /** Volume label (mke2fs -L), at most 16 bytes of UTF-8. */
  label?: string;
  /** Volume UUID (mke2fs -U): 'xxxxxxxx-xxxx-...', 16 bytes, 'null'/'clear' or 'random'. Default random. */
  uuid?: string | Uint8Array;
  /** Directory hash seed (mke2fs -E hash_seed=), same forms as `uuid`. Default random. */
  hashSeed?: string | Uint8Array;
  /**
   * Where a random `uuid` and `hashSeed` come from: fills its argument with
   * random bytes. Default crypto.getRandomValues (a host may have a cheaper
   * source, e.g. /dev/urandom for a short-lived command).
   */
  randomFill?: RandomFill;
  /** Owner of the root directory (mke2fs -E root_owner=UID:GID). Default 0:0. */
  rootOwner?: { uid: number; gid: number };
  /**
   * Feature edits (mke2fs -O): "name" adds, "^name" removes, "none" clears;
   * a comma-separated string or a list. Applied to the defaults: ext_attr,
   * resize_inode, dir_index, filetype, sparse_super, large_file.
   */
  features?: string | readonly string[];
  /** Creation time in unix seconds for every timestamp mkfs writes, 0..2^31-1. Default now. */
  timestamp?: number;
  /** s_errors (mke2fs -e). Default 'continue'. */
  errors?: keyof typeof FS_ERRORS;
  /**
   * Discard the filesystem's range first, as mke2fs does by default: an
   * image file becomes sparse and every free block reads as zero (old data
   * gone, so the whole image is reproducible). Default false (like
   * `mke2fs -E nodiscard`), because a device that cannot discard cheaply
   * (a block device behind FileDevice, a MemoryBlockDevice's fresh pages)
   * would pay a write or a touch of every byte.
   */
  discard?: boolean;
  /**
   * The caller guarantees every byte of the device already reads as zero
   * (a new sparse image file): mkfs then neither reads back nor writes the
   * inode tables' zeros. Without it mkfs reads those ranges and writes zeros
   * only where the device is not zero already.
   */
  assumeZeroed?: boolean;
}

/**
 * The checked request, everything decided: what the layout is computed from
 * (blocksCount before the layout may drop a short last group; inodesCount 0
 * lets it decide), plus what the superblock and root directory record.
 */
export interface MkfsParameters extends LayoutRequest {
  readonly uuid: Uint8Array;
  readonly hashSeed: Uint8Array;
  /** 16 bytes, NUL padded. */
  readonly volumeName: Uint8Array;
  readonly label: string;
  readonly rootUid: number;
  readonly rootGid: number;
  readonly time: number;
  readonly errors: number;
  readonly discard: boolean;
  readonly assumeZeroed: boolean;
}

const MIB = 1024 * 1024;
const SUPPORTED_BLOCK_SIZES = [1024, 2048, 4096];
const SUPPORTED_INODE_SIZES = [128, 256];
/** mke2fs's page-size rounding of a device size. */
const DEVICE_ROUNDING = 4096;

/** mke2fs.conf usage types by size: [upper bound in bytes, block size, bytes per inode]. */
const USAGE_TYPES: readonly (readonly [number, number, number])[] = [
  [3 * MIB, 1024, 8192], // floppy
  [512 * MIB, 1024, 4096], // small
  [4 * 1024 * 1024 * MIB, 4096, 16384], // default
  [16 * 1024 * 1024 * MIB, 4096, 32768], // big
  [Infinity, 4096, 65536], // huge
];

function refuse(detail: string): FsError {
  return new FsError('EINVAL', detail, { syscall: 'mkfs' });
}

function checkInteger(value: unknown, what: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw refuse(`${what} must be an integer in ${min}..${max}, got ${String(value)}`);
  }
  return value;
}

function usageTypeFor(bytes: number): readonly [number, number, number] {
  return USAGE_TYPES.find(([limit]) => bytes < limit) as readonly [number, number, number];
}

/** Blocks of `unit` bytes the filesystem spans, as mke2fs counts them. */
function countBlocks(deviceSize: number, size: number | undefined, unit: number): number {
  if (size !== undefined) {
    checkInteger(size, 'size', 1, Number.MAX_SAFE_INTEGER);
    if (size > deviceSize) throw refuse(`size ${size} exceeds the device's ${deviceSize} bytes; grow the device or ask for less`);
    return Math.floor(size / unit);
  }
  return Math.floor(deviceSize / DEVICE_ROUNDING) * (DEVICE_ROUNDING / unit);
}

function resolveBlockSize(o: MkfsOptions, logicalBlockSize: number, bytes: number): number {
  if (o.blockSize !== undefined) {
    if (!SUPPORTED_BLOCK_SIZES.includes(o.blockSize)) throw refuse(`blockSize ${String(o.blockSize)} is not supported; use 1024, 2048 or 4096`);
    if (o.blockSize < logicalBlockSize) throw refuse(`blockSize ${o.blockSize} is smaller than the device's ${logicalBlockSize}-byte sectors`);
    return o.blockSize;
  }
  const bs = Math.max(usageTypeFor(bytes)[1], logicalBlockSize);
  if (bs > 4096) throw refuse(`the device's ${logicalBlockSize}-byte sectors exceed the largest supported block size 4096`);
  return bs;
}

function resolveInodes(o: MkfsOptions, blocks: number, bs: number, isz: number, bytes: number): number {
  if (o.inodeCount !== undefined && o.bytesPerInode !== undefined) throw refuse('give inodeCount or bytesPerInode, not both');
  let inodes: number;
  if (o.inodeCount !== undefined) {
    inodes = checkInteger(o.inodeCount, 'inodeCount', 1, MAX_U32);
  } else {
    const ratio =
      o.bytesPerInode === undefined ? Math.max(usageTypeFor(bytes)[2], bs) : checkInteger(o.bytesPerInode, 'bytesPerInode', 1024, 65536 * 1024);
    inodes = Math.floor((blocks * bs) / ratio);
    if (inodes > MAX_U32) throw refuse(`${inodes} inodes do not fit ext2's 32-bit inode numbers; raise bytesPerInode`);
  }
  if (inodes * isz >= blocks * bs) {
    throw refuse(`${inodes} inodes of ${isz} bytes do not fit ${blocks} blocks of ${bs} bytes; ask for fewer inodes or more bytes per inode`);
  }
  return inodes;
}

function resolveLabel(label: string | undefined): { label: string; volumeName: Uint8Array } {
  const volumeName = new Uint8Array(16);
  if (label === undefined) return { label: '', volumeName };
  const bytes = encodeUtf8(label);
  if (bytes.length > 16 || bytes.includes(0)) throw refuse(`label '${label}' is ${bytes.length} bytes of UTF-8; ext2 labels hold at most 16 bytes and no NUL`);
  volumeName.set(bytes);
  return { label, volumeName };
}

function resolveErrors(errors: MkfsOptions['errors']): number {
  if (errors === undefined) return FS_ERRORS.continue;
  const value = (FS_ERRORS as Record<string, number>)[errors];
  if (value === undefined) throw refuse(`errors '${String(errors)}' must be continue, remount-ro or panic`);
  return value;
}

/** Checks every option against the device and fills in mke2fs's defaults. */
export function resolveMkfsOptions(device: { size: number; logicalBlockSize: number }, o: MkfsOptions = {}): MkfsParameters {
  const unit = o.blockSize !== undefined && SUPPORTED_BLOCK_SIZES.includes(o.blockSize) ? o.blockSize : 1024;
  const counted = countBlocks(device.size, o.size, unit);
  const bytes = counted * unit;
  const blockSize = resolveBlockSize(o, device.logicalBlockSize, bytes);
  const blocksCount = Math.floor(bytes / blockSize);
  if (blocksCount === 0) throw refuse(`the device's ${device.size} bytes are too small for a filesystem`);
  if (blocksCount > MAX_U32) throw refuse(`${blocksCount} blocks of ${blockSize} bytes exceed ext2's 32-bit block numbers; use a larger blockSize or a smaller size`);
  const inodeSize = o.inodeSize ?? 256;
  if (!SUPPORTED_INODE_SIZES.includes(inodeSize)) throw refuse(`inodeSize ${String(o.inodeSize)} is not supported; use 128 or 256`);
  const blocksPerGroup = o.blocksPerGroup === undefined ? blockSize * 8 : checkInteger(o.blocksPerGroup, 'blocksPerGroup', 256, blockSize * 8);
  if (blocksPerGroup % 8 !== 0) throw refuse(`blocksPerGroup ${blocksPerGroup} must be a multiple of 8`);
  const percent = o.reservedPercent ?? 5;
  if (typeof percent !== 'number' || !Number.isFinite(percent) || percent < 0 || percent > 50) {
    throw refuse(`reservedPercent must be a number in 0..50, got ${String(o.reservedPercent)}`);
  }
  const owner = o.rootOwner ?? { uid: 0, gid: 0 };
  const time = o.timestamp === undefined ? Math.floor(Date.now() / 1000) : checkInteger(o.timestamp, 'timestamp', 0, 0x7fffffff);
  return {
    blockSize,
    blocksCount,
    inodesCount: resolveInodes(o, blocksCount, blockSize, inodeSize, bytes),
    inodeSize,
    blocksPerGroup,
    // mke2fs: reserved_ratio * blocks / 100.0, truncated, from the requested count.
    reservedBlocks: Math.floor((percent * blocksCount) / 100),
    features: applyFeatureEdits(o.features),
    uuid: o.uuid === undefined ? randomUuid(o.randomFill) : parseUuid(o.uuid, 'uuid', o.randomFill),
    hashSeed: o.hashSeed === undefined ? randomUuid(o.randomFill) : parseUuid(o.hashSeed, 'hashSeed', o.randomFill),
    ...resolveLabel(o.label),
    rootUid: checkInteger(owner.uid, 'rootOwner.uid', 0, MAX_U32),
    rootGid: checkInteger(owner.gid, 'rootOwner.gid', 0, MAX_U32),
    time,
    errors: resolveErrors(o.errors),
    discard: o.discard ?? false,
    assumeZeroed: o.assumeZeroed ?? false,
  };
}
