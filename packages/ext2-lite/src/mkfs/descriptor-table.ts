// The group descriptor table of a new filesystem (EXT2.md 2.2): one 32-byte
// descriptor per group, desc_blocks whole blocks (the tail of the last block
// zero). The same bytes go to the primary GDT and every backup copy.
// bg_flags = INODE_ZEROED: mkfs zeroes every inode table (mke2fs sets the
// flag whenever the tables are known to be zero; it is the only flag ext2
// may carry without gdt_csum).
import { GROUP_DESCRIPTOR_SIZE } from '../format/geometry.js';
import { BG_FLAGS, GROUP_DESCRIPTOR_FIELDS } from '../format/group-descriptor.js';
import { viewOf } from '../format/fields.js';
import type { Layout } from './layout.js';

/** Per-group counters, by group. */
export interface GroupCounts {
  readonly freeBlocks: readonly number[];
  readonly freeInodes: readonly number[];
  readonly usedDirs: readonly number[];
}

/** Encodes the whole table (straight DataView stores: a large filesystem has 100,000+ groups). */
export function encodeDescriptorTable(layout: Layout, counts: GroupCounts): Uint8Array {
  const table = new Uint8Array(layout.descriptorBlocks * layout.blockSize);
  const view = viewOf(table);
  const F = GROUP_DESCRIPTOR_FIELDS;
  for (const g of layout.groups) {
    const at = g.group * GROUP_DESCRIPTOR_SIZE;
    view.setUint32(at + F.blockBitmap.offset, g.blockBitmap, true);
    view.setUint32(at + F.inodeBitmap.offset, g.inodeBitmap, true);
    view.setUint32(at + F.inodeTable.offset, g.inodeTable, true);
    view.setUint16(at + F.freeBlocksCount.offset, counts.freeBlocks[g.group] ?? 0, true);
    view.setUint16(at + F.freeInodesCount.offset, counts.freeInodes[g.group] ?? 0, true);
    view.setUint16(at + F.usedDirsCount.offset, counts.usedDirs[g.group] ?? 0, true);
    view.setUint16(at + F.flags.offset, BG_FLAGS.INODE_ZEROED, true);
  }
  return table;
}
