// End-to-end: filesystems inside partitioned disk images made by sfdisk
// (MBR) and sgdisk (GPT), with the filesystem written into partition 2 by
// mke2fs -E offset=. The same files are reached with --partition 2,
// --offset BYTES and IMAGE?offset=BYTES, and the disk is never modified.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runBin, runInProcess } from './support/run-cli.js';
import { needTools, run } from './support/tools.js';

const { tools, describe } = needTools('ext2-lite on partitioned disks', ['mke2fs', 'sfdisk', 'sgdisk'] as const);

const MIB = 1 << 20;
const PART2_START = 20 * MIB;
const PART2_SIZE = 24 * MIB;
let dir = '';
let src = '';

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

/** A 64 MiB disk with partition 1 at 1 MiB (16 MiB) and partition 2 at 20 MiB (24 MiB), ext2 in partition 2. */
function makeDisk(name: string, scheme: 'mbr' | 'gpt'): string {
  const disk = join(dir, name);
  writeFileSync(disk, '');
  truncateSync(disk, 64 * MIB);
  if (scheme === 'mbr') run(tools.sfdisk, ['-q', disk], `label: dos\nstart=2048, size=${16 * 2048}, type=83\nstart=${PART2_START / 512}, size=${PART2_SIZE / 512}, type=83\n`);
  else run(tools.sgdisk, ['-n', `1:2048:+16M`, '-n', `2:${PART2_START / 512}:+24M`, '-c', '2:rootfs', disk]);
  run(tools.mke2fs, ['-q', '-F', '-t', 'ext2', '-E', `offset=${PART2_START}`, '-d', src, disk, `${PART2_SIZE / 1024}k`]);
  return disk;
}

beforeAll(() => {
  if (tools.mke2fs === undefined) return;
  dir = mkdtempSync(join(tmpdir(), 'ext2-cli-parts-'));
  src = join(dir, 'src');
  mkdirSync(join(src, 'etc'), { recursive: true });
  writeFileSync(join(src, 'etc', 'hostname'), 'partitioned\n');
});
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe('partitioned disks', () => {
  for (const scheme of ['mbr', 'gpt'] as const) {
    it(`${scheme.toUpperCase()}: --partition 2, --offset and ?offset= reach the same filesystem; the disk is unchanged`, async () => {
      const disk = makeDisk(`${scheme}.img`, scheme);
      const before = sha256(disk);
      const spawned = runBin(['--partition', '2', 'cat', `${disk}:/etc/hostname`]);
      expect(spawned.stderr).toBe('');
      expect(spawned.out).toBe('partitioned\n');
      expect((await runInProcess(['cat', '--offset', String(PART2_START), `${disk}:/etc/hostname`])).out).toBe('partitioned\n');
      expect((await runInProcess(['cat', `${disk}?offset=${PART2_START}:/etc/hostname`])).out).toBe('partitioned\n');
      const ls = await runInProcess(['ls', '--partition', '2', `${disk}:/`]);
      expect(ls.out.split('\n').filter((l) => l !== '')).toEqual(['etc', 'lost+found']);
      const info = JSON.parse((await runInProcess(['info', '--json', '--partition', '2', disk])).out) as { blockCount: number; blockSize: number };
      expect(info.blockCount * info.blockSize).toBe(PART2_SIZE);
      expect(sha256(disk)).toBe(before);
    });
  }

  it('partition 1 holds no filesystem (EUCLEAN, exit 4); partition 3 does not exist (exit 1, the table listed)', async () => {
    const disk = makeDisk('mbr-errors.img', 'mbr');
    expect((await runInProcess(['ls', '--partition', '1', `${disk}:/`])).code).toBe(4);
    const missing = await runInProcess(['ls', '--partition', '3', `${disk}:/`]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/ENXIO: no partition 3 .*it has partitions 1 .*2 /);
  });

  it('--partition and an offset together are a usage error (exit 2)', async () => {
    const disk = makeDisk('both.img', 'gpt');
    expect((await runInProcess(['ls', '--partition', '2', `${disk}?offset=${PART2_START}:/`])).code).toBe(2);
  });
});
