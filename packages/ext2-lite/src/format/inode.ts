// Inodes (EXT2.md 3): s_inode_size bytes (128 on rev 0; 128 or 256, any power
// of two up to bs on rev 1) in the group's inode table.
//
//   0x00 i_mode  0x02 i_uid  0x04 i_size  0x08 atime 0x0C ctime 0x10 mtime 0x14 dtime
//   0x18 i_gid  0x1A i_links_count  0x1C i_blocks (512-byte units)  0x20 i_flags
//   0x24 osd1  0x28 i_block[15] (12 direct, IND, DIND, TIND, or symlink text/device)
//   0x64 i_generation  0x68 i_file_acl  0x6C i_size_high  0x70 i_faddr
//   0x74 osd2 (Linux: blocks_hi, file_acl_high, uid_high, gid_high, checksum_lo)
//   0x80 i_extra_isize: bytes used past 128; the fields below exist only when
//        128 + i_extra_isize covers them: 0x82 i_checksum_hi, 0x84 ctime_extra,
//        0x88 mtime_extra, 0x8C atime_extra, 0x90 crtime, 0x94 crtime_extra,
//        0x98 i_version_hi, 0x9C i_projid. In-inode xattrs follow (xattr.ts).
// Decoding keeps every byte of the inode; encoding writes changed fields into
// a copy, so osd fields, in-inode xattrs and unknown bytes survive.
import { CorruptFilesystemError, FsError } from '@iomap/core';
import { checkFieldValue, requireLength, viewOf, writeField, u16, u32, s32, u32s, type Field, type FieldValues } from './fields.js';
import { GOOD_OLD_INODE_SIZE } from './superblock.js';

/** Number of i_block slots and the indices of the indirect ones. */
export const N_BLOCKS = 15;
export const NDIR_BLOCKS = 12;
export const IND_BLOCK = 12;
export const DIND_BLOCK = 13;
export const TIND_BLOCK = 14;
/** Well-known inode numbers (EXT2.md 3.9). */
export const BAD_INO = 1;
export const ROOT_INO = 2;
export const RESIZE_INO = 7;
export const JOURNAL_INO = 8;

/** i_mode file-type values (mode & S_IFMT). */
export const S_IFMT = 0xf000;
export const S_IF = { FIFO: 0x1000, CHR: 0x2000, DIR: 0x4000, BLK: 0x6000, REG: 0x8000, LNK: 0xa000, SOCK: 0xc000 } as const;
const VALID_TYPES: ReadonlySet<number> = new Set(Object.values(S_IF));

/** i_flags bits (EXT2.md 3.7). */
export const INODE_FLAGS = {
  SECRM: 0x1,
  UNRM: 0x2,
  COMPR: 0x4,
  SYNC: 0x8,
  IMMUTABLE: 0x10,
  APPEND: 0x20,
  NODUMP: 0x40,
  NOATIME: 0x80,
  DIRTY: 0x100,
  COMPRBLK: 0x200,
  NOCOMPR: 0x400,
  ECOMPR: 0x800,
  INDEX: 0x1000,
  IMAGIC: 0x2000,
  JOURNAL_DATA: 0x4000,
  NOTAIL: 0x8000,
  DIRSYNC: 0x10000,
  TOPDIR: 0x20000,
  HUGE_FILE: 0x40000,
  EXTENTS: 0x80000,
  INLINE_DATA: 0x10000000,
  RESERVED: 0x80000000,
} as const;

/** The 128-byte base inode. */
export const INODE_FIELDS = {
  mode: u16(0x00, 'i_mode'),
  uidLow: u16(0x02, 'i_uid'),
  sizeLow: u32(0x04, 'i_size'),
  atime: s32(0x08, 'i_atime'),
  ctime: s32(0x0c, 'i_ctime'),
  mtime: s32(0x10, 'i_mtime'),
  dtime: u32(0x14, 'i_dtime'),
  gidLow: u16(0x18, 'i_gid'),
  linksCount: u16(0x1a, 'i_links_count'),
  blocks: u32(0x1c, 'i_blocks'),
  flags: u32(0x20, 'i_flags'),
  osd1: u32(0x24, 'osd1 (l_i_version)'),
  block: u32s(0x28, N_BLOCKS, 'i_block'),
  generation: u32(0x64, 'i_generation'),
  fileAcl: u32(0x68, 'i_file_acl'),
  sizeHigh: u32(0x6c, 'i_size_high'),
  faddr: u32(0x70, 'i_faddr'),
  blocksHigh: u16(0x74, 'l_i_blocks_hi'),
  fileAclHigh: u16(0x76, 'l_i_file_acl_high'),
  uidHigh: u16(0x78, 'l_i_uid_high'),
  gidHigh: u16(0x7a, 'l_i_gid_high'),
  checksumLo: u16(0x7c, 'l_i_checksum_lo'),
  reserved: u16(0x7e, 'l_i_reserved'),
} as const;

