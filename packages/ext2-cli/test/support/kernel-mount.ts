// Loop-mounting an image read-only with the Linux kernel as the oracle; the
// mount is always undone in `finally`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findTool } from './tools.js';

/**
 * Runs `inspect` on the kernel's view of `image` (ext2), then unmounts:
 * read-only unless `writable` (the kernel then writes the image, e.g. to
 * make attributes for the command to read back).
 */
export function withKernelMount<T>(image: string, inspect: (mountPoint: string) => T, options: { writable?: boolean } = {}): T {
  const mountPoint = mkdtempSync(join(tmpdir(), 'ext2-cli-mnt-'));
  const mount = spawnSync(findTool('mount') as string, ['-o', options.writable === true ? 'loop' : 'loop,ro', '-t', 'ext2', image, mountPoint], { encoding: 'utf8' });
  if (mount.status !== 0) {
    rmSync(mountPoint, { recursive: true, force: true });
    throw new Error(`mount -o loop -t ext2 ${image} failed: ${mount.stderr}`);
  }
  try {
    return inspect(mountPoint);
  } finally {
    spawnSync(findTool('umount') as string, [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  }
}
