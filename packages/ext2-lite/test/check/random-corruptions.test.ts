// Property: for random debugfs corruptions (bitmap bits, inode fields, clri,
// unlink/link/kill_file, group and superblock counters, bytes of directory
// blocks, and harmless edits mixed in), check() and `e2fsck -fn` agree on
// clean vs not clean, and check() never writes, never reaches outside the
// device and never throws. CHECK_RANDOM_SEEDS scales the run (default 24 seeds).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkImage, debugfs, debugfsQuery, describe as dump, e2fsck, haveE2fsprogs, mkfs, rng, scratchDir, SPECIAL_FILES, writeTree } from './support.js';

const suite = haveE2fsprogs('ext2-lite check: random corruptions') ? describe : describe.skip;
const SEEDS = Number(process.env.CHECK_RANDOM_SEEDS ?? 24);

const FILES = [0, 1, 2].flatMap((d) => [`dir${d}`, `dir${d}/sub`, `dir${d}/sub/deeper`, `dir${d}/sub/deeper/leaf`, ...[0, 1, 2, 3, 4, 5, 6, 7].map((f) => `dir${d}/file${f}`)]);
const PATHS = [...FILES, 'fast-link', 'slow-link', 'hard-link', 'sparse', 'fifo', 'chardev', 'blockdev', 'lost+found'];
const DIRS = ['/', 'lost+found', ...[0, 1, 2].flatMap((d) => [`dir${d}`, `dir${d}/sub`])];

interface Base {
  readonly img: string;
  readonly blocks: number;
  readonly inodes: number;
  readonly dirBlocks: ReadonlyMap<string, number>;
}

/** One random corruption (or harmless edit) as a debugfs command. */
function randomCommand(r: () => number, base: Base): string {
  const int = (lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const path = pick(PATHS);
  const target = r() < 0.5 ? `<${int(1, Math.min(base.inodes, 60))}>` : path;
  const k = r();
  if (k < 0.08) return `freeb ${int(0, base.blocks - 1)}`;
  if (k < 0.14) return `setb ${int(0, base.blocks - 1)}`;
  if (k < 0.18) return `freei <${int(1, base.inodes)}>`;
  if (k < 0.22) return `seti <${int(1, base.inodes)}>`;
  if (k < 0.5) {
    const fields: Record<string, () => number | string> = {
      links_count: () => int(0, 4),
      mode: () => pick(['0100644', '040755', '0120777', '010644', '020644', '0', '0170000', '0140755']),
      size: () => pick([0, 1, 59, 60, 1000, 1024, 4096, 100000, 2 ** 31, int(0, 2 ** 32 - 1)]),
      blocks: () => pick([0, 2, 8, int(0, 65535)]),
      dtime: () => pick([0, 5, 1700000000]),
      flags: () => pick([0, 0x10, 0x20, 0x1000, 0x2000, 0x80000, 0x10000000, 0x40000000, 0x800]),
      file_acl: () => pick([0, int(0, base.blocks + 100)]),
      faddr: () => pick([0, 3]),
      generation: () => int(0, 2 ** 32 - 1),
      uid: () => int(0, 65535),
      extra_isize: () => pick([0, 4, 6, 32, 200]),
      blocks_hi: () => pick([0, 1]),
      'block[0]': () => pick([0, int(0, base.blocks + 50)]),
      'block[1]': () => pick([0, int(0, base.blocks + 50)]),
      'block[IND]': () => pick([0, int(0, base.blocks + 50)]),
      'block[DIND]': () => pick([0, int(0, base.blocks + 50)]),
    };
    const field = pick(Object.keys(fields));
    return `sif ${target} ${field} ${(fields[field] as () => number | string)()}`;
  }
  if (k < 0.55) return `clri ${target}`;
  if (k < 0.6) return `unlink ${path}`;
  if (k < 0.64) return `link ${path} new-link-${int(0, 99)}`;
  if (k < 0.66) return `kill_file ${path}`;
  if (k < 0.69) return `rm ${path}`;
  if (k < 0.72) return `mkdir ${pick(DIRS)}/new-dir-${int(0, 9)}`;
  if (k < 0.74) return `write /etc/hostname ${pick(DIRS)}/new-file-${int(0, 9)}`;
  if (k < 0.8) return `set_bg ${int(0, 1)} ${pick(['free_blocks_count', 'free_inodes_count', 'used_dirs_count', 'flags', 'itable_unused', 'checksum'])} ${pick([0, 1, 3, 4, 100, int(0, 9000)])}`;
  if (k < 0.85) return `ssv ${pick(['free_blocks_count', 'free_inodes_count', 'mtime', 'state', 'errors', 'mnt_count', 'lastcheck'])} ${pick([0, 1, 3, 7, 100, int(0, 2 ** 31 - 1)])}`;
  if (k < 0.97) {
    const blk = base.dirBlocks.get(pick(DIRS)) as number;
    return `zap_block -o ${int(0, 60)} -l ${int(1, 2)} -p ${pick([0, 1, 2, 12, 46, 47, 255, int(0, 255)])} ${blk}`;
  }
  return `ea_set ${path} user.x${int(0, 9)} ${'v'.repeat(int(1, 600))}`;
}

suite('check() agrees with e2fsck -fn on random debugfs corruptions (property)', () => {
  let scratch: ReturnType<typeof scratchDir>;
  const bases: Base[] = [];

  beforeAll(() => {
    scratch = scratchDir('ext2-check-random-');
    const tree = writeTree(join(scratch.dir, 'tree'), 3, 8);
    for (const bs of [1024, 4096]) {
      const img = mkfs(join(scratch.dir, `base-${bs}.img`), ['-b', String(bs), '-d', tree], '20M');
      debugfs(img, SPECIAL_FILES);
      const stats = debugfsQuery(img, 'stats');
      const dirBlocks = new Map(DIRS.map((d) => [d, Number(debugfsQuery(img, `bmap ${d} 0`).trim())]));
      bases.push({
        img,
        blocks: Number(/Block count:\s+(\d+)/.exec(stats)?.[1]),
        inodes: Number(/Inode count:\s+(\d+)/.exec(stats)?.[1]),
        dirBlocks,
      });
    }
  }, 60_000);
  afterAll(() => scratch.cleanup());

  it(`clean <=> clean over ${SEEDS} seeds`, async () => {
    let clean = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const r = rng(seed);
      const base = bases[seed % bases.length] as Base;
      const img = join(scratch.dir, 'case.img');
      copyFileSync(base.img, img);
      const commands = Array.from({ length: 1 + Math.floor(r() * 3) }, () => randomCommand(r, base));
      debugfs(img, commands);
      const oracle = e2fsck(img);
      const { report, device } = await checkImage(img);
      const context = `seed ${seed}, commands:\n  ${commands.join('\n  ')}\ne2fsck -fn (exit ${oracle.status}):\n${oracle.output}\ncheck():\n${dump(report)}`;
      expect(report.clean, context).toBe(oracle.status === 0);
      expect(device.counters.writes, context).toBe(0);
      device.assertNoViolations();
      if (report.clean) clean++;
    }
    // Both outcomes must be exercised for the property to mean anything.
    if (SEEDS >= 20) {
      expect(clean).toBeGreaterThan(0);
      expect(clean).toBeLessThan(SEEDS);
    }
  }, 120_000);
});
