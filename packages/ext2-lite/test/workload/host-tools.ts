// The host tools the verification suites judge ext2-lite with: mke2fs
// (images to start from), e2fsck (-fn must find nothing; -fy must repair a
// crashed image), debugfs (an independent reader of xattrs) and the kernel's
// loop mount (an independent reader of everything else). mke2fs and
// e2fsck -fn go through the package's shared test/support/e2fsprogs.ts.
//
// Suites call prerequisites(): when something is missing they skip with the
// reason locally and fail loudly in CI (process.env.CI), as the brief says.
// Images live in /dev/shm when it exists (e2fsck and mount run at memory
// speed), else in the OS temp dir.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findTool, fsckClean, makeImage } from '../support/e2fsprogs.js';

export { findTool };

const tools = {
  mke2fs: findTool('mke2fs'),
  e2fsck: findTool('e2fsck'),
  debugfs: findTool('debugfs'),
  mount: findTool('mount'),
  umount: findTool('umount'),
  losetup: findTool('losetup'),
};

function tool(name: keyof typeof tools): string {
  const path = tools[name];
  if (path === undefined) throw new Error(`${name} not found (install e2fsprogs / util-linux)`);
  return path;
}

/** Why the e2fsprogs-based checks cannot run here (undefined when they can). */
export function missingE2fsprogs(): string | undefined {
  const missing = (['mke2fs', 'e2fsck', 'debugfs'] as const).filter((t) => tools[t] === undefined);
  return missing.length === 0 ? undefined : `${missing.join(', ')} not found (e2fsprogs)`;
}

let kernelWhy: string | null | undefined;
/** Why kernel loop mounts cannot run here (undefined when they can). */
export function missingKernelMount(): string | undefined {
  if (kernelWhy !== undefined) return kernelWhy ?? undefined;
  if (tools.mount === undefined || tools.umount === undefined || tools.losetup === undefined) kernelWhy = 'mount, umount or losetup not found';
  else if (process.getuid?.() !== 0) kernelWhy = 'not running as root (loop mounts need root)';
  else if (spawnSync(tools.losetup, ['-f'], { stdio: 'pipe' }).status !== 0) kernelWhy = 'no free loop device (losetup -f failed)';
  else kernelWhy = null;
  return kernelWhy ?? undefined;
}

/**
 * Whether a suite needing `why`-less prerequisites can run: true when all are
 * present; otherwise throws in CI and returns false (with a warning) locally.
 */
export function prerequisites(suite: string, reasons: (string | undefined)[]): boolean {
  const why = reasons.filter((r): r is string => r !== undefined);
  if (why.length === 0) return true;
  const message = `${suite}: ${why.join('; ')}`;
  if (process.env['CI']) throw new Error(`${message} — CI must provide these`);
  console.warn(`skipping ${message}`);
  return false;
}

