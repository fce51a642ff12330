// Shared test support: real e2fsprogs around ext2-lite.
//
//   requireTool('mke2fs')          full path, or undefined (with a warning)
//                                  locally; in CI (process.env.CI) a missing
//                                  tool throws, so the suite fails loudly
//   makeImage(path, { blockSize, inodeSize, sizeBytes, extra })
//                                  `mke2fs -q -F -t ext2 -b -I <extra> path`
//                                  on a sparse file of sizeBytes
//   fsckClean(path)                `e2fsck -fn path` -> { code, output,
//                                  problems }: problems are the output lines
//                                  that are not the banner, pass headers or
//                                  the summary; clean means code 0 and none
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, ftruncateSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SBIN = ['/usr/local/sbin', '/usr/sbin', '/sbin', '/usr/local/bin', '/usr/bin', '/bin'];

/** Full path of a tool on PATH or in the usual bin/sbin directories, or undefined. */
export function findTool(name: string): string | undefined {
  for (const dir of [...(process.env['PATH'] ?? '').split(':'), ...SBIN]) {
    if (dir !== '' && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/**
 * Whether every tool in `names` is installed: true when they are; otherwise
 * a suite skips — it gets false and a warning naming what is missing locally,
 * and in CI (process.env.CI) this throws so the run fails loudly.
 */
export function haveTools(suite: string, names: readonly string[]): boolean {
  const missing = names.filter((name) => findTool(name) === undefined);
  if (missing.length === 0) return true;
  const why = `${missing.join(', ')} not found (install e2fsprogs)`;
  if (process.env['CI']) throw new Error(`${suite}: ${why}; CI must install it`);
  console.warn(`skipping ${suite}: ${why}`);
  return false;
}

/** A scratch directory under the OS temp dir, and the function that removes it. */
export function scratchDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The full path of e2fsprogs tool `name` (mke2fs, e2fsck, debugfs, dumpe2fs),
 * or undefined when it is missing — after a warning locally; in CI a missing
 * tool throws.
 */
export function requireTool(name: string): string | undefined {
  const found = findTool(name);
  if (found !== undefined) return found;
  const why = `${name} (e2fsprogs) not found on PATH or in ${SBIN.join(', ')}`;
  if (process.env.CI) throw new Error(`${why}; CI must install e2fsprogs`);
  console.warn(`skipping: ${why}`);
  return undefined;
}

/** How {@link makeImage} formats. */
export interface ImageOptions {
  /** 1024, 2048 or 4096. */
  blockSize: number;
  /** 128 or 256. */
  inodeSize: number;
  /** Size of the image file in bytes (a multiple of blockSize). */
  sizeBytes: number;
  /** More mke2fs arguments, e.g. ['-N', '64'] or ['-d', dir]. */
  extra?: string[];
}

function tool(name: string): string {
  const path = requireTool(name);
  if (path === undefined) throw new Error(`${name} is not installed`);
  return path;
}

/** Makes an ext2 filesystem in the (sparse) file `path` with mke2fs; returns `path`. */
export function makeImage(path: string, options: ImageOptions): string {
  const fd = openSync(path, 'w');
  try {
    ftruncateSync(fd, options.sizeBytes);
  } finally {
    closeSync(fd);
  }
  const args = ['-q', '-F', '-t', 'ext2', '-b', String(options.blockSize), '-I', String(options.inodeSize), ...(options.extra ?? []), path];
  const result = spawnSync(tool('mke2fs'), args, { encoding: 'utf8', env: { ...process.env, MKE2FS_DEVICE_SECTSIZE: '512', E2FSPROGS_FAKE_TIME: '' } });
  if (result.status !== 0) throw new Error(`mke2fs ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return path;
}

/** What `e2fsck -fn` said about an image. */
export interface FsckResult {
  /** e2fsck's exit code (0 = no errors). */
  code: number;
  /** stdout and stderr. */
  output: string;
  /** Output lines reporting anything (not the banner, pass headers or the summary line). */
  problems: string[];
  /** code 0 and no problem lines. */
  clean: boolean;
}

const QUIET_LINES = [/^e2fsck \d/, /^Pass \d[A-D]?: /, /: \d+\/\d+ files \(.*\), \d+\/\d+ blocks$/];

/** Runs `e2fsck -fn` on `path` (read-only check, never changes the image). */
export function fsckClean(path: string): FsckResult {
  const result = spawnSync(tool('e2fsck'), ['-fn', path], { encoding: 'utf8' });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  const problems = output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !QUIET_LINES.some((re) => re.test(l)));
  const code = result.status ?? -1;
  return { code, output, problems, clean: code === 0 && problems.length === 0 };
}
