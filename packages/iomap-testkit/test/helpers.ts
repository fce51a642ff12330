// Shared helpers of the testkit's own tests.
import { IomapIter, IomapOp, iomapLoop, validateMappingAt, type IomapMapping, type IomapOps } from '@iomap/core';

/** Walks `[pos, pos + length)` with `op` through the real iterator and returns the mappings, checking CORE-13 on each. */
export async function walk<I>(ops: IomapOps<I>, inode: I, pos: number, length: number, op: number = IomapOp.Report): Promise<IomapMapping[]> {
  const maps: IomapMapping[] = [];
  const it = new IomapIter({ inode, pos, length, op });
  await iomapLoop(it, ops, (iter) => {
    validateMappingAt(iter.iomap, iter.pos, 'walk');
    maps.push({ ...iter.iomap, ...(iter.srcmap ? { srcmap: { ...iter.srcmap } } : {}) });
    iter.advanceFull();
  });
  return maps;
}

/** Bytes 0..n-1 filled with a recognisable pattern. */
export function pattern(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed * 7 + 1) & 0xff || 1;
  return out;
}

/** Byte-array equality that stays fast on large arrays (vitest's deep equality walks element by element). */
export function sameBytes(actual: Uint8Array, expected: Uint8Array): boolean {
  if (actual.length !== expected.length) return false;
  for (let i = 0; i < actual.length; i++) if (actual[i] !== expected[i]) return false;
  return true;
}
