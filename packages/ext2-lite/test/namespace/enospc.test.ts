// Running out of inodes or blocks in the middle of a namespace change
// (EXT2.md 2.6, 3.10): the call fails with ENOSPC and leaves nothing behind —
// no half-made inode, no allocated block, counters exact — so the image is
// e2fsck-clean and every free inode and block comes back.
import { describe, expect, it } from 'vitest';
import type { Ext2Filesystem } from '../../src/index.js';
import type { Ext2Inode } from '../../src/inode/ext2-inode.js';
import { DIR, FILE, SHAPES, codeOf, enc, haveE2fsprogs, init, onImage } from './fixtures.js';

const suite = haveE2fsprogs ? describe : describe.skip;

suite('ENOSPC in namespace changes', () => {
  it('fails creates cleanly when the inodes run out', async () => {
    let created = 0;
    const image = await onImage(
      SHAPES[0],
      async (fs) => {
        const d = await fs.mkdir(fs.root, enc('d'), init(DIR));
        for (;;) {
          const code = await codeOf(fs.create(d, enc(`f${created}`), init(FILE)));
          if (code !== 'resolved') {
            expect(code).toBe('ENOSPC');
            break;
          }
          created++;
        }
        expect((await fs.statfs()).ffree).toBe(0);
        expect(await codeOf(fs.mkdir(d, enc('more'), init(DIR)))).toBe('ENOSPC');
        expect(await codeOf(fs.symlink(d, enc('s'), enc('t'), init(0o120777)))).toBe('ENOSPC');
        await fs.unlink(d, enc('f0'));
        await fs.create(d, enc('again'), init(FILE));
      },
      { extra: ['-N', '64'] },
    );
    try {
      expect(created).toBeGreaterThan(40);
      const fsck = image.fsck();
      expect(fsck.problems, fsck.output).toEqual([]);
    } finally {
      await image.cleanup();
    }
  });

  it('rolls back mkdir, slow symlinks, directory growth and xattr blocks when the blocks run out', async () => {
    const image = await onImage(
      SHAPES[2],
      async (fs) => {
        const d = await fs.mkdir(fs.root, enc('d'), init(DIR));
        const names: string[] = [];
        // Fill most of the directory's first block, then every data block with one file.
        for (let i = 0; i < 20; i++) {
          names.push(`entry-${i}-${'p'.repeat(60)}`);
          await fs.create(d, enc(names[i] as string), init(FILE));
        }
        const x = await fs.create(fs.root, enc('x'), init(FILE));
        const filler = await fs.create(fs.root, enc('filler'), init(FILE));
        const chunk = new Uint8Array(64 * 1024).fill(9);
        for (let pos = 0; ; pos += chunk.length) {
          const code = await codeOf(fs.write(filler, pos, chunk));
          if (code !== 'resolved') {
            expect(code).toBe('ENOSPC');
            break;
          }
        }
        await fs.sync();
        for (let pos = (await fs.getattr(filler)).size; ; pos += 2048) {
          if ((await codeOf(fs.write(filler, pos, new Uint8Array(2048)))) !== 'resolved') break;
        }
        await fs.sync();
        const before = await fs.statfs();
        expect(await codeOf(fs.mkdir(fs.root, enc('nodir'), init(DIR)))).toBe('ENOSPC');
        expect(await codeOf(fs.symlink(fs.root, enc('slow'), enc('y'.repeat(100)), init(0o120777)))).toBe('ENOSPC');
        expect(await codeOf(fs.setxattr(x, 'user.big', new Uint8Array(1500)))).toBe('ENOSPC');
        let grown = 'resolved';
        for (let i = 20; grown === 'resolved' && i < 200; i++) grown = await codeOf(fs.create(d, enc(`entry-${i}-${'p'.repeat(60)}`), init(FILE)));
        expect(grown).toBe('ENOSPC');
        // A fast symlink needs no block.
        await fs.symlink(fs.root, enc('fast'), enc('filler'), init(0o120777));
        const after = await fs.statfs();
        expect(after.bfree).toBe(before.bfree);
        expect(after.ffree).toBe(before.ffree - 1 - (await countNewEntries(fs, d, names.length)));
      },
      { sizeBytes: 2 << 20 },
    );
    try {
      const fsck = image.fsck();
      expect(fsck.problems, fsck.output).toEqual([]);
    } finally {
      await image.cleanup();
    }
  });
});

/** Entries of `dir` beyond the first `known` (the ones created in the last, partly failing loop). */
async function countNewEntries(fs: Ext2Filesystem, dir: Ext2Inode, known: number): Promise<number> {
  let n = 0;
  for await (const _ of fs.readdir(dir)) n++;
  return n - 2 - known;
}
