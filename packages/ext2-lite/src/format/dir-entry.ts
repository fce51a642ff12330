// Directory entries (EXT2.md 4.1-4.3): ext2_dir_entry_2, chained through each
// directory block so that the rec_lens exactly cover the block.
//
//   0 inode u32 (0 = unused slot)   4 rec_len u16 (bytes to the next entry)
//   6 name_len u8   7 file_type u8 (filetype feature; else the high byte of a
//   16-bit name_len, which must be 0)   8 name (no NUL), zero-padded to 4 bytes
//
// Rules: rec_len >= 12, rec_len % 4 == 0, rec_len >= (name_len + 11) & ~3,
// entries never cross the block end and the last one reaches it exactly; live
// entries name inodes <= s_inodes_count that are not reserved (root excepted),
// with 1..255 name bytes and no '/' or NUL. With 64 KiB blocks rec_len 65536 is
// stored as 65535 (or 0) and larger values fold their top bits into bits 0-1.
import { CorruptFilesystemError, FsError } from '@iomap/core';
import { requireLength, viewOf, u8, u16, u32 } from './fields.js';
import { S_IF, S_IFMT } from './inode.js';

/** The entry header, named once. */
export const DIR_ENTRY_FIELDS = {
  inode: u32(0, 'inode'),
  recLen: u16(4, 'rec_len'),
  nameLen: u8(6, 'name_len'),
  fileType: u8(7, 'file_type'),
} as const;

/** Header size; the name follows. */
export const DIR_ENTRY_HEADER = 8;
/** Longest name. */
export const NAME_MAX = 255;
/** file_type values (filetype feature). */
export const FILE_TYPE = { UNKNOWN: 0, REG_FILE: 1, DIR: 2, CHRDEV: 3, BLKDEV: 4, FIFO: 5, SOCK: 6, SYMLINK: 7 } as const;
const FILE_TYPE_MAX = 7;

/** Minimal rec_len of an entry with `nameLen` name bytes: (nameLen + 8) rounded up to 4. */
export function minRecLen(nameLen: number): number {
  return (nameLen + DIR_ENTRY_HEADER + 3) & ~3;
}

/** The file_type byte matching an i_mode. */
export function fileTypeFromMode(mode: number): number {
  switch (mode & S_IFMT) {
    case S_IF.REG:
      return FILE_TYPE.REG_FILE;
    case S_IF.DIR:
      return FILE_TYPE.DIR;
    case S_IF.CHR:
      return FILE_TYPE.CHRDEV;
    case S_IF.BLK:
      return FILE_TYPE.BLKDEV;
    case S_IF.FIFO:
      return FILE_TYPE.FIFO;
    case S_IF.SOCK:
      return FILE_TYPE.SOCK;
    case S_IF.LNK:
      return FILE_TYPE.SYMLINK;
    default:
      return FILE_TYPE.UNKNOWN;
  }
}

/** rec_len as stored -> bytes (identity below 64 KiB blocks; e2fsprogs `ext2fs_get_rec_len`). */
export function recLenFromDisk(stored: number, blockSize: number): number {
  if (blockSize < 65536) return stored;
  if (stored === 65535 || stored === 0) return blockSize;
  return (stored & 65532) | ((stored & 3) << 16);
}

/** Bytes -> rec_len as stored (e2fsprogs `ext2fs_set_rec_len`). */
export function recLenToDisk(len: number, blockSize: number): number {
  if (len < 65536) return len;
  if (len === blockSize) return blockSize === 65536 ? 65535 : 0;
  return (len & 65532) | ((len >>> 16) & 3);
}

/** One entry of a directory block. */
export interface DirEntry {
  /** Byte offset of the entry inside the block. */
  readonly offset: number;
  /** inode; 0 marks an unused slot. */
  readonly inode: number;
  /** rec_len in bytes (decoded). */
  readonly recLen: number;
  readonly nameLen: number;
  /** file_type (0 when the filetype feature is off). */
  readonly fileType: number;
  /** The name bytes (a copy; not NUL-terminated). */
  readonly name: Uint8Array;
}

/** What a directory block is checked against, and where it is, for messages. */
export interface DirBlockOptions {
  /** The filesystem has the filetype feature. */
  filetype: boolean;
  /** s_inodes_count: live entries must not name larger inodes. */
  inodesCount: number;
  /** First non-reserved inode (s_first_ino); live entries below it other than root are invalid. Default 11. */
  firstIno?: number;
  /** The directory's inode number. */
  dirIno: number;
  /** Logical block index inside the directory, for messages. */
  blockIndex?: number;
  /** Device block, for messages. */
  deviceBlock?: number;
}

