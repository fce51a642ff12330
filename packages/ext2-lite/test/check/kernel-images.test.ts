// Images written by the Linux kernel (here the ext4 driver serving ext2, EXT2.md
// "host caveat"): htree directories it indexed and then changed, in-inode and
// shared block xattrs, new-style device numbers, deletions. check() agrees
// with e2fsck -fn (clean) and with its summary counts.
//
// Needs root (loop mounts) and e2fsprogs: skipped with a message locally, a
// failure in CI (process.env.CI). The loop mount is unmounted and the loop
// device detached in `finally`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkImage, describe as dump, e2fsck, haveE2fsprogs, mkfs, scratchDir } from './support.js';

const SBIN = ['/usr/local/sbin', '/usr/sbin', '/sbin', '/usr/bin', '/bin'];
const tool = (name: string): string | undefined => [...(process.env.PATH ?? '').split(':'), ...SBIN].map((d) => join(d, name)).find((p) => existsSync(p));
const MOUNT = tool('mount');
const UMOUNT = tool('umount');
const LOSETUP = tool('losetup');
/** Node has no setxattr; python3's os.setxattr reaches the kernel's xattr code (optional). */
const PYTHON = tool('python3');

/** Sets user.* attributes through the kernel; skipped where python3 is missing. */
function setXattrs(root: string, attrs: ReadonlyArray<readonly [string, string, string]>): void {
  if (PYTHON === undefined) return;
  const script = attrs.map(([path, name, value]) => `os.setxattr(${JSON.stringify(join(root, path))}, ${JSON.stringify(name)}, ${JSON.stringify(value)}.encode())`).join('\n');
  execFileSync(PYTHON, ['-c', `import os\n${script}`]);
}

function missingPrerequisite(): string | undefined {
  if (MOUNT === undefined || UMOUNT === undefined || LOSETUP === undefined) return 'mount, umount or losetup not found';
  if (process.getuid?.() !== 0) return 'not running as root (loop mounts need root)';
  if (spawnSync(LOSETUP, ['-f'], { stdio: 'pipe' }).status !== 0) return 'no free loop device (losetup -f failed)';
  return undefined;
}

const why = haveE2fsprogs('ext2-lite check: kernel images') ? missingPrerequisite() : 'e2fsprogs missing';
if (why !== undefined && why !== 'e2fsprogs missing') {
  if (process.env.CI) throw new Error(`ext2-lite check kernel-image tests: ${why}; CI must run them as root with loop devices`);
  console.warn(`skipping ext2-lite check kernel-image tests: ${why}`);
}
const suite = why === undefined ? describe : describe.skip;

/** Runs `work(mountpoint)` on a loop mount of `img`, always unmounting and detaching. */
function onKernelMount(img: string, mnt: string, work: (root: string) => void): void {
  mkdirSync(mnt, { recursive: true });
  execFileSync(MOUNT as string, ['-t', 'ext2', '-o', 'loop', img, mnt], { stdio: 'pipe' });
  try {
    work(mnt);
  } finally {
    spawnSync(UMOUNT as string, [mnt], { stdio: 'pipe' });
    const loops = spawnSync(LOSETUP as string, ['-j', img], { encoding: 'utf8' }).stdout ?? '';
    for (const line of loops.split('\n')) {
      const device = line.split(':')[0];
      if (device !== undefined && device.startsWith('/dev/loop')) spawnSync(LOSETUP as string, ['-d', device], { stdio: 'pipe' });
    }
  }
}

suite('check() on images the kernel wrote agrees with e2fsck -fn', () => {
  let scratch: ReturnType<typeof scratchDir>;

  beforeAll(() => {
    scratch = scratchDir('ext2-check-kernel-');
  });
  afterAll(() => scratch.cleanup());

  for (const bs of [1024, 4096]) {
    it(`a ${bs}-byte-block image filled, indexed and pruned by the kernel is clean`, async () => {
      const img = mkfs(join(scratch.dir, `k${bs}.img`), ['-b', String(bs)], '32M');
      onKernelMount(img, join(scratch.dir, 'mnt'), (root) => {
        mkdirSync(join(root, 'big'));
        for (let i = 0; i < 600; i++) writeFileSync(join(root, 'big', `file-${i}`), `${i}\n`);
        for (let i = 100; i < 200; i++) rmSync(join(root, 'big', `file-${i}`));
        mkdirSync(join(root, 'a', 'b', 'c'), { recursive: true });
        writeFileSync(join(root, 'data'), new Uint8Array(3 << 20).fill(7));
        symlinkSync('x'.repeat(59), join(root, 'fast'));
        symlinkSync('y'.repeat(80), join(root, 'slow'));
        execFileSync('mknod', [join(root, 'bdev'), 'b', '259', '70000']);
        execFileSync('mkfifo', [join(root, 'fifo')]);
        // Equal attributes on two files share one xattr block (refcount 2); a small one stays in the inode.
        setXattrs(root, [
          ['big/file-1', 'user.k', 'v'.repeat(300)],
          ['big/file-2', 'user.k', 'v'.repeat(300)],
          ['a', 'user.k', 'w'.repeat(300)],
          ['a/b', 'user.small', 'abc'],
        ]);
      });
      const oracle = e2fsck(img);
      const { report, device } = await checkImage(img);
      expect(oracle.status, oracle.output).toBe(0);
      expect(report.clean, dump(report)).toBe(true);
      expect(report.summary.inodesUsed).toBe(oracle.files);
      expect(report.summary.blocksUsed).toBe(oracle.blocks);
      expect(report.summary.blockDevices).toBe(1);
      expect(device.counters.writes).toBe(0);
    });
  }
});
