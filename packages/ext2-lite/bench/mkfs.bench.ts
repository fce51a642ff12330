// mkfs of a 1 GiB image file against `mke2fs -t ext2 -F -q` of the same size, in one run.
//
//   npm run bench:mkfs -w @iomap/ext2-lite
//
// Like read.bench.ts, the script measures the built package (dist/);
// BENCH_SOURCE=src measures the TypeScript sources. Both sides start from a
// fresh sparse 1 GiB file (created untimed) and end with the image durable:
//  - ours: FileDevice.open + mkfs (defaults: discard, zeroed inode tables,
//    flush) + close, in this process; and once more with assumeZeroed (what
//    a caller that just created the sparse file may pass)
//  - mke2fs: the whole `mke2fs -t ext2 -F -q` process (spawn included; it
//    discards, skips the inode-table wipe because the discard zeroed it, and
//    fsyncs on close)
// Rounds alternate the sides; the table shows the median (min) and the
// ratio mke2fs time / our time (above 1: we are faster). Every image is
// checked once with `e2fsck -fn`.
//
// Environment: BENCH_DIR (temp dir parent, default os.tmpdir()),
// BENCH_ROUNDS (default 11), BENCH_MKFS_MIB (default 1024).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileDevice } from '@iomap/blockdev-node';
import { envInt, hostTool, loadExt2Lite } from './bench-api.js';

const { mkfs } = await loadExt2Lite('bench:mkfs');

const MiB = 1024 * 1024;
const rounds = envInt('BENCH_ROUNDS', 11);
const imageBytes = envInt('BENCH_MKFS_MIB', 1024) * MiB;



async function freshSparse(img: string): Promise<void> {
  await rm(img, { force: true });
  await writeFile(img, new Uint8Array(0));
  await truncate(img, imageBytes);
}

async function ours(img: string, assumeZeroed: boolean): Promise<number> {
  await freshSparse(img);
  const start = process.hrtime.bigint();
  const device = await FileDevice.open(img, { size: imageBytes });
  try {
    await mkfs(device, { assumeZeroed });
  } finally {
    await device.close();
  }
  return Number(process.hrtime.bigint() - start) / 1e9;
}

async function mke2fs(img: string): Promise<number> {
  await freshSparse(img);
  const start = process.hrtime.bigint();
  execFileSync(hostTool('mke2fs'), ['-t', 'ext2', '-F', '-q', img], { stdio: 'pipe' });
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function fsckClean(img: string): string {
  const r = spawnSync(hostTool('e2fsck'), ['-fn', img], { encoding: 'utf8' });
  return r.status === 0 ? 'ok' : `e2fsck rc ${r.status}`;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const ms = (s: number): string => `${(s * 1000).toFixed(1)} ms`;
const row = (cells: string[]): string => `| ${cells.join(' | ')} |`;

async function main(): Promise<void> {
  const dir = await mkdtemp(join(process.env['BENCH_DIR'] ?? tmpdir(), 'ext2-lite-mkfs-bench-'));
  try {
    const img = join(dir, 'mkfs.img');
    const times = { ours: [] as number[], zeroed: [] as number[], mke2fs: [] as number[] };
    const checks = { ours: '', zeroed: '', mke2fs: '' };
    for (let round = 0; round < rounds; round++) {
      times.ours.push(await ours(img, false));
      if (round === 0) checks.ours = fsckClean(img);
      times.zeroed.push(await ours(img, true));
      if (round === 0) checks.zeroed = fsckClean(img);
      times.mke2fs.push(await mke2fs(img));
      if (round === 0) checks.mke2fs = fsckClean(img);
    }
    const base = median(times.mke2fs);
    const label = `${imageBytes / MiB} MiB image file`;
    const lines = [row(['workload', 'ours', 'baseline', 'ratio', 'e2fsck']), '|---|---:|---:|---:|---|'];
    for (const [name, key] of [
      [`mkfs, ${label} (defaults)`, 'ours'],
      [`mkfs, ${label}, assumeZeroed`, 'zeroed'],
    ] as const) {
      const t = times[key];
      lines.push(
        row([
          name,
          `${ms(median(t))} (min ${ms(Math.min(...t))})`,
          `${ms(base)} (min ${ms(Math.min(...times.mke2fs))}) mke2fs -t ext2 -F -q, whole process`,
          (base / median(t)).toFixed(2),
          `${checks[key]} / mke2fs ${checks.mke2fs}`,
        ]),
      );
    }
    console.log(`${rounds} rounds, median (min); ratio = mke2fs time / our time (above 1: faster)\n`);
    console.log(lines.join('\n'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
