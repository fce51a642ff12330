// In-place directory-block edits (EXT2.md 4.2-4.3) and the slack the
// directory index keeps per block: set_link, one-entry growth blocks,
// structural checks, byte-for-byte agreement with format/dir-entry.ts's
// insertDirEntry/deleteDirEntry, and slack == what an insert can use.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CorruptFilesystemError } from '@iomap/core';
import { FILE_TYPE, deleteDirEntry, insertDirEntry, minRecLen, newDirBlock, readDirBlock, type DirBlockOptions } from '../../src/format/dir-entry.js';
import { blockSlackOf, insertEntryInPlace, removeEntryInPlace, retargetEntryInPlace, singleEntryDirBlock } from '../../src/dir/dir-block-edit.js';
import { blockSlack, nameKey } from '../../src/dir/dir-index.js';
import { expectFsError, text, utf8 } from '../format/helpers.js';

const opts: DirBlockOptions = { filetype: true, inodesCount: 5000, dirIno: 12 };
const site = { dirIno: 12, blockIndex: 3 };
const live = (block: Uint8Array, o = opts) => readDirBlock(block, o).filter((e) => e.inode !== 0).map((e) => [e.inode, text(e.name), e.fileType, e.offset, e.recLen]);

describe('in-place directory block edits (EXT2.md 4.3)', () => {
  it('re-points an entry without touching its name or rec_len (set_link)', () => {
    const b = newDirBlock(12, 2, 1024, true);
    expect(insertEntryInPlace(b, { inode: 13, name: utf8('hello'), fileType: FILE_TYPE.REG_FILE }, true, site)).toBe(24);
    retargetEntryInPlace(b, 24, { inode: 40, fileType: FILE_TYPE.SYMLINK }, true, site);
    expect(live(b)).toEqual([
      [12, '.', 2, 0, 12],
      [2, '..', 2, 12, 12],
      [40, 'hello', 7, 24, 1000],
    ]);
    retargetEntryInPlace(b, 12, { inode: 99, fileType: FILE_TYPE.DIR }, true, site);
    expect(live(b)[1]).toEqual([99, '..', 2, 12, 12]);
  });

  it('writes file_type 0 without the filetype feature', () => {
    const b = newDirBlock(20, 12, 1024, false);
    retargetEntryInPlace(b, 12, { inode: 2, fileType: FILE_TYPE.DIR }, false, site);
    expect(b[12 + 7]).toBe(0);
    expect(insertEntryInPlace(b, { inode: 30, name: utf8('x'), fileType: FILE_TYPE.REG_FILE }, false, site)).toBe(24);
    expect(b[24 + 7]).toBe(0);
  });

  it('refuses offsets that are not (live) entries', () => {
    const b = newDirBlock(12, 2, 1024, true);
    insertEntryInPlace(b, { inode: 13, name: utf8('a'), fileType: 1 }, true, site);
    removeEntryInPlace(b, 24, site);
    expectFsError(() => retargetEntryInPlace(b, 24, { inode: 14, fileType: 1 }, true, site), 'EINVAL', 'byte 24');
    expectFsError(() => removeEntryInPlace(b, 16, site), 'EINVAL', 'byte 16');
  });

  it('reports a broken rec_len chain as corruption, naming the block', () => {
    const b = newDirBlock(12, 2, 1024, true);
    b[12 + 4] = 10;
    b[12 + 5] = 0;
    expect(() => blockSlackOf(b, site)).toThrow(CorruptFilesystemError);
    expect(() => blockSlackOf(b, site)).toThrow(/logical block 3 byte 12/);
  });

  it('grows a directory by a block whose one entry covers it all', () => {
    const b = singleEntryDirBlock({ inode: 77, name: utf8('z'.repeat(255)), fileType: FILE_TYPE.FIFO }, 1024, true);
    expect(live(b)).toEqual([[77, 'z'.repeat(255), 5, 0, 1024]]);
    expect(blockSlackOf(b, site)).toBe(1024 - minRecLen(255));
  });

  it('edits exactly as insertDirEntry/deleteDirEntry do, and slack predicts whether an insert fits (random sequences)', () => {
    const step = fc.record({ len: fc.integer({ min: 1, max: 120 }), remove: fc.boolean(), pick: fc.nat() });
    fc.assert(
      fc.property(fc.constantFrom(1024, 2048, 4096), fc.array(step, { maxLength: 80 }), fc.integer({ min: 1, max: 255 }), (bs, steps, probe) => {
        let reference = newDirBlock(12, 2, bs, true);
        const ours = reference.slice();
        const placed: number[] = [];
        let ino = 100;
        for (const s of steps) {
          if (s.remove && placed.length > 0) {
            const [offset] = placed.splice(s.pick % placed.length, 1) as [number];
            reference = deleteDirEntry(reference, offset, opts);
            const slackBefore = blockSlackOf(ours, site);
            const room = removeEntryInPlace(ours, offset, site);
            // The index updates slack from the returned room alone (no second pass over the block).
            expect(Math.max(slackBefore, room)).toBe(blockSlackOf(ours, site));
          } else {
            const entry = { inode: ino, name: utf8(`${ino}`.padEnd(s.len, 'n')), fileType: 1 };
            ino++;
            const made = insertDirEntry(reference, entry, opts);
            const at = insertEntryInPlace(ours, entry, true, site);
            expect(at).toBe(made?.offset);
            if (made !== undefined) {
              reference = made.block;
              placed.push(made.offset);
            }
          }
          // Byte comparison without the matcher's diffing (thousands of 4 KiB blocks).
          expect(Buffer.compare(ours, reference)).toBe(0);
        }
        const slack = blockSlackOf(ours, site);
        expect(slack).toBe(blockSlack(readDirBlock(ours, opts)));
        const fits = insertDirEntry(ours, { inode: 4999, name: utf8('p'.repeat(probe)), fileType: 1 }, opts) !== undefined;
        expect(fits).toBe(minRecLen(probe) <= slack);
      }),
      { numRuns: 200 },
    );
  });

  it('keys names by their bytes, so non-UTF-8 names stay distinct', () => {
    expect(nameKey(new Uint8Array([0xff, 0x41]))).not.toBe(nameKey(new Uint8Array([0xfe, 0x41])));
    expect(nameKey(utf8('é'))).toBe('\u00c3\u00a9');
  });
});
