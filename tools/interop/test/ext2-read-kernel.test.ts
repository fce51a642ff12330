// Interop with the Linux kernel as the writer: a fresh `mke2fs -t ext2`
// image (dir_index on, as mke2fs sets it) is loop-mounted with
// `mount -t ext2 -o loop`; the kernel (the ext4 driver serving ext2 when
// CONFIG_EXT4_USE_FOR_EXT2=y, or ext2 itself) creates a directory with
// thousands of entries — indexed as an htree, which `debugfs -R "htree"` must
// confirm — plus files, hard links, fast and slow symlinks and a sparse file.
// What the kernel shows through the mount (node:fs lstat with bigint times,
// readdir, file bytes, link targets) is recorded while mounted; after
// unmounting (and detaching the loop device, in `finally`) everything is read
// back through ext2-lite's `.promises` and must match exactly: names, sizes,
// modes, link counts, owners, nanosecond mtimes, bytes.
//
// Needs root (mount, loop devices) and e2fsprogs: skipped with a message
// locally, a failure in CI (process.env.CI).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync, openSync, writeSync, closeSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryBlockDevice } from '@iomap/core';
import { mount, type Ext2Filesystem } from '@iomap/ext2-lite';
import { findTool } from './support/e2fsprogs.js';
import { patternBytes as pattern } from '@iomap/testkit';

const MKE2FS = findTool('mke2fs');
const DEBUGFS = findTool('debugfs');
const MOUNT = findTool('mount');
const UMOUNT = findTool('umount');
const LOSETUP = findTool('losetup');
const isRoot = process.getuid?.() === 0;

/** Why the suite cannot run here, or undefined when it can. */
function missingPrerequisite(): string | undefined {
  if (MKE2FS === undefined || DEBUGFS === undefined) return 'e2fsprogs (mke2fs, debugfs) not found';
  if (MOUNT === undefined || UMOUNT === undefined || LOSETUP === undefined) return 'mount, umount or losetup not found';
  if (!isRoot) return 'not running as root (loop mounts need root)';
  if (spawnSync(LOSETUP, ['-f'], { stdio: 'pipe' }).status !== 0) return 'no free loop device (losetup -f failed)';
  return undefined;
}

const why = missingPrerequisite();
if (why !== undefined) {
  if (process.env.CI) throw new Error(`ext2-read-kernel interop tests: ${why}; CI must run them as root with loop devices`);
  console.warn(`skipping ext2-read-kernel interop tests: ${why}`);
}
const suite = why === undefined ? describe : describe.skip;

const ENTRIES = 3000;

/** Entry names of varying length, some unicode, up to 255 bytes. */
function entryName(i: number): string {
  if (i % 500 === 7) return `${'n'.repeat(240)}-${String(i).padStart(5, '0')}-x`.slice(0, 255);
  if (i % 97 === 3) return `ünï-名前-${i}`;
  return `entry-${i}-${'abcdefghij'.slice(0, i % 11)}`;
}

/** What the kernel showed for one path while mounted. */
interface Seen {
  mode: number;
  size: number;
  nlink: number;
  uid: number;
  gid: number;
  ino: number;
  mtimeNs: bigint;
  data?: Uint8Array;
  target?: string;
  names?: string[];
}

/** Writes the tree with the kernel (through the mount point). */
function populate(root: string): void {
  const big = join(root, 'big');
  mkdirSync(big);
  for (let i = 0; i < ENTRIES; i++) {
    const name = join(big, entryName(i));
    if (i % 250 === 11) mkdirSync(name);
    else writeFileSync(name, pattern(i % 13 === 0 ? 5000 + i : i % 300, i + 1));
  }
  chmodSync(join(big, entryName(1)), 0o600);
  linkSync(join(big, entryName(2)), join(root, 'hard-link'));
  symlinkSync(`big/${entryName(4)}`, join(root, 'fast-link'));
  symlinkSync(`big/${'../big/'.repeat(12)}${entryName(5)}`, join(root, 'slow-link'));
  writeFileSync(join(root, 'large.bin'), pattern(3 << 20, 99));
  const fd = openSync(join(root, 'sparse.bin'), 'w');
  try {
    writeSync(fd, pattern(4000, 7), 0, 4000, 70 << 20);
  } finally {
    closeSync(fd);
  }
}

