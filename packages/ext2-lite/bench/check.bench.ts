// check() against `e2fsck -fn` on the same image, in one run.
//
//   npx tsc -b && npx tsx bench/check.bench.ts        (measures dist/)
//   BENCH_SOURCE=src npx tsx bench/check.bench.ts     (measures src/ under tsx)
//
// The image: `mke2fs -t ext2 -d` of 10,000 files in 100 directories (sizes
// cycling 0 B .. 64 KiB, so direct and single-indirect block maps), with
// 1 KiB and 4 KiB blocks. Each round runs check() on a FileDevice opened
// read-only (a fresh device, nothing cached in the process) and a spawned
// `e2fsck -fn`; both read the image from the host page cache. The median of
// BENCH_ROUNDS (default 7) rounds is reported, after one warm-up round.
// Target: well under a second for the 10,000-file image.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileDevice } from '@iomap/blockdev-node';
import { FsError } from '@iomap/core';
import { hostTool, loadExt2Lite } from './bench-api.js';

const { check } = await loadExt2Lite('bench');

const rounds = Number(process.env['BENCH_ROUNDS'] ?? 7);
const SIZES = [0, 100, 1500, 4096, 9000, 20000, 65536];

async function writeTree(root: string): Promise<void> {
  for (let d = 0; d < 100; d++) {
    const dir = join(root, `d${d}`);
    await mkdir(dir, { recursive: true });
    for (let f = 0; f < 100; f++) await writeFile(join(dir, `f${f}`), new Uint8Array(SIZES[(d + f) % SIZES.length] as number).fill(f));
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function timeCheck(img: string): Promise<number> {
  const device = await FileDevice.open(img, { readOnly: true });
  try {
    const start = performance.now();
    const report = await check(device);
    const ms = performance.now() - start;
    if (!report.clean) throw new FsError('EUCLEAN', `the benchmark image is not clean: ${report.problems[0]?.message}`);
    return ms;
  } finally {
    await device.close();
  }
}

function timeE2fsck(img: string): number {
  const start = performance.now();
  const r = spawnSync(hostTool('e2fsck'), ['-fn', img], { stdio: 'ignore' });
  if (r.status !== 0) throw new FsError('EUCLEAN', `e2fsck -fn exited ${r.status}`);
  return performance.now() - start;
}

const scratch = await mkdtemp(join(process.env['BENCH_DIR'] ?? tmpdir(), 'ext2-check-bench-'));
try {
  const tree = join(scratch, 'tree');
  await writeTree(tree);
  console.log('| workload | check() ms | e2fsck -fn ms | ratio |');
  console.log('|---|---|---|---|');
  for (const bs of [1024, 4096]) {
    const img = join(scratch, `bench-${bs}.img`);
    execFileSync(hostTool('mke2fs'), ['-q', '-F', '-t', 'ext2', '-b', String(bs), '-d', tree, img, '512M'], { stdio: 'pipe' });
    await timeCheck(img);
    timeE2fsck(img);
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let i = 0; i < rounds; i++) {
      ours.push(await timeCheck(img));
      theirs.push(timeE2fsck(img));
    }
    const [o, t] = [median(ours), median(theirs)];
    console.log(`| 10,000 files, ${bs / 1024} KiB blocks | ${o.toFixed(0)} | ${t.toFixed(0)} | ${(o / t).toFixed(2)} |`);
  }
} finally {
  await rm(scratch, { recursive: true, force: true });
}
