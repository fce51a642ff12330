// A minimal read-only walker over an ext2 image file built only from the
// ext2-lite format modules (there is no mount API yet), for interop tests.
import { closeSync, openSync, readSync } from 'node:fs';
import {
  blockPath,
  checkBlockPointer,
  decodeGroupDescriptor,
  decodeIndirectBlock,
  decodeInode,
  decodeSuperblock,
  geometryOf,
  groupDescriptorLocation,
  inodeGroupIndex,
  inodeTableSlot,
  readDirBlock,
  INCOMPAT,
  type DirEntry,
  type Geometry,
  type GroupDescriptor,
  type Inode,
  type Superblock,
} from './ext2-lite-format.js';

export class Ext2Image {
  readonly sb: Superblock;
  readonly g: Geometry;
  readonly groups: GroupDescriptor[];
  private readonly fd: number;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'r');
    this.sb = decodeSuperblock(this.read(1024, 1024));
    this.g = geometryOf(this.sb);
    this.groups = [];
    for (let group = 0; group < this.g.groupCount; group++) {
      const { block, offset } = groupDescriptorLocation(this.g, group);
      this.groups.push(decodeGroupDescriptor(this.block(block), this.g, group, offset));
    }
  }

  close(): void {
    closeSync(this.fd);
  }

  read(offset: number, length: number): Uint8Array {
    const buf = new Uint8Array(length);
    const n = readSync(this.fd, buf, 0, length, offset);
    if (n !== length) throw new Error(`short read at ${offset}: ${n} of ${length}`);
    return buf;
  }

  block(n: number): Uint8Array {
    return this.read(n * this.g.blockSize, this.g.blockSize);
  }

  /** The raw on-disk bytes of inode `ino`. */
  inodeBytes(ino: number): Uint8Array {
    const { group, index } = inodeGroupIndex(this.g, ino);
    const gd = this.groups[group] as GroupDescriptor;
    const { block, offset } = inodeTableSlot(this.g, gd.inodeTable, index);
    return this.read(block * this.g.blockSize + offset, this.g.inodeSize);
  }

  inode(ino: number): Inode {
    const { group, index } = inodeGroupIndex(this.g, ino);
    const slot = inodeTableSlot(this.g, (this.groups[group] as GroupDescriptor).inodeTable, index);
    return decodeInode(this.inodeBytes(ino), { ino, inodeSize: this.g.inodeSize, blockSize: this.g.blockSize, location: `block ${slot.block} byte ${slot.offset}` });
  }

  /** Physical block of logical block `n` of `inode` (0 for a hole), with the pointer blocks it read. */
  map(inode: Inode, n: number, ino: number, pointerBlocks?: Set<number>): number {
    const path = blockPath(n, this.g.blockSize);
    const [slot, ...rest] = path.offsets;
    let ptr = inode.block[slot as number] ?? 0;
    checkBlockPointer(ptr, this.g, { structure: `inode ${ino}`, location: `i_block[${slot}]` });
    for (const index of rest) {
      if (ptr === 0) return 0;
      pointerBlocks?.add(ptr);
      ptr = decodeIndirectBlock(this.block(ptr), this.g, { block: ptr, ino })[index] ?? 0;
    }
    return ptr;
  }

  /** The first i_size bytes of a file, holes read as zeros. */
  data(inode: Inode, ino: number): Uint8Array {
    const bs = this.g.blockSize;
    const out = new Uint8Array(inode.size);
    for (let n = 0; n * bs < inode.size; n++) {
      const phys = this.map(inode, n, ino);
      if (phys !== 0) out.set(this.block(phys).subarray(0, Math.min(bs, inode.size - n * bs)), n * bs);
    }
    return out;
  }

  /** Every entry of every block of directory `ino`, read linearly. */
  dirEntries(ino: number): DirEntry[] {
    const inode = this.inode(ino);
    const entries: DirEntry[] = [];
    for (let n = 0; n * this.g.blockSize < inode.size; n++) {
      const phys = this.map(inode, n, ino);
      if (phys === 0) throw new Error(`hole in directory ${ino} at block ${n}`);
      entries.push(
        ...readDirBlock(this.block(phys), {
          filetype: (this.sb.featureIncompat & INCOMPAT.filetype) !== 0,
          inodesCount: this.g.inodesCount,
          firstIno: this.g.firstIno,
          dirIno: ino,
          blockIndex: n,
          deviceBlock: phys,
        }),
      );
    }
    return entries;
  }

  /** Inode number of an absolute path (no symlinks followed). */
  lookup(path: string): number {
    let ino = 2;
    for (const part of path.split('/').filter((p) => p !== '')) {
      const hit = this.dirEntries(ino).find((e) => e.inode !== 0 && new TextDecoder().decode(e.name) === part);
      if (hit === undefined) throw new Error(`${path}: no ${part}`);
      ino = hit.inode;
    }
    return ino;
  }
}
