// Benchmark: `ext2-lite mkfs -d` against `mke2fs -t ext2 -d` on the same
// inputs, whole-process wall time (spawned, as a user runs them), taking
// turns round by round; the median of BENCH_ROUNDS (default 5) is reported.
// Workloads: a tree of 10,000 files of 4 KiB in 100 directories, and one
// 256 MiB file of random bytes, each synced to disk before the runs. Target:
// ratio <= 1.5. A second row per workload gives the format + copy time
// ext2-lite reports with --verbose (in a run of its own; Node start-up and
// module loading excluded) against the same mke2fs runs, and the same time
// for a copy made right after an identical one in the same process
// (bench/copy-twice.cjs): what is left once V8 has optimized the code, so
// the two in-process rows differ by the JIT's warm-up, which every run of
// the command pays and mke2fs does not.
// When NODE_EXTRA_CA_CERTS is set (it is on the VM we measure on), every
// Node process parses that CA bundle before running any code (~45 ms here,
// for a command that makes no TLS connection): a fourth row per workload
// runs ext2-lite without it, as on a machine without the variable, and a
// last row shows what it costs a bare `node -e 0`.
//
//   npm run bench -w @iomap/ext2-cli        (builds, then runs dist/)
//   BENCH_ROUNDS=9 BENCH_DIR=/mnt/disk npm run bench -w @iomap/ext2-cli
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN, ROUNDS, e2fsprogsTool, makeBigFile, makeTree, median, printTable, run, seconds } from './bench-support.js';

const COPY_TWICE = join(dirname(fileURLToPath(import.meta.url)), 'copy-twice.cjs');
const MKE2FS = e2fsprogsTool('mke2fs');

const EXTRA_CA = process.env.NODE_EXTRA_CA_CERTS;
const { NODE_EXTRA_CA_CERTS: _extraCa, ...ENV_WITHOUT_EXTRA_CA } = process.env;

/** The in-process format + copy time `mkfs -d --verbose` reports (start-up and module loading excluded). */
function inProcessSeconds(stderr: string): number {
  const m = /mkfs -d: \d+ entries in ([\d.]+) s/.exec(stderr);
  if (m === null) throw new Error(`no timing line in: ${stderr}`);
  return Number(m[1]);
}

/** The format + copy time of the second of two identical copies in one process (see bench/copy-twice.cjs). */
function warmSeconds(image: string, args: string[]): number {
  const r = spawnSync(process.execPath, [COPY_TWICE, image, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`copy-twice.cjs failed: ${r.stderr.toString()}`);
  return inProcessSeconds((JSON.parse(r.stdout.toString()) as { warm: string }).warm);
}

const work = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'ext2-cli-bench-'));
try {
  const workloads = [
    { name: 'mkfs -d, 10,000 x 4 KiB files in 100 dirs', make: makeTree, size: '128M', dir: join(work, 'tree') },
    { name: 'mkfs -d, one 256 MiB file', make: makeBigFile, size: '320M', dir: join(work, 'big') },
  ];
  const rows: string[] = [];
  for (const w of workloads) {
    w.make(w.dir);
    // Both tools read a settled tree: no writeback of the fresh input running beside the timed runs.
    spawnSync('sync');
    const ours: number[] = [];
    const inside: number[] = [];
    const warm: number[] = [];
    const theirs: number[] = [];
    const withoutCa: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const a = join(work, 'ours.img');
      const b = join(work, 'theirs.img');
      rmSync(a, { force: true });
      rmSync(b, { force: true });
      const options = ['--size', w.size, '-b', '4096', '-d', w.dir];
      const args = ['mkfs', a, ...options];
      ours.push(run(process.execPath, [BIN, ...args]).seconds);
      // --verbose times the copy in process; it is a run of its own, as it also makes stderr's stream.
      rmSync(a, { force: true });
      inside.push(inProcessSeconds(run(process.execPath, [BIN, '--verbose', ...args]).stderr));
      warm.push(warmSeconds(a, options));
      rmSync(a, { force: true });
      theirs.push(seconds(MKE2FS, ['-q', '-F', '-t', 'ext2', '-b', '4096', '-d', w.dir, b, w.size]));
      if (EXTRA_CA !== undefined) {
        rmSync(a, { force: true });
        withoutCa.push(run(process.execPath, [BIN, ...args], ENV_WITHOUT_EXTRA_CA).seconds);
      }
    }
    const o = median(ours);
    const t = median(theirs);
    const i = median(inside);
    rows.push(`| ${w.name} (s) | ${o.toFixed(2)} | ${t.toFixed(2)} (mke2fs -t ext2 -d) | ${(o / t).toFixed(2)} |`);
    rows.push(`| ${w.name}, in process: format + copy, start-up excluded (s) | ${i.toFixed(2)} | ${t.toFixed(2)} (mke2fs whole process) | ${(i / t).toFixed(2)} |`);
    const warmed = median(warm);
    rows.push(`| ${w.name}, in process, JIT warm: a second identical copy in the same process (s) | ${warmed.toFixed(2)} | ${t.toFixed(2)} (mke2fs whole process) | ${(warmed / t).toFixed(2)} |`);
    if (withoutCa.length > 0) {
      const c = median(withoutCa);
      rows.push(`| ${w.name}, without NODE_EXTRA_CA_CERTS (s) | ${c.toFixed(2)} | ${t.toFixed(2)} (mke2fs -t ext2 -d) | ${(c / t).toFixed(2)} |`);
    }
  }
  if (EXTRA_CA !== undefined) {
    const bare = (env: NodeJS.ProcessEnv): number => median(Array.from({ length: ROUNDS }, () => run(process.execPath, ['-e', '0'], env).seconds));
    const [withCa, without] = [bare(process.env), bare(ENV_WITHOUT_EXTRA_CA)];
    rows.push(`| \`node -e 0\` with this machine's NODE_EXTRA_CA_CERTS (s) | ${withCa.toFixed(3)} | ${without.toFixed(3)} (without it) | ${(withCa / without).toFixed(2)} |`);
  }
  printTable(rows);
} finally {
  rmSync(work, { recursive: true, force: true });
}