function corrupt(opts: DirBlockOptions, offset: number, detail: string): CorruptFilesystemError {
  const where = [
    opts.blockIndex === undefined ? undefined : `logical block ${opts.blockIndex}`,
    opts.deviceBlock === undefined ? undefined : `device block ${opts.deviceBlock}`,
    `byte ${offset}`,
  ].filter((s) => s !== undefined);
  return new CorruptFilesystemError({ structure: `directory entry of inode ${opts.dirIno}`, location: where.join(' ') }, detail);
}

/**
 * Decodes and validates every entry of one directory block (the whole block
 * is checked before anything is returned). Unused slots (inode 0) are
 * included; skip them for readdir.
 */
export function readDirBlock(block: Uint8Array, opts: DirBlockOptions): DirEntry[] {
  requireLength(block, 1024, 'directory block');
  const bs = block.length;
  const view = viewOf(block);
  const entries: DirEntry[] = [];
  let offset = 0;
  while (offset < bs) {
    if (bs - offset < minRecLen(1)) throw corrupt(opts, offset, `${bs - offset} bytes left at the block end, too few for an entry (rec_len chain does not reach the block end)`);
    const inode = view.getUint32(offset + DIR_ENTRY_FIELDS.inode.offset, true);
    const recLen = recLenFromDisk(view.getUint16(offset + DIR_ENTRY_FIELDS.recLen.offset, true), bs);
    const nameLen = view.getUint8(offset + DIR_ENTRY_FIELDS.nameLen.offset);
    const typeByte = view.getUint8(offset + DIR_ENTRY_FIELDS.fileType.offset);
    checkEntry(opts, offset, bs, { inode, recLen, nameLen, typeByte });
    const name = block.slice(offset + DIR_ENTRY_HEADER, offset + DIR_ENTRY_HEADER + nameLen);
    if (inode !== 0) checkName(opts, offset, name);
    entries.push({ offset, inode, recLen, nameLen, fileType: opts.filetype ? typeByte : 0, name });
    offset += recLen;
  }
  return entries;
}

function checkEntry(opts: DirBlockOptions, offset: number, bs: number, e: { inode: number; recLen: number; nameLen: number; typeByte: number }): void {
  if (e.recLen < minRecLen(1)) throw corrupt(opts, offset, `rec_len ${e.recLen} is below the minimum 12`);
  if (e.recLen % 4 !== 0) throw corrupt(opts, offset, `rec_len ${e.recLen} is not a multiple of 4`);
  if (offset + e.recLen > bs) throw corrupt(opts, offset, `rec_len ${e.recLen} runs past the block end (${bs - offset} bytes left)`);
  if (e.recLen < minRecLen(e.nameLen)) throw corrupt(opts, offset, `name_len ${e.nameLen} does not fit rec_len ${e.recLen} (needs ${minRecLen(e.nameLen)})`);
  if (e.inode === 0) return;
  if (e.inode > opts.inodesCount) throw corrupt(opts, offset, `inode ${e.inode} exceeds s_inodes_count ${opts.inodesCount}`);
  const firstIno = opts.firstIno ?? 11;
  if (e.inode !== 2 && e.inode < firstIno) throw corrupt(opts, offset, `inode ${e.inode} is a reserved inode (below s_first_ino ${firstIno})`);
  if (e.nameLen === 0) throw corrupt(opts, offset, 'name_len 0 on a live entry');
  if (opts.filetype && e.typeByte > FILE_TYPE_MAX) throw corrupt(opts, offset, `file_type ${e.typeByte} is not a known type (0..7)`);
  if (!opts.filetype && e.typeByte !== 0) {
    throw corrupt(opts, offset, `file_type byte ${e.typeByte} (high byte of name_len) is non-zero without the filetype feature`);
  }
}

function checkName(opts: DirBlockOptions, offset: number, name: Uint8Array): void {
  const bad = name.findIndex((c) => c === 0 || c === 0x2f);
  if (bad !== -1) throw corrupt(opts, offset, `name contains ${name[bad] === 0 ? 'NUL' : "'/'"} at byte ${bad}`);
}

/** An entry to write. */
export interface NewDirEntry {
  readonly inode: number;
  readonly name: Uint8Array;
  /** file_type; written only with the filetype feature. */
  readonly fileType: number;
}

function checkNewEntry(entry: NewDirEntry): void {
  const n = entry.name.length;
  if (n < 1 || n > NAME_MAX) throw new FsError('ENAMETOOLONG', `name of ${n} bytes is outside 1..${NAME_MAX}`, { syscall: 'link' });
  if (entry.name.some((c) => c === 0 || c === 0x2f)) throw new FsError('EINVAL', "name contains NUL or '/'", { syscall: 'link' });
  if (!Number.isInteger(entry.inode) || entry.inode < 1 || entry.inode > 0xffffffff) {
    throw new FsError('EINVAL', `inode ${entry.inode} is not a valid inode number`, { syscall: 'link' });
  }
  if (!Number.isInteger(entry.fileType) || entry.fileType < 0 || entry.fileType > FILE_TYPE_MAX) {
    throw new FsError('EINVAL', `file_type ${entry.fileType} is outside 0..${FILE_TYPE_MAX}`, { syscall: 'link' });
  }
}

