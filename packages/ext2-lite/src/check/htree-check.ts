// Pass 2, htree indexes (EXT2.md 4.6), checked as e2fsck checks them while it
// reads the directory's blocks:
//   block 0        dx_root: '.', '..', dx_root_info, then {limit, count, block}
//                  and count-1 {hash, block} pairs
//   index nodes    a fake empty entry covering the block, then the same table
//   leaves         ordinary entries; every name hashes into [the hash of the
//                  index entry naming the leaf, the next entry's hash)
// Each index table must have the limit the block size dictates, a count within
// it, block numbers inside the directory and ascending hashes; every block of
// the directory must be referenced exactly once, and leaves must all sit at
// the depth dx_root_info.indirect_levels + 1 says.
import { recLenFromDisk } from '../format/dir-entry.js';
import type { CheckContext, DxDirInfo } from './check-context.js';
import { DX_HASH_VERSION, dxHash } from './dx-hash.js';

/** s_flags bit: the index was built with the unsigned-char hash variant. */
const UNSIGNED_HASH_FLAG = 0x2;
const DX_BLOCK_MASK = 0x0fffffff;

type DxBlockType = 'unseen' | 'root' | 'node' | 'leaf';

/** What is known about one logical block of an indexed directory. */
interface DxBlock {
  type: DxBlockType;
  first: boolean;
  last: boolean;
  referenced: boolean;
  duplicateRef: boolean;
  parent: number;
  previous: number;
  minHash: number;
  maxHash: number;
  nodeMinHash: number;
  nodeMaxHash: number;
}

const unseen = (): DxBlock => ({
  type: 'unseen',
  first: false,
  last: false,
  referenced: false,
  duplicateRef: false,
  parent: 0,
  previous: 0,
  minHash: 0,
  maxHash: 0,
  nodeMinHash: 0,
  nodeMaxHash: 0,
});

/** The index of one directory as pass 2 reads it. */
export class HtreeCheck {
  private readonly blocks = new Map<number, DxBlock>();
  private hashVersion = 0;
  private depth = 1;
  private readonly problems: string[] = [];

  constructor(
    private readonly ctx: CheckContext,
    readonly dir: DxDirInfo,
  ) {}

  private at(lblk: number): DxBlock {
    let b = this.blocks.get(lblk);
    if (b === undefined) {
      b = unseen();
      this.blocks.set(lblk, b);
    }
    return b;
  }

  /** Starts block `lblk`: classifies it as root, index node or leaf. Returns false for a block past the index. */
  beginBlock(lblk: number, data: Uint8Array): boolean {
    if (lblk >= this.dir.numBlocks) {
      this.problems.push(`block ${lblk} lies past the ${this.dir.numBlocks} blocks the index covers`);
      return false;
    }
    const b = this.at(lblk);
    b.type = 'leaf';
    b.minHash = 0xffffffff;
    b.maxHash = 0;
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    if (lblk === 0) {
      b.type = 'root';
      b.first = true;
      b.last = true;
      const levels = data[30] ?? 0;
      if (view.getUint32(24, true) !== 0 || (data[29] ?? 0) < 8 || levels >= 2) {
        this.problems.push(`the root's dx_root_info is invalid (info_length ${data[29] ?? 0}, indirect_levels ${levels})`);
      }
      this.hashVersion = data[28] ?? 0;
      if (this.hashVersion <= DX_HASH_VERSION.tea && (this.ctx.sb.flags & UNSIGNED_HASH_FLAG) !== 0) this.hashVersion += 3;
      this.depth = levels + 1;
    } else if (view.getUint32(0, true) === 0 && recLenFromDisk(view.getUint16(4, true), data.length) === data.length && data[6] === 0 && view.getUint16(8, true) === (data.length - 8) / 8) {
      b.type = 'node';
    }
    return true;
  }

  /** A live entry of block `lblk`: widens the block's hash range. */
  addName(lblk: number, name: Uint8Array): void {
    const b = this.at(lblk);
    const hash = dxHash(this.hashVersion, name, this.ctx.sb.hashSeed) ?? 0;
    if (hash < b.minHash) b.minHash = hash;
    if (hash > b.maxHash) b.maxHash = hash;
  }

