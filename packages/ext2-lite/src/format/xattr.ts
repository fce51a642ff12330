// Extended attributes (EXT2.md 5): one shared block pointed at by i_file_acl,
// and (256-byte inodes) an area after i_extra_isize inside the inode.
//
// Block:  0x00 h_magic 0xEA020000  0x04 h_refcount  0x08 h_blocks (= 1)
//         0x0C h_hash  0x10 h_checksum  0x14..0x1F reserved; entries from 0x20
// Inode:  at 128 + i_extra_isize: u32 magic 0xEA020000, entries right after it
// Entry:  0x0 e_name_len u8  0x1 e_name_index u8  0x2 e_value_offs u16
//         0x4 e_value_inum u32 (0 on ext2)  0x8 e_value_size u32  0xC e_hash u32
//         0x10 name (no prefix, no NUL); entry length (16 + name_len + 3) & ~3.
// The entry list ends with four zero bytes. Values are packed downward from
// the end, each padded to 4 bytes; e_value_offs counts from the block start
// (block) or from the first entry (inode). Header, entries, terminator and
// values must not overlap.
//
// Hashes (kernel ext2_xattr_hash_entry / e2fsprogs ext2fs_ext_attr_hash_entry):
//   entry: h = 0; per name byte c: h = rotl(h, 5) ^ c; then per little-endian
//          u32 word of the value padded to 4 bytes: h = rotl(h, 16) ^ word
//   block: h = 0; per entry in order: if e_hash == 0 { h = 0; stop } else
//          h = rotl(h, 16) ^ e_hash
// The kernel hashes names as `char` (signed on x86); e2fsck 1.47 accepts
// either signedness, and so do we; we write the unsigned form.
import { CorruptFilesystemError, FsError } from '@iomap/core';
import { decodeUtf8, encodeUtf8, readFields, requireLength, viewOf, writeFields, u8, u16, u32, type FieldValues } from './fields.js';

export const XATTR_MAGIC = 0xea020000;
export const XATTR_MAGIC_V1 = 0xea010000;
export const XATTR_HEADER_SIZE = 32;
export const XATTR_ENTRY_HEADER = 16;
/** The kernel refuses to share a block with more references than this. */
export const XATTR_REFCOUNT_MAX = 1024;

export const XATTR_HEADER_FIELDS = {
  magic: u32(0x00, 'h_magic'),
  refcount: u32(0x04, 'h_refcount'),
  blocks: u32(0x08, 'h_blocks'),
  hash: u32(0x0c, 'h_hash'),
  checksum: u32(0x10, 'h_checksum'),
} as const;

export const XATTR_ENTRY_FIELDS = {
  nameLen: u8(0x0, 'e_name_len'),
  nameIndex: u8(0x1, 'e_name_index'),
  valueOffs: u16(0x2, 'e_value_offs'),
  valueInum: u32(0x4, 'e_value_inum'),
  valueSize: u32(0x8, 'e_value_size'),
  hash: u32(0xc, 'e_hash'),
} as const;

/** e_name_index -> the prefix it stands for. */
export const XATTR_PREFIXES: Readonly<Record<number, string>> = {
  1: 'user.',
  2: 'system.posix_acl_access',
  3: 'system.posix_acl_default',
  4: 'trusted.',
  6: 'security.',
  7: 'system.',
  8: 'system.richacl',
};

/** Length of an entry with `nameLen` name bytes. */
export const xattrEntryLength = (nameLen: number): number => (XATTR_ENTRY_HEADER + nameLen + 3) & ~3;
const pad4 = (n: number): number => (n + 3) & ~3;
const rotl = (h: number, k: number): number => ((h << k) | (h >>> (32 - k))) >>> 0;

