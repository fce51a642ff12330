import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeSuperblock } from '../../src/format/superblock.js';
import {
  descriptorBlockLocation,
  geometryOf,
  groupBlockCount,
  groupDescriptorLocation,
  groupFirstBlock,
  groupLastBlock,
  inodeGroupIndex,
  inodeTableSlot,
  type Geometry,
} from '../../src/format/geometry.js';
import {
  GROUP_DESCRIPTOR_FIELDS,
  decodeGroupDescriptor,
  decodeGroupDescriptorTable,
  encodeGroupDescriptor,
} from '../../src/format/group-descriptor.js';
import { writeFields } from '../../src/format/fields.js';
import { expectCorrupt, patch, sampleSuperblockValues, superblockBytes } from './helpers.js';

const G = GROUP_DESCRIPTOR_FIELDS;

function geometry(log = 0, extra: Record<string, unknown> = {}): Geometry {
  return geometryOf(decodeSuperblock(superblockBytes({ ...sampleSuperblockValues(log), ...extra })));
}

/** A valid descriptor for `group` of the 1 KiB sample (bitmaps at the group start, table after). */
function descriptorBytes(g: Geometry, group: number, values: Record<string, unknown> = {}): Uint8Array {
  const first = groupFirstBlock(g, group);
  const out = new Uint8Array(32);
  writeFields(G, { blockBitmap: first + 3, inodeBitmap: first + 4, inodeTable: first + 5, freeBlocksCount: 100, freeInodesCount: 50, usedDirsCount: 2, ...values }, out);
  return out;
}

describe('geometry (EXT2.md 1.1, 2.1)', () => {
  it('derives counts for 1/2/4 KiB blocks', () => {
    for (const [log, bs, gdtBlock] of [[0, 1024, 2], [1, 2048, 1], [2, 4096, 1]] as const) {
      const g = geometry(log);
      expect(g).toMatchObject({ blockSize: bs, groupCount: 2, descriptorsPerBlock: bs / 32, descriptorBlocks: 1, addressesPerBlock: bs / 4, inodeTableBlocks: 64 });
      expect(descriptorBlockLocation(g, 0)).toBe(gdtBlock);
      expect(groupDescriptorLocation(g, 1)).toEqual({ block: gdtBlock, offset: 32 });
    }
  });

  it('gives group bounds including the shorter last group', () => {
    const g = geometry(0, { blocksCount: 12001, freeBlocksCount: 10 });
    expect([groupFirstBlock(g, 0), groupLastBlock(g, 0), groupFirstBlock(g, 1), groupLastBlock(g, 1), groupBlockCount(g, 1)]).toEqual([1, 8192, 8193, 12000, 3808]);
  });

  it('places meta_bg descriptor blocks in the first group of each meta group, after a backup superblock', () => {
    // 1 KiB blocks: 32 descriptors per block; 40 groups -> 2 descriptor blocks.
    const values = { ...sampleSuperblockValues(0), blocksCount: 1 + 40 * 8192, inodesCount: 40 * 256, freeInodesCount: 100, featureIncompat: 0x12, firstMetaBg: 0, reservedGdtBlocks: 0 };
    const g = geometryOf(decodeSuperblock(superblockBytes(values)));
    expect(g.descriptorBlocks).toBe(2);
    expect(descriptorBlockLocation(g, 0)).toBe(1 + 0 + 1); // group 0 has the primary superblock
    expect(descriptorBlockLocation(g, 1)).toBe(1 + 32 * 8192); // group 32 carries no sparse backup
    expect(groupDescriptorLocation(g, 33)).toEqual({ block: 1 + 32 * 8192, offset: 32 });
    const withFirst = geometryOf(decodeSuperblock(superblockBytes({ ...values, firstMetaBg: 1 })));
    expect(descriptorBlockLocation(withFirst, 0)).toBe(2);
    expect(descriptorBlockLocation(withFirst, 1)).toBe(1 + 32 * 8192);
    const plain = geometryOf(decodeSuperblock(superblockBytes({ ...values, featureIncompat: 0x2 })));
    expect(descriptorBlockLocation(plain, 1)).toBe(3);
  });

  it('maps inode numbers to group, index and inode-table slot', () => {
    const g = geometry(0); // 256 inodes per group, 256-byte inodes, 4 per block
    expect(inodeGroupIndex(g, 1)).toEqual({ group: 0, index: 0 });
    expect(inodeGroupIndex(g, 256)).toEqual({ group: 0, index: 255 });
    expect(inodeGroupIndex(g, 257)).toEqual({ group: 1, index: 0 });
    expect(inodeTableSlot(g, 100, 6)).toEqual({ block: 101, offset: 512 });
    for (const bad of [0, 513, 1.5]) expectCorrupt(() => inodeGroupIndex(g, bad), `inode ${bad}`, 'outside 1..512');
  });
});

