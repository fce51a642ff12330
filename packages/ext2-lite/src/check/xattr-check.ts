// Pass 1, extended attributes (EXT2.md 5): the shared xattr block of each
// inode (checked once, then counted per reference), the reference counts
// once every inode is seen, and the in-inode area of large inodes.
//
// Both layouts are walked as e2fsck walks them, with a map of claimed byte
// ranges: header, each entry, each value (padded to 4), the terminator.
//   block   32-byte header; entries from 0x20; values at e_value_offs from the block start
//   inode   u32 magic at 128 + i_extra_isize; entries after it; values at
//           e_value_offs from the first entry; e_hash may be 0
import { XATTR_ENTRY_FIELDS, XATTR_HEADER_FIELDS, XATTR_HEADER_SIZE, XATTR_MAGIC, xattrEntryHash } from '../format/xattr.js';
import type { CheckContext } from './check-context.js';
import type { InodeRecord } from './inode-record.js';

const pad4 = (n: number): number => (n + 3) & ~3;
/** EXT2_EXT_ATTR_LEN: an entry header plus its name, padded. */
const entryLength = (nameLen: number): number => pad4(16 + nameLen);

/** Byte ranges of one area already accounted for (e2fsck's region_t). */
class Regions {
  private readonly used: Array<[number, number]> = [];
  constructor(private readonly size: number) {}

  /** Claims [start, start + length); false when it leaves the area, is empty, or overlaps a claimed range. */
  claim(start: number, length: number): boolean {
    const end = start + length;
    if (start < 0 || end > this.size || length <= 0) return false;
    if (this.used.some(([s, e]) => start < e && s < end)) return false;
    this.used.push([start, end]);
    return true;
  }
}

/** Bytes [at, at + length) of `area`, zeros past its end. */
function bytesAt(area: Uint8Array, at: number, length: number): Uint8Array {
  const out = new Uint8Array(Math.max(0, length));
  if (at < area.length) out.set(area.subarray(at, Math.min(area.length, at + length)));
  return out;
}

function u32(area: Uint8Array, at: number): number {
  const b = bytesAt(area, at, 4);
  return ((b[0] as number) | ((b[1] as number) << 8) | ((b[2] as number) << 16) | ((b[3] as number) << 24)) >>> 0;
}

interface RawEntry {
  readonly nameLen: number;
  readonly nameIndex: number;
  readonly valueOffs: number;
  readonly valueInum: number;
  readonly valueSize: number;
  readonly hash: number;
}

function entryAt(area: Uint8Array, at: number): RawEntry {
  const h = bytesAt(area, at, 16);
  const v = new DataView(h.buffer);
  const F = XATTR_ENTRY_FIELDS;
  return {
    nameLen: v.getUint8(F.nameLen.offset),
    nameIndex: v.getUint8(F.nameIndex.offset),
    valueOffs: v.getUint16(F.valueOffs.offset, true),
    valueInum: v.getUint32(F.valueInum.offset, true),
    valueSize: v.getUint32(F.valueSize.offset, true),
    hash: v.getUint32(F.hash.offset, true),
  };
}

/** True when e_hash matches the name and value, hashed with either char signedness (e2fsck 1.47 accepts both). */
function hashMatches(area: Uint8Array, at: number, e: RawEntry, valueAt: number): boolean {
  const name = bytesAt(area, at + 16, e.nameLen);
  const value = bytesAt(area, valueAt, pad4(e.valueSize));
  return e.hash === xattrEntryHash(name, value, e.valueSize) || e.hash === xattrEntryHash(name, value, e.valueSize, true);
}

/** The problems of an xattr block, in e2fsck's order (check_ext_attr). */
function xattrBlockProblems(data: Uint8Array): string[] {
  const problems: string[] = [];
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const magic = view.getUint32(XATTR_HEADER_FIELDS.magic.offset, true);
  if (magic !== XATTR_MAGIC) problems.push(`h_magic 0x${magic.toString(16)} is not 0x${XATTR_MAGIC.toString(16)}`);
  const blocks = view.getUint32(XATTR_HEADER_FIELDS.blocks.offset, true);
  if (blocks !== 1) problems.push(`h_blocks ${blocks} is not 1`);
  const regions = new Regions(data.length);
  regions.claim(0, XATTR_HEADER_SIZE);
  let at = XATTR_HEADER_SIZE;
  while (at < data.length && u32(data, at) !== 0) {
    const e = entryAt(data, at);
    if (!regions.claim(at, entryLength(e.nameLen))) {
      problems.push(`the entry at byte ${at} overlaps another entry or value (allocation collision)`);
      break;
    }
    if (e.nameIndex === 0) {
      problems.push(`the entry at byte ${at} has e_name_index 0`);
      break;
    }
    if (e.valueInum !== 0) {
      problems.push(`the entry at byte ${at} has e_value_inum ${e.valueInum} (values in inodes need ea_inode)`);
    } else if (e.valueOffs + e.valueSize > data.length) {
      problems.push(`the value of the entry at byte ${at} (offset ${e.valueOffs}, ${e.valueSize} bytes) runs past the block`);
      break;
    } else {
      if (e.valueSize > 0 && !regions.claim(e.valueOffs, pad4(e.valueSize))) problems.push(`the value of the entry at byte ${at} overlaps another entry or value (allocation collision)`);
      if (!hashMatches(data, at, e, e.valueOffs)) problems.push(`the entry at byte ${at} has e_hash ${e.hash}, which does not match its name and value`);
    }
    at += entryLength(e.nameLen);
  }
  if (!regions.claim(at, 4)) problems.push(`the entry list has no room for its 4-byte terminator at byte ${at}`);
  return problems;
}

