// Shared helpers of the testkit's own tests.
export { patternBytes as pattern, sameBytes } from '../src/index.js';
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
