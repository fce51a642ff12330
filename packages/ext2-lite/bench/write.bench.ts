// ext2-lite sequential write + sync against the bare FileHandle loop, in one run.
//
//   npm run bench:write -w @iomap/ext2-lite      (BENCH_MIB=256 BENCH_ROUNDS=5 BENCH_CACHE_MIB=64
//                                                 BENCH_FLUSH_BEHIND_KIB=32768, 0 = off,
//                                                 BENCH_WARMUP=1 untimed rounds of each side first)
//
// Like read.bench.ts it measures dist/ (built first by the script);
// BENCH_SOURCE=src measures the TypeScript sources. Each round:
//
//  - ours: a fresh 1 GiB image made by `mke2fs -t ext2 -b 4096` holding one
//    empty file, mounted writable on a FileDevice; 256 MiB written to the
//    file in 1 MiB calls of `fs.write` (delayed allocation, page cache),
//    then `fs.fsync(file)` (data written back in large runs, flush, all
//    metadata, flush; device flushes also start in the background every
//    32 MiB written back, mount option flushBehindBytes). Timed: first
//    write .. fsync resolved.
//  - baseline: the same 256 MiB written to a plain file next to the image
//    with awaited 1 MiB `FileHandle.write` calls, then `datasync()`.
//
// The two alternate, the order rotating each round; medians are printed as
// MB/s and the ratio ours / baseline (target >= 0.7), then `e2fsck -fn`
// checks the last image.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, open, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileDevice } from '@iomap/blockdev-node';
import { envInt, fromSource, hostTool, loadExt2Lite } from './bench-api.js';

const { mount } = await loadExt2Lite('bench:write');

const MiB = 1024 * 1024;


const totalBytes = envInt('BENCH_MIB', 256) * MiB;
const rounds = envInt('BENCH_ROUNDS', 5);
/**
 * Untimed rounds of each side before the timed ones. One warms the caches
 * and the common paths; V8 keeps optimizing ext2-lite's write path for a few
 * thousand 1 MiB writes more (TurboFan compiles in background threads, which
 * count in the CPU figures), so a larger value shows the steady state.
 */
const warmups = envInt('BENCH_WARMUP', 1, 0);
const CACHE_BYTES = envInt('BENCH_CACHE_MIB', 64) * MiB;
/** BENCH_FLUSH_BEHIND_KIB: the mount's flushBehindBytes in KiB ('0' turns background flushes off); unset = the default. */
const FLUSH_BEHIND = process.env['BENCH_FLUSH_BEHIND_KIB'] === undefined ? {} : { flushBehindBytes: Number(process.env['BENCH_FLUSH_BEHIND_KIB']) * 1024 };

/** One 1 MiB source buffer of non-zero bytes, shared by both sides. */
const chunk = new Uint8Array(MiB);
{
  let x = 0x9e3779b9;
  const words = new Uint32Array(chunk.buffer);
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
}

async function makeImage(dir: string): Promise<string> {
  const tree = join(dir, 'tree');
  await mkdir(tree, { recursive: true });
  await writeFile(join(tree, 'big.bin'), new Uint8Array(0));
  const image = join(dir, 'write.img');
  await rm(image, { force: true });
  await writeFile(image, new Uint8Array(0));
  await truncate(image, 1024 * MiB);
  execFileSync(hostTool('mke2fs'), ['-q', '-F', '-t', 'ext2', '-b', '4096', '-d', tree, image], { stdio: 'pipe' });
  return image;
}

/** One timed run: MB/s and this process's CPU time (user + system, libuv's threads included) per MiB. */
interface Run {
  mbps: number;
  cpuMsPerMiB: number;
  /** ext2-lite only: what the FileDevice saw during the timed part. */
  device?: string;
}

/** CPU milliseconds per MiB since `start` (a process.cpuUsage() sample). */
function cpuPerMiB(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000 / (totalBytes / MiB);
}

