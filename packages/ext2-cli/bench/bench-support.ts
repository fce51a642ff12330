// What the command's benchmarks share: spawning a tool and timing it as a
// whole process, medians, and the two input workloads of issue #8 (a tree
// of 10,000 files of 4 KiB in 100 directories, one 256 MiB file).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'ext2-lite.cjs');
export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

/** An e2fsprogs tool from /usr/sbin or /sbin (not always on a user's PATH), else by name. */
export function e2fsprogsTool(name: string): string {
  return [`/usr/sbin/${name}`, `/sbin/${name}`].find((p) => existsSync(p)) ?? name;
}

/** Runs `cmd` to completion: wall seconds and stderr. Throws when it fails (a benchmark of a failing run means nothing). */
export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): { seconds: number; stderr: string } {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr.toString()}`);
  return { seconds: elapsed, stderr: r.stderr.toString() };
}

export const seconds = (cmd: string, args: string[]): number => run(cmd, args).seconds;

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** 10,000 files of 4 KiB of random bytes in 100 directories under `root`. */
export function makeTree(root: string): void {
  for (let d = 0; d < 100; d++) {
    const dir = join(root, `dir-${d}`);
    mkdirSync(dir, { recursive: true });
    for (let f = 0; f < 100; f++) writeFileSync(join(dir, `file-${f}`), randomBytes(4096));
  }
}

/** One 256 MiB file of random-looking bytes (no zero blocks) in a new directory `root`. */
export function makeBigFile(root: string): void {
  mkdirSync(root);
  const chunk = randomBytes(1 << 20);
  const parts: Buffer[] = [];
  for (let i = 0; i < 256; i++) parts.push(Buffer.from(chunk.map((b) => b ^ i)));
  writeFileSync(join(root, 'big.bin'), Buffer.concat(parts));
}

/** Prints the result table. */
export function printTable(rows: string[]): void {
  console.log(`Node ${process.version}, ${ROUNDS} rounds, median whole-process wall time\n`);
  console.log('| workload | ours | baseline | ratio |\n|---|---:|---:|---:|');
  for (const row of rows) console.log(row);
}