/** Fields of large inodes, each present only when 128 + i_extra_isize covers it. */
export const INODE_EXTRA_FIELDS = {
  extraIsize: u16(0x80, 'i_extra_isize'),
  checksumHi: u16(0x82, 'i_checksum_hi'),
  ctimeExtra: u32(0x84, 'i_ctime_extra'),
  mtimeExtra: u32(0x88, 'i_mtime_extra'),
  atimeExtra: u32(0x8c, 'i_atime_extra'),
  crtime: s32(0x90, 'i_crtime'),
  crtimeExtra: u32(0x94, 'i_crtime_extra'),
  versionHi: u32(0x98, 'i_version_hi'),
  projid: u32(0x9c, 'i_projid'),
} as const;

type BaseFields = FieldValues<typeof INODE_FIELDS>;
type ExtraFields = FieldValues<typeof INODE_EXTRA_FIELDS>;
type SplitFields = 'uidLow' | 'uidHigh' | 'gidLow' | 'gidHigh' | 'sizeLow' | 'sizeHigh';

/**
 * A decoded inode. `uid`/`gid` join the low and high halves; `size` joins
 * i_size and i_size_high for regular files (for other types i_size_high is not
 * part of the size, and its raw bytes are preserved). Extra fields are
 * `undefined` when i_extra_isize does not cover them.
 */
export interface Inode extends Omit<BaseFields, SplitFields>, Partial<ExtraFields> {
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  /** The on-disk inode size these bytes came from. */
  readonly inodeSize: number;
  /** All inodeSize bytes as read; `encodeInode` starts from a copy. */
  readonly raw: Uint8Array;
}

export interface InodeDecodeOptions {
  /** Inode number, for messages. */
  ino: number;
  /** s_inode_size (128 on rev 0). */
  inodeSize: number;
  /** Block size, for size checks. */
  blockSize: number;
  /** Where the bytes came from, e.g. `'block 239 byte 256'`. */
  location?: string;
  /** Keep a view of `buf` as `raw` instead of a copy: the caller hands over bytes nothing else will change. */
  adoptBytes?: boolean;
}

/** File-type tests on i_mode. */
export const isDirectory = (mode: number): boolean => (mode & S_IFMT) === S_IF.DIR;
export const isRegular = (mode: number): boolean => (mode & S_IFMT) === S_IF.REG;
export const isSymlink = (mode: number): boolean => (mode & S_IFMT) === S_IF.LNK;

/** Largest size e2fsck accepts for a block-mapped file: every tree slot times bs. */
export function maxBlockMappedBytes(blockSize: number): number {
  const apb = blockSize / 4;
  return (NDIR_BLOCKS + apb + apb ** 2 + apb ** 3) * blockSize;
}

/**
 * Decodes an inode and, when it is live (links > 0), validates it:
 * i_extra_isize (0 or 4..isz-128, multiple of 4), a valid file type,
 * regular-file size within what the block map can address, directory size a
 * multiple of the block size, and nanoseconds below 10^9 in the extra time
 * fields. Free inodes are decoded as found.
 */