describe('group descriptors (EXT2.md 2.2)', () => {
  const g = geometry(0);

  it('decodes the fields at their offsets and a whole table', () => {
    const table = new Uint8Array(64);
    table.set(descriptorBytes(g, 0), 0);
    table.set(descriptorBytes(g, 1, { flags: 4 }), 32);
    const [d0, d1] = decodeGroupDescriptorTable(table, g);
    expect(d0).toMatchObject({ blockBitmap: 4, inodeBitmap: 5, inodeTable: 6, freeBlocksCount: 100, freeInodesCount: 50, usedDirsCount: 2, flags: 0 });
    expect(d1).toMatchObject({ blockBitmap: 8196, flags: 4 });
  });

  it('round-trips byte-exactly with random field values (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.record({
          group: fc.constantFrom(0, 1),
          bb: fc.nat(8191 - 70),
          free: fc.nat(8192),
          freeInodes: fc.nat(256),
          dirs: fc.nat(256),
          flags: fc.constantFrom(0, 4, 8, 0xfff8),
          exclude: fc.nat(0xffffffff),
          csums: fc.nat(0xffff),
        }),
        (v) => {
          const first = groupFirstBlock(g, v.group);
          const raw = descriptorBytes(g, v.group, {
            blockBitmap: first + v.bb,
            inodeBitmap: first + v.bb + 1,
            inodeTable: first + v.bb + 2,
            freeBlocksCount: v.free,
            freeInodesCount: v.freeInodes,
            usedDirsCount: v.dirs,
            flags: v.flags,
            excludeBitmapLo: v.exclude,
            blockBitmapCsumLo: v.csums,
            checksum: v.csums,
          });
          const d = decodeGroupDescriptor(raw, g, v.group);
          expect(encodeGroupDescriptor(d)).toEqual(raw);
          const changed = encodeGroupDescriptor({ ...d, freeBlocksCount: 7, usedDirsCount: 1 });
          expect(decodeGroupDescriptor(changed, g, v.group)).toMatchObject({ freeBlocksCount: 7, usedDirsCount: 1, excludeBitmapLo: v.exclude });
        },
      ),
    );
  });

  const bad: Array<[string, Record<string, unknown>, number?]> = [
    ['bg_block_bitmap', { blockBitmap: 9000 }],
    ['bg_block_bitmap', { blockBitmap: 0 }],
    ['bg_inode_bitmap', { inodeBitmap: 8193 }],
    ['bg_inode_table', { inodeTable: 8192 - 10 }],
    ['bg_inode_table', { inodeTable: 16385 - 10 }, 1],
    ['bg_block_bitmap and bg_inode_bitmap', { inodeBitmap: 4 }],
    ['bg_block_bitmap 7 lies inside the inode table', { blockBitmap: 7 }],
    ['bg_inode_bitmap 8 lies inside the inode table', { inodeBitmap: 8 }],
    ['bg_free_blocks_count', { freeBlocksCount: 8193 }],
    ['bg_free_inodes_count', { freeInodesCount: 257 }],
    ['bg_used_dirs_count', { usedDirsCount: 300 }],
    ['bg_flags', { flags: 1 }],
    ['bg_flags', { flags: 2 }],
    ['bg_itable_unused', { itableUnused: 3 }],
  ];
  for (const [field, values, group = 0] of bad) {
    it(`rejects ${field} (${JSON.stringify(values)})`, () => {
      expectCorrupt(() => decodeGroupDescriptor(descriptorBytes(g, group, values), g, group), `group descriptor ${group}`, field, 'at block 2 byte');
    });
  }

  it('allows UNINIT flags and bg_itable_unused with gdt_csum', () => {
    const csum = geometry(0, { featureRoCompat: 0x13 });
    const d = decodeGroupDescriptor(descriptorBytes(csum, 0, { flags: 3, itableUnused: 200 }), csum, 0);
    expect([d.flags, d.itableUnused]).toEqual([3, 200]);
  });

  it('rejects a group number outside the filesystem', () => {
    expectCorrupt(() => decodeGroupDescriptor(descriptorBytes(g, 1), g, 2), 'group descriptor 2', 'outside 0..1');
  });

  it('checks the last group against its shorter length', () => {
    const short = geometry(0, { blocksCount: 8193 + 100, freeBlocksCount: 10 });
    const raw = descriptorBytes(short, 1, { freeBlocksCount: 101 });
    expectCorrupt(() => decodeGroupDescriptor(raw, short, 1), 'group descriptor 1', 'bg_free_blocks_count 101', '100 blocks');
    expect(patch(raw, G, 'freeBlocksCount', 100)).toBeTruthy();
    expect(decodeGroupDescriptor(raw, short, 1).freeBlocksCount).toBe(100);
  });
});
