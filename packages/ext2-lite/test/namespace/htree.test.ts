// Indexed (dir_index) directories (EXT2.md 4.6): we read them linearly and
// do not maintain the index, so any change of an indexed directory clears
// INDEX_FL in the same update — e2fsck then checks it as a linear directory
// and finds nothing, and the kernel still lists every name.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireTool } from '../support/e2fsprogs.js';
import { DIR, FILE, debugfsTree, SHAPES, ScratchImage, enc, haveE2fsprogs, haveKernelMount, init, withKernelMount } from './fixtures.js';

const suite = haveE2fsprogs ? describe : describe.skip;
const E2FSCK = requireTool('e2fsck') ?? 'e2fsck';

/** An image whose /big and /moved (300 entries each) carry an htree index built by `e2fsck -fD`, and an empty /other. */
function indexedImage(shape: (typeof SHAPES)[number]): ScratchImage {
  const src = mkdtempSync(join(tmpdir(), 'ext2-htree-src-'));
  try {
    for (const dir of ['big', 'moved']) {
      mkdirSync(join(src, dir));
      for (let i = 0; i < 300; i++) writeFileSync(join(src, dir, `name-${i}-${'q'.repeat(i % 50)}`), '');
    }
    mkdirSync(join(src, 'other'));
    const image = new ScratchImage(shape, { extra: ['-O', 'dir_index', '-d', src] });
    const r = spawnSync(E2FSCK, ['-fyD', image.path], { encoding: 'utf8' });
    if ((r.status ?? 8) > 1) throw new Error(`e2fsck -fyD failed: ${r.stdout}${r.stderr}`);
    return image;
  } finally {
    rmSync(src, { recursive: true, force: true });
  }
}

const flagsOf = (image: ScratchImage, path: string): number => Number(/Flags: (0x[0-9a-f]+)/.exec(image.debugfs([`stat ${path}`]))?.[1]);

suite('htree directories (EXT2.md 4.6)', () => {
  for (const shape of [SHAPES[0], SHAPES[5]]) {
    it(`clears INDEX_FL on every kind of change and stays e2fsck-clean (${shape.blockSize / 1024} KiB blocks)`, async () => {
      const image = indexedImage(shape);
      try {
        expect(flagsOf(image, '/big') & 0x1000).toBe(0x1000);
        expect(flagsOf(image, '/moved') & 0x1000).toBe(0x1000);
        expect(image.fsck().problems).toEqual([]);
        const fs = await image.mount();
        const big = await fs.inodeAt('/big');
        const other = await fs.inodeAt('/other');
        await fs.create(big, enc('added-by-ext2-lite'), init(FILE));
        await fs.unlink(big, enc('name-7-qqqqqqq'));
        await fs.rename(big, enc('name-8-qqqqqqqq'), big, enc('renamed'));
        await fs.mkdir(big, enc('subdir'), init(DIR));
        // /moved changes only through its '..' entry (set_link), which clears its index flag too.
        await fs.rename(fs.root, enc('moved'), other, enc('moved'));
        await image.unmount();
        expect(flagsOf(image, '/big') & 0x1000).toBe(0);
        expect(flagsOf(image, '/other/moved') & 0x1000).toBe(0);
        expect(image.fsck().problems).toEqual([]);
        const names = [...debugfsTree(image, '/big').keys()].map((path) => path.slice('/big/'.length));
        expect(names).toContain('added-by-ext2-lite');
        expect(names).toContain('renamed');
        expect(names).not.toContain('name-7-qqqqqqq');
        expect(names).not.toContain('name-8-qqqqqqqq');
        expect(names.length).toBe(300 - 1 + 2);
        if (haveKernelMount) {
          const listed = withKernelMount(image, (mnt) => readdirSync(join(mnt, 'big')));
          expect(listed.length).toBe(300 - 1 + 2);
          expect(listed).toContain('renamed');
        }
      } finally {
        await image.cleanup();
      }
    });
  }
});