export function decodeInode(buf: Uint8Array, opts: InodeDecodeOptions): Inode {
  const isz = opts.inodeSize;
  if (!Number.isInteger(isz) || isz < GOOD_OLD_INODE_SIZE || (isz & (isz - 1)) !== 0) {
    throw new FsError('EINVAL', `inode size ${isz} is not a power of two >= 128`, { syscall: 'decode' });
  }
  requireLength(buf, isz, `inode ${opts.ino}`);
  const raw = opts.adoptBytes === true ? buf.subarray(0, isz) : buf.slice(0, isz);
  // Read field by field into one object literal, offsets from INODE_FIELDS:
  // the generic readFields plus rest/spread made this ~50x slower, and a
  // mount decodes every inode it meets (10,000 for a 10,000-file tree).
  const v = viewOf(raw);
  const F = INODE_FIELDS;
  const get16 = (f: { offset: number }): number => v.getUint16(f.offset, true);
  const get32 = (f: { offset: number }): number => v.getUint32(f.offset, true);
  const getS32 = (f: { offset: number }): number => v.getInt32(f.offset, true);
  const block: number[] = [];
  for (let i = 0; i < N_BLOCKS; i++) block.push(v.getUint32(F.block.offset + 4 * i, true));
  const mode = get16(F.mode);
  const sizeLow = get32(F.sizeLow);
  const sizeHigh = get32(F.sizeHigh);
  const inode: { -readonly [K in keyof Inode]: Inode[K] } = {
    mode,
    atime: getS32(F.atime),
    ctime: getS32(F.ctime),
    mtime: getS32(F.mtime),
    dtime: get32(F.dtime),
    linksCount: get16(F.linksCount),
    blocks: get32(F.blocks),
    flags: get32(F.flags),
    osd1: get32(F.osd1),
    block,
    generation: get32(F.generation),
    fileAcl: get32(F.fileAcl),
    faddr: get32(F.faddr),
    blocksHigh: get16(F.blocksHigh),
    fileAclHigh: get16(F.fileAclHigh),
    checksumLo: get16(F.checksumLo),
    reserved: get16(F.reserved),
    uid: get16(F.uidHigh) * 65536 + get16(F.uidLow),
    gid: get16(F.gidHigh) * 65536 + get16(F.gidLow),
    size: isRegular(mode) ? sizeHigh * 2 ** 32 + sizeLow : sizeLow,
    inodeSize: isz,
    raw,
  };
  if (isz > GOOD_OLD_INODE_SIZE) {
    // Each extra field exists when 128 + i_extra_isize covers it (extraFieldPresent),
    // read in table order without the generic per-field dispatch.
    const X = INODE_EXTRA_FIELDS;
    const extraIsize = v.getUint16(X.extraIsize.offset, true);
    const end = GOOD_OLD_INODE_SIZE + extraIsize;
    inode.extraIsize = extraIsize;
    if (X.checksumHi.offset + 2 <= end) inode.checksumHi = v.getUint16(X.checksumHi.offset, true);
    if (X.ctimeExtra.offset + 4 <= end) inode.ctimeExtra = v.getUint32(X.ctimeExtra.offset, true);
    if (X.mtimeExtra.offset + 4 <= end) inode.mtimeExtra = v.getUint32(X.mtimeExtra.offset, true);
    if (X.atimeExtra.offset + 4 <= end) inode.atimeExtra = v.getUint32(X.atimeExtra.offset, true);
    if (X.crtime.offset + 4 <= end) inode.crtime = v.getInt32(X.crtime.offset, true);
    if (X.crtimeExtra.offset + 4 <= end) inode.crtimeExtra = v.getUint32(X.crtimeExtra.offset, true);
    if (X.versionHi.offset + 4 <= end) inode.versionHi = v.getUint32(X.versionHi.offset, true);
    if (X.projid.offset + 4 <= end) inode.projid = v.getUint32(X.projid.offset, true);
  }
  validateInode(inode, opts, sizeHigh);
  return inode;
}

function corrupt(opts: InodeDecodeOptions, detail: string): CorruptFilesystemError {
  return new CorruptFilesystemError({ structure: `inode ${opts.ino}`, ...(opts.location === undefined ? {} : { location: opts.location }) }, detail);
}

