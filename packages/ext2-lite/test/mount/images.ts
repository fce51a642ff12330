// Test support: building real ext2 images with e2fsprogs (mke2fs -d,
// debugfs) and mounting them on a device that fails every write.
//
// Without e2fsprogs the image tests are skipped with a message; in CI
// (process.env.CI) a missing tool fails the run.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryBlockDevice } from '@iomap/core';
import { FaultDevice } from '@iomap/testkit';
import { mount, type Ext2Filesystem, type MountOptions } from '../../src/index.js';
export { patternBytes as pattern } from '@iomap/testkit';

const SBIN = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/** Full path of an e2fsprogs tool, or undefined. */
export function findTool(name: string): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(':'), ...SBIN]) {
    if (dir !== '' && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

const MKE2FS = findTool('mke2fs');
const DEBUGFS = findTool('debugfs');

/** True when the image tests can run; logs (or, in CI, throws) otherwise. */
export function haveE2fsprogs(suite: string): boolean {
  if (MKE2FS !== undefined && DEBUGFS !== undefined) return true;
  const why = 'e2fsprogs (mke2fs, debugfs) not found';
  if (process.env.CI) throw new Error(`${suite}: ${why}; CI must install e2fsprogs`);
  console.warn(`skipping ${suite}: ${why}`);
  return false;
}

/** A scratch directory removed by the returned function. */
export function scratchDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** mke2fs -q -F -t ext2 <args> img size. */
export function mkfs(img: string, args: string[], size: string, type = 'ext2'): string {
  execFileSync(MKE2FS as string, ['-q', '-F', '-t', type, ...args, img, size], { stdio: 'pipe', env: { ...process.env, MKE2FS_DEVICE_SECTSIZE: '512', E2FSPROGS_FAKE_TIME: '' } });
  return img;
}

/** Runs debugfs commands (-w) on an image. */
export function debugfs(img: string, commands: string[]): string {
  return execFileSync(DEBUGFS as string, ['-w', '-f', '-', img], { input: commands.join('\n'), stdio: 'pipe', encoding: 'utf8' });
}

/** A device over the image's bytes that fails every write and discard (and counts them). */
export function readOnlyDevice(bytes: Uint8Array): FaultDevice {
  const copy = bytes.slice();
  const mem = new MemoryBlockDevice({ buffer: copy.buffer });
  return new FaultDevice(mem, [{ kind: 'error', ops: ['write', 'discard'], code: 'EIO' }]);
}

/** Mounts an image file read-only on a write-failing device. */
export async function mountImage(img: string, options: Omit<MountOptions, 'readOnly'> = {}): Promise<{ fs: Ext2Filesystem; device: FaultDevice }> {
  const device = readOnlyDevice(new Uint8Array(readFileSync(img)));
  const fs = await mount(device, { readOnly: true, ...options });
  return { fs, device };
}

