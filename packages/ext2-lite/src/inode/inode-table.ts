// Reading inodes from the inode tables (EXT2.md 2.1, 3).
//
//   inode n -> group (n-1)/ipg, slot (n-1)%ipg
//           -> block bg_inode_table + slot*isz/bs, byte slot*isz % bs
//
// The inode-table blocks come through the block-device cache; decoded inodes
// are kept in an in-core table (icache) for the life of the mount, so each
// inode is decoded once. A writable mount registers new inodes here
// (createInode), keeps evicted ones until their last state is written, and
// tells the table when it rewrote a table block (write_inode), so the shared
// copy of the last table block never serves stale bytes.
import { CorruptFilesystemError } from '@iomap/core';
import { inodeGroupIndex, inodeTableSlot } from '../format/geometry.js';
import { decodeInode, ROOT_INO } from '../format/inode.js';
import { withBlock, type Volume } from '../mount/volume.js';
import { Ext2Inode, type MutableInode } from './ext2-inode.js';

/** The in-core inode table of one mount. */
export class InodeTable {
  private readonly inodes = new Map<number, Ext2Inode>();
  private readonly loading = new Map<number, Promise<Ext2Inode>>();
  private lastTableBlock: { block: number; bytes: Uint8Array } | undefined = undefined;

  constructor(private readonly vol: Volume) {}

  /**
   * The live inode `ino` (iget). EUCLEAN when the number is out of range or
   * reserved, or the inode is free (links 0) or invalid.
   * Precondition: none.
   */
  async get(ino: number, referencedFrom = 'a directory entry'): Promise<Ext2Inode> {
    const cached = this.inodes.get(ino);
    if (cached !== undefined) {
      if (cached.evicted) throw new CorruptFilesystemError({ structure: `inode ${ino}` }, `${referencedFrom} names inode ${ino}, which was deleted`);
      return cached;
    }
    return this.getUncached(ino, referencedFrom);
  }

  /**
   * get() without an await: the in-core inode, or one decoded from the
   * inode-table block read last (a directory's entries mostly name inodes
   * of the same few table blocks); undefined when that needs a read.
   * Same errors as get().
   */
  getNow(ino: number, referencedFrom = 'a directory entry'): Ext2Inode | undefined {
    const cached = this.inodes.get(ino);
    if (cached !== undefined) {
      if (cached.evicted) throw new CorruptFilesystemError({ structure: `inode ${ino}` }, `${referencedFrom} names inode ${ino}, which was deleted`);
      return cached;
    }
    const last = this.lastTableBlock;
    if (last === undefined || this.loading.has(ino)) return undefined;
    const at = this.location(ino, referencedFrom);
    return at.block === last.block ? this.decode(ino, at.block, at.offset, last.bytes, referencedFrom) : undefined;
  }

  /**
   * Loads the inodes `inos` that are not in core, reading their table
   * blocks concurrently (one copy per block, decoded once): a directory
   * emptied by a tree delete then finds each of its entries' inodes with
   * getNow. Best effort: a number that is invalid or whose block cannot be
   * read is skipped here, and get() reports it when it is reached.
   */
  async prefetch(inos: readonly number[]): Promise<void> {
    const byBlock = new Map<number, { ino: number; offset: number }[]>();
    for (const ino of inos) {
      if (this.inodes.has(ino) || this.loading.has(ino)) continue;
      let at: { block: number; offset: number };
      try {
        at = this.location(ino, 'a directory entry');
      } catch {
        continue;
      }
      let list = byBlock.get(at.block);
      if (list === undefined) byBlock.set(at.block, (list = []));
      list.push({ ino, offset: at.offset });
    }
    await Promise.all(
      [...byBlock].map(async ([block, list]) => {
        let bytes: Uint8Array;
        try {
          bytes = await withBlock(this.vol, block, (data) => data.slice());
        } catch {
          return;
        }
        for (const { ino, offset } of list) {
          try {
            this.decode(ino, block, offset, bytes, 'a directory entry');
          } catch {
            // get() words it when the entry is reached.
          }
        }
      }),
    );
  }

  /** Every in-core inode (a snapshot). */
  loaded(): Ext2Inode[] {
    return [...this.inodes.values()];
  }

  /** Adds a newly created inode (replacing an evicted one with the same number). */
  register(inode: Ext2Inode): void {
    this.inodes.set(inode.ino, inode);
  }

