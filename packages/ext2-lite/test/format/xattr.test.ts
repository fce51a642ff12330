import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  XATTR_ENTRY_FIELDS,
  XATTR_HEADER_FIELDS,
  buildInodeXattrArea,
  buildXattrBlock,
  decodeInodeXattrs,
  decodeXattrBlock,
  encodeXattrBlockHeader,
  splitXattrName,
  xattrBlockHash,
  xattrEntryHash,
  xattrFullName,
  type NewXattr,
} from '../../src/format/xattr.js';
import { diffOffsets, expectCorrupt, patch, peek, text, utf8 } from './helpers.js';

const H = XATTR_HEADER_FIELDS;
const E = XATTR_ENTRY_FIELDS;
const attr = (nameIndex: number, name: string, value: string | Uint8Array): NewXattr => ({
  nameIndex,
  name: utf8(name),
  value: typeof value === 'string' ? utf8(value) : value,
});

describe('xattr hashes (kernel ext2_xattr_hash_entry, e2fsprogs ext2fs_ext_attr_hash_entry)', () => {
  it('matches values written by e2fsprogs 1.47 debugfs ea_set', () => {
    // Read back from an EA block made by `debugfs -w -R "ea_set f <name> <value>"` on e2fsprogs 1.47.0.
    expect(xattrEntryHash(utf8('beta'), utf8('0123456789'))).toBe(0x9ce73f0e);
    expect(xattrEntryHash(utf8('alpha'), utf8('abc'))).toBe(0xcd026446);
    expect(xattrEntryHash(utf8('zz'), utf8('zzzz'))).toBe(0x75407a7a);
    expect(xattrEntryHash(utf8('selinux'), utf8('system_u:object_r:foo_t:s0'))).toBe(0x16dc00e2);
    expect(xattrEntryHash(utf8('é'), utf8('hé'))).toBe(0x1860c368);
  });

  it('computes the signed-char variant the x86 kernel produces for bytes >= 0x80', () => {
    expect(xattrEntryHash(utf8('é'), utf8('hé'), 3, true)).toBe(0x077fc368);
    expect(xattrEntryHash(utf8('ascii'), utf8('v'), 1, true)).toBe(xattrEntryHash(utf8('ascii'), utf8('v')));
  });

  it('follows the rotate/xor formula on small inputs', () => {
    expect(xattrEntryHash(utf8('a'), new Uint8Array(0))).toBe(0x61);
    expect(xattrEntryHash(utf8('ab'), new Uint8Array(0))).toBe(((0x61 << 5) ^ 0x62) >>> 0);
    expect(xattrEntryHash(utf8('a'), utf8('abc'))).toBe((0x00610000 ^ 0x00636261) >>> 0);
  });

  it('chains entry hashes into the block hash and zeroes it on an entry hash of 0', () => {
    expect(xattrBlockHash([])).toBe(0);
    expect(xattrBlockHash([1])).toBe(1);
    expect(xattrBlockHash([1, 2])).toBe(0x10002);
    expect(xattrBlockHash([0x12345678, 0x9abcdef0])).toBe((0x56781234 ^ 0x9abcdef0) >>> 0);
    expect(xattrBlockHash([5, 0, 7])).toBe(0);
  });
});

