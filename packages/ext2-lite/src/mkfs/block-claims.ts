// Which blocks a new filesystem uses: every group's metadata run (superblock
// copy, GDT, reserved GDT, bitmaps, inode table: always a prefix of the group)
// plus the few blocks mkfs allocates for the root directory, lost+found and
// the resize inode. Allocation is libext2fs's ext2fs_new_block2: the first
// free block at or after the goal, wrapping to s_first_data_block, so blocks
// land where mke2fs puts them.
import { FsError } from '@iomap/core';
import type { Layout } from './layout.js';

/** Used blocks of a new filesystem, before anything is written. */
export class BlockClaims {
  private readonly extra = new Set<number>();
  private readonly extraPerGroup: number[];

  constructor(private readonly layout: Layout) {
    this.extraPerGroup = new Array<number>(layout.groupCount).fill(0);
  }

  /** Group holding `block`. Precondition: first_data_block <= block < s_blocks_count. */
  groupOf(block: number): number {
    return Math.floor((block - this.layout.firstDataBlock) / this.layout.blocksPerGroup);
  }

  /** True when `block` is metadata or already allocated. */
  isUsed(block: number): boolean {
    const group = this.layout.groups[this.groupOf(block)];
    if (group === undefined) return true;
    return block < group.first + group.metadataBlocks || this.extra.has(block);
  }

  /**
   * Claims the first free block at or after `goal` (wrapping once). Throws
   * EINVAL when none is left: mkfs then refuses the device as too small.
   */
  allocate(goal: number, what: string): number {
    const { firstDataBlock, blocksCount } = this.layout;
    const span = blocksCount - firstDataBlock;
    let block = goal >= firstDataBlock && goal < blocksCount ? goal : firstDataBlock;
    for (let tried = 0; tried < span; tried++) {
      const group = this.layout.groups[this.groupOf(block)];
      if (group !== undefined && block < group.first + group.metadataBlocks) {
        // A group's metadata (its inode table alone is thousands of blocks) is passed in one step.
        const end = group.first + group.metadataBlocks;
        tried += end - block - 1;
        block = end < blocksCount ? end : firstDataBlock;
        continue;
      }
      if (!this.isUsed(block)) {
        this.extra.add(block);
        this.extraPerGroup[this.groupOf(block)] = (this.extraPerGroup[this.groupOf(block)] ?? 0) + 1;
        return block;
      }
      block = block + 1 < blocksCount ? block + 1 : firstDataBlock;
    }
    throw new FsError('EINVAL', `no free block left for ${what}: the device is too small for this layout; use a larger device or fewer inodes`, { syscall: 'mkfs' });
  }

  /** Blocks allocated by `allocate` inside `group`, ascending. */
  allocatedIn(group: number): number[] {
    const g = this.layout.groups[group];
    if (g === undefined || this.extraPerGroup[group] === 0) return [];
    return [...this.extra].filter((b) => b >= g.first && b < g.first + g.blocks).sort((a, b) => a - b);
  }

  /** Free blocks left in `group`. */
  freeIn(group: number): number {
    const g = this.layout.groups[group];
    if (g === undefined) return 0;
    return g.blocks - g.metadataBlocks - (this.extraPerGroup[group] ?? 0);
  }
}
