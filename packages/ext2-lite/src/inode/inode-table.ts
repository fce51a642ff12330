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

/** Inode-table block copies kept for decoding (a 100-entry directory of 256-byte inodes spans 7 blocks of 4 KiB). */
const TABLE_COPIES = 64;

/** The in-core inode table of one mount. */
export class InodeTable {
  private readonly inodes = new Map<number, Ext2Inode>();
  private readonly loading = new Map<number, Promise<Ext2Inode>>();
  /** Private copies of recently read inode-table blocks (insertion order = age), at most TABLE_COPIES. */
  private readonly tableCopies = new Map<number, Uint8Array>();
  /** Bumped by tableBlockChanged: a copy read across a change is not kept. */
  private tableChanges = 0;

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
   * get() without an await: the in-core inode, or one decoded from a
   * recently read inode-table block (a directory's entries mostly name
   * inodes of a few table blocks, which prefetch reads); undefined when that
   * needs a read. Same errors as get().
   */
  getNow(ino: number, referencedFrom = 'a directory entry'): Ext2Inode | undefined {
    const cached = this.inodes.get(ino);
    if (cached !== undefined) {
      if (cached.evicted) throw new CorruptFilesystemError({ structure: `inode ${ino}` }, `${referencedFrom} names inode ${ino}, which was deleted`);
      return cached;
    }
    if (this.loading.has(ino)) return undefined;
    const at = this.location(ino, referencedFrom);
    const bytes = this.tableCopies.get(at.block);
    return bytes === undefined ? undefined : this.decode(ino, at.block, at.offset, bytes, referencedFrom);
  }

  /**
   * Reads the inode-table blocks of the inodes `inos` that are not in core,
   * concurrently (adjacent blocks merge into one device request), so that
   * getNow finds them. Best effort: a number that is invalid or whose block
   * cannot be read is skipped here, and get() reports it when it is reached.
   */
  async prefetch(inos: readonly number[]): Promise<void> {
    const blocks = new Set<number>();
    for (const ino of inos) {
      if (this.inodes.has(ino) || this.loading.has(ino)) continue;
      let block: number;
      try {
        block = this.location(ino, 'a directory entry').block;
      } catch {
        continue;
      }
      if (!this.tableCopies.has(block)) blocks.add(block);
    }
    if (blocks.size > TABLE_COPIES) return;
    await Promise.all(
      [...blocks].map((block) =>
        this.tableBlockCopy(block).then(
          () => undefined,
          () => undefined,
        ),
      ),
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
    this.tableCopies.delete(block);
    this.tableChanges++;
  }

  /** The in-core inode `ino` if it was loaded before (no await), else undefined. */
  peek(ino: number): Ext2Inode | undefined {
    return this.inodes.get(ino);
  }

  /**
   * A private copy of inode-table block `block`, shared by the inodes decoded
   * from it (their `raw` bytes are views of it): one allocation per block
   * instead of one per inode. The last TABLE_COPIES blocks are remembered.
   */
  private async tableBlockCopy(block: number): Promise<Uint8Array> {
    const kept = this.tableCopies.get(block);
    if (kept !== undefined) return kept;
    const changes = this.tableChanges;
    const bytes = await withBlock(this.vol, block, (data) => data.slice());
    if (changes === this.tableChanges) {
      this.tableCopies.set(block, bytes);
      if (this.tableCopies.size > TABLE_COPIES) {
        const oldest = this.tableCopies.keys().next();
        if (oldest.done !== true) this.tableCopies.delete(oldest.value);
      }
    }
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
    const raw = bytes.subarray(offset, offset + g.inodeSize);
    const options = { ino, inodeSize: g.inodeSize, blockSize: g.blockSize, adoptBytes: true };
    let disk: MutableInode;
    try {
      disk = decodeInode(raw, options) as MutableInode;
    } catch {
      // Decoded again for the error with where the bytes are: a delete decodes 10,000 inodes, none of them needing the location string.
      disk = decodeInode(raw, { ...options, location: `block ${block} byte ${offset}` }) as MutableInode;
    }
    if (disk.linksCount === 0 || disk.mode === 0) {
      const location = `block ${block} byte ${offset}`;
      throw new CorruptFilesystemError({ structure: `inode ${ino}`, location }, `${referencedFrom} names inode ${ino}, which is not in use (links ${disk.linksCount}, mode 0${disk.mode.toString(8)})`);
    }
    const deviceBytes = g.blocksCount * g.blockSize;
    if ((disk.mode & 0xf000) === 0x4000 && disk.size > deviceBytes) {
      throw new CorruptFilesystemError({ structure: `inode ${ino}`, location: `block ${block} byte ${offset}` }, `directory size ${disk.size} exceeds the filesystem's ${deviceBytes} bytes`);
    }
    const inode = new Ext2Inode(ino, disk);
    this.inodes.set(ino, inode);
    return inode;
  }
}