  /** After the entries of block `lblk`: parses its index table when it is the root or a node. */
  endBlock(lblk: number, data: Uint8Array): void {
    const b = this.at(lblk);
    if (b.type !== 'root' && b.type !== 'node') return;
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const tableAt = lblk === 0 ? 24 + (data[29] ?? 0) : 8;
    if (tableAt + 4 > data.length) {
      this.problems.push(`block ${lblk}: the index table starts past the block end`);
      return;
    }
    const expectLimit = Math.floor((data.length - tableAt) / 8);
    const limit = view.getUint16(tableAt, true);
    let count = view.getUint16(tableAt + 2, true);
    if (limit !== expectLimit) this.problems.push(`block ${lblk}: limit ${limit}, expected ${expectLimit}`);
    if (count > expectLimit) {
      this.problems.push(`block ${lblk}: count ${count} exceeds the limit ${expectLimit}`);
      count = expectLimit;
    }
    let minHash = 0xffffffff;
    let maxHash = 0;
    let hash = 0;
    const entryHash = (i: number): number => (view.getUint32(tableAt + 8 * i, true) & ~1) >>> 0;
    const entryBlock = (i: number): number => view.getUint32(tableAt + 8 * i + 4, true) & DX_BLOCK_MASK;
    for (let i = 0; i < count; i++) {
      const prev = hash;
      hash = i === 0 ? 0 : entryHash(i);
      const child = entryBlock(i);
      if (child >= this.dir.numBlocks) {
        this.problems.push(`block ${lblk}: entry ${i} points at block ${child}, past the directory's ${this.dir.numBlocks} blocks`);
        continue;
      }
      if (hash < prev) this.problems.push(`block ${lblk}: the hashes of its index are not in order`);
      const c = this.at(child);
      if (c.referenced) c.duplicateRef = true;
      else {
        c.referenced = true;
        c.parent = lblk;
      }
      c.previous = i === 0 ? 0 : entryBlock(i - 1);
      minHash = Math.min(minHash, hash);
      maxHash = Math.max(maxHash, hash);
      c.nodeMinHash = hash;
      if (i + 1 < count) c.nodeMaxHash = entryHash(i + 1);
      else {
        c.nodeMaxHash = 0xfffffffe;
        c.last = true;
      }
      if (i === 0) c.first = true;
    }
    b.minHash = minHash;
    b.maxHash = maxHash;
  }

  /** After every block: references, depths and hash ranges; reports the directory once. */
  finish(): void {
    const root = this.at(0);
    if (root.referenced) root.duplicateRef = true;
    else root.referenced = true;
    this.updateParents('leaf');
    this.updateParents('node');
    let notReferenced = 0;
    for (let lblk = 0; lblk < this.dir.numBlocks; lblk++) {
      const b = this.blocks.get(lblk) ?? unseen();
      if (!b.first && b.minHash < b.nodeMinHash) this.problems.push(`block ${lblk} holds a name hashing below its index range`);
      if (b.type === 'leaf' && this.depthOf(b) !== this.depth) this.problems.push(`leaf block ${lblk} is not at depth ${this.depth}`);
      if (lblk !== 0 && b.maxHash > b.nodeMaxHash) this.problems.push(`block ${lblk} holds a name hashing above its index range`);
      if (!b.referenced) notReferenced++;
      else if (b.duplicateRef) this.problems.push(`block ${lblk} is referenced twice`);
    }
    if (notReferenced > 0) this.problems.push(`${notReferenced} block(s) are not referenced by the index`);
    if (this.problems.length > 0) {
      const ino = this.dir.ino;
      const more = this.problems.length > 1 ? ` (and ${this.problems.length - 1} more)` : '';
      this.ctx.log.add('HTREE_INVALID', `htree directory inode ${ino}: ${this.problems[0]}${more}; the index must be rebuilt or INDEX_FL cleared`, { ino });
    }
  }

  private updateParents(type: DxBlockType): void {
    for (const lblk of [...this.blocks.keys()].sort((x, y) => x - y)) {
      const b = this.at(lblk);
      if (b.type !== type) continue;
      const parent = this.at(b.parent);
      if (b.first) {
        parent.minHash = b.minHash;
        if (parent.previous !== 0) this.at(parent.previous).nodeMaxHash = parent.minHash;
      }
      if (b.last) parent.maxHash = b.maxHash;
    }
  }

  /** Index levels between a block and the root (bounded like e2fsck's htree_depth). */
  private depthOf(b: DxBlock): number {
    let depth = 0;
    let cur = b;
    while (cur.type !== 'root' && depth < 32000) {
      cur = this.blocks.get(cur.parent) ?? unseen();
      depth++;
    }
    return depth;
  }
}