  /** Drops an evicted inode once its final state was written. */
  forget(inode: Ext2Inode): void {
    if (this.inodes.get(inode.ino) === inode) this.inodes.delete(inode.ino);
  }

  /** Where inode `ino` lives: its inode-table block and the byte offset inside it. EUCLEAN when out of range. */
  slot(ino: number): { block: number; offset: number } {
    const g = this.vol.geometry;
    const { group, index } = inodeGroupIndex(g, ino);
    const gd = this.vol.descriptors[group];
    if (gd === undefined) throw new CorruptFilesystemError({ structure: `inode ${ino}` }, `group ${group} has no descriptor`);
    return inodeTableSlot(g, gd.inodeTable, index);
  }

  /** Inode-table block `block` was rewritten in the block-device cache: forget any private copy of it. */
  tableBlockChanged(block: number): void {
    if (this.lastTableBlock?.block === block) this.lastTableBlock = undefined;
  }

  /** The in-core inode `ino` if it was loaded before (no await), else undefined. */
  peek(ino: number): Ext2Inode | undefined {
    return this.inodes.get(ino);
  }

  /**
   * A private copy of inode-table block `block`, shared by the inodes decoded
   * from it (their `raw` bytes are views of it): one allocation per block
   * instead of one per inode. Only the last block is remembered.
   */
  private async tableBlockCopy(block: number): Promise<Uint8Array> {
    if (this.lastTableBlock?.block === block) return this.lastTableBlock.bytes;
    const bytes = await withBlock(this.vol, block, (data) => data.slice());
    this.lastTableBlock = { block, bytes };
    return bytes;
  }

  private async getUncached(ino: number, referencedFrom: string): Promise<Ext2Inode> {
    let pending = this.loading.get(ino);
    if (pending === undefined) {
      pending = this.load(ino, referencedFrom);
      this.loading.set(ino, pending);
    }
    try {
      return await pending;
    } finally {
      this.loading.delete(ino);
    }
  }

  /** The inode-table block and byte offset of `ino`; EUCLEAN for a reserved number or a missing group. */
  private location(ino: number, referencedFrom: string): { block: number; offset: number } {
    const g = this.vol.geometry;
    const { group, index } = inodeGroupIndex(g, ino);
    if (ino !== ROOT_INO && ino < g.firstIno) {
      throw new CorruptFilesystemError({ structure: `inode ${ino}` }, `${referencedFrom} names reserved inode ${ino}`);
    }
    const gd = this.vol.descriptors[group];
    if (gd === undefined) throw new CorruptFilesystemError({ structure: `inode ${ino}` }, `group ${group} has no descriptor`);
    return inodeTableSlot(g, gd.inodeTable, index);
  }

  private async load(ino: number, referencedFrom: string): Promise<Ext2Inode> {
    const { block, offset } = this.location(ino, referencedFrom);
    const bytes = await this.tableBlockCopy(block);
    return this.decode(ino, block, offset, bytes, referencedFrom);
  }

  /** Decodes inode `ino` from its table block's bytes, checks it is in use, and keeps it in core. */
  private decode(ino: number, block: number, offset: number, bytes: Uint8Array, referencedFrom: string): Ext2Inode {
    // Loaded meanwhile (a prefetch and a get of one inode): the in-core inode is the one to keep.
    const existing = this.inodes.get(ino);
    if (existing !== undefined) return existing;
    const g = this.vol.geometry;
    const location = `block ${block} byte ${offset}`;
    const disk = decodeInode(bytes.subarray(offset, offset + g.inodeSize), { ino, inodeSize: g.inodeSize, blockSize: g.blockSize, location, adoptBytes: true }) as MutableInode;
    if (disk.linksCount === 0 || disk.mode === 0) {
      throw new CorruptFilesystemError({ structure: `inode ${ino}`, location }, `${referencedFrom} names inode ${ino}, which is not in use (links ${disk.linksCount}, mode 0${disk.mode.toString(8)})`);
    }
    const deviceBytes = g.blocksCount * g.blockSize;
    if ((disk.mode & 0xf000) === 0x4000 && disk.size > deviceBytes) {
      throw new CorruptFilesystemError({ structure: `inode ${ino}`, location }, `directory size ${disk.size} exceeds the filesystem's ${deviceBytes} bytes`);
    }
    const inode = new Ext2Inode(ino, disk);
    this.inodes.set(ino, inode);
    return inode;
  }
}
