// The block map of a file the builder wrote (EXT2.md 3.3): i_block[0..11]
// point at data, [12] at an indirect block, [13] double, [14] triple.
// Indirect blocks are allocated after the file's data (it is all known by
// then), parents before children, so they follow the data on the device and
// join its writes. A subtree mapping only holes gets no block (a sparse
// file stays sparse).
import { encodeIndirectBlock } from '../format/block-map.js';
import { IND_BLOCK, N_BLOCKS, NDIR_BLOCKS } from '../format/inode.js';

/** A block of pointers to write. */
export interface MapBlock {
  readonly block: number;
  readonly bytes: Uint8Array;
}

/** i_block and the indirect blocks of one file. */
export interface BuiltBlockMap {
  readonly iBlock: number[];
  /** Indirect blocks, ascending. */
  readonly mapBlocks: MapBlock[];
}

function anyMapped(physical: Uint32Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (physical[i] !== 0) return true;
  return false;
}

/**
 * Builds the map of `count` logical blocks: `physical[i]` is logical block
 * i's block, 0 for a hole. `allocate` hands out the next free block.
 */
export function buildBlockMap(physical: Uint32Array, count: number, blockSize: number, allocate: () => number): BuiltBlockMap {
  const iBlock = new Array<number>(N_BLOCKS).fill(0);
  for (let i = 0; i < Math.min(count, NDIR_BLOCKS); i++) iBlock[i] = physical[i] as number;
  const mapBlocks: MapBlock[] = [];
  if (count <= NDIR_BLOCKS) return { iBlock, mapBlocks };
  const perBlock = blockSize / 4;
  /** The block of a pointer `depth` levels above data covering logical blocks from `start`, 0 for all holes. */
  const subtree = (depth: number, start: number): number => {
    const span = perBlock ** depth;
    if (start >= count || !anyMapped(physical, start, Math.min(count, start + span))) return 0;
    const block = allocate();
    const pointers = new Uint32Array(perBlock);
    const childSpan = span / perBlock;
    for (let i = 0; i < perBlock && start + i * childSpan < count; i++) {
      pointers[i] = depth === 1 ? (physical[start + i] as number) : subtree(depth - 1, start + i * childSpan);
    }
    mapBlocks.push({ block, bytes: encodeIndirectBlock(pointers, blockSize) });
    return block;
  };
  let start = NDIR_BLOCKS;
  for (let depth = 1; depth <= 3; depth++) {
    iBlock[IND_BLOCK + depth - 1] = subtree(depth, start);
    start += perBlock ** depth;
  }
  mapBlocks.sort((a, b) => a.block - b.block);
  return { iBlock, mapBlocks };
}