function validateInode(inode: Inode, opts: InodeDecodeOptions, sizeHigh: number): void {
  // A free inode (links 0) keeps whatever its last owner left; only live ones
  // must make sense (e2fsck checks in-use inodes the same way).
  if (inode.linksCount === 0) return;
  const isz = opts.inodeSize;
  const extraIsize = inode.extraIsize ?? 0;
  if (isz > GOOD_OLD_INODE_SIZE && extraIsize !== 0 && (extraIsize < 4 || extraIsize > isz - GOOD_OLD_INODE_SIZE || extraIsize % 4 !== 0)) {
    throw corrupt(opts, `i_extra_isize ${extraIsize} is not 0 or a multiple of 4 in 4..${isz - GOOD_OLD_INODE_SIZE}`);
  }
  if (!VALID_TYPES.has(inode.mode & S_IFMT)) {
    throw corrupt(opts, `i_mode 0${inode.mode.toString(8)} has an invalid file type`);
  }
  if (isRegular(inode.mode)) {
    const max = maxBlockMappedBytes(opts.blockSize);
    if (!Number.isSafeInteger(inode.size) || inode.size > max) {
      throw corrupt(opts, `i_size/i_size_high ${sizeHigh}:${inode.size % 2 ** 32} exceeds the ${max}-byte limit of ${opts.blockSize}-byte block maps`);
    }
  }
  if (isDirectory(inode.mode) && inode.size % opts.blockSize !== 0) {
    throw corrupt(opts, `i_size ${inode.size} of a directory is not a multiple of the block size ${opts.blockSize}`);
  }
  for (const key of ['ctimeExtra', 'mtimeExtra', 'atimeExtra', 'crtimeExtra'] as const) {
    const value = inode[key];
    if (value !== undefined && value >>> 2 > 999_999_999) {
      throw corrupt(opts, `${INODE_EXTRA_FIELDS[key].diskName} holds ${value >>> 2} nanoseconds (must be below 10^9)`);
    }
  }
}

/**
 * Encodes `inode` into a copy of its raw bytes, writing only the fields that
 * changed. Extra fields are written only when the (new) i_extra_isize covers
 * them; giving a value for one it does not cover is EINVAL.
 */
export function encodeInode(inode: Inode): Uint8Array {
  const out = inode.raw.slice();
  encodeInodeOver(inode, out);
  return out;
}

/**
 * encodeInode into `out`, which holds a copy of `inode.raw` (a slot of a
 * buffer shared by several inodes: one allocation per inode-table block
 * written instead of one per inode). Throws before it writes when a value
 * does not fit; `out` may then be partly written.
 */
export function encodeInodeOver(inode: Inode, out: Uint8Array): void {
  const regular = isRegular(inode.mode);
  checkSplit(inode.uid, 'uid', 2 ** 32);
  checkSplit(inode.gid, 'gid', 2 ** 32);
  // The size is rewritten only when it changed, so a free inode's unrepresentable
  // garbage size (beyond 2^53) survives a decode/encode round trip untouched.
  const was = inode.raw;
  const wasRegular = isRegular(le16(was, INODE_FIELDS.mode.offset));
  const wasSizeLow = le32(was, INODE_FIELDS.sizeLow.offset);
  const wasSize = wasRegular ? le32(was, INODE_FIELDS.sizeHigh.offset) * 2 ** 32 + wasSizeLow : wasSizeLow;
  const sizeChanged = regular !== wasRegular || inode.size !== wasSize;
  if (sizeChanged) checkSplit(inode.size, regular ? 'size' : 'size of a non-regular inode', regular ? Number.MAX_SAFE_INTEGER + 1 : 2 ** 32);
  // Straight into the copy, field by field in table order (the same checks and
  // messages as writeFields): the generic path's rest/spread objects and
  // per-call table walks made this the hottest function of a 10,000-file copy,
  // and a per-field loop with a switch on names the hottest of a 10,000-file
  // delete's unmount. Each put* stores an in-range value at once and leaves
  // anything else (undefined excepted: not written) to putField's checks.
  const view = viewOf(out);
  const F = INODE_FIELDS;
  put16(view, F.mode, inode.mode);
  put16(view, F.uidLow, inode.uid % 65536);
  if (sizeChanged) put32(view, F.sizeLow, inode.size % 2 ** 32);
  putS32(view, F.atime, inode.atime);
  putS32(view, F.ctime, inode.ctime);
  putS32(view, F.mtime, inode.mtime);
  put32(view, F.dtime, inode.dtime);
  put16(view, F.gidLow, inode.gid % 65536);
  put16(view, F.linksCount, inode.linksCount);
  put32(view, F.blocks, inode.blocks);
  put32(view, F.flags, inode.flags);
  put32(view, F.osd1, inode.osd1);
  if (inode.block !== undefined) putField(view, F.block, inode.block);
  put32(view, F.generation, inode.generation);
  put32(view, F.fileAcl, inode.fileAcl);
  if (sizeChanged && regular) put32(view, F.sizeHigh, Math.floor(inode.size / 2 ** 32));
  put32(view, F.faddr, inode.faddr);
  put16(view, F.blocksHigh, inode.blocksHigh);
  put16(view, F.fileAclHigh, inode.fileAclHigh);
  put16(view, F.uidHigh, Math.floor(inode.uid / 65536));
  put16(view, F.gidHigh, Math.floor(inode.gid / 65536));
  put16(view, F.checksumLo, inode.checksumLo);
  put16(view, F.reserved, inode.reserved);
  if (inode.inodeSize > GOOD_OLD_INODE_SIZE) writeExtraFields(inode, view);
}

