// Block allocation of the image builder: one cursor that moves up through
// the filesystem and hands out the next free block, as mke2fs -d does on a
// fresh filesystem (no goal, no spreading: a new image is filled in order).
// Every group keeps its block bitmap (EXT2.md 2.5) in memory from the start:
// the metadata run and the blocks mkfs allocated (root, lost+found, resize
// inode) are set, and so is the padding past a short last group; the cursor
// skips set bits. The bitmaps are the ones written at the end.
import { FsError } from '@iomap/core';
import { setBits } from '../mkfs/bitmaps.js';
import type { Layout } from '../mkfs/layout.js';

export class BlockCursor {
  private readonly bitmaps: Uint8Array[];
  private readonly free: number[];
  /** Next block to look at. */
  private next: number;

  /** @param taken blocks past the metadata runs that are already in use */
  constructor(
    private readonly layout: Layout,
    taken: Iterable<number>,
  ) {
    const bs = layout.blockSize;
    this.bitmaps = layout.groups.map((g) => {
      const bitmap = new Uint8Array(bs);
      setBits(bitmap, 0, g.metadataBlocks);
      setBits(bitmap, g.blocks, bs * 8);
      return bitmap;
    });
    this.free = layout.groups.map((g) => g.blocks - g.metadataBlocks);
    for (const block of taken) this.mark(block);
    this.next = layout.firstDataBlock;
  }

  private mark(block: number): void {
    const group = Math.floor((block - this.layout.firstDataBlock) / this.layout.blocksPerGroup);
    const g = this.layout.groups[group];
    const bitmap = this.bitmaps[group];
    if (g === undefined || bitmap === undefined) return;
    const bit = block - g.first;
    if (((bitmap[bit >> 3] as number) & (1 << (bit & 7))) !== 0) return;
    bitmap[bit >> 3] = (bitmap[bit >> 3] as number) | (1 << (bit & 7));
    this.free[group] = (this.free[group] as number) - 1;
  }

  /**
   * The next free block, now in use. ENOSPC when the filesystem is full
   * (`what` names what needed it).
   */
  allocate(what: string): number {
    const { firstDataBlock, blocksPerGroup, blocksCount } = this.layout;
    while (this.next < blocksCount) {
      const group = Math.floor((this.next - firstDataBlock) / blocksPerGroup);
      const g = this.layout.groups[group] as { first: number; blocks: number };
      const bitmap = this.bitmaps[group] as Uint8Array;
      if (this.free[group] === 0) {
        this.next = g.first + g.blocks;
        continue;
      }
      const bit = this.next - g.first;
      if (((bitmap[bit >> 3] as number) & (1 << (bit & 7))) === 0) {
        bitmap[bit >> 3] = (bitmap[bit >> 3] as number) | (1 << (bit & 7));
        this.free[group] = (this.free[group] as number) - 1;
        return this.next++;
      }
      this.next++;
    }
    throw new FsError('ENOSPC', `no free block left for ${what}: the tree does not fit the filesystem's ${blocksCount} blocks; give a larger size`, { syscall: 'mkfs' });
  }

  /** Frees `block` (a block the build allocated and no longer uses). The cursor does not go back for it. */
  release(block: number): void {
    const group = Math.floor((block - this.layout.firstDataBlock) / this.layout.blocksPerGroup);
    const g = this.layout.groups[group];
    const bitmap = this.bitmaps[group];
    if (g === undefined || bitmap === undefined) return;
    const bit = block - g.first;
    if (((bitmap[bit >> 3] as number) & (1 << (bit & 7))) === 0) return;
    bitmap[bit >> 3] = (bitmap[bit >> 3] as number) & ~(1 << (bit & 7));
    this.free[group] = (this.free[group] as number) + 1;
  }

  /** The block bitmap of `group`. */
  bitmap(group: number): Uint8Array {
    return this.bitmaps[group] as Uint8Array;
  }

  /** Free blocks left in `group`. */
  freeIn(group: number): number {
    return this.free[group] ?? 0;
  }
}