/** Entry hash over the name and the value (the value is read as zero-padded u32 words). */
export function xattrEntryHash(name: Uint8Array, value: Uint8Array, valueSize = value.length, signedNames = false): number {
  let h = 0;
  for (const c of name) h = (rotl(h, 5) ^ (signedNames && c >= 0x80 ? c | 0xffffff00 : c)) >>> 0;
  const words = Math.ceil(valueSize / 4);
  for (let i = 0; i < words; i++) {
    const w = ((value[4 * i] ?? 0) | ((value[4 * i + 1] ?? 0) << 8) | ((value[4 * i + 2] ?? 0) << 16) | ((value[4 * i + 3] ?? 0) << 24)) >>> 0;
    h = (rotl(h, 16) ^ w) >>> 0;
  }
  return h;
}

/** Block hash over the entry hashes in entry order (0 as soon as one entry hash is 0). */
export function xattrBlockHash(entryHashes: readonly number[]): number {
  let h = 0;
  for (const e of entryHashes) {
    if (e === 0) return 0;
    h = (rotl(h, 16) ^ e) >>> 0;
  }
  return h;
}

/** One decoded attribute. */
export interface XattrEntry extends FieldValues<typeof XATTR_ENTRY_FIELDS> {
  /** Offset of the entry inside its block or in-inode area. */
  readonly offset: number;
  readonly name: Uint8Array;
  /** The e_value_size value bytes (a copy). */
  readonly value: Uint8Array;
}

/** A decoded xattr block. */
export interface XattrBlock extends FieldValues<typeof XATTR_HEADER_FIELDS> {
  readonly entries: readonly XattrEntry[];
  readonly raw: Uint8Array;
}

/** The full attribute name (`user.foo`), or undefined for an index we do not know. */
export function xattrFullName(entry: Pick<XattrEntry, 'nameIndex' | 'name'>): string | undefined {
  const prefix = XATTR_PREFIXES[entry.nameIndex];
  return prefix === undefined ? undefined : prefix + decodeUtf8(entry.name);
}

/** Splits a full name into e_name_index and the stored suffix (longest prefix wins). */
export function splitXattrName(full: string): { nameIndex: number; name: Uint8Array } | undefined {
  let best: [number, string] | undefined;
  for (const [index, prefix] of Object.entries(XATTR_PREFIXES)) {
    if (full.startsWith(prefix) && (best === undefined || prefix.length > best[1].length)) best = [Number(index), prefix];
  }
  if (best === undefined) return undefined;
  return { nameIndex: best[0], name: encodeUtf8(full.slice(best[1].length)) };
}

interface Area {
  readonly bytes: Uint8Array;
  /** Where the entry list starts. */
  readonly entriesStart: number;
  /** Values are at valueBase + e_value_offs. */
  readonly valueBase: number;
  /** In-inode entries may carry e_hash 0. */
  readonly zeroHashAllowed: boolean;
  readonly fail: (detail: string) => CorruptFilesystemError;
}

/** Walks and validates the entry list of an area; throws through area.fail. */
function parseEntries(area: Area): XattrEntry[] {
  const { bytes, fail } = area;
  const end = bytes.length;
  const view = viewOf(bytes);
  const used: Array<[number, number, string]> = [[0, area.entriesStart, 'header']];
  const entries: XattrEntry[] = [];
  let at = area.entriesStart;
  for (;;) {
    if (at + 4 > end) throw fail(`entry list runs past the end at byte ${at} without its 4-byte terminator`);
    if (view.getUint32(at, true) === 0) break;
    if (at + XATTR_ENTRY_HEADER > end) throw fail(`entry at byte ${at} is cut off by the end of the area`);
    const f = readFields(XATTR_ENTRY_FIELDS, bytes, at);
    const len = xattrEntryLength(f.nameLen);
    if (at + len + 4 > end) throw fail(`e_name_len ${f.nameLen} of the entry at byte ${at} runs past the end of the area`);
    if (f.nameIndex === 0) throw fail(`e_name_index 0 on the entry at byte ${at}`);
    if (f.valueInum !== 0) throw fail(`e_value_inum ${f.valueInum} on the entry at byte ${at} (ea_inode is not supported on ext2)`);
    const valueAt = area.valueBase + f.valueOffs;
    if (f.valueSize > end || valueAt + f.valueSize > end) {
      throw fail(`e_value_offs ${f.valueOffs} + e_value_size ${f.valueSize} of the entry at byte ${at} run past the end (${end - area.valueBase} bytes)`);
    }
    claim(used, [at, at + len, `entry at byte ${at}`], fail);
    if (f.valueSize > 0) claim(used, [valueAt, Math.min(end, valueAt + pad4(f.valueSize)), `value of the entry at byte ${at}`], fail);
    const name = bytes.slice(at + XATTR_ENTRY_HEADER, at + XATTR_ENTRY_HEADER + f.nameLen);
    const stored = bytes.subarray(valueAt, Math.min(end, valueAt + pad4(f.valueSize)));
    const ok = (area.zeroHashAllowed && f.hash === 0) || f.hash === xattrEntryHash(name, stored, f.valueSize) || f.hash === xattrEntryHash(name, stored, f.valueSize, true);
    if (!ok) throw fail(`e_hash ${f.hash} of the entry at byte ${at} does not match its name and value`);
    entries.push({ ...f, offset: at, name, value: bytes.slice(valueAt, valueAt + f.valueSize) });
    at += len;
  }
  claim(used, [at, at + 4, 'terminator'], fail);
  return entries;
}

