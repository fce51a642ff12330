// Group descriptors (EXT2.md 2.2): 32 bytes each, packed bs/32 to a block in
// the group descriptor table (GDT) at block s_first_data_block + 1 (block 2
// with 1 KiB blocks, block 1 otherwise; meta_bg moves later blocks, see
// geometry.ts `descriptorBlockLocation`).
//
//   0x00 bg_block_bitmap   0x04 bg_inode_bitmap   0x08 bg_inode_table   (u32 blocks)
//   0x0C bg_free_blocks_count  0x0E bg_free_inodes_count  0x10 bg_used_dirs_count  (u16)
//   0x12 bg_flags  0x14 bg_exclude_bitmap_lo  0x18/0x1A bitmap csums  0x1C bg_itable_unused
//   0x1E bg_checksum
// The last eight bytes belong to ext4 checksums and must be 0 on ext2; they are
// decoded and preserved but not interpreted.
import { CorruptFilesystemError } from '@iomap/core';
import { readFields, requireLength, writeFields, u16, u32, type FieldValues } from './fields.js';
import { RO_COMPAT } from './features.js';
import { GROUP_DESCRIPTOR_SIZE, groupBlockCount, groupDescriptorLocation, groupFirstBlock, groupLastBlock, type Geometry } from './geometry.js';

/** bg_flags bits. Only INODE_ZEROED may appear without gdt_csum/metadata_csum. */
export const BG_FLAGS = { INODE_UNINIT: 0x1, BLOCK_UNINIT: 0x2, INODE_ZEROED: 0x4 } as const;

export const GROUP_DESCRIPTOR_FIELDS = {
  blockBitmap: u32(0x00, 'bg_block_bitmap'),
  inodeBitmap: u32(0x04, 'bg_inode_bitmap'),
  inodeTable: u32(0x08, 'bg_inode_table'),
  freeBlocksCount: u16(0x0c, 'bg_free_blocks_count'),
  freeInodesCount: u16(0x0e, 'bg_free_inodes_count'),
  usedDirsCount: u16(0x10, 'bg_used_dirs_count'),
  flags: u16(0x12, 'bg_flags'),
  excludeBitmapLo: u32(0x14, 'bg_exclude_bitmap_lo'),
  blockBitmapCsumLo: u16(0x18, 'bg_block_bitmap_csum_lo'),
  inodeBitmapCsumLo: u16(0x1a, 'bg_inode_bitmap_csum_lo'),
  itableUnused: u16(0x1c, 'bg_itable_unused'),
  checksum: u16(0x1e, 'bg_checksum'),
} as const;

/** A decoded group descriptor plus its raw 32 bytes. */
export interface GroupDescriptor extends FieldValues<typeof GROUP_DESCRIPTOR_FIELDS> {
  readonly raw: Uint8Array;
}

function corrupt(group: number, g: Geometry, detail: string): CorruptFilesystemError {
  const { block, offset } = groupDescriptorLocation(g, group);
  return new CorruptFilesystemError({ structure: `group descriptor ${group}`, location: `block ${block} byte ${offset}` }, detail);
}

/**
 * Decodes and validates the descriptor of `group` from `buf` at `offset`
 * (default 0). Checks: bitmaps and the whole inode table lie inside the group
 * (kernel `ext2_check_descriptors`) and do not overlap each other; free counts
 * and used dirs fit the group; UNINIT flags and bg_itable_unused only with
 * gdt_csum/metadata_csum.
 */
export function decodeGroupDescriptor(buf: Uint8Array, g: Geometry, group: number, offset = 0): GroupDescriptor {
  requireLength(buf, offset + GROUP_DESCRIPTOR_SIZE, 'group descriptor');
  const raw = buf.slice(offset, offset + GROUP_DESCRIPTOR_SIZE);
  const gd: GroupDescriptor = { ...readFields(GROUP_DESCRIPTOR_FIELDS, raw), raw };
  validateGroupDescriptor(gd, g, group);
  return gd;
}

