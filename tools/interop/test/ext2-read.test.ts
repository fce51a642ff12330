// Interop: images built by e2fsprogs from generated trees (mke2fs -t ext2|ext3
// -d, 1/2/4 KiB blocks, 128/256-byte inodes), read back through ext2-lite's
// `.promises` and compared with the source tree through node:fs: names,
// modes, sizes, mtimes (seconds), owners, link counts, file bytes, symlink
// targets. Also: an htree directory (e2fsck -fD), FIEMAP/SEEK_DATA on a
// 1 TiB sparse file, and a device that fails any write.
//
// Needs mke2fs and e2fsck; skipped with a message without them, except in CI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { closeSync, linkSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, readSync, rmSync, symlinkSync, utimesSync, writeFileSync, writeSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsError, MemoryBlockDevice, type BlockDevice } from '@iomap/core';
import { mount, type Ext2Filesystem } from '@iomap/ext2-lite';
import { findTool } from './support/e2fsprogs.js';
import { patternBytes as pattern } from '@iomap/testkit';

const MKE2FS = findTool('mke2fs');
const E2FSCK = findTool('e2fsck');
const missing = MKE2FS === undefined || E2FSCK === undefined;
if (missing) {
  if (process.env.CI) throw new Error('e2fsprogs (mke2fs, e2fsck) not found; CI must install e2fsprogs');
  console.warn('skipping ext2-read interop tests: e2fsprogs not found');
}
const suite = missing ? describe.skip : describe;
const isRoot = process.getuid?.() === 0;

/** A device over image bytes that throws on any write, so a read-only mount is proven to write nothing. */
function writeRefusingDevice(bytes: Uint8Array): BlockDevice & { writes: number } {
  const mem = new MemoryBlockDevice({ buffer: bytes.slice().buffer });
  const fail = async (): Promise<void> => {
    dev.writes++;
    throw new FsError('EIO', 'test device refuses writes');
  };
  const dev = {
    writes: 0,
    size: mem.size,
    logicalBlockSize: mem.logicalBlockSize,
    readOnly: false,
    read: (pos: number, b: Uint8Array) => mem.read(pos, b),
    readv: (pos: number, b: readonly Uint8Array[]) => mem.readv(pos, b),
    write: fail,
    writev: fail,
    discard: fail,
    flush: fail,
    close: () => mem.close(),
  };
  return dev;
}

/** The generated source tree. */
function buildTree(root: string): void {
  mkdirSync(root);
  const put = (rel: string, data: Uint8Array | string, mode = 0o644): void => {
    writeFileSync(join(root, rel), data);
    chmodSync(join(root, rel), mode);
  };
  for (const [i, size] of [0, 1, 1023, 1024, 4097, 70_000, 300_000, 5 << 20].entries()) put(`size-${size}`, pattern(size, i + 1), 0o600 + i);
  put('x'.repeat(255), 'longest name\n');
  put('ünïcødé-名前-😀.txt', 'unicode\n', 0o640);
  let deep = root;
  for (let i = 0; i < 24; i++) {
    deep = join(deep, `level-${i}`);
    mkdirSync(deep);
  }
  writeFileSync(join(deep, 'bottom'), 'deep\n');
  mkdirSync(join(root, 'links'), 0o711);
  linkSync(join(root, 'size-4097'), join(root, 'links', 'hard-1'));
  linkSync(join(root, 'size-4097'), join(root, 'links', 'hard-2'));
  symlinkSync('../size-1', join(root, 'links', 'fast'));
  symlinkSync(`${'long-component/'.repeat(8)}target`, join(root, 'links', 'slow'));
  execFileSync('mkfifo', [join(root, 'links', 'fifo')]);
  if (isRoot) {
    execFileSync('mknod', [join(root, 'links', 'tty'), 'c', '4', '5']);
    execFileSync('mknod', [join(root, 'links', 'disk'), 'b', '259', '3']);
  }
  const fd = openSync(join(root, 'sparse-5g'), 'w');
  writeSync(fd, pattern(3000, 9), 0, 3000, 10_000);
  writeSync(fd, pattern(5000, 10), 0, 5000, 5 * 2 ** 30);
  closeSync(fd);
  utimesSync(join(root, 'size-1'), 1_000_000_000, 1_234_567_890);
  utimesSync(join(root, 'links'), 1_600_000_000, 1_600_000_000);
}

/** Every path below `root` (relative, '/'-joined), parents first. */
function listTree(root: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, rel)).sort()) {
    const path = rel === '' ? name : `${rel}/${name}`;
    out.push(path);
    if (lstatSync(join(root, path)).isDirectory()) out.push(...listTree(root, path));
  }
  return out;
}

