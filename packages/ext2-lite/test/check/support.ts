// Test support for the checker: images made with e2fsprogs (mke2fs -d,
// debugfs), `e2fsck -fn` as the oracle, and check() on a device that counts
// (and refuses) writes.
//
// Without e2fsprogs the suites skip with a message; in CI (process.env.CI) a
// missing tool fails the run.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync, linkSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryBlockDevice } from '@iomap/core';
import { FaultDevice } from '@iomap/testkit';
import { check, type CheckReport } from '../../src/index.js';
import { findTool, haveTools, scratchDir } from '../support/e2fsprogs.js';
import { rng } from '../support/rng.js';
export { rng };

const TOOLS = { mke2fs: findTool('mke2fs'), debugfs: findTool('debugfs'), e2fsck: findTool('e2fsck') };

/** True when the e2fsprogs-based tests can run; logs (or, in CI, throws) otherwise. */
export function haveE2fsprogs(suite: string): boolean {
  return haveTools(suite, Object.keys(TOOLS));
}

export { scratchDir };

/** mke2fs -q -F -t <type> <args> img size. */
export function mkfs(img: string, args: string[], size: string, type = 'ext2'): string {
  execFileSync(TOOLS.mke2fs as string, ['-q', '-F', '-t', type, ...args, img, size], {
    stdio: 'pipe',
    env: { ...process.env, MKE2FS_DEVICE_SECTSIZE: '512' },
  });
  return img;
}

/** Runs debugfs commands (-w) on an image; debugfs exits 0 even when a command fails, so its output is returned. */
export function debugfs(img: string, commands: readonly string[]): string {
  return execFileSync(TOOLS.debugfs as string, ['-w', '-f', '-', img], { input: commands.join('\n'), stdio: 'pipe', encoding: 'utf8' });
}

/** One read-only debugfs request (-R), its stdout. */
export function debugfsQuery(img: string, request: string): string {
  return execFileSync(TOOLS.debugfs as string, ['-R', request, img], { stdio: 'pipe', encoding: 'utf8' });
}

/** What `e2fsck -fn` said about an image. */
export interface E2fsckResult {
  /** Exit status: 0 clean, 4 errors left, 8 operational error / abort (bits combine). */
  readonly status: number;
  readonly output: string;
  /** "N/M files ..., B/C blocks" from the last line, when printed. */
  readonly files?: number;
  readonly blocks?: number;
}

/** Runs `e2fsck -fn` (read-only, never changes the image). */
export function e2fsck(img: string): E2fsckResult {
  const r = spawnSync(TOOLS.e2fsck as string, ['-fn', img], { encoding: 'utf8' });
  const output = `${r.stdout}${r.stderr}`;
  const summary = /: (\d+)\/\d+ files \([\d.]+% non-contiguous\), (\d+)\/\d+ blocks/.exec(output);
  return { status: r.status ?? -1, output, ...(summary === null ? {} : { files: Number(summary[1]), blocks: Number(summary[2]) }) };
}

/** `e2fsck -fyD`: repairs the image and rebuilds (indexes) every directory; exit 0 or 1 (fixed) is expected. */
export function e2fsckRebuildDirectories(img: string): void {
  const r = spawnSync(TOOLS.e2fsck as string, ['-fyD', img], { encoding: 'utf8' });
  if (r.status !== 0 && r.status !== 1) throw new Error(`e2fsck -fyD ${img} exited ${r.status}:\n${r.stdout}${r.stderr}`);
}

/** check() on a copy of the image's bytes, through a device that records any write (there must be none). */
export async function checkImage(img: string): Promise<{ report: CheckReport; device: FaultDevice }> {
  const bytes = new Uint8Array(readFileSync(img));
  const device = new FaultDevice(new MemoryBlockDevice({ buffer: bytes.buffer }), []);
  const report = await check(device, { now: () => Math.floor(Date.now() / 1000) });
  return { report, device };
}

/** The codes of a report's problems. */
export function codes(report: CheckReport): string[] {
  return report.problems.map((p) => p.code);
}

/** A readable dump of a report for assertion messages. */
export function describe(report: CheckReport): string {
  return report.problems.map((p) => `${p.severity} ${p.code}: ${p.message}`).join('\n') || '(no problems)';
}


/** Deterministic bytes for file contents (four bytes per generator step). */
function bytesOf(seed: number, length: number): Uint8Array {
  const r = rng(seed);
  const words = new Uint32Array(Math.ceil(length / 4));
  for (let i = 0; i < words.length; i++) words[i] = Math.floor(r() * 2 ** 32);
  return new Uint8Array(words.buffer, 0, length);
}

/**
 * A source tree for mke2fs -d: `dirs` directories of `filesPerDir` files of
 * assorted sizes (empty, inline-size, direct, indirect, double-indirect),
 * nested directories, fast and slow symlinks, a hard link and a sparse file.
 */
export function writeTree(root: string, dirs: number, filesPerDir: number): string {
  const sizes = [0, 1, 100, 1500, 5000, 20000, 70000, 300000];
  mkdirSync(root, { recursive: true });
  for (let d = 0; d < dirs; d++) {
    const dir = join(root, `dir${d}`);
    mkdirSync(join(dir, 'sub', 'deeper'), { recursive: true });
    for (let f = 0; f < filesPerDir; f++) writeFileSync(join(dir, `file${f}`), bytesOf(d * 1000 + f, sizes[(d + f) % sizes.length] as number));
    writeFileSync(join(dir, 'sub', 'deeper', 'leaf'), 'leaf\n');
  }
  symlinkSync('t'.repeat(30), join(root, 'fast-link'));
  symlinkSync('s'.repeat(200), join(root, 'slow-link'));
  if (dirs > 0 && filesPerDir > 1) linkSync(join(root, 'dir0', 'file1'), join(root, 'hard-link'));
  writeFileSync(join(root, 'sparse'), new Uint8Array(0));
  execFileSync('truncate', ['-s', '5000000', join(root, 'sparse')]);
  return root;
}

/** debugfs commands that add what a plain directory tree cannot: devices, a FIFO and xattrs (in-inode and in a block). */
export const SPECIAL_FILES = [
  'mknod fifo p',
  'mknod chardev c 4 5',
  'mknod blockdev b 8 1',
  // debugfs only takes 8-bit numbers; store the new-style 259:70000 by hand (EXT2.md 3.6).
  'sif blockdev block[0] 0',
  'sif blockdev block[1] 0x11110370',
  'ea_set dir0/file2 user.big ' + 'v'.repeat(400),
  'ea_set dir0 user.small abc',
];