/** Encodes into a copy of the raw 32 bytes, writing only changed fields. */
export function encodeGroupDescriptor(gd: GroupDescriptor): Uint8Array {
  const out = gd.raw.slice();
  const { raw: _raw, ...values } = gd;
  writeFields(GROUP_DESCRIPTOR_FIELDS, values, out);
  return out;
}

/**
 * Decodes `count` descriptors starting at `firstGroup` from the bytes of
 * consecutive descriptor blocks (`buf` starts at a descriptor block boundary).
 */
export function decodeGroupDescriptorTable(buf: Uint8Array, g: Geometry, firstGroup = 0, count = g.groupCount - firstGroup): GroupDescriptor[] {
  const out: GroupDescriptor[] = [];
  for (let i = 0; i < count; i++) out.push(decodeGroupDescriptor(buf, g, firstGroup + i, i * GROUP_DESCRIPTOR_SIZE));
  return out;
}

function validateGroupDescriptor(gd: GroupDescriptor, g: Geometry, group: number): void {
  if (!Number.isInteger(group) || group < 0 || group >= g.groupCount) {
    throw new CorruptFilesystemError({ structure: `group descriptor ${group}` }, `group ${group} is outside 0..${g.groupCount - 1}`);
  }
  const first = groupFirstBlock(g, group);
  const last = groupLastBlock(g, group);
  const inside = (b: number) => b >= first && b <= last;
  if (!inside(gd.blockBitmap)) throw corrupt(group, g, `bg_block_bitmap ${gd.blockBitmap} is outside the group's blocks ${first}..${last}`);
  if (!inside(gd.inodeBitmap)) throw corrupt(group, g, `bg_inode_bitmap ${gd.inodeBitmap} is outside the group's blocks ${first}..${last}`);
  const tableEnd = gd.inodeTable + g.inodeTableBlocks - 1;
  if (!inside(gd.inodeTable) || !inside(tableEnd)) {
    throw corrupt(group, g, `bg_inode_table ${gd.inodeTable}..${tableEnd} is not inside the group's blocks ${first}..${last}`);
  }
  const inTable = (b: number) => b >= gd.inodeTable && b <= tableEnd;
  if (gd.blockBitmap === gd.inodeBitmap) throw corrupt(group, g, `bg_block_bitmap and bg_inode_bitmap are both block ${gd.blockBitmap}`);
  if (inTable(gd.blockBitmap)) throw corrupt(group, g, `bg_block_bitmap ${gd.blockBitmap} lies inside the inode table`);
  if (inTable(gd.inodeBitmap)) throw corrupt(group, g, `bg_inode_bitmap ${gd.inodeBitmap} lies inside the inode table`);
  const groupBlocks = groupBlockCount(g, group);
  if (gd.freeBlocksCount > groupBlocks) {
    throw corrupt(group, g, `bg_free_blocks_count ${gd.freeBlocksCount} exceeds the group's ${groupBlocks} blocks`);
  }
  if (gd.freeInodesCount > g.inodesPerGroup) {
    throw corrupt(group, g, `bg_free_inodes_count ${gd.freeInodesCount} exceeds s_inodes_per_group ${g.inodesPerGroup}`);
  }
  if (gd.usedDirsCount > g.inodesPerGroup) {
    throw corrupt(group, g, `bg_used_dirs_count ${gd.usedDirsCount} exceeds s_inodes_per_group ${g.inodesPerGroup}`);
  }
  const csum = (g.featureRoCompat & (RO_COMPAT.uninit_bg | RO_COMPAT.metadata_csum)) !== 0;
  const uninit = gd.flags & (BG_FLAGS.INODE_UNINIT | BG_FLAGS.BLOCK_UNINIT);
  if (!csum && uninit !== 0) {
    throw corrupt(group, g, `bg_flags 0x${gd.flags.toString(16)} marks the group uninitialized without gdt_csum/metadata_csum`);
  }
  if (gd.itableUnused > g.inodesPerGroup || (!csum && gd.itableUnused !== 0)) {
    throw corrupt(group, g, `bg_itable_unused ${gd.itableUnused} is invalid (must be 0 without gdt_csum/metadata_csum, at most s_inodes_per_group)`);
  }
}
