// Benchmark: `ext2-lite cp` against e2fsprogs' debugfs on the same inputs,
// whole-process wall time (spawned, as a user runs them), taking turns
// round by round; the median of BENCH_ROUNDS (default 5) is reported.
//  - out of an image: `cp -r IMAGE:/ DIR` against `debugfs -R 'rdump / DIR'`,
//    for the tree of 10,000 files of 4 KiB and for one 256 MiB file, both
//    from an image mke2fs -d made;
//  - into an image: `cp -r TREE IMAGE:/` against a debugfs -w script of
//    mkdir and write commands, into a new mke2fs image.
// Every output goes to a fresh directory (or image) and is synced before the
// next run, so neither tool pays for the other's writeback. The host's file
// system decides much of the extraction time: on this VM's disk, creating
// files right after deleting many is slow and varies a lot; BENCH_DIR on a
// tmpfs (/dev/shm) measures the tools rather than the disk.
//
//   npm run bench -w @iomap/ext2-cli
//   BENCH_ROUNDS=9 BENCH_DIR=/dev/shm npx tsx packages/ext2-cli/bench/copy.bench.ts
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, ROUNDS, e2fsprogsTool, makeBigFile, makeTree, median, printTable, seconds } from './bench-support.js';

const MKE2FS = e2fsprogsTool('mke2fs');
const DEBUGFS = e2fsprogsTool('debugfs');

/** A debugfs -f script that makes `tree`'s 100 directories and writes their files (makeTree's layout). */
function writeScript(tree: string): string {
  const lines: string[] = [];
  for (let d = 0; d < 100; d++) {
    lines.push('cd /', `mkdir dir-${d}`, `cd dir-${d}`);
    for (let f = 0; f < 100; f++) lines.push(`write ${join(tree, `dir-${d}`, `file-${f}`)} file-${f}`);
  }
  return `${lines.join('\n')}\n`;
}

const work = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'ext2-cli-copy-bench-'));
const settle = (): void => void spawnSync('sync');
try {
  const rows: string[] = [];
  const fresh = (name: string): string => {
    const path = join(work, name);
    rmSync(path, { recursive: true, force: true });
    settle();
    return path;
  };
  const tree = join(work, 'tree');
  makeTree(tree);
  const big = join(work, 'big');
  makeBigFile(big);

  const extracts = [
    { name: 'cp -r IMAGE:/ DIR, 10,000 x 4 KiB files in 100 dirs', source: tree, size: '128M' },
    { name: 'cp -r IMAGE:/ DIR, one 256 MiB file', source: big, size: '320M' },
  ];
  for (const w of extracts) {
    const image = join(work, 'source.img');
    rmSync(image, { force: true });
    seconds(MKE2FS, ['-q', '-F', '-t', 'ext2', '-b', '4096', '-d', w.source, image, w.size]);
    settle();
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const a = fresh('ours-out');
      mkdirSync(a);
      ours.push(seconds(process.execPath, [BIN, 'cp', '-r', `${image}:/`, `${a}/`]));
      const b = fresh('theirs-out');
      mkdirSync(b);
      theirs.push(seconds(DEBUGFS, ['-R', `rdump / ${b}`, image]));
    }
    const [o, t] = [median(ours), median(theirs)];
    rows.push(`| ${w.name} (s) | ${o.toFixed(2)} | ${t.toFixed(2)} (debugfs rdump) | ${(o / t).toFixed(2)} |`);
  }

  const script = join(work, 'write.debugfs');
  writeFileSync(script, writeScript(tree));
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const a = fresh('ours.img');
    seconds(MKE2FS, ['-q', '-F', '-t', 'ext2', '-b', '4096', a, '128M']);
    ours.push(seconds(process.execPath, [BIN, 'cp', '-r', `${tree}/.`, `${a}:/`]));
    const b = fresh('theirs.img');
    seconds(MKE2FS, ['-q', '-F', '-t', 'ext2', '-b', '4096', b, '128M']);
    theirs.push(seconds(DEBUGFS, ['-w', '-f', script, b]));
    // debugfs exits 0 even when its commands fail: a run that wrote nothing must not pass for a fast one.
    if (round === 0 && !spawnSync(DEBUGFS, ['-R', 'ls /dir-99', b]).stdout.toString().includes('file-99')) throw new Error('the debugfs write script did not write the tree');
  }
  const [o, t] = [median(ours), median(theirs)];
  rows.push(`| cp -r DIR IMAGE:/, 10,000 x 4 KiB files in 100 dirs, into a new mke2fs image (s) | ${o.toFixed(2)} | ${t.toFixed(2)} (debugfs -w -f: mkdir + write) | ${(o / t).toFixed(2)} |`);
  printTable(rows);
} finally {
  rmSync(work, { recursive: true, force: true });
}