/** Records a byte range [start, end) of the area, failing if it overlaps one already claimed (e2fsck "allocation collision"). */
function claim(used: Array<[number, number, string]>, range: [number, number, string], fail: (detail: string) => CorruptFilesystemError): void {
  const [start, end, what] = range;
  for (const [s, e, other] of used) {
    if (start < e && s < end) throw fail(`${what} (bytes ${start}..${end - 1}) overlaps ${other} (bytes ${s}..${e - 1})`);
  }
  used.push(range);
}

/**
 * Decodes and validates an xattr block: h_magic, h_blocks = 1, h_refcount >= 1,
 * every entry (name index, lengths, value inside the block, no overlaps, e_hash).
 * h_hash is not checked (e2fsck does not either); `xattrBlockHash` computes it.
 */
export function decodeXattrBlock(buf: Uint8Array, where: { block: number; ino?: number }): XattrBlock {
  requireLength(buf, 1024, 'xattr block');
  const raw = buf.slice();
  const header = readFields(XATTR_HEADER_FIELDS, raw);
  const structure = where.ino === undefined ? 'xattr block' : `xattr block of inode ${where.ino}`;
  const fail = (detail: string) => new CorruptFilesystemError({ structure, location: `block ${where.block}` }, detail);
  if (header.magic !== XATTR_MAGIC) {
    const v1 = header.magic === XATTR_MAGIC_V1 ? ' (old v1 format)' : '';
    throw fail(`h_magic 0x${header.magic.toString(16)}${v1}, expected 0x${XATTR_MAGIC.toString(16)}`);
  }
  if (header.blocks !== 1) throw fail(`h_blocks ${header.blocks}, must be 1`);
  if (header.refcount === 0) throw fail('h_refcount 0 on a block that is referenced');
  const entries = parseEntries({ bytes: raw, entriesStart: XATTR_HEADER_SIZE, valueBase: 0, zeroHashAllowed: false, fail });
  return { ...header, entries, raw };
}

/** Writes changed header fields (h_refcount, h_hash, ...) into a copy of the block. */
export function encodeXattrBlockHeader(block: XattrBlock): Uint8Array {
  const out = block.raw.slice();
  const { entries: _e, raw: _r, ...values } = block;
  writeFields(XATTR_HEADER_FIELDS, values, out);
  return out;
}

/** True when the inode body after i_extra_isize holds an attribute area (room for it, and its magic). */
export function hasInodeXattrArea(inodeRaw: Uint8Array, extraIsize: number): boolean {
  const isz = inodeRaw.length;
  if (isz <= 128 || extraIsize >= isz - 128 - 4) return false;
  return viewOf(inodeRaw).getUint32(128 + extraIsize, true) === XATTR_MAGIC;
}

/**
 * The in-inode attributes of a 256-byte (or larger) inode: empty when the
 * area after i_extra_isize has no room or does not start with the magic.
 * `inodeRaw` is the whole on-disk inode.
 */