/** Stores a u16 field: in range at once, else through putField's checks; undefined is not written. */
function put16(view: DataView, field: Field, value: number | undefined): void {
  if (value === undefined) return;
  if ((value & 0xffff) === value) view.setUint16(field.offset, value, true);
  else putField(view, field, value);
}

/** Stores a u32 field (see put16). */
function put32(view: DataView, field: Field, value: number | undefined): void {
  if (value === undefined) return;
  if (value >>> 0 === value) view.setUint32(field.offset, value, true);
  else putField(view, field, value);
}

/** Stores an s32 field (see put16). */
function putS32(view: DataView, field: Field, value: number | undefined): void {
  if (value === undefined) return;
  if ((value | 0) === value) view.setInt32(field.offset, value, true);
  else putField(view, field, value);
}

/** The tables as [name, field] pairs, computed once (encodeInode is hot). */

function writeExtraFields(inode: Inode, view: DataView): void {
  const extraIsize = inode.extraIsize ?? 0;
  const X = INODE_EXTRA_FIELDS;
  // Coverage first, then values, each in table order, as the table-driven encoder did.
  requireCovered(inode.checksumHi, X.checksumHi, 2, extraIsize);
  requireCovered(inode.ctimeExtra, X.ctimeExtra, 4, extraIsize);
  requireCovered(inode.mtimeExtra, X.mtimeExtra, 4, extraIsize);
  requireCovered(inode.atimeExtra, X.atimeExtra, 4, extraIsize);
  requireCovered(inode.crtime, X.crtime, 4, extraIsize);
  requireCovered(inode.crtimeExtra, X.crtimeExtra, 4, extraIsize);
  requireCovered(inode.versionHi, X.versionHi, 4, extraIsize);
  requireCovered(inode.projid, X.projid, 4, extraIsize);
  put16(view, X.extraIsize, inode.extraIsize);
  put16(view, X.checksumHi, inode.checksumHi);
  put32(view, X.ctimeExtra, inode.ctimeExtra);
  put32(view, X.mtimeExtra, inode.mtimeExtra);
  put32(view, X.atimeExtra, inode.atimeExtra);
  putS32(view, X.crtime, inode.crtime);
  put32(view, X.crtimeExtra, inode.crtimeExtra);
  put32(view, X.versionHi, inode.versionHi);
  put32(view, X.projid, inode.projid);
}

/** EINVAL when an extra field is set but 128 + i_extra_isize does not cover its `size` bytes. */
function requireCovered(value: number | undefined, field: Field, size: number, extraIsize: number): void {
  if (value !== undefined && field.offset + size > GOOD_OLD_INODE_SIZE + extraIsize) {
    throw new FsError('EINVAL', `${field.diskName} is set but i_extra_isize ${extraIsize} does not cover it`, { syscall: 'encode' });
  }
}

/** Little-endian u16 / u32 at `at` of `bytes` (no DataView for two reads). */
function le16(bytes: Uint8Array, at: number): number {
  return (bytes[at] as number) | ((bytes[at + 1] as number) << 8);
}

function le32(bytes: Uint8Array, at: number): number {
  return ((bytes[at] as number) | ((bytes[at + 1] as number) << 8) | ((bytes[at + 2] as number) << 16) | ((bytes[at + 3] as number) << 24)) >>> 0;
}

/**
 * checkFieldValue + writeField (same errors), with the in-range integers and
 * i_block words every inode write has stored without the generic dispatch.
 */
function putField(view: DataView, field: Field, value: unknown): void {
  if (typeof value === 'number' && Number.isInteger(value)) {
    const at = field.offset;
    if (field.kind === 'u32' && value >= 0 && value <= 0xffffffff) return view.setUint32(at, value, true);
    if (field.kind === 'u16' && value >= 0 && value <= 0xffff) return view.setUint16(at, value, true);
    if (field.kind === 's32' && value >= -0x80000000 && value <= 0x7fffffff) return view.setInt32(at, value, true);
  } else if (field.kind === 'u32s' && Array.isArray(value) && value.length === field.count) {
    const words = value as readonly unknown[];
    let ok = true;
    for (let i = 0; i < words.length && ok; i++) {
      const w = words[i];
      ok = typeof w === 'number' && Number.isInteger(w) && w >= 0 && w <= 0xffffffff;
    }
    if (ok) {
      for (let i = 0; i < words.length; i++) view.setUint32(field.offset + 4 * i, words[i] as number, true);
      return;
    }
  }
  checkFieldValue(field, value);
  writeField(view, 0, field, value);
}