/** Records every path under `root` as the kernel shows it. */
function record(root: string, rel = '', out = new Map<string, Seen>()): Map<string, Seen> {
  const full = rel === '' ? root : join(root, rel);
  const st = lstatSync(full, { bigint: true });
  const seen: Seen = { mode: Number(st.mode), size: Number(st.size), nlink: Number(st.nlink), uid: Number(st.uid), gid: Number(st.gid), ino: Number(st.ino), mtimeNs: st.mtimeNs };
  if (st.isFile()) seen.data = new Uint8Array(readFileSync(full));
  if (st.isSymbolicLink()) seen.target = readlinkSync(full);
  out.set(`/${rel}`, seen);
  if (st.isDirectory()) {
    seen.names = readdirSync(full).sort();
    for (const name of seen.names) record(root, rel === '' ? name : `${rel}/${name}`, out);
  }
  return out;
}

function sh(tool: string | undefined, args: string[]): string {
  return execFileSync(tool as string, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

suite('ext2 image written by the Linux kernel on a loop mount', () => {
  let dir = '';
  let image = new Uint8Array(0);
  let expected = new Map<string, Seen>();
  let htreeDump = '';
  let fs: Ext2Filesystem;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ext2-kernel-'));
    const img = join(dir, 'k.img');
    const mnt = join(dir, 'mnt');
    mkdirSync(mnt);
    sh(MKE2FS, ['-q', '-F', '-t', 'ext2', '-b', '1024', '-O', 'dir_index', img, '96M']);
    sh(MOUNT, ['-t', 'ext2', '-o', 'loop', img, mnt]);
    try {
      populate(mnt);
      expected = record(mnt);
    } finally {
      spawnSync(UMOUNT as string, [mnt], { stdio: 'pipe' });
      // mount -o loop sets autoclear; detach explicitly in case it did not.
      const loops = spawnSync(LOSETUP as string, ['-j', img], { encoding: 'utf8' }).stdout ?? '';
      for (const line of loops.split('\n')) {
        const device = line.split(':')[0];
        if (device !== undefined && device.startsWith('/dev/loop')) spawnSync(LOSETUP as string, ['-d', device], { stdio: 'pipe' });
      }
    }
    htreeDump = spawnSync(DEBUGFS as string, ['-R', 'htree /big', img], { encoding: 'utf8' }).stdout ?? '';
    image = new Uint8Array(readFileSync(img));
    fs = await mount(new MemoryBlockDevice({ buffer: image.slice().buffer }), { readOnly: true });
  }, 120_000);

  afterAll(async () => {
    await fs?.unmount();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('the kernel indexed the big directory (htree, EXT2_INDEX_FL)', async () => {
    expect(htreeDump).toContain('Root node dump');
    expect(htreeDump).toMatch(/Entry #\d+: Hash 0x[0-9a-f]+, block \d+/);
    const big = await fs.inodeAt('/big');
    expect(big.disk.flags & 0x1000).toBe(0x1000);
    expect(big.size).toBeGreaterThan(64 * 1024);
  });

  it('lists every directory with the names the kernel wrote', async () => {
    expect(expected.get('/big')?.names).toHaveLength(ENTRIES);
    for (const [path, seen] of expected) {
      if (seen.names !== undefined) expect((await fs.promises.readdir(path)).sort(), path).toEqual(seen.names);
    }
  });

  it('reads every path back with the kernel’s modes, sizes, link counts, owners, ns mtimes and bytes', async () => {
    for (const [path, seen] of expected) {
      const st = await fs.promises.lstat(path, { bigint: true });
      expect({ path, mode: Number(st.mode), size: Number(st.size), nlink: Number(st.nlink), uid: Number(st.uid), gid: Number(st.gid), ino: Number(st.ino), mtimeNs: st.mtimeNs }).toEqual({
        path,
        mode: seen.mode,
        size: seen.size,
        nlink: seen.nlink,
        uid: seen.uid,
        gid: seen.gid,
        ino: seen.ino,
        mtimeNs: seen.mtimeNs,
      });
      if (seen.data !== undefined) expect(Buffer.from(await fs.promises.readFile(path)).equals(seen.data), path).toBe(true);
      if (seen.target !== undefined) expect(await fs.promises.readlink(path), path).toBe(seen.target);
    }
  });
});
