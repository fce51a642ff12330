// Test support for mkfs: running e2fsprogs and the kernel's loop mount on
// images made by mkfs. A missing tool (or not being root, for mounts) skips
// with a message locally and fails loudly in CI (process.env.CI).
// e2fsck and tool lookup come from the shared test/support/e2fsprogs.ts;
// what mkfs needs beyond it (mke2fs with a fixed clock, dumpe2fs -h, byte
// comparison, kernel mounts) lives here.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findTool, requireTool } from '../support/e2fsprogs.js';

export { findTool };

const E2FSPROGS = ['mke2fs', 'e2fsck', 'dumpe2fs'] as const;
const tool = (name: string): string => {
  const path = findTool(name);
  if (path === undefined) throw new Error(`${name} not found`);
  return path;
};

/** True when e2fsprogs is installed; otherwise warns (in CI requireTool throws). */
export function requireE2fsprogs(suite: string): boolean {
  const missing = E2FSPROGS.filter((t) => requireTool(t) === undefined);
  if (missing.length === 0) return true;
  console.warn(`skipping ${suite}: ${missing.join(', ')} not found`);
  return false;
}

/** Why kernel loop mounts cannot run here, or undefined when they can. */
function kernelMountBlocker(): string | undefined {
  if (process.getuid?.() !== 0) return 'not running as root';
  for (const t of ['mount', 'umount', 'losetup']) if (findTool(t) === undefined) return `${t} not found`;
  if (spawnSync(tool('losetup'), ['-f'], { stdio: 'pipe' }).status !== 0) return 'no free loop device';
  return undefined;
}

/** True when `mount -o loop -t ext2` can run; otherwise warns (or, in CI, throws). */
export function requireKernelMount(suite: string): boolean {
  const why = kernelMountBlocker();
  if (why === undefined) return true;
  if (process.env.CI) throw new Error(`${suite}: ${why}; CI must run as root with loop devices`);
  console.warn(`skipping ${suite}: ${why}`);
  return false;
}

/** A scratch directory and its cleanup. */
export function scratchDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `dumpe2fs -h` as key -> value. */
export function dumpe2fsHeader(img: string): Record<string, string> {
  const out = execFileSync(tool('dumpe2fs'), ['-h', img], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const map: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const m = /^([A-Za-z][^:]*):\s*(.*?)\s*$/.exec(line);
    if (m !== null) map[m[1] as string] = m[2] as string;
  }
  return map;
}

/** The mke2fs reference clock: E2FSPROGS_FAKE_TIME fixes every timestamp mke2fs writes. */
export function mke2fs(img: string, sizeBytes: number, args: string[], fakeTime: number): void {
  rmSync(img, { force: true });
  writeFileSync(img, new Uint8Array(0));
  execFileSync('truncate', ['-s', String(sizeBytes), img]);
  execFileSync(tool('mke2fs'), ['-q', '-F', '-t', 'ext2', ...args, img], {
    stdio: 'pipe',
    env: { ...process.env, E2FSPROGS_FAKE_TIME: String(fakeTime), MKE2FS_DEVICE_SECTSIZE: '512', MKE2FS_CONFIG: '/etc/mke2fs.conf' },
  });
}

/** What `mke2fs -V` prints first, e.g. "mke2fs 1.47.0 (5-Feb-2023)". */
export function mke2fsVersion(): string {
  const r = spawnSync(tool('mke2fs'), ['-V'], { encoding: 'utf8' });
  return `${r.stderr}${r.stdout}`.trim();
}

/** True when two files hold the same bytes (`cmp -s`, which stops at the first difference; sha256 without cmp). */
export function sameBytes(a: string, b: string): boolean {
  const cmp = findTool('cmp');
  if (cmp === undefined) return sha256(a) === sha256(b);
  return spawnSync(cmp, ['-s', a, b]).status === 0;
}

/** sha256 of a file or bytes, hex. */
export function sha256(data: string | Uint8Array): string {
  return createHash('sha256')
    .update(typeof data === 'string' ? readFileSync(data) : data)
    .digest('hex');
}

/**
 * Loop-mounts `img` with the kernel's ext2 driver, runs `body` with the mount
 * point, and always unmounts (which detaches the loop device).
 */
export function withKernelMount(img: string, body: (dir: string) => void): void {
  const dir = `${img}.mnt`;
  mkdirSync(dir, { recursive: true });
  execFileSync(tool('mount'), ['-o', 'loop', '-t', 'ext2', img, dir], { stdio: 'pipe' });
  try {
    body(dir);
  } finally {
    execFileSync(tool('umount'), [dir], { stdio: 'pipe' });
    rmSync(dir, { recursive: true, force: true });
  }
}
