// Field tables: how every on-disk structure in format/ names its fields once.
//
// A structure module declares a table such as
//
//   freeBlocksCount: u32(0x00c, 's_free_blocks_count'),
//
// so the ext2 name, the byte offset, the width and our camelCase name sit on
// one line. `readFields` turns the table into a plain object of numbers (and
// byte arrays), `writeFields` writes changed values back into a copy of the raw
// bytes. All integers are little-endian, as everywhere in ext2.
import { FsError } from '@iomap/core';

/** A fixed-width integer field. `s16`/`s32` are two's-complement. */
export interface IntField {
  readonly kind: 'u8' | 'u16' | 's16' | 'u32' | 's32';
  readonly offset: number;
  readonly diskName: string;
}

/** A 64-bit unsigned field, decoded as `bigint`. */
export interface U64Field {
  readonly kind: 'u64';
  readonly offset: number;
  readonly diskName: string;
}

/** A run of raw bytes (UUIDs, labels, paths), decoded as a `Uint8Array` copy. */
export interface BytesField {
  readonly kind: 'bytes';
  readonly offset: number;
  readonly length: number;
  readonly diskName: string;
}

/** An array of u32 words (`i_block[15]`, `s_hash_seed[4]`), decoded as numbers. */
export interface WordsField {
  readonly kind: 'u32s';
  readonly offset: number;
  readonly count: number;
  readonly diskName: string;
}

export type Field = IntField | U64Field | BytesField | WordsField;
export type FieldTable = Readonly<Record<string, Field>>;

/** The decoded value type of one field. */
export type FieldValue<F extends Field> = F extends BytesField
  ? Uint8Array
  : F extends WordsField
    ? readonly number[]
    : F extends U64Field
      ? bigint
      : number;

/** The decoded object for a whole table. */
export type FieldValues<T extends FieldTable> = { readonly [K in keyof T]: FieldValue<T[K]> };

export const u8 = (offset: number, diskName: string) => ({ kind: 'u8', offset, diskName }) as const;
export const u16 = (offset: number, diskName: string) => ({ kind: 'u16', offset, diskName }) as const;
export const s16 = (offset: number, diskName: string) => ({ kind: 's16', offset, diskName }) as const;
export const u32 = (offset: number, diskName: string) => ({ kind: 'u32', offset, diskName }) as const;
export const s32 = (offset: number, diskName: string) => ({ kind: 's32', offset, diskName }) as const;
export const u64 = (offset: number, diskName: string) => ({ kind: 'u64', offset, diskName }) as const;
export const bytes = (offset: number, length: number, diskName: string) =>
  ({ kind: 'bytes', offset, length, diskName }) as const;
export const u32s = (offset: number, count: number, diskName: string) =>
  ({ kind: 'u32s', offset, count, diskName }) as const;

/** Size in bytes a field occupies on disk. */
export function fieldSize(field: Field): number {
  switch (field.kind) {
    case 'u8':
      return 1;
    case 'u16':
    case 's16':
      return 2;
    case 'u32':
    case 's32':
      return 4;
    case 'u64':
      return 8;
    case 'bytes':
      return field.length;
    case 'u32s':
      return field.count * 4;
  }
}

/** A DataView over exactly the bytes of `buf` (works for subarrays and Node Buffers). */
export function viewOf(buf: Uint8Array): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Reads one field at `base + field.offset`. */
export function readField<F extends Field>(view: DataView, base: number, field: F): FieldValue<F> {
  const at = base + field.offset;
  switch (field.kind) {
    case 'u8':
      return view.getUint8(at) as FieldValue<F>;
    case 'u16':
      return view.getUint16(at, true) as FieldValue<F>;
    case 's16':
      return view.getInt16(at, true) as FieldValue<F>;
    case 'u32':
      return view.getUint32(at, true) as FieldValue<F>;
    case 's32':
      return view.getInt32(at, true) as FieldValue<F>;
    case 'u64':
      return view.getBigUint64(at, true) as FieldValue<F>;
    case 'bytes':
      return new Uint8Array(view.buffer, view.byteOffset + at, field.length).slice() as FieldValue<F>;
    case 'u32s': {
      const words: number[] = [];
      for (let i = 0; i < field.count; i++) words.push(view.getUint32(at + 4 * i, true));
      return words as unknown as FieldValue<F>;
    }
  }
}

/** Decodes every field of `table` from `buf` starting at `base`. */
export function readFields<T extends FieldTable>(table: T, buf: Uint8Array, base = 0): FieldValues<T> {
  const view = viewOf(buf);
  const out: Record<string, unknown> = {};
  for (const [name, field] of entriesOf(table)) out[name] = readField(view, base, field);
  return out as FieldValues<T>;
}

