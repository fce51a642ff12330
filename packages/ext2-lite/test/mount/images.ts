// Test support: building real ext2 images with e2fsprogs (mke2fs -d,
// debugfs) and mounting them on a device that fails every write.
//
// Without e2fsprogs the image tests are skipped with a message; in CI
// (process.env.CI) a missing tool fails the run.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { MemoryBlockDevice } from '@iomap/core';
import { FaultDevice } from '@iomap/testkit';
import { mount, type Ext2Filesystem, type MountOptions } from '../../src/index.js';
export { patternBytes as pattern } from '@iomap/testkit';
import { findTool, haveTools, scratchDir } from '../support/e2fsprogs.js';

export { findTool, scratchDir };

const MKE2FS = findTool('mke2fs');
const DEBUGFS = findTool('debugfs');

/** True when the image tests can run; logs (or, in CI, throws) otherwise. */
export function haveE2fsprogs(suite: string): boolean {
  return haveTools(suite, ['mke2fs', 'debugfs']);
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

