// The classic block map (EXT2.md 3.4): i_block[0..11] map logical blocks
// 0..11 directly; i_block[12] points at an indirect block of apb = bs/4 u32
// block numbers (logical 12 .. 12+apb-1), i_block[13] at a double-indirect
// block (next apb^2), i_block[14] at a triple-indirect block (next apb^3).
// A 0 pointer is a hole: the whole subtree under it reads as zeros.
//
//   bs      apb    direct  IND from      DIND from         TIND from .. to (excl.)
//   1 KiB   256    0..11   12            268               65804 .. 16843020
//   2 KiB   512    0..11   12            524               262668 .. 134480396
//   4 KiB   1024   0..11   12            1036              1049612 .. 1074791436
import { CorruptFilesystemError, FsError } from '@iomap/core';
import { requireLength, viewOf } from './fields.js';
import { DIND_BLOCK, IND_BLOCK, NDIR_BLOCKS, TIND_BLOCK } from './inode.js';

/** Where each level of the tree starts and how many logical blocks it maps. */
export interface BlockMapLimits {
  /** bs / 4 */
  readonly addressesPerBlock: number;
  /** First logical block mapped through i_block[12], [13], [14]. */
  readonly indirectStart: number;
  readonly doubleStart: number;
  readonly tripleStart: number;
  /** One past the last mappable logical block. */
  readonly maxBlocks: number;
}

function checkBlockSize(blockSize: number): void {
  if (!Number.isInteger(blockSize) || blockSize < 1024 || blockSize > 65536 || (blockSize & (blockSize - 1)) !== 0) {
    throw new FsError('EINVAL', `block size ${blockSize} is not a power of two in 1024..65536`, { syscall: 'bmap' });
  }
}

/** The level boundaries for `blockSize`. */
export function blockMapLimits(blockSize: number): BlockMapLimits {
  checkBlockSize(blockSize);
  const apb = blockSize / 4;
  const indirectStart = NDIR_BLOCKS;
  const doubleStart = indirectStart + apb;
  const tripleStart = doubleStart + apb * apb;
  return { addressesPerBlock: apb, indirectStart, doubleStart, tripleStart, maxBlocks: tripleStart + apb ** 3 };
}

/** The chain of slots that reaches one logical block. */
export interface BlockPath {
  /** 0 direct, 1 indirect, 2 double, 3 triple. */
  readonly depth: 0 | 1 | 2 | 3;
  /** offsets[0] is the i_block slot; each further entry a slot in the next indirect block. */
  readonly offsets: readonly number[];
  /**
   * Logical blocks after this one that the same last-level array still maps
   * (kernel `boundary`): a contiguous-run search can look at that many more
   * slots without reading another indirect block.
   */
  readonly boundary: number;
}

/**
 * Which slots lead to logical block `n` (kernel `ext2_block_to_path`).
 * EFBIG when `n` is beyond what the map can address.
 *
 * Worked example, 1 KiB blocks (apb 256): n = 300 -> 300 - 12 = 288 >= 256,
 * so DIND: 288 - 256 = 32 -> offsets [13, 0, 32], boundary 255 - 32 = 223.
 */
export function blockPath(n: number, blockSize: number): BlockPath {
  const l = blockMapLimits(blockSize);
  const apb = l.addressesPerBlock;
  if (!Number.isSafeInteger(n) || n < 0 || n >= l.maxBlocks) {
    throw new FsError('EFBIG', `logical block ${n} is outside the block map's 0..${l.maxBlocks - 1} for ${blockSize}-byte blocks`, { syscall: 'bmap' });
  }
  if (n < l.indirectStart) return { depth: 0, offsets: [n], boundary: NDIR_BLOCKS - 1 - n };
  if (n < l.doubleStart) {
    const i = n - l.indirectStart;
    return { depth: 1, offsets: [IND_BLOCK, i], boundary: apb - 1 - i };
  }
  if (n < l.tripleStart) {
    const i = n - l.doubleStart;
    const last = i % apb;
    return { depth: 2, offsets: [DIND_BLOCK, Math.floor(i / apb), last], boundary: apb - 1 - last };
  }
  const i = n - l.tripleStart;
  const last = i % apb;
  return {
    depth: 3,
    offsets: [TIND_BLOCK, Math.floor(i / (apb * apb)), Math.floor(i / apb) % apb, last],
    boundary: apb - 1 - last,
  };
}

