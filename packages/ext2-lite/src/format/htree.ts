// htree (dir_index) directories (EXT2.md 4.6), read as linear directories.
//
// dx_root, logical block 0 of a directory with EXT2_INDEX_FL (0x1000):
//   0x00 '.'  fake dirent: inode = self, rec_len 12, name_len 1, type 2, ".\0\0\0"
//   0x0C '..' fake dirent: inode = parent, rec_len bs - 12, name_len 2, type 2, "..\0\0"
//   0x18 dx_root_info: reserved_zero u32, hash_version u8 (0 legacy, 1 half_md4,
//        2 tea), info_length u8 (8), indirect_levels u8 (0 or 1), unused_flags u8
//   0x20 limit u16 = (bs - 32) / 8, count u16, block u32 (entry 0 has no hash)
//   0x28 count - 1 pairs {hash u32, block u32}
// dx_node, an interior index block (indirect_levels 1):
//   0x00 fake dirent inode 0, rec_len bs, name_len 0; 0x08 limit = (bs - 8) / 8,
//   count, block; then {hash, block} pairs.
//
// Reading linearly needs no special case: `readDirBlock` on the dx_root yields
// '.' and '..' (the index hides in the slack of '..'), and on a dx_node a
// single unused entry covering the block (indistinguishable from an empty
// leaf, and equally empty). Leaf blocks are ordinary directory blocks. The
// rule for writers: any change to an indexed directory clears INDEX_FL
// (`clearIndexFlag`), as fs/ext2 does, because we do not maintain the index.
import { CorruptFilesystemError } from '@iomap/core';
import { bytes, readFields, requireLength, viewOf, u8, u16, u32, type FieldValues } from './fields.js';
import { recLenFromDisk } from './dir-entry.js';
import { INODE_FLAGS } from './inode.js';

export const DX_HASH = { legacy: 0, half_md4: 1, tea: 2 } as const;
/** unused_flags bit e2fsck refuses. */
export const DX_FLAG_INCOMPAT = 0x1;
/** Bytes of a dx entry ({hash, block}) and of the metadata_csum tail. */
export const DX_ENTRY_SIZE = 8;
const DX_TAIL_SIZE = 8;

export const DX_ROOT_FIELDS = {
  dotInode: u32(0x00, "'.' inode"),
  dotRecLen: u16(0x04, "'.' rec_len"),
  dotNameLen: u8(0x06, "'.' name_len"),
  dotName: bytes(0x08, 4, "'.' name"),
  dotdotInode: u32(0x0c, "'..' inode"),
  dotdotRecLen: u16(0x10, "'..' rec_len"),
  dotdotNameLen: u8(0x12, "'..' name_len"),
  dotdotName: bytes(0x14, 4, "'..' name"),
  reservedZero: u32(0x18, 'dx_root_info.reserved_zero'),
  hashVersion: u8(0x1c, 'dx_root_info.hash_version'),
  infoLength: u8(0x1d, 'dx_root_info.info_length'),
  indirectLevels: u8(0x1e, 'dx_root_info.indirect_levels'),
  unusedFlags: u8(0x1f, 'dx_root_info.unused_flags'),
  limit: u16(0x20, 'dx_countlimit.limit'),
  count: u16(0x22, 'dx_countlimit.count'),
} as const;
const DX_ROOT_ENTRIES = 0x20;

export const DX_NODE_FIELDS = {
  fakeInode: u32(0x00, 'fake dirent inode'),
  fakeRecLen: u16(0x04, 'fake dirent rec_len'),
  fakeNameLen: u8(0x06, 'fake dirent name_len'),
  limit: u16(0x08, 'dx_countlimit.limit'),
  count: u16(0x0a, 'dx_countlimit.count'),
} as const;
const DX_NODE_ENTRIES = 0x08;

/** One index entry: names hashing to >= hash (entry 0: any hash) live under `block`. */
export interface DxEntry {
  readonly hash: number;
  /** Logical block inside the directory. */
  readonly block: number;
}

export interface DxRoot extends FieldValues<typeof DX_ROOT_FIELDS> {
  readonly entries: readonly DxEntry[];
}

export interface DxNode extends FieldValues<typeof DX_NODE_FIELDS> {
  readonly entries: readonly DxEntry[];
}

export interface DxOptions {
  /** The directory inode, for messages. */
  ino: number;
  /** Blocks in the directory (i_size / bs): index entries must point below it. */
  dirBlocks: number;
  /** metadata_csum dirs reserve an 8-byte tail, lowering limit by one. */
  metadataCsum?: boolean;
  /** Device block, for messages. */
  deviceBlock?: number;
}

/** True when a directory inode claims an htree index (INDEX_FL). */
export function hasIndexFlag(flags: number): boolean {
  return (flags & INODE_FLAGS.INDEX) !== 0;
}

/** i_flags with INDEX_FL cleared: what a writer stores after changing an indexed directory. */
export function clearIndexFlag(flags: number): number {
  return (flags & ~INODE_FLAGS.INDEX) >>> 0;
}

