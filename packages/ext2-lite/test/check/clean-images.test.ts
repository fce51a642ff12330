// Clean images (EXT2.md 6.2, 7.1): every layout mke2fs makes, empty and
// populated with `mke2fs -d`, is clean for check() exactly as for
// `e2fsck -fn`, with the same counts on the summary line, and check() never
// writes to the device.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { CheckReport } from '../../src/index.js';
import { checkImage, debugfs, describe as dump, e2fsck, haveE2fsprogs, mkfs, scratchDir, SPECIAL_FILES, writeTree } from './support.js';

const suite = haveE2fsprogs('ext2-lite check: clean images') ? describe : describe.skip;

suite('check() on clean images agrees with e2fsck -fn (EXT2.md 6.2)', () => {
  let scratch: ReturnType<typeof scratchDir>;
  let tree: string;

  beforeAll(() => {
    scratch = scratchDir('ext2-check-clean-');
    tree = writeTree(join(scratch.dir, 'tree'), 6, 24);
  }, 60_000);
  afterAll(() => scratch.cleanup());

  /** Asserts clean <=> clean, equal summary counts, no writes. */
  async function expectClean(img: string): Promise<CheckReport> {
    const oracle = e2fsck(img);
    const { report, device } = await checkImage(img);
    expect(oracle.status, oracle.output).toBe(0);
    expect(report.clean, dump(report)).toBe(true);
    expect(report.problems.filter((p) => p.severity === 'error')).toEqual([]);
    if (oracle.files !== undefined) expect(report.summary.inodesUsed).toBe(oracle.files);
    if (oracle.blocks !== undefined) expect(report.summary.blocksUsed).toBe(oracle.blocks);
    expect(device.counters.writes).toBe(0);
    device.assertNoViolations();
    return report;
  }

  for (const bs of [1024, 2048, 4096]) {
    for (const isz of [128, 256]) {
      it(`an empty ${bs}-byte-block image with ${isz}-byte inodes is clean`, async () => {
        await expectClean(mkfs(join(scratch.dir, `empty-${bs}-${isz}.img`), ['-b', String(bs), '-I', String(isz)], '24M'));
      });

      it(`a populated (mke2fs -d + special files + xattrs) ${bs}-byte-block image with ${isz}-byte inodes is clean`, async () => {
        const img = mkfs(join(scratch.dir, `full-${bs}-${isz}.img`), ['-b', String(bs), '-I', String(isz), '-d', tree], '32M');
        debugfs(img, SPECIAL_FILES);
        const report = await expectClean(img);
        expect(report.summary.symlinks).toBe(2);
        expect(report.summary.fastSymlinks).toBe(1);
        expect(report.summary.fifos).toBe(1);
        expect(report.summary.characterDevices).toBe(1);
        expect(report.summary.blockDevices).toBe(1);
      });
    }
  }

  it('layouts without the default features are clean: no resize_inode/dir_index/filetype, no sparse_super, meta_bg, rev 0', async () => {
    await expectClean(mkfs(join(scratch.dir, 'plain.img'), ['-b', '1024', '-O', '^resize_inode,^dir_index,^filetype', '-d', tree], '24M'));
    await expectClean(mkfs(join(scratch.dir, 'nosparse.img'), ['-b', '1024', '-O', '^sparse_super,^resize_inode'], '40M'));
    await expectClean(mkfs(join(scratch.dir, 'metabg.img'), ['-b', '1024', '-O', 'meta_bg,^resize_inode', '-d', tree], '64M'));
    await expectClean(mkfs(join(scratch.dir, 'rev0.img'), ['-r', '0'], '16M'));
  });

  it('an ext3 image (journal inode 8, has_journal) is clean', async () => {
    await expectClean(mkfs(join(scratch.dir, 'ext3.img'), ['-b', '1024', '-d', tree], '32M', 'ext3'));
  });

  it('a filesystem whose last group is tiny (padding bits in every bitmap) is clean', async () => {
    await expectClean(mkfs(join(scratch.dir, 'tail.img'), ['-b', '4096', '-g', '8192'], '16900K'));
  });

  it('images changed only through debugfs (mkdir, write, rm, ea_set/ea_rm) stay clean', async () => {
    const img = mkfs(join(scratch.dir, 'edited.img'), ['-b', '1024', '-d', tree], '24M');
    debugfs(img, ['mkdir newdir', 'write /etc/hostname newdir/f', 'rm dir1/file3', 'rm dir2/sub/deeper/leaf', 'rmdir dir2/sub/deeper', 'ea_set dir3/file1 user.k vvvvvvvv', 'ea_rm dir0/file2 user.big']);
    await expectClean(img);
  });
});