function checkSplit(value: number, what: string, limit: number): void {
  if (!Number.isInteger(value) || value < 0 || value >= limit) {
    throw new FsError('EINVAL', `inode ${what} must be an integer in 0..${limit - 1}, got ${value}`, { syscall: 'encode' });
  }
}

/** Allocated space in 512-byte sectors: i_blocks, with the huge_file rules when that feature is on. */
export function inodeSectors(inode: Pick<Inode, 'blocks' | 'blocksHigh' | 'flags'>, opts: { hugeFile: boolean; blockSize: number }): number {
  if (!opts.hugeFile) return inode.blocks;
  const count = inode.blocksHigh * 2 ** 32 + inode.blocks;
  return (inode.flags & INODE_FLAGS.HUGE_FILE) !== 0 ? count * (opts.blockSize / 512) : count;
}

/** A timestamp with nanoseconds, as the extra time fields extend it. */
export interface InodeTime {
  readonly seconds: number;
  readonly nanoseconds: number;
}

/**
 * Joins a signed 32-bit time field with its _extra word (bits 0-1 extend the
 * epoch by multiples of 2^32 s, bits 2-31 are nanoseconds), as ext4 does.
 * Without an extra word the time is the signed seconds value.
 */
export function decodeInodeTime(seconds: number, extra?: number): InodeTime {
  if (extra === undefined) return { seconds, nanoseconds: 0 };
  return { seconds: seconds + (extra & 3) * 2 ** 32, nanoseconds: extra >>> 2 };
}

/** Splits a time into the signed 32-bit field and its _extra word. */
export function encodeInodeTime(time: InodeTime): { seconds: number; extra: number } {
  const { seconds, nanoseconds } = time;
  if (!Number.isInteger(seconds) || seconds < -(2 ** 31) || seconds >= 2 ** 34 - 2 ** 31) {
    throw new FsError('EINVAL', `time ${seconds} s is outside what i_*time_extra can encode`, { syscall: 'encode' });
  }
  if (!Number.isInteger(nanoseconds) || nanoseconds < 0 || nanoseconds > 999_999_999) {
    throw new FsError('EINVAL', `nanoseconds ${nanoseconds} must be an integer in 0..999999999`, { syscall: 'encode' });
  }
  const epoch = Math.floor((seconds + 2 ** 31) / 2 ** 32);
  return { seconds: seconds - epoch * 2 ** 32, extra: (nanoseconds * 4 + epoch) >>> 0 };
}

/** A device number as stored in i_block of character/block device inodes. */
export interface DeviceNumber {
  readonly major: number;
  readonly minor: number;
}

/**
 * Decodes a device inode's number (EXT2.md 3.6): i_block[0] != 0 holds the
 * old major<<8|minor form; otherwise i_block[1] holds the new 12:20 form.
 */
export function decodeDeviceNumber(block: readonly number[]): DeviceNumber {
  const old = block[0] ?? 0;
  if (old !== 0) return { major: (old >>> 8) & 0xff, minor: old & 0xff };
  const dev = block[1] ?? 0;
  return { major: (dev & 0xfff00) >>> 8, minor: (dev & 0xff) | ((dev >>> 12) & 0xfff00) };
}

/** Encodes a device number into the 15 i_block words (old form when both parts fit a byte). */
export function encodeDeviceNumber(dev: DeviceNumber): number[] {
  const { major, minor } = dev;
  if (!Number.isInteger(major) || major < 0 || major > 0xfff || !Number.isInteger(minor) || minor < 0 || minor > 0xfffff) {
    throw new FsError('EINVAL', `device ${major}:${minor} does not fit 12-bit major / 20-bit minor`, { syscall: 'encode' });
  }
  const block = new Array<number>(N_BLOCKS).fill(0);
  if (major < 256 && minor < 256) block[0] = (major << 8) | minor;
  else block[1] = ((minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12)) >>> 0;
  return block;
}