/** A scratch directory (in /dev/shm when available) and its removal. */
export function scratch(prefix: string): { dir: string; cleanup: () => void } {
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const dir = mkdtempSync(join(base, prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Mke2fsOptions {
  blockSize: 1024 | 2048 | 4096;
  /** Bytes of the image. */
  size: number;
  inodeSize?: 128 | 256;
  /** -N */
  inodes?: number;
  /** -d: populate from this host directory. */
  fromDir?: string;
  /** Further mke2fs arguments (e.g. ['-O', '^dir_index']). */
  extra?: string[];
}

/** `mke2fs -t ext2` into a file; returns the image's bytes. */
export function mke2fs(path: string, o: Mke2fsOptions): Uint8Array {
  const extra: string[] = [];
  if (o.inodes !== undefined) extra.push('-N', String(o.inodes));
  if (o.fromDir !== undefined) extra.push('-d', o.fromDir);
  rmSync(path, { force: true });
  makeImage(path, { blockSize: o.blockSize, inodeSize: o.inodeSize ?? 256, sizeBytes: o.size, extra: [...extra, ...(o.extra ?? [])] });
  return new Uint8Array(readFileSync(path));
}

/** A fresh `mke2fs -t ext2` image's bytes (built in a scratch file that is removed). */
export function mke2fsBytes(o: Mke2fsOptions): Uint8Array {
  const { dir, cleanup } = scratch('mke2fs-');
  try {
    return mke2fs(join(dir, 'image'), o);
  } finally {
    cleanup();
  }
}

export interface FsckResult {
  status: number;
  output: string;
  /** Lines other than the banner, the pass headers and the summary: what e2fsck complained about. */
  problems: string[];
}

const QUIET_LINES = [/^e2fsck \d/, /^Pass \d[A-D]?: /, /^\S+: \d+\/\d+ files \(/, /^$/];

/** Runs e2fsck with `flags` (e.g. ['-fn'] or ['-fy']) on an image file. */
export function e2fsck(path: string, flags: string[]): FsckResult {
  const r = spawnSync(tool('e2fsck'), [...flags, path], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  const problems = output.split('\n').filter((line) => !QUIET_LINES.some((re) => re.test(line)));
  return { status: r.status ?? -1, output, problems };
}

/** `e2fsck -fn` on image bytes: undefined when clean (exit 0, nothing printed), else the report. */
export function fsckProblems(image: Uint8Array | string): string | undefined {
  const withFile = <T>(fn: (path: string) => T): T => {
    if (typeof image === 'string') return fn(image);
    const { dir, cleanup } = scratch('fsck-');
    try {
      const path = join(dir, 'image');
      writeFileSync(path, image);
      return fn(path);
    } finally {
      cleanup();
    }
  };
  return withFile((path) => {
    const r = fsckClean(path);
    return r.clean ? undefined : `e2fsck -fn exited ${r.code}:\n${r.output}`;
  });
}

/**
 * Mounts an image file read-only with the kernel (loop device), runs `fn`
 * on the mount point, and always unmounts (the loop device is detached
 * with it: `-o loop` sets autoclear).
 */
export async function withKernelMount<T>(image: string, fn: (dir: string) => T | Promise<T>): Promise<T> {
  const { dir, cleanup } = scratch('kmount-');
  try {
    execFileSync(tool('mount'), ['-t', 'ext2', '-o', 'loop,ro', image, dir], { stdio: 'pipe' });
    try {
      return await fn(dir);
    } finally {
      execFileSync(tool('umount'), [dir], { stdio: 'pipe' });
    }
  } finally {
    cleanup();
  }
}

/** Runs debugfs commands read-only on an image; returns what it printed. */
export function debugfs(image: string, commands: string[]): string {
  return execFileSync(tool('debugfs'), ['-f', '-', image], { input: commands.join('\n'), encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
}

/** What `debugfs ea_list` shows of one attribute: its size, and its value when printed (short printable values). */
export interface ListedXattr {
  size: number;
  value?: string;
}

/** Extended attributes of each path, as debugfs (e2fsprogs, not ext2-lite) reads them. */
export function debugfsXattrs(image: string, paths: readonly string[]): Map<string, Map<string, ListedXattr>> {
  const out = new Map<string, Map<string, ListedXattr>>();
  if (paths.length === 0) return out;
  const text = debugfs(image, paths.map((p) => `ea_list "${p}"`));
  for (const section of text.split(/^debugfs: ea_list /m).slice(1)) {
    const lines = section.split('\n');
    const path = (lines[0] ?? '').replace(/^"|"$/g, '');
    const attrs = new Map<string, ListedXattr>();
    for (const line of lines.slice(1)) {
      const m = /^ {2}(\S+) \((\d+)\)(?: = "(.*)")?/.exec(line);
      if (m !== null) attrs.set(m[1] as string, { size: Number(m[2]), ...(m[3] === undefined ? {} : { value: m[3] }) });
    }
    out.set(path, attrs);
  }
  return out;
}