describe('xattr blocks (EXT2.md 5.1)', () => {
  const attrs = [attr(1, 'beta', '0123456789'), attr(4, 'zz', 'zzzz'), attr(1, 'alpha', 'abc'), attr(2, '', new Uint8Array([1, 0, 0, 0, 1, 0, 6, 0]))];

  it('builds a block in kernel order with values packed from the end, and decodes it', () => {
    const raw = buildXattrBlock(attrs, { blockSize: 1024 })!;
    const b = decodeXattrBlock(raw, { block: 516, ino: 13 });
    expect([b.magic, b.refcount, b.blocks]).toEqual([0xea020000, 1, 1]);
    expect(b.entries.map((e) => [xattrFullName(e), text(e.value).length, e.valueOffs])).toEqual([
      ['user.beta', 10, 1012],
      ['user.alpha', 3, 1008],
      ['system.posix_acl_access', 8, 1000],
      ['trusted.zz', 4, 996],
    ]);
    expect(b.hash).toBe(xattrBlockHash(b.entries.map((e) => e.hash)));
    expect(text(b.entries[0]!.value)).toBe('0123456789');
  });

  it('round-trips random attribute sets and keeps unknown bytes on header edits (fast-check)', () => {
    const arbAttr = fc.record({
      nameIndex: fc.constantFrom(1, 4, 6, 7),
      name: fc.uint8Array({ minLength: 1, maxLength: 20 }).map((n) => n.map((c) => (c === 0 ? 1 : c))),
      value: fc.uint8Array({ maxLength: 60 }),
    });
    fc.assert(
      fc.property(fc.uniqueArray(arbAttr, { maxLength: 12, selector: (a) => `${a.nameIndex}:${Array.from(a.name).join(',')}` }), (list) => {
        const raw = buildXattrBlock(list, { blockSize: 1024, refcount: 3 });
        if (raw === undefined) return;
        raw.fill(0x77, 0x14, 0x20); // reserved header bytes we do not interpret
        const b = decodeXattrBlock(raw, { block: 9 });
        const got = b.entries.map((e) => `${e.nameIndex}:${Array.from(e.name).join(',')}=${Array.from(e.value).join(',')}`).sort();
        const want = list.map((a) => `${a.nameIndex}:${Array.from(a.name).join(',')}=${Array.from(a.value).join(',')}`).sort();
        expect(got).toEqual(want);
        expect(encodeXattrBlockHeader(b)).toEqual(raw);
        const bumped = encodeXattrBlockHeader({ ...b, refcount: 4 });
        expect(diffOffsets(raw, bumped).every((o) => o >= 4 && o < 8)).toBe(true);
      }),
    );
  });

  it('returns undefined when the attributes do not fit', () => {
    expect(buildXattrBlock([attr(1, 'big', new Uint8Array(1000))], { blockSize: 1024 })).toBeUndefined();
  });

  const block = () => buildXattrBlock([attr(1, 'alpha', 'abc'), attr(1, 'beta', '0123456789')], { blockSize: 1024 })!;
  // Entries: beta at 32 (len 20), alpha at 52 (len 24); terminator at 76.
  const cases: Array<[string, (b: Uint8Array) => void, string]> = [
    ['h_magic', (b) => patch(b, H, 'magic', 0x12345678), 'h_magic 0x12345678'],
    ['the v1 magic', (b) => patch(b, H, 'magic', 0xea010000), 'old v1 format'],
    ['h_blocks', (b) => patch(b, H, 'blocks', 2), 'h_blocks 2'],
    ['h_refcount 0', (b) => patch(b, H, 'refcount', 0), 'h_refcount 0'],
    ['e_name_index 0', (b) => patch(b, E, 'nameIndex', 0, 32), 'e_name_index 0'],
    ['e_value_inum', (b) => patch(b, E, 'valueInum', 99, 32), 'e_value_inum 99'],
    ['e_value_offs past the block', (b) => patch(b, E, 'valueOffs', 1020, 32), 'e_value_offs 1020'],
    ['e_value_size past the block', (b) => patch(b, E, 'valueSize', 0xffffffff, 32), 'e_value_size 4294967295'],
    ['a value overlapping the entries', (b) => patch(b, E, 'valueOffs', 40, 32), 'overlaps'],
    ['two overlapping values', (b) => patch(b, E, 'valueOffs', peek(b, E, 'valueOffs', 32), 52), 'overlaps'],
    ['e_hash', (b) => patch(b, E, 'hash', 4660, 32), 'e_hash 4660'],
  ];
  for (const [what, mutate, mention] of cases) {
    it(`rejects ${what}`, () => {
      const b = block();
      mutate(b);
      expectCorrupt(() => decodeXattrBlock(b, { block: 517, ino: 12 }), 'corrupt xattr block of inode 12 at block 517', mention);
    });
  }

  it('accepts an entry hash computed with signed chars', () => {
    const b = buildXattrBlock([attr(1, 'é', 'hé')], { blockSize: 1024 })!;
    patch(b, E, 'hash', 0x077fc368, 32);
    expect(decodeXattrBlock(b, { block: 1 }).entries[0]?.hash).toBe(0x077fc368);
  });
});