/** Object.entries of each table, computed once (hot: every inode and dirent decode). */
const tableEntries = new WeakMap<FieldTable, readonly (readonly [string, Field])[]>();
function entriesOf(table: FieldTable): readonly (readonly [string, Field])[] {
  let entries = tableEntries.get(table);
  if (entries === undefined) {
    entries = Object.entries(table);
    tableEntries.set(table, entries);
  }
  return entries;
}

const INT_RANGES = {
  u8: [0, 0xff],
  u16: [0, 0xffff],
  s16: [-0x8000, 0x7fff],
  u32: [0, 0xffffffff],
  s32: [-0x80000000, 0x7fffffff],
} as const;

function badValue(field: Field, value: unknown, expected: string): FsError {
  return new FsError('EINVAL', `${field.diskName} must be ${expected}, got ${String(value)}`, { syscall: 'encode' });
}

/** Throws EINVAL unless `value` fits `field`; callers encode only checked values. */
export function checkFieldValue(field: Field, value: unknown): void {
  switch (field.kind) {
    case 'u64':
      if (typeof value !== 'bigint' || value < 0n || value > 0xffffffffffffffffn) throw badValue(field, value, 'a u64 bigint');
      return;
    case 'bytes':
      if (!(value instanceof Uint8Array) || value.length !== field.length) throw badValue(field, value, `${field.length} bytes`);
      return;
    case 'u32s':
      if (!Array.isArray(value) || value.length !== field.count) throw badValue(field, value, `${field.count} u32 words`);
      for (const w of value as unknown[]) {
        if (typeof w !== 'number' || !Number.isInteger(w) || w < 0 || w > 0xffffffff) throw badValue(field, w, 'a u32 word');
      }
      return;
    default: {
      const [lo, hi] = INT_RANGES[field.kind];
      if (typeof value !== 'number' || !Number.isInteger(value) || value < lo || value > hi) {
        throw badValue(field, value, `an integer ${lo}..${hi}`);
      }
    }
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Uint8Array && b instanceof Uint8Array) return a.length === b.length && a.every((x, i) => x === b[i]);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => x === b[i]);
  return a === b;
}

/** Writes one field at `base + field.offset` (value already checked). */
export function writeField(view: DataView, base: number, field: Field, value: unknown): void {
  const at = base + field.offset;
  switch (field.kind) {
    case 'u8':
      view.setUint8(at, value as number);
      return;
    case 'u16':
      view.setUint16(at, value as number, true);
      return;
    case 's16':
      view.setInt16(at, value as number, true);
      return;
    case 'u32':
      view.setUint32(at, value as number, true);
      return;
    case 's32':
      view.setInt32(at, value as number, true);
      return;
    case 'u64':
      view.setBigUint64(at, value as bigint, true);
      return;
    case 'bytes':
      new Uint8Array(view.buffer, view.byteOffset + at, field.length).set(value as Uint8Array);
      return;
    case 'u32s':
      (value as readonly number[]).forEach((w, i) => view.setUint32(at + 4 * i, w, true));
      return;
  }
}

/**
 * Writes into `target` (normally a copy of the decoded raw bytes) every field
 * of `table` whose value in `values` differs from what `target` holds. Fields
 * whose value is `undefined` are skipped, so absent optional fields keep their
 * bytes. Bytes no field covers are never touched.
 */
export function writeFields<T extends FieldTable>(
  table: T,
  values: Partial<Record<keyof T, unknown>>,
  target: Uint8Array,
  base = 0,
): void {
  const view = viewOf(target);
  for (const [name, field] of Object.entries(table)) {
    const value = values[name as keyof T];
    if (value === undefined) continue;
    checkFieldValue(field, value);
    if (!sameValue(readField(view, base, field), value)) writeField(view, base, field, value);
  }
}

/** Throws EINVAL when a decoder is handed fewer bytes than the structure needs. */
export function requireLength(buf: Uint8Array, length: number, what: string): void {
  if (!(buf instanceof Uint8Array) || buf.length < length) {
    const got = buf instanceof Uint8Array ? `${buf.length} bytes` : typeof buf;
    throw new FsError('EINVAL', `${what} needs ${length} bytes, got ${got}`, { syscall: 'decode' });
  }
}

/** Formats a number as 0x-prefixed hex for messages. */
export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

// TextDecoder/TextEncoder exist in every runtime we target (browsers, workers,
// Node) but not in the ES2023 lib this package compiles against; type them
// minimally instead of pulling in the DOM lib.
interface Utf8Codecs {
  TextDecoder: new () => { decode(input: Uint8Array): string };
  TextEncoder: new () => { encode(input: string): Uint8Array };
}
const codecs = globalThis as unknown as Utf8Codecs;
const utf8Decoder = new codecs.TextDecoder();
const utf8Encoder = new codecs.TextEncoder();

/** Decodes UTF-8 (invalid sequences become U+FFFD). */
export function decodeUtf8(bytes: Uint8Array): string {
  return utf8Decoder.decode(bytes);
}

/** Encodes a string as UTF-8. */
export function encodeUtf8(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}
