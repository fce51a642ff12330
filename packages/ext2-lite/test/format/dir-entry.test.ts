import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DIR_ENTRY_FIELDS,
  FILE_TYPE,
  deleteDirEntry,
  emptyDirBlock,
  fileTypeFromMode,
  insertDirEntry,
  minRecLen,
  newDirBlock,
  readDirBlock,
  recLenFromDisk,
  recLenToDisk,
  type DirBlockOptions,
} from '../../src/format/dir-entry.js';
import { S_IF } from '../../src/format/inode.js';
import { expectCorrupt, expectFsError, patch, text, utf8 } from './helpers.js';

const D = DIR_ENTRY_FIELDS;
const opts: DirBlockOptions = { filetype: true, inodesCount: 5000, dirIno: 12, blockIndex: 0, deviceBlock: 707 };
const live = (block: Uint8Array, o = opts) => readDirBlock(block, o).filter((e) => e.inode !== 0).map((e) => [e.inode, text(e.name), e.fileType, e.offset, e.recLen]);

/** '.' (12), '..' (12), "hello" (16), "x" (rest of the block). */
function sampleBlock(bs = 1024): Uint8Array {
  let b = newDirBlock(12, 2, bs, true);
  b = insertDirEntry(b, { inode: 13, name: utf8('hello'), fileType: FILE_TYPE.REG_FILE }, opts)!.block;
  return insertDirEntry(b, { inode: 14, name: utf8('x'), fileType: FILE_TYPE.DIR }, opts)!.block;
}

describe('directory blocks (EXT2.md 4.1-4.2)', () => {
  it("reads '.', '..' and named entries with their file types", () => {
    expect(live(sampleBlock())).toEqual([
      [12, '.', 2, 0, 12],
      [2, '..', 2, 12, 12],
      [13, 'hello', 1, 24, 16],
      [14, 'x', 2, 40, 984],
    ]);
  });

  it('reads the file_type byte as 0 without the filetype feature, and requires it to be 0', () => {
    const b = newDirBlock(12, 2, 1024, false);
    expect(readDirBlock(b, { ...opts, filetype: false }).map((e) => e.fileType)).toEqual([0, 0]);
    expectCorrupt(() => readDirBlock(newDirBlock(12, 2, 1024, true), { ...opts, filetype: false }), 'directory entry of inode 12', 'file_type byte 2', 'byte 0');
  });

  it('reads an empty block as one unused entry', () => {
    expect(readDirBlock(emptyDirBlock(2048), opts)).toEqual([{ offset: 0, inode: 0, recLen: 2048, nameLen: 0, fileType: 0, name: new Uint8Array(0) }]);
  });

  it('gives the minimal rec_len rule', () => {
    expect([0, 1, 4, 5, 8, 255].map(minRecLen)).toEqual([8, 12, 12, 16, 16, 264]);
  });

  it('maps i_mode types to file_type', () => {
    expect([S_IF.REG, S_IF.DIR, S_IF.CHR, S_IF.BLK, S_IF.FIFO, S_IF.SOCK, S_IF.LNK, 0].map((t) => fileTypeFromMode(t | 0o644))).toEqual([1, 2, 3, 4, 5, 6, 7, 0]);
  });

  it('folds rec_len 65536 and above for 64 KiB blocks', () => {
    expect(recLenToDisk(65536, 65536)).toBe(65535);
    expect(recLenFromDisk(65535, 65536)).toBe(65536);
    expect(recLenFromDisk(0, 65536)).toBe(65536);
    expect(recLenFromDisk(1000, 4096)).toBe(1000);
    const big = emptyDirBlock(65536);
    expect(readDirBlock(big, opts)[0]?.recLen).toBe(65536);
    const b = newDirBlock(12, 2, 65536, true);
    expect(readDirBlock(b, opts).map((e) => e.recLen)).toEqual([12, 65524]);
  });
});

describe('directory block corruption: each is EUCLEAN naming the field and the byte', () => {
  const cases: Array<[string, (b: Uint8Array) => void, string]> = [
    ['rec_len below 12', (b) => patch(b, D, 'recLen', 8, 24), 'rec_len 8'],
    ['rec_len 0', (b) => patch(b, D, 'recLen', 0, 24), 'rec_len 0'],
    ['rec_len not a multiple of 4', (b) => patch(b, D, 'recLen', 18, 24), 'rec_len 18'],
    ['rec_len past the block end', (b) => patch(b, D, 'recLen', 1000, 40), 'rec_len 1000'],
    ['chain ending short of the block end', (b) => patch(b, D, 'recLen', 976, 40), 'bytes left'],
    ['name_len beyond rec_len - 8', (b) => patch(b, D, 'nameLen', 9, 24), 'name_len 9'],
    ['inode above s_inodes_count', (b) => patch(b, D, 'inode', 5001, 24), 'inode 5001'],
    ['a reserved inode', (b) => patch(b, D, 'inode', 5, 24), 'inode 5'],
    ['name_len 0 on a live entry', (b) => patch(b, D, 'nameLen', 0, 24), 'name_len 0'],
    ['a slash in the name', (b) => void (b[24 + 8 + 2] = 0x2f), "'/'"],
    ['a NUL in the name', (b) => void (b[24 + 8 + 2] = 0), 'NUL'],
    ['file_type above 7', (b) => patch(b, D, 'fileType', 8, 24), 'file_type 8'],
  ];
  for (const [what, mutate, field] of cases) {
    it(`rejects ${what}`, () => {
      const b = sampleBlock();
      mutate(b);
      const err = expectCorrupt(() => readDirBlock(b, opts), 'corrupt directory entry of inode 12 at logical block 0 device block 707', field);
      expect(err.message).toMatch(/byte (24|40|1016)\b/);
    });
  }

  it('ignores name checks and inode range on unused entries but still checks their geometry', () => {
    const b = sampleBlock();
    patch(b, D, 'inode', 0, 24);
    b[24 + 8] = 0x2f;
    expect(live(b).map((e) => e[1])).toEqual(['.', '..', 'x']);
    patch(b, D, 'nameLen', 200, 24);
    expectCorrupt(() => readDirBlock(b, opts), 'directory entry of inode 12', 'name_len 200');
  });

  it('never returns a partial result from a corrupt block', () => {
    fc.assert(
      fc.property(fc.nat(1023), fc.nat(255), (pos, value) => {
        const b = sampleBlock();
        b[pos] = value;
        try {
          const entries = readDirBlock(b, opts);
          const covered = entries.reduce((n, e) => n + e.recLen, 0);
          expect(covered).toBe(1024);
          for (const e of entries) expect(e.offset + e.recLen).toBeLessThanOrEqual(1024);
        } catch (err) {
          expect((err as { code?: string }).code).toBe('EUCLEAN');
        }
      }),
    );
  });
});