describe('in-inode xattrs (EXT2.md 5.2)', () => {
  function inodeWith(attrs: NewXattr[], extraIsize = 32): Uint8Array {
    const inode = new Uint8Array(256);
    inode.set(buildInodeXattrArea(attrs, 256 - 128 - extraIsize)!, 128 + extraIsize);
    return inode;
  }

  it('decodes entries whose value offsets count from the first entry', () => {
    const inode = inodeWith([attr(1, 'small', 'abc'), attr(6, 'x', '')]);
    const entries = decodeInodeXattrs(inode, { ino: 12, extraIsize: 32 });
    expect(entries.map((e) => [xattrFullName(e), text(e.value)])).toEqual([
      ['user.small', 'abc'],
      ['security.x', ''],
    ]);
    expect(entries[0]!.valueOffs).toBe(96 - 4 - 4);
  });

  it('accepts e_hash 0 as the kernel writes it, and rejects a wrong non-zero hash', () => {
    const inode = inodeWith([attr(1, 'small', 'abc')]);
    patch(inode, E, 'hash', 0, 128 + 32 + 4);
    expect(decodeInodeXattrs(inode, { ino: 12, extraIsize: 32 })).toHaveLength(1);
    patch(inode, E, 'hash', 1, 128 + 32 + 4);
    expectCorrupt(() => decodeInodeXattrs(inode, { ino: 12, extraIsize: 32 }), 'in-inode xattrs of inode 12 at inode byte 160', 'e_hash 1');
  });

  it('is empty without the magic or without room for it', () => {
    expect(decodeInodeXattrs(new Uint8Array(256), { ino: 12, extraIsize: 32 })).toEqual([]);
    expect(decodeInodeXattrs(new Uint8Array(128), { ino: 12, extraIsize: 0 })).toEqual([]);
    expect(decodeInodeXattrs(inodeWith([attr(1, 'a', 'b')]), { ino: 12, extraIsize: 124 })).toEqual([]);
  });

  it('rejects an e_name_len that runs past the inode (no room left for the terminator)', () => {
    const inode = inodeWith([attr(1, 'small', 'abc')]);
    patch(inode, E, 'nameLen', 255, 128 + 32 + 4);
    expectCorrupt(() => decodeInodeXattrs(inode, { ino: 12, extraIsize: 32 }), 'in-inode xattrs of inode 12', 'e_name_len 255');
  });

  it('rejects an entry whose header is cut off by the end of the inode', () => {
    const area = new Uint8Array(96);
    const view = new DataView(area.buffer);
    view.setUint32(0, 0xea020000, true);
    const name = utf8('n'.repeat(61)); // entry length 80: the next entry starts at 84, 12 bytes before the end
    patch(area, E, 'nameLen', 61, 4);
    patch(area, E, 'nameIndex', 1, 4);
    patch(area, E, 'hash', xattrEntryHash(name, new Uint8Array(0)), 4);
    area.set(name, 4 + 16);
    area[84] = 1;
    const inode = new Uint8Array(256);
    inode.set(area, 160);
    expectCorrupt(() => decodeInodeXattrs(inode, { ino: 12, extraIsize: 32 }), 'in-inode xattrs of inode 12', 'entry at byte 84 is cut off');
    area[84] = 0;
    inode.set(area, 160);
    expect(decodeInodeXattrs(inode, { ino: 12, extraIsize: 32 }).map((e) => e.nameLen)).toEqual([61]);
  });

  it('rejects a value running past the inode', () => {
    const inode = inodeWith([attr(1, 'small', 'abc')]);
    patch(inode, E, 'valueSize', 200, 128 + 32 + 4);
    expectCorrupt(() => decodeInodeXattrs(inode, { ino: 12, extraIsize: 32 }), 'in-inode xattrs of inode 12', 'e_value_size 200');
  });

  it('returns undefined when the area is too small', () => {
    expect(buildInodeXattrArea([attr(1, 'big', new Uint8Array(100))], 96)).toBeUndefined();
    expect(buildInodeXattrArea([], 96)).toEqual(new Uint8Array(96));
  });
});

describe('xattr names', () => {
  it('splits full names on the longest known prefix', () => {
    expect(splitXattrName('user.mime_type')).toEqual({ nameIndex: 1, name: utf8('mime_type') });
    expect(splitXattrName('system.posix_acl_access')).toEqual({ nameIndex: 2, name: new Uint8Array(0) });
    expect(splitXattrName('system.other')).toEqual({ nameIndex: 7, name: utf8('other') });
    expect(splitXattrName('security.selinux')?.nameIndex).toBe(6);
    expect(splitXattrName('bogus.x')).toBeUndefined();
    expect(xattrFullName({ nameIndex: 99, name: utf8('x') })).toBeUndefined();
  });
});