/** Writes one entry header and name at `offset`, zeroing the rest of its record's minimal size. */
function writeEntry(block: Uint8Array, offset: number, recLen: number, entry: NewDirEntry, filetype: boolean): void {
  const view = viewOf(block);
  block.fill(0, offset + DIR_ENTRY_HEADER, offset + minRecLen(entry.name.length));
  view.setUint32(offset + DIR_ENTRY_FIELDS.inode.offset, entry.inode, true);
  view.setUint16(offset + DIR_ENTRY_FIELDS.recLen.offset, recLenToDisk(recLen, block.length), true);
  view.setUint8(offset + DIR_ENTRY_FIELDS.nameLen.offset, entry.name.length);
  view.setUint8(offset + DIR_ENTRY_FIELDS.fileType.offset, filetype ? entry.fileType : 0);
  block.set(entry.name, offset + DIR_ENTRY_HEADER);
}

/**
 * Inserts `entry` into a copy of `block` the way ext2_add_link does: the first
 * unused slot with rec_len >= the needed size is reused whole; otherwise the
 * first live entry whose rec_len exceeds its own minimal size by at least the
 * needed size is split (it keeps its minimal size, the new entry gets the rest).
 * Returns undefined when nothing fits (the caller appends a new block).
 *
 * Worked example, 1 KiB block holding '.' (12) and '..' (1012): inserting
 * "hello" (needs 16) splits '..' into 12 + 1000, the new entry at byte 24.
 *
 * Precondition: `block` passes readDirBlock with `opts`; the name is not present.
 */
export function insertDirEntry(block: Uint8Array, entry: NewDirEntry, opts: DirBlockOptions): { block: Uint8Array; offset: number } | undefined {
  checkNewEntry(entry);
  const needed = minRecLen(entry.name.length);
  for (const e of readDirBlock(block, opts)) {
    const own = e.inode === 0 ? 0 : minRecLen(e.nameLen);
    if (e.inode === 0 && e.recLen >= needed) {
      const out = block.slice();
      writeEntry(out, e.offset, e.recLen, entry, opts.filetype);
      return { block: out, offset: e.offset };
    }
    if (e.inode !== 0 && e.recLen >= own + needed) {
      const out = block.slice();
      viewOf(out).setUint16(e.offset + DIR_ENTRY_FIELDS.recLen.offset, recLenToDisk(own, out.length), true);
      writeEntry(out, e.offset + own, e.recLen - own, entry, opts.filetype);
      return { block: out, offset: e.offset + own };
    }
  }
  return undefined;
}

/**
 * Removes the entry at `offset` from a copy of `block` as ext2_delete_entry
 * does: the previous entry's rec_len absorbs it and its inode becomes 0; the
 * first entry of a block just gets inode 0.
 * Precondition: `block` passes readDirBlock; `offset` is an entry's offset.
 */
export function deleteDirEntry(block: Uint8Array, offset: number, opts: DirBlockOptions): Uint8Array {
  const entries = readDirBlock(block, opts);
  const i = entries.findIndex((e) => e.offset === offset);
  const victim = entries[i];
  if (victim === undefined) throw new FsError('EINVAL', `no directory entry starts at byte ${offset}`, { syscall: 'unlink' });
  const out = block.slice();
  const view = viewOf(out);
  const prev = entries[i - 1];
  if (prev !== undefined) {
    view.setUint16(prev.offset + DIR_ENTRY_FIELDS.recLen.offset, recLenToDisk(prev.recLen + victim.recLen, out.length), true);
  }
  view.setUint32(offset + DIR_ENTRY_FIELDS.inode.offset, 0, true);
  return out;
}

/** A block holding one unused entry covering it all (how an empty directory block looks). */
export function emptyDirBlock(blockSize: number): Uint8Array {
  const out = new Uint8Array(blockSize);
  viewOf(out).setUint16(DIR_ENTRY_FIELDS.recLen.offset, recLenToDisk(blockSize, blockSize), true);
  return out;
}

/** The first block of a new directory: '.' (rec_len 12) then '..' covering the rest. */
export function newDirBlock(self: number, parent: number, blockSize: number, filetype: boolean): Uint8Array {
  const out = new Uint8Array(blockSize);
  const dot = minRecLen(1);
  writeEntry(out, 0, dot, { inode: self, name: new Uint8Array([0x2e]), fileType: FILE_TYPE.DIR }, filetype);
  writeEntry(out, dot, blockSize - dot, { inode: parent, name: new Uint8Array([0x2e, 0x2e]), fileType: FILE_TYPE.DIR }, filetype);
  return out;
}