describe('insert and delete like ext2 (EXT2.md 4.3)', () => {
  it("splits '..' of a fresh 1 KiB directory block (the worked example)", () => {
    const r = insertDirEntry(newDirBlock(12, 2, 1024, true), { inode: 13, name: utf8('hello'), fileType: 1 }, opts);
    expect(r?.offset).toBe(24);
    expect(live(r!.block)).toEqual([
      [12, '.', 2, 0, 12],
      [2, '..', 2, 12, 12],
      [13, 'hello', 1, 24, 1000],
    ]);
  });

  it('reuses an unused slot that is large enough, whole', () => {
    const b = deleteDirEntry(sampleBlock(), 0, opts); // first entry: just inode 0
    expect(readDirBlock(b, opts)[0]).toMatchObject({ inode: 0, recLen: 12 });
    const r = insertDirEntry(b, { inode: 20, name: utf8('ab'), fileType: 1 }, opts);
    expect(r?.offset).toBe(0);
    expect(readDirBlock(r!.block, opts)[0]).toMatchObject({ inode: 20, recLen: 12, nameLen: 2 });
  });

  it('merges a deleted entry into the previous one', () => {
    const b = deleteDirEntry(sampleBlock(), 24, opts);
    expect(live(b)).toEqual([
      [12, '.', 2, 0, 12],
      [2, '..', 2, 12, 28],
      [14, 'x', 2, 40, 984],
    ]);
    expectFsError(() => deleteDirEntry(b, 30, opts), 'EINVAL');
  });

  it('returns undefined when no entry has room', () => {
    let b = newDirBlock(12, 2, 1024, true);
    const name = utf8('n'.repeat(250));
    for (let i = 0; i < 3; i++) b = insertDirEntry(b, { inode: 20 + i, name, fileType: 1 }, opts)!.block;
    expect(insertDirEntry(b, { inode: 30, name, fileType: 1 }, opts)).toBeUndefined();
    expect(insertDirEntry(b, { inode: 30, name: utf8('short'), fileType: 1 }, opts)).toBeDefined();
  });

  it('refuses bad names and inode numbers', () => {
    const b = newDirBlock(12, 2, 1024, true);
    expectFsError(() => insertDirEntry(b, { inode: 13, name: new Uint8Array(256), fileType: 1 }, opts), 'ENAMETOOLONG');
    expectFsError(() => insertDirEntry(b, { inode: 13, name: utf8('a/b'), fileType: 1 }, opts), 'EINVAL');
    expectFsError(() => insertDirEntry(b, { inode: 0, name: utf8('a'), fileType: 1 }, opts), 'EINVAL');
    expectFsError(() => insertDirEntry(b, { inode: 13, name: utf8('a'), fileType: 9 }, opts), 'EINVAL');
  });

  it('keeps the block valid and equal to a model through random inserts and deletes (fast-check)', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), name: fc.stringMatching(/^[a-z0-9]{1,40}$/) }),
      fc.record({ kind: fc.constant('del' as const), pick: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.constantFrom(1024, 2048, 4096), fc.array(op, { maxLength: 120 }), (bs, ops) => {
        let b = newDirBlock(12, 2, bs, true);
        const model = new Map<string, number>();
        let next = 20;
        for (const o of ops) {
          if (o.kind === 'add') {
            if (model.has(o.name)) continue;
            const r = insertDirEntry(b, { inode: next, name: utf8(o.name), fileType: 1 }, opts);
            if (r === undefined) continue;
            b = r.block;
            model.set(o.name, next++);
          } else {
            const named = readDirBlock(b, opts).filter((e) => e.inode !== 0 && e.offset >= 24);
            const victim = named[o.pick % Math.max(1, named.length)];
            if (victim === undefined) continue;
            b = deleteDirEntry(b, victim.offset, opts);
            model.delete(text(victim.name));
          }
        }
        const entries = readDirBlock(b, opts);
        expect(entries.reduce((n, e) => n + e.recLen, 0)).toBe(bs);
        const seen = new Map(entries.filter((e) => e.inode !== 0 && e.offset >= 24).map((e) => [text(e.name), e.inode]));
        expect(seen).toEqual(model);
      }),
    );
  });
});