/** The inverse of blockPath: the logical block reached by `offsets`. */
export function logicalBlockOf(offsets: readonly number[], blockSize: number): number {
  const l = blockMapLimits(blockSize);
  const apb = l.addressesPerBlock;
  const [slot, a = 0, b = 0, c = 0] = offsets;
  switch (slot) {
    case IND_BLOCK:
      return l.indirectStart + a;
    case DIND_BLOCK:
      return l.doubleStart + a * apb + b;
    case TIND_BLOCK:
      return l.tripleStart + a * apb * apb + b * apb + c;
    default:
      return slot ?? 0;
  }
}

/**
 * Logical blocks mapped by one pointer found at `depth` levels above the data:
 * 1 for a data pointer, apb for a pointer to an indirect block, apb^2 for one
 * to a double-indirect block, apb^3 for i_block[14]. A 0 pointer at that level
 * is a hole of exactly this many blocks.
 */
export function blocksUnderPointer(depth: 0 | 1 | 2 | 3, blockSize: number): number {
  return blockMapLimits(blockSize).addressesPerBlock ** depth;
}

/**
 * Largest file size the kernel allows (`ext2_max_size`): the tree limit, or
 * less when data plus indirect blocks would overflow the 2^32-1 sectors of
 * i_blocks.
 */
export function maxFileSize(blockSize: number): number {
  const l = blockMapLimits(blockSize);
  const bits = Math.log2(blockSize);
  const ppb = l.addressesPerBlock;
  let upper = Math.floor((2 ** 32 - 1) / 2 ** (bits - 9));
  let res = l.maxBlocks;
  const treeMeta = 1 + (1 + ppb) + (1 + ppb + ppb * ppb);
  if (res + treeMeta <= upper) return res * blockSize;
  res = upper;
  upper -= NDIR_BLOCKS;
  let meta = 1;
  upper -= ppb;
  if (upper < ppb * ppb) {
    meta += 1 + Math.ceil(upper / ppb);
    return (res - meta) * blockSize;
  }
  meta += 1 + ppb;
  upper -= ppb * ppb;
  meta += 1 + Math.ceil(upper / ppb) + Math.ceil(upper / (ppb * ppb));
  return (res - meta) * blockSize;
}

/** What a block pointer must respect: s_first_data_block <= n < s_blocks_count. */
export interface BlockRange {
  readonly firstDataBlock: number;
  readonly blocksCount: number;
}

/** Where a pointer was read, for messages. */
export interface PointerSite {
  /** e.g. `'inode 12'` */
  readonly structure: string;
  /** e.g. `'i_block[13]'` or `'block 785 slot 4'` */
  readonly location: string;
}

/** Throws EUCLEAN unless `n` is 0 (a hole) or a block inside the filesystem. */
export function checkBlockPointer(n: number, range: BlockRange, site: PointerSite): void {
  if (n !== 0 && (n < range.firstDataBlock || n >= range.blocksCount)) {
    throw new CorruptFilesystemError(
      { structure: site.structure, location: site.location },
      `block pointer ${n} is outside the filesystem's blocks ${range.firstDataBlock}..${range.blocksCount - 1}`,
    );
  }
}

/**
 * Decodes an indirect block into its apb block numbers (0 = hole), checking
 * every non-zero one against the filesystem's block range.
 */
export function decodeIndirectBlock(buf: Uint8Array, range: BlockRange, where: { block: number; ino?: number }): Uint32Array {
  requireLength(buf, 1024, 'indirect block');
  const n = Math.floor(buf.length / 4);
  const view = viewOf(buf);
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const ptr = view.getUint32(i * 4, true);
    if (ptr !== 0 && (ptr < range.firstDataBlock || ptr >= range.blocksCount)) {
      const structure = where.ino === undefined ? `indirect block ${where.block}` : `indirect block ${where.block} of inode ${where.ino}`;
      checkBlockPointer(ptr, range, { structure, location: `block ${where.block} slot ${i}` });
    }
    out[i] = ptr;
  }
  return out;
}

/** Encodes block numbers as an indirect block (little-endian u32s). */
export function encodeIndirectBlock(pointers: ArrayLike<number>, blockSize: number): Uint8Array {
  checkBlockSize(blockSize);
  if (pointers.length !== blockSize / 4) {
    throw new FsError('EINVAL', `an indirect block of ${blockSize} bytes holds ${blockSize / 4} pointers, got ${pointers.length}`, { syscall: 'encode' });
  }
  const out = new Uint8Array(blockSize);
  const view = viewOf(out);
  for (let i = 0; i < pointers.length; i++) {
    const p = pointers[i] as number;
    if (!Number.isInteger(p) || p < 0 || p > 0xffffffff) throw new FsError('EINVAL', `pointer ${p} at slot ${i} is not a u32`, { syscall: 'encode' });
    view.setUint32(i * 4, p, true);
  }
  return out;
}
