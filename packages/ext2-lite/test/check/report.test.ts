// The report and the public contract of check(): a bounded problem list with
// stable codes whose pass and severity come from the catalogue, what throws
// (only a superblock that cannot be ext2, or features the checker does not
// verify), and the fallback to a backup superblock that e2fsck also makes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CorruptFilesystemError, MemoryBlockDevice, UnsupportedFeatureError } from '@iomap/core';
import { CHECK_PROBLEMS, check } from '../../src/index.js';
import { checkImage, codes, debugfs, describe as dump, e2fsck, haveE2fsprogs, mkfs, scratchDir, writeTree } from './support.js';

describe('the problem catalogue', () => {
  it('gives every code a pass 0-5 and a severity', () => {
    for (const [code, kind] of Object.entries(CHECK_PROBLEMS)) {
      expect([0, 1, 2, 3, 4, 5], code).toContain(kind.pass);
      expect(['error', 'warning'], code).toContain(kind.severity);
    }
  });

  it('keeps the e2fsck "no is OK" problems as warnings', () => {
    for (const code of ['FREE_BLOCKS_COUNT_WRONG', 'FREE_INODES_COUNT_WRONG', 'ENTRY_FILE_TYPE_MISSING', 'LOST_FOUND_MISSING', 'SUPERBLOCK_TIME_IN_FUTURE'] as const) {
      expect(CHECK_PROBLEMS[code].severity).toBe('warning');
    }
    expect(CHECK_PROBLEMS.BLOCK_BITMAP_DIFFERENCE).toEqual({ pass: 5, severity: 'error' });
  });
});

describe('what check() throws', () => {
  it('EUCLEAN for a device that holds no ext2 superblock, or is too small for one', async () => {
    await expect(check(new MemoryBlockDevice({ size: 1 << 20 }))).rejects.toBeInstanceOf(CorruptFilesystemError);
    await expect(check(new MemoryBlockDevice({ size: 1500 }))).rejects.toMatchObject({ code: 'EUCLEAN' });
  });

  it('EINVAL for a maxProblems that is not a non-negative integer', async () => {
    await expect(check(new MemoryBlockDevice({ size: 1 << 20 }), { maxProblems: -1 })).rejects.toMatchObject({ code: 'EINVAL' });
  });
});

const suite = haveE2fsprogs('ext2-lite check: report') ? describe : describe.skip;

suite('check() reports (EXT2.md 6.2)', () => {
  let scratch: ReturnType<typeof scratchDir>;
  let tree: string;

  beforeAll(() => {
    scratch = scratchDir('ext2-check-report-');
    tree = writeTree(join(scratch.dir, 'tree'), 2, 8);
  }, 60_000);
  afterAll(() => scratch.cleanup());

  it('keeps at most maxProblems problems and counts the rest, errors included', async () => {
    const img = mkfs(join(scratch.dir, 'many.img'), ['-b', '1024', '-d', tree], '8M');
    debugfs(img, [0, 1].flatMap((d) => [0, 1, 2, 3, 4, 5, 6, 7].map((f) => `clri dir${d}/file${f}`)));
    const bytes = new Uint8Array(readFileSync(img));
    const full = await check(new MemoryBlockDevice({ buffer: bytes.slice().buffer }));
    const bounded = await check(new MemoryBlockDevice({ buffer: bytes.slice().buffer }), { maxProblems: 5 });
    expect(full.problems.length).toBeGreaterThan(5);
    expect(bounded.problems).toEqual(full.problems.slice(0, 5));
    expect(bounded.omitted).toBe(full.problems.length - 5);
    expect(bounded.errorCount).toBe(full.errorCount);
    expect(bounded.clean).toBe(false);
    for (const p of full.problems) {
      expect(p.pass).toBe(CHECK_PROBLEMS[p.code].pass);
      expect(p.severity).toBe(CHECK_PROBLEMS[p.code].severity);
      expect(p.message.length).toBeGreaterThan(10);
    }
    expect(full.problems.find((p) => p.code === 'ENTRY_UNUSED_INODE')?.ino).toBeGreaterThan(1);
  });

  it('works on a read-only device and names the inode, block or group of a problem', async () => {
    const img = mkfs(join(scratch.dir, 'ro.img'), ['-b', '1024', '-d', tree], '8M');
    debugfs(img, ['set_bg 0 free_inodes_count 3']);
    const device = new MemoryBlockDevice({ buffer: new Uint8Array(readFileSync(img)).buffer, readOnly: true });
    const report = await check(device);
    expect(report.problems).toContainEqual(expect.objectContaining({ code: 'GROUP_FREE_INODES_WRONG', group: 0, pass: 5, severity: 'error' }));
  });

  it('EOPNOTSUPP naming the features for an ext4 image', async () => {
    const img = mkfs(join(scratch.dir, 'ext4.img'), [], '8M', 'ext4');
    const device = new MemoryBlockDevice({ buffer: new Uint8Array(readFileSync(img)).buffer });
    const err = await check(device).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedFeatureError);
    expect((err as UnsupportedFeatureError).features).toContain('extent');
  });

  it('a zeroed primary superblock: the backup is used, as e2fsck does (a warning; clean if the rest is)', async () => {
    const img = mkfs(join(scratch.dir, 'nosb.img'), ['-b', '1024'], '24M');
    const bytes = new Uint8Array(readFileSync(img));
    bytes.fill(0, 1024, 2048);
    writeFileSync(img, bytes);
    const oracle = e2fsck(img);
    const { report } = await checkImage(img);
    expect(codes(report)).toContain('PRIMARY_SUPERBLOCK_INVALID');
    expect(report.clean, dump(report)).toBe(oracle.status === 0);
    expect(report.summary.inodesCount).toBe(6144);
  });

  it('summary counts match e2fsck\'s last line and the file types made', async () => {
    const img = mkfs(join(scratch.dir, 'sum.img'), ['-b', '2048', '-d', tree], '8M');
    const oracle = e2fsck(img);
    const { report } = await checkImage(img);
    expect(report.summary.inodesUsed).toBe(oracle.files);
    expect(report.summary.blocksUsed).toBe(oracle.blocks);
    expect(report.summary.directories).toBe(2 + 2 * 3);
    // 8 files and one leaf per directory, the sparse file; the hard link is no new inode.
    expect(report.summary.regularFiles).toBe(2 * 8 + 2 + 1);
    expect(report.summary.symlinks).toBe(2);
  });
});