/** One shared xattr block: its stored refcount and the inodes found pointing at it. */
export interface XattrBlockRefs {
  readonly refcount: number;
  refs: number;
}

/**
 * Accounts for inode's xattr block (i_file_acl): checks it on first sight,
 * claims it, counts the reference. Returns true when the block counts towards
 * the inode's i_blocks. A pointer e2fsck rejects outright (feature off, out of
 * range) is the caller's to report.
 */
export async function checkXattrBlock(ctx: CheckContext, inode: InodeRecord, refs: Map<number, XattrBlockRefs>): Promise<boolean> {
  const blk = inode.fileAcl;
  if (blk === 0 || !ctx.features.extAttr || !ctx.inRange(blk)) return false;
  const seen = refs.get(blk);
  if (seen !== undefined) {
    seen.refs++;
    return true;
  }
  const data = await ctx.reader.readBlock(blk);
  const problems = xattrBlockProblems(data);
  if (problems.length > 0) {
    ctx.log.add('XATTR_BLOCK_INVALID', `xattr block ${blk} of inode ${inode.ino}: ${problems.join('; ')}`, { ino: inode.ino, block: blk });
  }
  const refcount = new DataView(data.buffer).getUint32(XATTR_HEADER_FIELDS.refcount.offset, true);
  refs.set(blk, { refcount, refs: 1 });
  ctx.claimBlock(blk);
  return true;
}

/** After every inode: each xattr block's h_refcount must equal the inodes pointing at it. */
export function checkXattrRefcounts(ctx: CheckContext, refs: Map<number, XattrBlockRefs>): void {
  for (const [blk, r] of refs) {
    if (r.refcount !== r.refs) {
      ctx.log.add('XATTR_REFCOUNT_WRONG', `xattr block ${blk} has h_refcount ${r.refcount}, but ${r.refs} inode(s) point at it`, { block: blk });
    }
  }
}

/**
 * The in-inode attribute area of `inode` (e2fsck check_ea_in_inode), or
 * undefined when it is sound. Precondition: the area starts with the xattr
 * magic and i_extra_isize leaves room for it.
 */
export function inodeXattrProblem(inode: InodeRecord): string | undefined {
  const header = 128 + inode.extraIsize;
  const area = inode.raw.subarray(header);
  const storage = area.length;
  const regions = new Regions(storage);
  regions.claim(0, 4);
  let remain = storage - 4;
  let at = 4;
  while (remain >= 16 && u32(area, at) !== 0) {
    const e = entryAt(area, at);
    if (!regions.claim(at, entryLength(e.nameLen))) return `the entry at byte ${header + at} overlaps another entry or value`;
    remain -= 16;
    if (pad4(e.nameLen) > remain) return `the entry at byte ${header + at} has e_name_len ${e.nameLen}, longer than the space left`;
    remain -= pad4(e.nameLen);
    if (e.valueInum !== 0) return `the entry at byte ${header + at} has e_value_inum ${e.valueInum} (values in inodes need ea_inode)`;
    if (e.valueSize > remain) return `the entry at byte ${header + at} has e_value_size ${e.valueSize}, more than the space left`;
    if (e.valueSize > 0 && !regions.claim(4 + e.valueOffs, pad4(e.valueSize))) return `the value of the entry at byte ${header + at} overlaps another entry or value`;
    if (e.hash !== 0 && !hashMatches(area, at, e, 4 + e.valueOffs)) return `the entry at byte ${header + at} has e_hash ${e.hash}, which does not match its name and value`;
    remain -= e.valueSize;
    at += entryLength(e.nameLen);
  }
  if (!regions.claim(at, 4)) return `the entry list has no room for its 4-byte terminator at byte ${header + at}`;
  return undefined;
}
