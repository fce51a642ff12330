// Test helpers for the format layer: synthetic structures and corruption asserts.
import { expect } from 'vitest';
import { CorruptFilesystemError, FsError } from '@iomap/core';
import { readField, viewOf, writeField, writeFields, type FieldTable } from '../../src/format/fields.js';
import { SUPERBLOCK_FIELDS, SUPERBLOCK_SIZE, type Superblock } from '../../src/format/superblock.js';

/** Runs `fn`, asserts it throws EUCLEAN naming `structure` and every string in `mentions`. */
export function expectCorrupt(fn: () => unknown, structure: string, ...mentions: string[]): CorruptFilesystemError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, 'expected a CorruptFilesystemError').toBeInstanceOf(CorruptFilesystemError);
  const err = caught as CorruptFilesystemError;
  expect(err.code).toBe('EUCLEAN');
  expect(err.errno).toBe(-117);
  expect(err.message).toContain(structure);
  for (const m of mentions) expect(err.message).toContain(m);
  return err;
}

/** Runs `fn`, asserts it throws an FsError with `code`. */
export function expectFsError(fn: () => unknown, code: string, mention?: string): FsError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(FsError);
  expect((caught as FsError).code).toBe(code);
  if (mention !== undefined) expect((caught as FsError).message).toContain(mention);
  return caught as FsError;
}

/** Overwrites one named field of a structure inside `buf` (at `base`). */
export function patch<T extends FieldTable>(buf: Uint8Array, table: T, key: keyof T, value: unknown, base = 0): Uint8Array {
  writeField(viewOf(buf), base, table[key] as T[keyof T], value);
  return buf;
}

/** Reads one named field of a structure inside `buf`. */
export function peek<T extends FieldTable>(buf: Uint8Array, table: T, key: keyof T, base = 0): unknown {
  return readField(viewOf(buf), base, table[key] as T[keyof T]);
}

/** A consistent superblock for a 2-group filesystem with the given log block size. */
export function sampleSuperblockValues(logBlockSize = 0, inodeSize = 256): Partial<Record<keyof Superblock, unknown>> {
  const bs = 1024 << logBlockSize;
  const firstDataBlock = bs === 1024 ? 1 : 0;
  const blocksPerGroup = Math.min(8 * bs, 65528);
  const inodesPerGroup = (bs / inodeSize) * 64;
  return {
    inodesCount: 2 * inodesPerGroup,
    blocksCount: firstDataBlock + 2 * blocksPerGroup,
    rBlocksCount: 100,
    freeBlocksCount: 1000,
    freeInodesCount: 2 * inodesPerGroup - 11,
    firstDataBlock,
    logBlockSize,
    logFragSize: logBlockSize,
    blocksPerGroup,
    fragsPerGroup: blocksPerGroup,
    inodesPerGroup,
    magic: 0xef53,
    state: 1,
    errors: 1,
    maxMntCount: -1,
    revLevel: 1,
    firstIno: 11,
    inodeSize,
    featureCompat: 0x38,
    featureIncompat: 0x2,
    featureRoCompat: 0x3,
    reservedGdtBlocks: 31,
    defHashVersion: 1,
    minExtraIsize: inodeSize > 128 ? 32 : 0,
    wantExtraIsize: inodeSize > 128 ? 32 : 0,
    flags: 1,
  };
}

/** Encodes `values` (default: the sample) onto a zeroed (or given) 1024-byte buffer. */
export function superblockBytes(values = sampleSuperblockValues(), base = new Uint8Array(SUPERBLOCK_SIZE)): Uint8Array {
  const out = base.slice();
  writeFields(SUPERBLOCK_FIELDS, values as Record<keyof typeof SUPERBLOCK_FIELDS, unknown>, out);
  return out;
}

/** Bytes that differ between two buffers, as offsets. */
export function diffOffsets(a: Uint8Array, b: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) out.push(i);
  return out;
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
export const text = (b: Uint8Array): string => new TextDecoder().decode(b);
