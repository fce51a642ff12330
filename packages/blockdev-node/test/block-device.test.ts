// Real block devices: the size comes from sysfs (stat reports 0) or, without
// sysfs, from probing reads; a loop device attached to a temp file is opened,
// sized, written, read and (when writable) claimed exclusively with O_EXCL.
//
// The loop-device test needs root and losetup. Without them it is skipped
// with the reason, except in CI (process.env.CI set), where it fails.
import { execFileSync } from 'node:child_process';
import { mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { FsError } from '@iomap/core';
import { describe, expect, it } from 'vitest';
import { probeSizeByReading, readSysfsGeometry, splitDeviceNumber } from '../src/block-device-geometry.js';
import { FileDevice } from '../src/index.js';
import { expectBytes, pattern } from './bytes.js';
import { useTempDir } from './temp-dir.js';

const tmp = useTempDir();

describe('block device geometry', () => {
  it('splits a dev_t like glibc (small and large numbers)', () => {
    expect(splitDeviceNumber(0x0700)).toEqual({ major: 7, minor: 0 });
    expect(splitDeviceNumber(0x0803)).toEqual({ major: 8, minor: 3 });
    // glibc makedev(259, 0x100001): minor bits 8 and up move to bit 20 and up (here bit 32)
    expect(splitDeviceNumber(2 ** 32 + (259 << 8) + 1)).toEqual({ major: 259, minor: 0x100001 });
    // makedev(0x1001, 2): major bits 12 and up move to bit 44 and up
    expect(splitDeviceNumber(2 ** 44 + (1 << 8) + 2)).toEqual({ major: 0x1001, minor: 2 });
  });

  it('reads size and logical block size from a sysfs tree, falling back to the parent for partitions', async () => {
    const root = tmp.path('sys');
    await mkdir(`${root}/dev/block/8:0/queue`, { recursive: true });
    await writeFile(`${root}/dev/block/8:0/size`, '2048\n');
    await writeFile(`${root}/dev/block/8:0/queue/logical_block_size`, '4096\n');
    await mkdir(`${root}/dev/block/8:0/8:1`, { recursive: true });
    // a partition: size in 512-byte sectors, queue/ only in the parent
    await mkdir(`${root}/dev/block/8:1`, { recursive: true });
    await writeFile(`${root}/dev/block/8:1/size`, '100\n');
    expect(await readSysfsGeometry(0x0800, root)).toEqual({ size: 2048 * 512, logicalBlockSize: 4096 });
    expect(await readSysfsGeometry(0x0801, root)).toEqual({ size: 100 * 512, logicalBlockSize: 512 });
    expect(await readSysfsGeometry(0x0802, root)).toBeUndefined();
  });

  it.each([0, 512, 4096, 512 * 12345, 1 << 30])('finds a size of %i bytes by probing reads', async (size) => {
    let reads = 0;
    const found = await probeSizeByReading(async (pos) => {
      reads++;
      return pos < size ? 1 : 0;
    });
    expect(found).toBe(size);
    expect(reads).toBeLessThanOrEqual(2 * Math.log2(Math.max(2, size / 512)) + 3);
  });

  it('finds the size of a real file by probing reads', async () => {
    const path = tmp.path('probe.img');
    await writeFile(path, new Uint8Array(512 * 77));
    const fh = await open(path, 'r');
    const one = new Uint8Array(1);
    try {
      expect(await probeSizeByReading(async (pos) => (await fh.read(one, 0, 1, pos)).bytesRead)).toBe(512 * 77);
    } finally {
      await fh.close();
    }
  });
});

/** Why the loop-device test cannot run here, or undefined when it can. */
function loopDeviceUnavailable(): string | undefined {
  if (process.platform !== 'linux') return `loop devices are Linux-only (platform ${process.platform})`;
  if (process.getuid?.() !== 0)
    return 'attaching a loop device needs root (run the tests as root, e.g. in a VM or CI container)';
  try {
    execFileSync('losetup', ['--version'], { stdio: 'ignore' });
  } catch {
    return 'losetup is not installed (Debian/Ubuntu package util-linux / mount)';
  }
  return undefined;
}

const unavailable = loopDeviceUnavailable();

/** Tries open(O_RDWR | O_EXCL) from a child process; returns its error code or 'opened'. */
function otherProcessExclusiveOpen(path: string): string {
  const script = `const fs = require('node:fs');
try { fs.closeSync(fs.openSync(process.argv[1], fs.constants.O_RDWR | fs.constants.O_EXCL)); console.log('opened'); }
catch (e) { console.log(e.code); }`;
  return execFileSync(process.execPath, ['-e', script, path], { encoding: 'utf8' }).trim();
}

describe('a real block device (loop device on a temp file)', () => {
  if (unavailable !== undefined && process.env['CI']) {
    it('runs in CI', () => {
      throw new FsError('ENODEV', `the loop-device test must run in CI but cannot: ${unavailable}`);
    });
    return;
  }
  it.skipIf(unavailable !== undefined)(
    `opens /dev/loopN, sizes it from sysfs, and round-trips data${unavailable ? ` (skipped: ${unavailable})` : ''}`,
    async () => {
      const backing = tmp.path('loop-backing.img');
      await writeFile(backing, pattern(4 << 20, 5));
      const loop = execFileSync('losetup', ['--find', '--show', backing], { encoding: 'utf8' }).trim();
      try {
        const dev = await FileDevice.open(loop);
        try {
          expect(dev.kind).toBe('block');
          expect(dev.size).toBe(4 << 20);
          expect(dev.logicalBlockSize).toBe(512);
          const head = new Uint8Array(4096);
          await dev.read(0, head);
          expectBytes(head, pattern(4 << 20, 5).subarray(0, 4096));
          const data = pattern(65536, 9);
          await dev.write(1 << 20, data);
          await dev.writev((2 << 20) - 512, [pattern(512, 1), pattern(1024, 2)]);
          const out = new Uint8Array(65536);
          await dev.read(1 << 20, out);
          expectBytes(out, data);
          expect((await dev.read(dev.size, new Uint8Array(1)).catch((e: unknown) => e)) as FsError).toMatchObject({
            code: 'EIO',
          });
          // In this process the claim refuses a second exclusive open; in
          // another process the kernel does, because we hold it with O_EXCL.
          await expect(FileDevice.open(loop)).rejects.toMatchObject({ code: 'EBUSY' });
          expect(otherProcessExclusiveOpen(loop)).toMatch(/EBUSY/);
          const reader = await FileDevice.open(loop, { readOnly: true, size: 8192 });
          expect(reader.size).toBe(8192);
          await reader.close();
          await expect(FileDevice.open(loop, { readOnly: true, size: 8 << 20 })).rejects.toMatchObject({
            code: 'EINVAL',
          });
          await dev.flush();
        } finally {
          await dev.close();
        }
      } finally {
        execFileSync('losetup', ['--detach', loop]);
      }
      const file = await readFile(backing);
      expectBytes(file.subarray(1 << 20, (1 << 20) + 65536), pattern(65536, 9));
    },
  );
});
