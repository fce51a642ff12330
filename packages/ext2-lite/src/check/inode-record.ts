// One on-disk inode as the checker sees it: raw fields at the offsets of
// format/inode.ts (INODE_FIELDS / INODE_EXTRA_FIELDS), nothing validated, no
// field joined unless the check needs it joined. decodeInode is not used
// here because it rejects the very inodes the checker must describe.
//
//   0x00 i_mode  0x04 i_size  0x08 atime 0x0C ctime 0x10 mtime 0x14 dtime
//   0x1A links  0x1C i_blocks  0x20 i_flags  0x28 i_block[15]  0x68 i_file_acl
//   0x6C i_size_high  0x70 i_faddr  0x74 blocks_hi (Hurd: frag, fsize)
//   0x76 file_acl_high  0x80 i_extra_isize  0x84.. time extras  0x90 crtime
import { viewOf } from '../format/fields.js';
import { INODE_EXTRA_FIELDS, INODE_FIELDS, N_BLOCKS, S_IFMT } from '../format/inode.js';
import { GOOD_OLD_INODE_SIZE } from '../format/superblock.js';

/** The fields of one inode the checker reads. */
export interface InodeRecord {
  readonly ino: number;
  /** All inode-size bytes (a view into the inode-table buffer). */
  readonly raw: Uint8Array;
  readonly mode: number;
  readonly uidLow: number;
  readonly gidLow: number;
  /** i_size (low 32 bits). */
  readonly sizeLow: number;
  /** i_size_high (i_dir_acl on directories). */
  readonly sizeHigh: number;
  readonly dtime: number;
  readonly linksCount: number;
  /** i_blocks, 512-byte sectors. */
  readonly blocks: number;
  readonly flags: number;
  readonly block: readonly number[];
  readonly fileAcl: number;
  readonly faddr: number;
  /** l_i_blocks_hi (Linux); the Hurd keeps frag/fsize in these bytes. */
  readonly blocksHigh: number;
  readonly fileAclHigh: number;
  /** i_extra_isize, 0 for 128-byte inodes. */
  readonly extraIsize: number;
}

/** i_size joined with i_size_high, as e2fsck's EXT2_I_SIZE does for every inode type. */
export function fullSize(inode: Pick<InodeRecord, 'sizeLow' | 'sizeHigh'>): number {
  return inode.sizeHigh * 2 ** 32 + inode.sizeLow;
}

/** The file-type bits of i_mode. */
export function modeType(mode: number): number {
  return mode & S_IFMT;
}

/** Reads inode `ino` from `table` (a group's inode-table bytes) at byte `offset`. */
export function readInodeRecord(table: Uint8Array, offset: number, inodeSize: number, ino: number): InodeRecord {
  const raw = table.subarray(offset, offset + inodeSize);
  const v = viewOf(raw);
  const F = INODE_FIELDS;
  const block: number[] = [];
  for (let i = 0; i < N_BLOCKS; i++) block.push(v.getUint32(F.block.offset + 4 * i, true));
  return {
    ino,
    raw,
    mode: v.getUint16(F.mode.offset, true),
    uidLow: v.getUint16(F.uidLow.offset, true),
    gidLow: v.getUint16(F.gidLow.offset, true),
    sizeLow: v.getUint32(F.sizeLow.offset, true),
    sizeHigh: v.getUint32(F.sizeHigh.offset, true),
    dtime: v.getUint32(F.dtime.offset, true),
    linksCount: v.getUint16(F.linksCount.offset, true),
    blocks: v.getUint32(F.blocks.offset, true),
    flags: v.getUint32(F.flags.offset, true),
    block,
    fileAcl: v.getUint32(F.fileAcl.offset, true),
    faddr: v.getUint32(F.faddr.offset, true),
    blocksHigh: v.getUint16(F.blocksHigh.offset, true),
    fileAclHigh: v.getUint16(F.fileAclHigh.offset, true),
    extraIsize: inodeSize > GOOD_OLD_INODE_SIZE ? v.getUint16(INODE_EXTRA_FIELDS.extraIsize.offset, true) : 0,
  };
}

/** The fields that decide whether an inode needs a full look, read from the table's view without building a record. */
export function livenessAt(table: DataView, offset: number): { mode: number; dtime: number; linksCount: number } {
  return {
    mode: table.getUint16(offset + INODE_FIELDS.mode.offset, true),
    dtime: table.getUint32(offset + INODE_FIELDS.dtime.offset, true),
    linksCount: table.getUint16(offset + INODE_FIELDS.linksCount.offset, true),
  };
}
