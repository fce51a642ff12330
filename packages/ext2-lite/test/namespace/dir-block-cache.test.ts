// Directory entries are edited where the block lives, in the directory's
// page cache (dir-block-cache.ts, EXT2.md 4.3): an unlink dirties the cached
// folio in place; a block whose folio was dropped from the cache is read
// back and then edited there. Either way the image is e2fsck-clean and
// debugfs sees the names left.
import { describe, expect, it } from 'vitest';
import type { Ext2Inode } from '../../src/inode/ext2-inode.js';
import { DIR, FILE, SHAPES, debugfsTree, enc, haveE2fsprogs, init, onImage, shapeName } from './fixtures.js';

const suite = haveE2fsprogs ? describe : describe.skip;
const ALL = Number.MAX_SAFE_INTEGER;

suite('directory blocks edited in the page cache (EXT2.md 4.3)', () => {
  for (const shape of SHAPES) {
    it(`unlinks in place, and edits blocks dropped from the cache after reading them back (${shapeName(shape)})`, async () => {
      const names = Array.from({ length: 120 }, (_, i) => `entry-${String(i).padStart(3, '0')}`);
      const image = await onImage(shape, async (fs) => {
        const dir = (await fs.mkdir(fs.root, enc('d'), init(DIR))) as Ext2Inode;
        for (const name of names) await fs.create(dir, enc(name), init(FILE));
        await fs.sync();
        const mapping = dir.mapping;
        if (mapping === undefined) throw new Error('the directory has no page cache after its entries were written');
        expect(mapping.dirtyFolios.size).toBe(0);
        // In place: the cached block holding the name loses it and is dirty; no other folio appears.
        const folios = mapping.folios.count;
        await fs.unlink(dir, enc(names[0] as string));
        expect(mapping.dirtyFolios.size).toBe(1);
        expect(mapping.folios.count).toBe(folios);
        // Dropped from the cache: the next edits read the blocks back first.
        await fs.sync();
        await mapping.invalidateRange(0, ALL);
        expect(mapping.lookup(0)).toBeUndefined();
        for (let i = 1; i < names.length; i += 2) await fs.unlink(dir, enc(names[i] as string));
        await fs.sync();
        await mapping.invalidateRange(0, ALL);
        await fs.create(dir, enc('late'), init(FILE));
        await fs.rename(dir, enc(names[2] as string), dir, enc(names[4] as string));
      });
      try {
        const fsck = image.fsck();
        expect(fsck.problems, fsck.output).toEqual([]);
        const left = names.filter((_, i) => i !== 0 && i % 2 === 0 && i !== 2).concat('late');
        const seen = [...debugfsTree(image).keys()].filter((p) => p.startsWith('/d/')).map((p) => p.slice(3));
        expect(seen.sort()).toEqual(left.sort());
      } finally {
        await image.cleanup();
      }
    });
  }
});