/** Compares one path of the mounted image with the source tree. */
async function compare(fs: Ext2Filesystem, source: string, rel: string): Promise<void> {
  const want = lstatSync(join(source, rel));
  const got = await fs.promises.lstat(`/${rel}`);
  const what = `/${rel}`;
  expect({ what, mode: got.mode, size: got.size, nlink: got.nlink, uid: got.uid, gid: got.gid, rdev: got.rdev, mtime: Math.floor(got.mtimeMs / 1000) }).toEqual({
    what,
    mode: want.mode,
    size: want.isDirectory() ? got.size : want.size,
    nlink: want.nlink,
    uid: want.uid,
    gid: want.gid,
    rdev: want.rdev,
    mtime: Math.floor(want.mtimeMs / 1000),
  });
  if (want.isFile() && want.size <= 64 << 20) {
    expect(Buffer.from(await fs.promises.readFile(`/${rel}`)).equals(readFileSync(join(source, rel))), what).toBe(true);
  } else if (want.isFile()) {
    // Larger than readFile allows (2 GiB): compare windows at the start, around the data and at the end.
    await using handle = await fs.promises.open(`/${rel}`);
    const fd = openSync(join(source, rel), 'r');
    try {
      for (const at of [0, 8192, want.size - 2 ** 20, want.size - 4000]) {
        const ours = new Uint8Array(2 ** 20);
        const theirs = Buffer.alloc(2 ** 20);
        const n = (await handle.read(ours, 0, ours.length, at)).bytesRead;
        const m = readSync(fd, theirs, 0, theirs.length, at);
        expect(n, `${what} at ${at}`).toBe(m);
        expect(Buffer.from(ours.subarray(0, n)).equals(theirs.subarray(0, m)), `${what} at ${at}`).toBe(true);
      }
    } finally {
      closeSync(fd);
    }
  }
  if (want.isSymbolicLink()) expect(await fs.promises.readlink(`/${rel}`)).toBe(readlinkSync(join(source, rel)));
  if (want.isDirectory()) expect((await fs.promises.readdir(`/${rel}`)).sort()).toEqual(readdirSync(join(source, rel)).sort());
}

const CONFIGS = [
  { name: 'ext2 1 KiB blocks, 128-byte inodes', type: 'ext2', args: ['-b', '1024', '-I', '128'] },
  { name: 'ext2 2 KiB blocks, 256-byte inodes', type: 'ext2', args: ['-b', '2048', '-I', '256'] },
  { name: 'ext2 4 KiB blocks, 256-byte inodes', type: 'ext2', args: ['-b', '4096', '-I', '256'] },
  { name: 'ext3 4 KiB blocks (journal present, not replayed)', type: 'ext3', args: ['-b', '4096'] },
] as const;

suite('ext2-lite reads images made by mke2fs -d', () => {
  let scratch = '';
  let source = '';
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'ext2-read-'));
    source = join(scratch, 'tree');
    buildTree(source);
  });
  afterAll(() => {
    if (scratch !== '') rmSync(scratch, { recursive: true, force: true });
  });

  for (const config of CONFIGS) {
    it(`reads every name, attribute and byte back: ${config.name}`, async () => {
      const img = join(scratch, `${config.type}-${config.args[1]}.img`);
      execFileSync(MKE2FS as string, ['-q', '-F', '-t', config.type, ...config.args, '-d', source, img, '64M'], { stdio: 'pipe' });
      const device = writeRefusingDevice(new Uint8Array(readFileSync(img)));
      await using fs = await mount(device, { readOnly: true });
      const rootNames = (await fs.promises.readdir('/')).filter((n) => n !== 'lost+found').sort();
      expect(rootNames).toEqual(readdirSync(source).sort());
      for (const rel of listTree(source)) await compare(fs, source, rel);
      expect(device.writes).toBe(0);
    }, 60_000);
  }

  it('reads an htree directory with thousands of entries (e2fsck -fD) linearly', async () => {
    const tree = join(scratch, 'htree');
    mkdirSync(join(tree, 'many'), { recursive: true });
    const names: string[] = [];
    for (let i = 0; i < 4000; i++) names.push(`file-${i.toString(36)}-${'n'.repeat(i % 40)}`);
    for (const n of names) writeFileSync(join(tree, 'many', n), n);
    const img = join(scratch, 'htree.img');
    execFileSync(MKE2FS as string, ['-q', '-F', '-t', 'ext2', '-b', '1024', '-d', tree, img, '32M'], { stdio: 'pipe' });
    execFileSync(E2FSCK as string, ['-fyD', img], { stdio: 'pipe' });
    await using fs = await mount(writeRefusingDevice(new Uint8Array(readFileSync(img))), { readOnly: true });
    expect((await fs.promises.readdir('/many')).sort()).toEqual([...names].sort());
    expect(await fs.promises.readFile(`/many/${names[1234] as string}`, 'utf8')).toBe(names[1234]);
  }, 60_000);

  it('answers FIEMAP and SEEK_DATA on a 1 TiB sparse file in milliseconds', async () => {
    const tree = join(scratch, 'tib');
    mkdirSync(tree);
    const fd = openSync(join(tree, 'huge'), 'w');
    writeSync(fd, pattern(4096, 1), 0, 4096, 2 ** 40 - 4096);
    closeSync(fd);
    const img = join(scratch, 'tib.img');
    execFileSync(MKE2FS as string, ['-q', '-F', '-t', 'ext2', '-b', '4096', '-d', tree, img, '16M'], { stdio: 'pipe' });
    await using fs = await mount(writeRefusingDevice(new Uint8Array(readFileSync(img))), { readOnly: true });
    const inode = await fs.inodeAt('/huge');
    const t0 = performance.now();
    const { extents } = await fs.fiemap(inode, { start: 0, length: 2 ** 40 });
    const data = await fs.seekData(inode, 0);
    const elapsed = performance.now() - t0;
    expect(extents).toHaveLength(1);
    expect(extents[0]?.logical).toBe(2 ** 40 - 4096);
    expect(data).toBe(2 ** 40 - 4096);
    expect(elapsed).toBeLessThan(250);
  });
});
