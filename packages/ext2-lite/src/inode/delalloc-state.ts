// Delayed allocation of one regular file (IOMAP-SPEC 3.4; ext4's delalloc
// reduced to ext2's block map):
//
//   write      hole -> reserved (data + worst-case indirect blocks counted
//              against the free blocks; no block chosen)
//   writeback  reserved -> inflight: whole runs allocated (indirect blocks
//              first, data right after), data written there
//   ioend      inflight -> block map: pointers, indirect blocks and i_blocks
//              change in the cache only now, after the data write finished
//
// Worst-case indirect blocks are reserved per tree node ("12" the IND block,
// "13/5" the IND under DIND slot 5, ...), counted once per node however many
// reserved data blocks lie under it, and given back when the last of them is
// allocated or dropped (or consumed when writeback allocates that node).
import { blockPath } from '../format/block-map.js';
import { BlockRuns } from './block-runs.js';

const NONE: ReadonlySet<string> = new Set();

/** The reservation of one indirect-tree node. */
interface NodeReservation {
  /** Reserved data blocks under the node. */
  refs: number;
  /** Whether one block is still held in the reservation for the node itself. */
  held: boolean;
}

/** The indirect-tree nodes above logical block `lblk`, and how many following blocks share them. */
export function treeNodesOf(lblk: number, blockSize: number): { keys: string[]; span: number } {
  const path = blockPath(lblk, blockSize);
  const keys: string[] = [];
  for (let level = 1; level <= path.depth; level++) keys.push(path.offsets.slice(0, level).join('/'));
  return { keys, span: path.boundary + 1 };
}

/** The delayed-allocation state of one inode. Caller holds the inode's mapLock for every method. */
export class DelallocState {
  /** Logical blocks reserved, with no block yet (physical 0). */
  readonly reserved = new BlockRuns();
  /** Blocks writeback allocated whose pointers are set at ioend completion. */
  readonly inflight = new BlockRuns();
  /** Indirect blocks writeback allocated for inflight data, by tree-node key, not yet in the block map. */
  readonly inflightNodes = new Map<string, number>();
  private readonly nodes = new Map<string, NodeReservation>();
  /** Blocks this inode holds in the allocator's reservation (data + indirect). */
  heldBlocks = 0;
  /** Bumped by every change of `reserved` or `inflight` (part of the inode's mapping cookie). */
  changes = 0;

  /** Records blocks writeback allocated, published at ioend completion. */
  startInflight(run: { lblk: number; count: number; physical: number }): void {
    this.inflight.add(run);
    this.changes++;
  }

  /** Removes and returns the inflight pieces inside [start, end). */
  takeInflight(start: number, end: number): { lblk: number; count: number; physical: number }[] {
    const pieces = this.inflight.take(start, end);
    if (pieces.length > 0) this.changes++;
    return pieces;
  }

  /** Nothing reserved and nothing waiting for completion. */
  get idle(): boolean {
    return this.reserved.empty && this.inflight.empty && this.inflightNodes.size === 0;
  }

  /** Blocks a reservation of [lblk, lblk + count) costs: the data plus tree nodes not yet held. */
  cost(lblk: number, count: number, blockSize: number, present: ReadonlySet<string> = NONE): number {
    let nodes = 0;
    const seen = new Set<string>();
    for (let at = lblk; at < lblk + count; ) {
      const { keys, span } = treeNodesOf(at, blockSize);
      for (const key of keys) {
        if (!seen.has(key) && !present.has(key) && !(this.nodes.get(key)?.held ?? false) && !this.inflightNodes.has(key)) nodes++;
        seen.add(key);
      }
      at += span;
    }
    return count + nodes;
  }

  /**
   * Records the reservation of [lblk, lblk + count); returns the blocks it
   * took (== cost() with the same `present`: tree nodes already in the block
   * map, which need no block).
   */
  reserve(lblk: number, count: number, blockSize: number, present: ReadonlySet<string> = NONE): number {
    let taken = count;
    for (let at = lblk; at < lblk + count; ) {
      const { keys, span } = treeNodesOf(at, blockSize);
      const n = Math.min(span, lblk + count - at);
      for (const key of keys) {
        if (present.has(key)) continue;
        let node = this.nodes.get(key);
        if (node === undefined) {
          node = { refs: 0, held: false };
          this.nodes.set(key, node);
        }
        if (!node.held && !this.inflightNodes.has(key)) {
          node.held = true;
          taken++;
        }
        node.refs += n;
      }
      at += n;
    }
    this.reserved.add({ lblk, count, physical: 0 });
    this.heldBlocks += taken;
    this.changes++;
    return taken;
  }

  /**
   * Removes the reserved blocks inside [start, end) (allocated by writeback,
   * or dropped by truncate/punch/a short write). Returns the pieces, how many
   * data blocks they were, and how many node reservations that frees (nodes
   * left with no reserved block under them). All of it leaves `heldBlocks`;
   * the caller gives back to the allocator what was not allocated.
   */
  unreserve(start: number, end: number, blockSize: number): { pieces: { lblk: number; count: number }[]; dataBlocks: number; nodesReleased: number } {
    const pieces = this.reserved.take(start, end);
    if (pieces.length > 0) this.changes++;
    let dataBlocks = 0;
    let nodesReleased = 0;
    for (const piece of pieces) {
      dataBlocks += piece.count;
      for (let at = piece.lblk; at < piece.lblk + piece.count; ) {
        const { keys, span } = treeNodesOf(at, blockSize);
        const n = Math.min(span, piece.lblk + piece.count - at);
        for (const key of keys) {
          const node = this.nodes.get(key);
          if (node === undefined) continue;
          node.refs -= n;
          if (node.refs <= 0) {
            if (node.held) nodesReleased++;
            this.nodes.delete(key);
          }
        }
        at += n;
      }
    }
    this.heldBlocks -= dataBlocks + nodesReleased;
    return { pieces, dataBlocks, nodesReleased };
  }

  /**
   * Writeback allocates the node `key`: if a block is held for it, it is used
   * now (the caller allocates that block out of the reservation). Returns
   * whether one was held.
   */
  consumeNode(key: string): boolean {
    const node = this.nodes.get(key);
    if (node === undefined || !node.held) return false;
    node.held = false;
    this.heldBlocks--;
    return true;
  }

  /** Forgets everything; returns the reservation blocks it held. */
  clear(): number {
    const held = this.heldBlocks;
    this.reserved.take(0, Number.MAX_SAFE_INTEGER);
    this.changes++;
    this.nodes.clear();
    this.heldBlocks = 0;
    return held;
  }
}