/** Write + fsync through ext2-lite. */
async function ours(dir: string): Promise<Run> {
  const image = await makeImage(dir);
  const device = await FileDevice.open(image);
  try {
    const fs = await mount(device, { cacheBytes: CACHE_BYTES, ...FLUSH_BEHIND });
    const file = await fs.inodeAt('/big.bin');
    device.resetStats();
    const cpu = process.cpuUsage();
    const start = performance.now();
    for (let pos = 0; pos < totalBytes; pos += MiB) await fs.write(file, pos, chunk);
    await fs.fsync(file, false);
    const seconds = (performance.now() - start) / 1000;
    const cpuMsPerMiB = cpuPerMiB(cpu);
    const st = device.stats();
    const big = `${st.asyncOperations} async transfers (${st.requests} requests, ${st.merged} merged), ${st.syncOperations} small sync ones, ${(st.bytesWritten / MiB).toFixed(1)} MiB written, ${st.flushes} flushes, peak ${st.peakInFlight} in flight`;
    await fs.unmount();
    return { mbps: totalBytes / MiB / seconds, cpuMsPerMiB, device: big };
  } finally {
    await device.close();
  }
}

/** The bare loop: awaited 1 MiB FileHandle.write calls, then datasync. */
async function bare(dir: string): Promise<Run> {
  const path = join(dir, 'bare.bin');
  await rm(path, { force: true });
  const fh = await open(path, 'w');
  try {
    const cpu = process.cpuUsage();
    const start = performance.now();
    for (let pos = 0; pos < totalBytes; pos += MiB) await fh.write(chunk, 0, MiB, pos);
    await fh.datasync();
    const seconds = (performance.now() - start) / 1000;
    return { mbps: totalBytes / MiB / seconds, cpuMsPerMiB: cpuPerMiB(cpu) };
  } finally {
    await fh.close();
    await rm(path, { force: true });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(process.env['BENCH_DIR'] ?? tmpdir(), 'ext2-lite-write-bench-'));
  try {
    for (let w = 0; w < warmups; w++) {
      await bare(dir);
      await ours(dir);
    }
    const runs: [Run[], Run[]] = [[], []];
    for (let r = 0; r < rounds; r++) {
      if (r % 2 === 0) {
        runs[0].push(await ours(dir));
        runs[1].push(await bare(dir));
      } else {
        runs[1].push(await bare(dir));
        runs[0].push(await ours(dir));
      }
    }
    const [a, b] = [median(runs[0].map((r) => r.mbps)), median(runs[1].map((r) => r.mbps))];
    const [cpuA, cpuB] = [median(runs[0].map((r) => r.cpuMsPerMiB)), median(runs[1].map((r) => r.cpuMsPerMiB))];
    console.log(`ext2-lite write bench: ${totalBytes / MiB} MiB, 1 MiB writes, ${rounds} rounds (median) after ${warmups} warm-up, ${fromSource ? 'src' : 'dist'}`);
    console.log('| workload | ours MB/s | baseline MB/s | ratio |');
    console.log('|---|---:|---:|---:|');
    console.log(`| write ${totalBytes / MiB} MiB + fsync (baseline: FileHandle.write + datasync) | ${a.toFixed(0)} | ${b.toFixed(0)} | ${(a / b).toFixed(2)} |`);
    console.log(`ratios per round: ${runs[0].map((r, i) => (r.mbps / (runs[1][i] as Run).mbps).toFixed(2)).join(' ')}`);
    console.log(`device, last ext2-lite round: ${runs[0][runs[0].length - 1]?.device ?? '-'}`);
    console.log(`CPU ms per MiB (median, this process incl. libuv threads): ours ${cpuA.toFixed(2)}, baseline ${cpuB.toFixed(2)}`);
    const fsck = spawnSync(hostTool('e2fsck'), ['-fn', join(dir, 'write.img')], { encoding: 'utf8' });
    console.log(`e2fsck -fn of the last image: exit ${fsck.status}`);
    if (fsck.status !== 0) console.log(fsck.stdout, fsck.stderr);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
