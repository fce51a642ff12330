import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  FAST_SYMLINK_MAX,
  decodeFastSymlink,
  decodeSlowSymlink,
  encodeFastSymlink,
  encodeSlowSymlinkBlock,
  iBlockBytes,
  symlinkStorage,
} from '../../src/format/symlink.js';
import { INODE_FLAGS } from '../../src/format/inode.js';
import { expectCorrupt, expectFsError, text, utf8 } from './helpers.js';

const opts = { ino: 15, blockSize: 1024 };
const fast = (target: string) => ({ size: utf8(target).length, blocks: 0, fileAcl: 0, flags: 0, block: encodeFastSymlink(utf8(target)) });
const slow = (target: string) => ({ size: utf8(target).length, blocks: 2, fileAcl: 0, flags: 0, block: [900, ...new Array<number>(14).fill(0)] });

describe('symlink storage (EXT2.md 3.5)', () => {
  it('stores a 59-byte target inline and a 60-byte one in a block', () => {
    expect(FAST_SYMLINK_MAX).toBe(59);
    expect(symlinkStorage(fast('x'.repeat(59)), opts)).toBe('fast');
    expect(symlinkStorage(slow('y'.repeat(60)), opts)).toBe('slow');
  });

  it('subtracts an xattr block from i_blocks before deciding', () => {
    expect(symlinkStorage({ ...fast('abc'), blocks: 2, fileAcl: 77 }, opts)).toBe('fast');
    expect(symlinkStorage({ ...slow('y'.repeat(70)), blocks: 4, fileAcl: 77 }, opts)).toBe('slow');
  });

  const bad: Array<[string, Parameters<typeof symlinkStorage>[0], string]> = [
    ['i_size 0', { ...fast('a'), size: 0 }, 'i_size 0'],
    ['a size that does not fit a block', { ...slow('y'.repeat(60)), size: 1024 }, 'i_size 1024'],
    ['a short target stored in a block (e2fsprogs and kernel disagree)', slow('short'), "i_size 5 says fast but i_blocks 2"],
    ['a long target without a block', { ...slow('y'.repeat(60)), blocks: 0 }, 'i_size 60 says slow but i_blocks 0'],
    ['i_blocks of more than one data block', { ...slow('y'.repeat(60)), blocks: 4 }, 'i_blocks 4'],
    ['INDEX_FL on a symlink', { ...fast('abc'), flags: INODE_FLAGS.INDEX }, 'i_flags 0x1000'],
  ];
  for (const [what, inode, mention] of bad) {
    it(`rejects ${what}`, () => {
      expectCorrupt(() => symlinkStorage(inode, opts), 'corrupt symlink inode 15', mention);
    });
  }
});

describe('symlink targets', () => {
  it('decodes fast targets from i_block and round-trips any 1..59-byte target (fast-check)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 59 }).map((t) => t.map((c) => (c === 0 ? 0x41 : c))), (target) => {
        const inode = { size: target.length, blocks: 0, fileAcl: 0, flags: 0, block: encodeFastSymlink(target) };
        expect(decodeFastSymlink(inode, opts)).toEqual(target);
        expect(iBlockBytes(inode.block).subarray(target.length).every((b) => b === 0)).toBe(true);
      }),
    );
  });

  it('rejects a fast target with text after it (strnlen != i_size) or with a NUL inside', () => {
    const inode = fast('abc');
    const bytes = iBlockBytes(inode.block);
    bytes[3] = 0x5a; // 'Z' right after the text
    const words = Array.from({ length: 15 }, (_, i) => new DataView(bytes.buffer).getUint32(4 * i, true));
    expectCorrupt(() => decodeFastSymlink({ ...inode, block: words }, opts), 'symlink inode 15', '4 bytes up to its NUL but i_size is 3');
    expectCorrupt(() => decodeFastSymlink({ ...inode, size: 5 }, opts), 'symlink inode 15', 'i_size is 5');
    const full = { ...fast('x'.repeat(59)), block: new Array<number>(15).fill(0x41414141) };
    expectCorrupt(() => decodeFastSymlink(full, opts), 'symlink inode 15', 'not NUL-terminated');
  });

  it('decodes slow targets from their block and checks i_block', () => {
    const target = 'y'.repeat(100);
    const data = encodeSlowSymlinkBlock(utf8(target), 1024);
    const range = { firstDataBlock: 1, blocksCount: 1000 };
    expect(text(decodeSlowSymlink(slow(target), data, { ...opts, range }))).toBe(target);
    const extra = { ...slow(target), block: [900, 5, ...new Array<number>(13).fill(0)] };
    expectCorrupt(() => decodeSlowSymlink(extra, data, opts), 'symlink inode 15', 'i_block[1] is 5');
    expectCorrupt(() => decodeSlowSymlink({ ...slow(target), block: new Array<number>(15).fill(0) }, data, opts), 'symlink inode 15', 'i_block[0] is 0');
    expectCorrupt(() => decodeSlowSymlink(slow(target), data, { ...opts, range: { firstDataBlock: 1, blocksCount: 900 } }), 'symlink inode 15', 'block pointer 900');
    expectCorrupt(() => decodeSlowSymlink({ ...slow(target), size: 90 }, data, opts), 'symlink inode 15', 'i_size is 90');
    expectCorrupt(() => decodeFastSymlink(slow(target), opts), 'symlink inode 15', 'not a fast symlink');
    expectCorrupt(() => decodeSlowSymlink(fast('abc'), data, opts), 'symlink inode 15', 'not a slow symlink');
  });

  it('refuses to encode targets outside the range of each storage', () => {
    expectFsError(() => encodeFastSymlink(new Uint8Array(60).fill(0x41)), 'ENAMETOOLONG');
    expectFsError(() => encodeFastSymlink(new Uint8Array(0)), 'EINVAL');
    expectFsError(() => encodeFastSymlink(new Uint8Array([0x41, 0, 0x42])), 'EINVAL', 'NUL');
    expectFsError(() => encodeSlowSymlinkBlock(utf8('short'), 1024), 'EINVAL');
    expectFsError(() => encodeSlowSymlinkBlock(new Uint8Array(1024).fill(0x41), 1024), 'ENAMETOOLONG');
  });
});
