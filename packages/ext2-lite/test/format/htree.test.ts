import { describe, expect, it } from 'vitest';
import { DX_NODE_FIELDS, DX_ROOT_FIELDS, clearIndexFlag, decodeDxNode, decodeDxRoot, hasIndexFlag } from '../../src/format/htree.js';
import { newDirBlock, readDirBlock, emptyDirBlock } from '../../src/format/dir-entry.js';
import { viewOf } from '../../src/format/fields.js';
import { expectCorrupt, patch } from './helpers.js';

const R = DX_ROOT_FIELDS;
const N = DX_NODE_FIELDS;

/** A dx_root like the kernel writes: '.'/'..' then dx_root_info and `count` entries. */
function dxRoot(bs: number, blocks: number[], hashes: number[] = []): Uint8Array {
  const b = newDirBlock(1665, 2, bs, true);
  patch(b, R, 'hashVersion', 1);
  patch(b, R, 'infoLength', 8);
  patch(b, R, 'limit', (bs - 32) / 8);
  patch(b, R, 'count', blocks.length);
  const v = viewOf(b);
  blocks.forEach((blk, i) => {
    if (i > 0) v.setUint32(0x20 + 8 * i, hashes[i - 1] ?? i * 0x1000, true);
    v.setUint32(0x20 + 8 * i + 4, blk, true);
  });
  return b;
}

function dxNode(bs: number, blocks: number[]): Uint8Array {
  const b = emptyDirBlock(bs);
  patch(b, N, 'limit', (bs - 8) / 8);
  patch(b, N, 'count', blocks.length);
  blocks.forEach((blk, i) => {
    if (i > 0) viewOf(b).setUint32(8 + 8 * i, 0x10 * i, true);
    viewOf(b).setUint32(8 + 8 * i + 4, blk, true);
  });
  return b;
}

const opts = { ino: 1665, dirBlocks: 12, deviceBlock: 900 };
const dirOpts = { filetype: true, inodesCount: 5000, dirIno: 1665 };

describe('htree directories read as linear (EXT2.md 4.6)', () => {
  it("reads a dx_root as just '.' and '..' (the index hides in the slack of '..')", () => {
    for (const bs of [1024, 4096]) {
      const entries = readDirBlock(dxRoot(bs, [1, 2, 3]), dirOpts);
      expect(entries.map((e) => [e.inode, e.nameLen, e.recLen])).toEqual([
        [1665, 1, 12],
        [2, 2, bs - 12],
      ]);
    }
  });

  it('reads an interior dx_node as one unused entry, like an empty block', () => {
    const entries = readDirBlock(dxNode(1024, [3, 4]), dirOpts);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ inode: 0, recLen: 1024 });
  });

  it('decodes dx_root_info and the index entries', () => {
    const r = decodeDxRoot(dxRoot(1024, [1, 2, 3], [0x1000, 0x8000]), opts);
    expect(r).toMatchObject({ dotInode: 1665, dotdotInode: 2, hashVersion: 1, infoLength: 8, indirectLevels: 0, limit: 124, count: 3 });
    expect(r.entries).toEqual([
      { hash: 0, block: 1 },
      { hash: 0x1000, block: 2 },
      { hash: 0x8000, block: 3 },
    ]);
    const n = decodeDxNode(dxNode(1024, [5, 6]), 4, opts);
    expect(n).toMatchObject({ limit: 127, count: 2 });
    expect(n.entries).toEqual([
      { hash: 0, block: 5 },
      { hash: 0x10, block: 6 },
    ]);
  });

  it('accepts the metadata_csum limit only when asked', () => {
    const b = dxRoot(1024, [1]);
    patch(b, R, 'limit', 123);
    expect(decodeDxRoot(b, { ...opts, metadataCsum: true }).limit).toBe(123);
    expectCorrupt(() => decodeDxRoot(b, opts), 'htree root', 'limit 123');
  });

  const bad: Array<[string, (b: Uint8Array) => void, string]> = [
    ["'.' rec_len", (b) => patch(b, R, 'dotRecLen', 16), "'.' entry"],
    ["'..' name", (b) => void (b[0x15] = 0x41), "'..' entry"],
    ['reserved_zero', (b) => patch(b, R, 'reservedZero', 1), 'reserved_zero is 1'],
    ['info_length', (b) => patch(b, R, 'infoLength', 12), 'info_length is 12'],
    ['hash_version', (b) => patch(b, R, 'hashVersion', 16), 'hash_version 16'],
    ['indirect_levels', (b) => patch(b, R, 'indirectLevels', 2), 'indirect_levels 2'],
    ['unused_flags', (b) => patch(b, R, 'unusedFlags', 1), 'unused_flags 0x1'],
    ['limit', (b) => patch(b, R, 'limit', 125), 'limit 125'],
    ['count 0', (b) => patch(b, R, 'count', 0), 'count 0'],
    ['count above limit', (b) => patch(b, R, 'count', 125), 'count 125'],
    ['an entry block outside the directory', (b) => viewOf(b).setUint32(0x24 + 8, 12, true), 'logical block 12'],
    ['an entry pointing back at the root', (b) => viewOf(b).setUint32(0x24, 0, true), 'logical block 0'],
  ];
  for (const [what, mutate, mention] of bad) {
    it(`rejects a dx_root with a bad ${what}`, () => {
      const b = dxRoot(1024, [1, 2]);
      mutate(b);
      expectCorrupt(() => decodeDxRoot(b, opts), 'corrupt htree root of directory inode 1665 at logical block 0 (device block 900)', mention);
    });
  }

  it('rejects a dx_node whose fake dirent or counts are wrong', () => {
    const b = dxNode(1024, [5]);
    patch(b, N, 'fakeInode', 7);
    expectCorrupt(() => decodeDxNode(b, 3, opts), 'htree node of directory inode 1665 at logical block 3', 'fake dirent');
    const c = dxNode(1024, [5]);
    patch(c, N, 'count', 200);
    expectCorrupt(() => decodeDxNode(c, 3, opts), 'htree node', 'count 200');
  });

  it('clears INDEX_FL (what a writer must do on any change)', () => {
    expect(hasIndexFlag(0x1000)).toBe(true);
    expect(clearIndexFlag(0x80001000)).toBe(0x80000000);
    expect(hasIndexFlag(clearIndexFlag(0x1000))).toBe(false);
  });
});
