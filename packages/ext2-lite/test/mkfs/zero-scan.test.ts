// isAllZero, the check that turns zero blocks of a copied file into holes
// (EXT2.md, sparse files): any view of bytes, at any offset and length.
import { describe, expect, it } from 'vitest';
import { isAllZero } from '../../src/mkfs/zero-scan.js';

describe('isAllZero', () => {
  it('answers for views at unaligned offsets (a file read into a shared buffer) as for aligned ones', () => {
    const buffer = new Uint8Array(4096 + 64);
    for (const offset of [0, 1, 2, 3, 4, 5, 8, 13]) {
      for (const length of [0, 1, 31, 32, 33, 4096]) {
        const view = buffer.subarray(offset, offset + length);
        expect(isAllZero(view)).toBe(true);
        if (length === 0) continue;
        view[length - 1] = 7;
        expect(isAllZero(view)).toBe(false);
        view[length - 1] = 0;
      }
    }
  });
});
