// Inodes of the image builder: numbers handed out in order from the first
// free one (12: mkfs used 1..11), the records written straight into each
// group's inode table in memory (EXT2.md 3.1), bitmaps and directory counts
// kept alongside. A group's table buffer is made on its first inode, so a
// build touches only the groups it fills; the tables are written at the end
// (hard links and directory sizes change records until then).
import { FsError } from '@iomap/core';
import { INODE_EXTRA_FIELDS, INODE_FIELDS } from '../format/inode.js';
import { viewOf } from '../format/fields.js';
import { setBits } from '../mkfs/bitmaps.js';
import type { Layout } from '../mkfs/layout.js';

/** Byte offsets of the fields the builder writes. */
export const AT = {
  mode: INODE_FIELDS.mode.offset,
  uidLow: INODE_FIELDS.uidLow.offset,
  sizeLow: INODE_FIELDS.sizeLow.offset,
  atime: INODE_FIELDS.atime.offset,
  ctime: INODE_FIELDS.ctime.offset,
  mtime: INODE_FIELDS.mtime.offset,
  gidLow: INODE_FIELDS.gidLow.offset,
  linksCount: INODE_FIELDS.linksCount.offset,
  blocks: INODE_FIELDS.blocks.offset,
  block: INODE_FIELDS.block.offset,
  fileAcl: INODE_FIELDS.fileAcl.offset,
  sizeHigh: INODE_FIELDS.sizeHigh.offset,
  uidHigh: INODE_FIELDS.uidHigh.offset,
  gidHigh: INODE_FIELDS.gidHigh.offset,
  extraIsize: INODE_EXTRA_FIELDS.extraIsize.offset,
  ctimeExtra: INODE_EXTRA_FIELDS.ctimeExtra.offset,
  mtimeExtra: INODE_EXTRA_FIELDS.mtimeExtra.offset,
  atimeExtra: INODE_EXTRA_FIELDS.atimeExtra.offset,
  crtime: INODE_EXTRA_FIELDS.crtime.offset,
  crtimeExtra: INODE_EXTRA_FIELDS.crtimeExtra.offset,
} as const;

/** One inode's record: where it lies in its group's table (no per-inode view objects: a build makes many). */
export interface InodeRecord {
  readonly ino: number;
  /** The group's whole table. */
  readonly table: Uint8Array;
  readonly view: DataView;
  /** Byte offset of the record in `table`. */
  readonly at: number;
}

export class InodeStore {
  private readonly tables: (Uint8Array | undefined)[];
  private readonly views: (DataView | undefined)[];
  /** Highest used index + 1 per group (the table head to write). */
  private readonly usedEnd: number[];
  private readonly used: number[];
  private readonly dirs: number[];
  /** Inodes freed again (unlinked during the build), by group. */
  private readonly freed = new Map<number, number[]>();
  private next: number;

  /** @param initial the inodes mkfs wrote (number -> bytes), all in use */
  constructor(
    private readonly layout: Layout,
    initial: ReadonlyMap<number, Uint8Array>,
    usedInodes: readonly number[],
    firstFree: number,
  ) {
    this.tables = layout.groups.map(() => undefined);
    this.views = layout.groups.map(() => undefined);
    this.usedEnd = layout.groups.map(() => 0);
    this.used = layout.groups.map(() => 0);
    this.dirs = layout.groups.map(() => 0);
    for (const ino of usedInodes) this.markUsed(ino);
    for (const [ino, bytes] of initial) {
      const rec = this.record(ino);
      rec.table.set(bytes, rec.at);
    }
    this.next = firstFree;
  }

  private markUsed(ino: number): void {
    const group = Math.floor((ino - 1) / this.layout.inodesPerGroup);
    const index = (ino - 1) % this.layout.inodesPerGroup;
    this.used[group] = (this.used[group] as number) + 1;
    if (index + 1 > (this.usedEnd[group] as number)) this.usedEnd[group] = index + 1;
  }

  /** The record of `ino` (its table is made on first use). */
  record(ino: number): InodeRecord {
    const { inodesPerGroup, inodeSize } = this.layout;
    const group = Math.floor((ino - 1) / inodesPerGroup);
    let table = this.tables[group];
    let view = this.views[group];
    if (table === undefined || view === undefined) {
      table = new Uint8Array(inodesPerGroup * inodeSize);
      view = viewOf(table);
      this.tables[group] = table;
      this.views[group] = view;
    }
    return { ino, table, view, at: ((ino - 1) % inodesPerGroup) * inodeSize };
  }

  /** A new inode number and its (zero) record. ENOSPC when none is left. */
  allocate(directory: boolean): InodeRecord {
    if (this.next > this.layout.inodesCount) {
      throw new FsError('ENOSPC', `no free inode left: the tree has more entries than the filesystem's ${this.layout.inodesCount} inodes; give more inodes (-N) or a larger size`, { syscall: 'mkfs' });
    }
    const ino = this.next++;
    this.markUsed(ino);
    if (directory) {
      const group = Math.floor((ino - 1) / this.layout.inodesPerGroup);
      this.dirs[group] = (this.dirs[group] as number) + 1;
    }
    return this.record(ino);
  }

  /** Frees `ino` (not a directory): its record becomes zeros, its bit clear. It is not handed out again. */
  free(ino: number): void {
    const rec = this.record(ino);
    rec.table.fill(0, rec.at, rec.at + this.layout.inodeSize);
    const group = Math.floor((ino - 1) / this.layout.inodesPerGroup);
    this.used[group] = (this.used[group] as number) - 1;
    const list = this.freed.get(group);
    if (list === undefined) this.freed.set(group, [ino]);
    else list.push(ino);
  }

  /** The table blocks of `group` that hold used inodes, or undefined. */
  tableHead(group: number): Uint8Array | undefined {
    const table = this.tables[group];
    const end = this.usedEnd[group] ?? 0;
    if (table === undefined || end === 0) return undefined;
    const { inodeSize, blockSize } = this.layout;
    return table.subarray(0, Math.ceil((end * inodeSize) / blockSize) * blockSize);
  }

  /** The inode bitmap of `group`: inodes are handed out in order, so the used ones are a prefix, less the freed ones. */
  bitmap(group: number): Uint8Array {
    const { blockSize, inodesPerGroup } = this.layout;
    const bitmap = new Uint8Array(blockSize);
    setBits(bitmap, 0, this.usedEnd[group] ?? 0);
    for (const ino of this.freed.get(group) ?? []) {
      const bit = (ino - 1) % inodesPerGroup;
      bitmap[bit >> 3] = (bitmap[bit >> 3] as number) & ~(1 << (bit & 7));
    }
    setBits(bitmap, inodesPerGroup, blockSize * 8);
    return bitmap;
  }

  freeIn(group: number): number {
    return this.layout.inodesPerGroup - (this.used[group] ?? 0);
  }

  dirsIn(group: number): number {
    return this.dirs[group] ?? 0;
  }

  /** Counts a directory mkfs made (root, lost+found). */
  countDirectory(ino: number): void {
    const group = Math.floor((ino - 1) / this.layout.inodesPerGroup);
    this.dirs[group] = (this.dirs[group] as number) + 1;
  }
}
