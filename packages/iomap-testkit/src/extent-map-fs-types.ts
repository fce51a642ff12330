// The public vocabulary of ExtentMapFs: its options, its inode handle and the
// extent records it reports.
import type { BlockDevice, DaxDevice, IomapType } from '@iomap/core';
import type { AllocationPattern } from './block-allocator.js';

/**
 * How an {@link ExtentMapFs} behaves. Every knob exists so a test can force a
 * mapping type, a flag or a mapping size on demand.
 *
 * @example
 * ```ts
 * const fs = new ExtentMapFs({ blockSize: 1024, maxMappingLength: 1024, allocation: 'random', seed: 7 });
 * ```
 */
export interface ExtentMapFsOptions {
  /** The device to allocate from. Default: a new 16 MiB `MemoryBlockDevice` (or `deviceSize`). */
  device?: BlockDevice;
  /** Size of the device created when `device` is omitted. Default 16 MiB. */
  deviceSize?: number;
  /** Filesystem block size: a power of two, a multiple of the device's logical block size. Default 4096. */
  blockSize?: number;
  /** Blocks at the start of the device never allocated, so no file data sits at address 0. Default 1. */
  reservedBlocks?: number;
  /** Longest mapping `iomapBegin` returns, in bytes (rounded down to blocks, at least one block). Default: unlimited. */
  maxMappingLength?: number;
  /** Where new blocks go. Default `'contiguous'`. */
  allocation?: AllocationPattern;
  /** Seed for the `'random'` allocation pattern. Default 1. */
  seed?: number;
  /** Buffered writes over holes reserve DELALLOC space instead of allocating. Default false. */
  delalloc?: boolean;
  /** What a write allocation (not DAX) creates: MAPPED blocks, or UNWRITTEN ones converted by `completeUnwritten`. Default `'mapped'`. */
  writeAllocation?: 'mapped' | 'unwritten';
  /** Bytes a file may keep inline (INLINE mappings), at most 4096. New files start inline when > 0. Default 0. */
  inlineCapacity?: number;
  /** Mappings never cross a multiple of this many blocks, and those starting on one carry BOUNDARY. Default 0 (off). */
  boundaryEvery?: number;
  /** Set MERGED on mappings coalesced from more than one extent record. Default false. */
  mergedFlag?: boolean;
  /** Under NOWAIT, `'eagain'` refuses any allocation, reservation or conversion with EAGAIN. Default `'eagain'`. */
  nowait?: 'eagain' | 'allow';
  /** When set, newly allocated non-DAX blocks are filled with this byte, so unzeroed stale data shows. Default: off. */
  poison?: number;
  /** The DAX device put on mappings for DAX operations. Default: `device` when it offers `directAccess`. */
  daxDevice?: DaxDevice;
  /** `iomapEnd` of a write extends the size to the end of what was written. Default true. */
  extendSizeOnEnd?: boolean;
}

/**
 * A file of an {@link ExtentMapFs}: the handle its `IomapOps` take as inode.
 *
 * @example
 * ```ts
 * const file = await fs.create('a');
 * console.log(file.ino, file.name, file.size);
 * ```
 */
export interface ExtentMapInode {
  readonly ino: number;
  readonly name: string;
  /** Current size in bytes. */
  readonly size: number;
}

/**
 * One extent of a file as {@link ExtentMapFs.extents} reports it. Holes are
 * the gaps between extents.
 *
 * @example
 * ```ts
 * for (const e of await fs.extents(file)) console.log(e.offset, e.length, iomapTypeName(e.type), e.shared);
 * ```
 */
export interface ExtentInfo {
  /** File offset in bytes. */
  offset: number;
  length: number;
  /** DELALLOC, MAPPED, UNWRITTEN or INLINE. */
  type: IomapType;
  /** Device byte address, or `NULL_ADDR` for DELALLOC and INLINE. */
  addr: number;
  /** True when the blocks are also used by another extent (reflink). */
  shared: boolean;
}

/**
 * Space accounting of an {@link ExtentMapFs}.
 *
 * @example
 * ```ts
 * const before = fs.statfs().freeBlocks;
 * ```
 */
export interface ExtentMapFsStats {
  blockSize: number;
  /** Blocks that may hold file data. */
  totalBlocks: number;
  /** Blocks neither allocated nor reserved. */
  freeBlocks: number;
  /** Blocks promised to delayed allocations. */
  reservedBlocks: number;
}
