// The allocators' shared state of one writable mount: the free totals (kept
// equal to the sum of the group descriptors' counts), delayed-allocation
// reservations, blocks freed but not yet reusable, which descriptors and
// whether the superblock changed, and the pinned bitmap blocks.
//
// Freed blocks wait in `pendingFree` until the metadata that stopped using
// them is durable (the next metadata sync releases them to the bitmaps):
// reusing them earlier could let a crash leave an old file pointing at a
// new file's bytes. Their bitmap bits stay set meanwhile, so the bitmaps,
// counters and block map always agree with each other on disk. Freed inode
// numbers wait the same way (a new file's entry must never name an inode
// whose old content may still be what is on disk).
//
// Everything here is protected by `mutex`, which is never held across an
// await on user data (only on cached bitmap blocks).
import { Mutex } from '@iomap/core';
import type { CachedBlock } from '@iomap/buffered';
import type { Volume } from '../mount/volume.js';

/** A run of blocks. */
export interface BlockExtent {
  readonly first: number;
  readonly count: number;
}

/** Allocation state of one mount. */
export class AllocState {
  /** The allocator mutex (bitmaps, counters, reservations). */
  readonly mutex = new Mutex();
  /**
   * Free blocks as the allocator sees them: the sum of bg_free_blocks_count
   * (what is on disk) minus blocks claimed by writeback and not yet
   * published.
   */
  freeBlocks: number;
  /** Free inodes = sum of bg_free_inodes_count. */
  freeInodes: number;
  /** Blocks promised to delayed allocations: counted as used by every free-space check. */
  reservedBlocks = 0;
  /** Blocks freed since the last metadata sync (bits still set, counted as used). */
  pendingFree: BlockExtent[] = [];
  pendingFreeBlocks = 0;
  /** Inodes freed since the last metadata sync (bits still set, counted as used), reusable after it. */
  pendingFreeInodes: { ino: number; isDirectory: boolean }[] = [];
  /** Groups whose descriptor changed since the last metadata sync. */
  readonly dirtyGroups = new Set<number>();
  /** The superblock changed (counts, state, times) since the last metadata sync. */
  superblockDirty = false;
  /** A feature word changed: the next metadata sync rewrites every backup superblock too (EXT2.md 1.5). */
  backupsDirty = false;
  /**
   * Indirect blocks allocated since the last metadata sync: written and
   * flushed before the metadata that points at them (a crash must never
   * leave a pointer to an indirect block holding a previous owner's bytes).
   */
  readonly freshMetadata = new Set<number>();
  /** Next group to consider for a top-level directory (Orlov's spreading, made deterministic). */
  nextTopDirGroup = 0;
  /** i_generation of the next new inode. */
  nextGeneration: number;
  /**
   * Makes pending frees reusable (a metadata sync); set by the mount. The
   * allocator calls it once before answering ENOSPC.
   */
  commit: (() => Promise<void>) | undefined = undefined;
  private readonly blockBitmaps = new Map<number, Promise<CachedBlock>>();
  /**
   * The allocator's own copy of each block bitmap: the on-disk bits plus
   * blocks writeback claimed (allocated for data in flight, published in the
   * on-disk bitmap only with the pointers at ioend completion, so a sync in
   * between never writes a bitmap with blocks nothing points at).
   */
  private readonly allocationMaps = new Map<number, Promise<Uint8Array>>();
  private readonly inodeBitmaps = new Map<number, Promise<CachedBlock>>();

  constructor(private readonly vol: Volume) {
    let blocks = 0;
    let inodes = 0;
    for (const gd of vol.descriptors) {
      blocks += gd.freeBlocksCount;
      inodes += gd.freeInodesCount;
    }
    this.freeBlocks = blocks;
    this.freeInodes = inodes;
    this.nextGeneration = (vol.sb.wtime ^ vol.sb.mtime ^ 0x5bd1e995) >>> 0;
  }

  /** The block bitmap of `group`, read once and pinned for the mount's life. */
  blockBitmap(group: number): Promise<CachedBlock> {
    return this.pinned(this.blockBitmaps, group, 'blockBitmap');
  }

  /** The allocator's view of `group`'s block bitmap (on-disk bits plus claims). */
  allocationMap(group: number): Promise<Uint8Array> {
    let map = this.allocationMaps.get(group);
    if (map === undefined) {
      map = this.blockBitmap(group).then((blk) => blk.data.slice());
      map.catch(() => this.allocationMaps.delete(group));
      this.allocationMaps.set(group, map);
    }
    return map;
  }

  /** The inode bitmap of `group`, read once and pinned for the mount's life. */
  inodeBitmap(group: number): Promise<CachedBlock> {
    return this.pinned(this.inodeBitmaps, group, 'inodeBitmap');
  }

  private pinned(cache: Map<number, Promise<CachedBlock>>, group: number, field: 'blockBitmap' | 'inodeBitmap'): Promise<CachedBlock> {
    let blk = cache.get(group);
    if (blk === undefined) {
      const gd = this.vol.descriptors[group];
      if (gd === undefined) throw new RangeError(`group ${group} has no descriptor`);
      blk = this.vol.bdev.getBlock(gd[field]);
      blk.catch(() => cache.delete(group));
      cache.set(group, blk);
    }
    return blk;
  }

  /** Unpins every bitmap (unmount). */
  async releaseBitmaps(): Promise<void> {
    for (const cache of [this.blockBitmaps, this.inodeBitmaps]) {
      for (const blk of cache.values()) {
        const b = await blk.catch(() => undefined);
        b?.release();
      }
      cache.clear();
    }
    this.allocationMaps.clear();
  }

  /** Records that group `group`'s descriptor (and so the superblock totals) changed. */
  groupChanged(group: number): void {
    this.dirtyGroups.add(group);
    this.superblockDirty = true;
  }
}