export function decodeInodeXattrs(inodeRaw: Uint8Array, opts: { ino: number; extraIsize: number }): XattrEntry[] {
  if (!hasInodeXattrArea(inodeRaw, opts.extraIsize)) return [];
  const start = 128 + opts.extraIsize;
  const bytes = inodeRaw.subarray(start);
  const fail = (detail: string) =>
    new CorruptFilesystemError({ structure: `in-inode xattrs of inode ${opts.ino}`, location: `inode byte ${start}` }, detail);
  return parseEntries({ bytes, entriesStart: 4, valueBase: 4, zeroHashAllowed: true, fail });
}

/** An attribute to store. */
export interface NewXattr {
  readonly nameIndex: number;
  readonly name: Uint8Array;
  readonly value: Uint8Array;
}

/** Kernel order: by name index, then name length, then name bytes. */
function sortXattrs(attrs: readonly NewXattr[]): NewXattr[] {
  return [...attrs].sort((a, b) => {
    if (a.nameIndex !== b.nameIndex) return a.nameIndex - b.nameIndex;
    if (a.name.length !== b.name.length) return a.name.length - b.name.length;
    for (let i = 0; i < a.name.length; i++) if (a.name[i] !== b.name[i]) return (a.name[i] as number) - (b.name[i] as number);
    return 0;
  });
}

/** Lays out entries at `entriesStart` and values downward from the end; false when they do not fit. */
function layOut(out: Uint8Array, attrs: readonly NewXattr[], entriesStart: number, valueBase: number): number[] | undefined {
  const view = viewOf(out);
  const hashes: number[] = [];
  let at = entriesStart;
  let valueEnd = out.length;
  for (const a of attrs) {
    if (a.nameIndex < 1 || a.nameIndex > 255 || a.name.length > 255) {
      throw new FsError('EINVAL', `xattr name index ${a.nameIndex} / name length ${a.name.length} out of range`, { syscall: 'setxattr' });
    }
    const valueAt = a.value.length === 0 ? valueBase : valueEnd - pad4(a.value.length);
    if (a.value.length > 0) valueEnd = valueAt;
    if (at + xattrEntryLength(a.name.length) + 4 > valueEnd || valueAt - valueBase > 0xffff) return undefined;
    const hash = xattrEntryHash(a.name, a.value);
    writeFields(XATTR_ENTRY_FIELDS, { nameLen: a.name.length, nameIndex: a.nameIndex, valueOffs: valueAt - valueBase, valueInum: 0, valueSize: a.value.length, hash }, out, at);
    out.set(a.name, at + XATTR_ENTRY_HEADER);
    out.set(a.value, valueAt);
    hashes.push(hash);
    at += xattrEntryLength(a.name.length);
  }
  view.setUint32(at, 0, true);
  return hashes;
}

/** Builds a fresh xattr block (refcount given, hashes computed); undefined when the attributes do not fit. */
export function buildXattrBlock(attrs: readonly NewXattr[], opts: { blockSize: number; refcount?: number }): Uint8Array | undefined {
  const out = new Uint8Array(opts.blockSize);
  const hashes = layOut(out, sortXattrs(attrs), XATTR_HEADER_SIZE, 0);
  if (hashes === undefined) return undefined;
  writeFields(XATTR_HEADER_FIELDS, { magic: XATTR_MAGIC, refcount: opts.refcount ?? 1, blocks: 1, hash: xattrBlockHash(hashes), checksum: 0 }, out);
  return out;
}

/** Builds the in-inode area (magic, entries, values) of `length` bytes; undefined when it does not fit. */
export function buildInodeXattrArea(attrs: readonly NewXattr[], length: number): Uint8Array | undefined {
  const out = new Uint8Array(length);
  if (attrs.length === 0) return out;
  if (length < 8) return undefined;
  viewOf(out).setUint32(0, XATTR_MAGIC, true);
  return layOut(out, sortXattrs(attrs), 4, 4) === undefined ? undefined : out;
}