function failer(opts: DxOptions, what: string, logical: number) {
  const location = `logical block ${logical}${opts.deviceBlock === undefined ? '' : ` (device block ${opts.deviceBlock})`}`;
  return (detail: string) => new CorruptFilesystemError({ structure: `${what} of directory inode ${opts.ino}`, location }, detail);
}

function readEntries(buf: Uint8Array, at: number, count: number, dirBlocks: number, fail: (d: string) => CorruptFilesystemError): DxEntry[] {
  const view = viewOf(buf);
  const entries: DxEntry[] = [];
  for (let i = 0; i < count; i++) {
    const hash = i === 0 ? 0 : view.getUint32(at + i * DX_ENTRY_SIZE, true);
    const block = view.getUint32(at + i * DX_ENTRY_SIZE + 4, true);
    if (block === 0 || block >= dirBlocks) throw fail(`dx entry ${i} points at logical block ${block}, outside 1..${dirBlocks - 1}`);
    entries.push({ hash, block });
  }
  return entries;
}

function expectedLimit(space: number, opts: DxOptions): number {
  return Math.floor((space - (opts.metadataCsum === true ? DX_TAIL_SIZE : 0)) / DX_ENTRY_SIZE);
}

/**
 * Decodes and validates the dx_root in block 0 of an indexed directory:
 * the '.'/'..' fake dirents, dx_root_info (reserved_zero 0, info_length 8,
 * hash_version 0..2, indirect_levels <= 1, no incompat flag), limit as the
 * block size dictates, 1 <= count <= limit, entry blocks inside the directory.
 */
export function decodeDxRoot(buf: Uint8Array, opts: DxOptions): DxRoot {
  requireLength(buf, 1024, 'dx_root');
  const bs = buf.length;
  const fail = failer(opts, 'htree root', 0);
  const f = readFields(DX_ROOT_FIELDS, buf);
  if (f.dotNameLen !== 1 || f.dotName[0] !== 0x2e || f.dotRecLen !== 12) throw fail(`'.' entry is not name_len 1 "." with rec_len 12 (rec_len ${f.dotRecLen})`);
  const dotdotRecLen = recLenFromDisk(f.dotdotRecLen, bs);
  if (f.dotdotNameLen !== 2 || f.dotdotName[0] !== 0x2e || f.dotdotName[1] !== 0x2e || dotdotRecLen !== bs - 12) {
    throw fail(`'..' entry is not name_len 2 ".." with rec_len ${bs - 12} (rec_len ${dotdotRecLen})`);
  }
  if (f.reservedZero !== 0) throw fail(`dx_root_info.reserved_zero is ${f.reservedZero}`);
  if (f.infoLength !== 8) throw fail(`dx_root_info.info_length is ${f.infoLength}, expected 8`);
  if (f.hashVersion > DX_HASH.tea) throw fail(`dx_root_info.hash_version ${f.hashVersion} is not legacy, half_md4 or tea`);
  if (f.indirectLevels > 1) throw fail(`dx_root_info.indirect_levels ${f.indirectLevels} exceeds 1 (largedir is not supported)`);
  if ((f.unusedFlags & DX_FLAG_INCOMPAT) !== 0) throw fail(`dx_root_info.unused_flags 0x${f.unusedFlags.toString(16)} has the incompat bit`);
  const limit = expectedLimit(bs - DX_ROOT_ENTRIES, opts);
  if (f.limit !== limit) throw fail(`dx_countlimit.limit ${f.limit}, expected ${limit} for ${bs}-byte blocks`);
  if (f.count < 1 || f.count > f.limit) throw fail(`dx_countlimit.count ${f.count} is outside 1..${f.limit}`);
  return { ...f, entries: readEntries(buf, DX_ROOT_ENTRIES, f.count, opts.dirBlocks, fail) };
}

/** Decodes and validates an interior dx_node at logical block `logical`. */
export function decodeDxNode(buf: Uint8Array, logical: number, opts: DxOptions): DxNode {
  requireLength(buf, 1024, 'dx_node');
  const bs = buf.length;
  const fail = failer(opts, 'htree node', logical);
  const f = readFields(DX_NODE_FIELDS, buf);
  if (f.fakeInode !== 0 || recLenFromDisk(f.fakeRecLen, bs) !== bs || f.fakeNameLen !== 0) {
    throw fail(`fake dirent is not {inode 0, rec_len ${bs}, name_len 0} (inode ${f.fakeInode}, rec_len ${f.fakeRecLen}, name_len ${f.fakeNameLen})`);
  }
  const limit = expectedLimit(bs - DX_NODE_ENTRIES, opts);
  if (f.limit !== limit) throw fail(`dx_countlimit.limit ${f.limit}, expected ${limit} for ${bs}-byte blocks`);
  if (f.count < 1 || f.count > f.limit) throw fail(`dx_countlimit.count ${f.count} is outside 1..${f.limit}`);
  return { ...f, entries: readEntries(buf, DX_NODE_ENTRIES, f.count, opts.dirBlocks, fail) };
}
