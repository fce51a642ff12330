// Reading mke2fs/debugfs-made images through .promises and the inode
// methods: special inodes, symlinks, xattrs (in-inode and block), ns times,
// htree and ext3 images, and the direct/dax/uncached read paths.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryBlockDevice } from '@iomap/core';
import { mount } from '../../src/index.js';
import { debugfs, findTool, haveE2fsprogs, mkfs, mountImage, pattern, scratchDir } from './images.js';

const suite = haveE2fsprogs('ext2-lite read tests') ? describe : describe.skip;
const SLOW = 'x/'.repeat(40) + 'slow-target';
const BIG = pattern(3 << 20, 11);

suite('reading real images', () => {
  let dir = '';
  let cleanup = (): void => {};
  let img4k = '';
  beforeAll(() => {
    const s = scratchDir('ext2-read-');
    ({ dir, cleanup } = s);
    const tree = join(dir, 'tree');
    mkdirSync(join(tree, 'd'), { recursive: true });
    writeFileSync(join(tree, 'small'), 'small file\n');
    writeFileSync(join(tree, 'big'), BIG);
    symlinkSync('small', join(tree, 'fast'));
    symlinkSync(SLOW, join(tree, 'slow'));
    const fd = openSync(join(tree, 'sparse'), 'w');
    writeSync(fd, pattern(4096, 3), 0, 4096, 0);
    writeSync(fd, pattern(4096, 4), 0, 4096, 2 ** 40 - 4096);
    closeSync(fd);
    img4k = mkfs(join(dir, 'a4k.img'), ['-b', '4096', '-I', '256', '-d', tree], '32M');
    debugfs(img4k, [
      'mknod fifo p',
      'mknod chr c 4 5',
      'mknod blk b 259 7',
      'ea_set /small user.tiny abc',
      `ea_set /small user.large ${'v'.repeat(600)}`,
      'sif /small mtime_extra 0x1d6f3454',
    ]);
  });
  afterAll(() => cleanup());

  it('reads devices, fifos, fast and slow symlinks', async () => {
    const { fs } = await mountImage(img4k);
    const p = fs.promises;
    expect((await p.lstat('/fifo')).isFIFO()).toBe(true);
    const chr = await p.lstat('/chr');
    expect(chr.isCharacterDevice()).toBe(true);
    expect(chr.rdev).toBe(0x405);
    const blk = await p.lstat('/blk');
    expect(blk.isBlockDevice()).toBe(true);
    expect(blk.rdev).toBe(7 | (259 << 8));
    expect(await p.readlink('/fast')).toBe('small');
    expect(await p.readlink('/slow')).toBe(SLOW);
    expect(await p.readFile('/fast', 'utf8')).toBe('small file\n');
    await fs.unmount();
  });

  it('reads xattrs from the inode body and from an xattr block', async () => {
    const { fs } = await mountImage(img4k);
    const inode = await fs.inodeAt('/small');
    expect((await fs.listxattr(inode)).sort()).toEqual(['user.large', 'user.tiny']);
    expect(Buffer.from(await fs.getxattr(inode, 'user.tiny')).toString()).toBe('abc');
    expect(Buffer.from(await fs.getxattr(inode, 'user.large')).toString()).toBe('v'.repeat(600));
    await expect(fs.getxattr(inode, 'user.none')).rejects.toMatchObject({ code: 'ENODATA' });
  });

  it('reads nanoseconds from the extra time fields', async () => {
    const { fs } = await mountImage(img4k);
    const st = await fs.promises.stat('/small', { bigint: true });
    expect(st.mtimeNs % 1_000_000_000n).toBe(BigInt(0x1d6f3454 >>> 2));
  });

  it('reads a large file byte-exact through the buffered, uncached, direct and dax paths', async () => {
    const bytes = new Uint8Array(readFileSync(img4k));
    for (const options of [{}, { direct: true }, { dax: true }] as const) {
      const fs = await mount(new MemoryBlockDevice({ buffer: bytes.slice().buffer, readOnly: true }), { readOnly: true, ...options });
      expect(Buffer.from(await fs.promises.readFile('/big')).equals(Buffer.from(BIG))).toBe(true);
      await using h = await fs.promises.open('/big');
      const part = new Uint8Array(10_000);
      await h.read(part, 0, part.length, 12_345);
      expect(Buffer.from(part).equals(Buffer.from(BIG.subarray(12_345, 22_345)))).toBe(true);
    }
  });

  it('reads a 1 TiB sparse file: data at both ends, zeros between, FIEMAP and SEEK_DATA in milliseconds', async () => {
    const { fs } = await mountImage(img4k);
    const st = await fs.promises.stat('/sparse');
    expect(st.size).toBe(2 ** 40);
    await using h = await fs.promises.open('/sparse');
    const tail = new Uint8Array(4096);
    await h.read(tail, 0, 4096, 2 ** 40 - 4096);
    expect(Buffer.from(tail).equals(Buffer.from(pattern(4096, 4)))).toBe(true);
    const middle = new Uint8Array(8192);
    await h.read(middle, 0, 8192, 2 ** 39);
    expect(middle.every((b) => b === 0)).toBe(true);
    const inode = await fs.inodeAt('/sparse');
    const t0 = performance.now();
    const { extents } = await fs.fiemap(inode, { start: 0, length: 2 ** 40 });
    expect(await fs.seekData(inode, 4096)).toBe(2 ** 40 - 4096);
    expect(await fs.seekHole(inode, 0)).toBe(4096);
    const ms = performance.now() - t0;
    expect(extents.map((e) => [e.logical, e.length])).toEqual([
      [0, 4096],
      [2 ** 40 - 4096, 4096],
    ]);
    expect(ms).toBeLessThan(200);
  });

  it('reads an htree directory made by e2fsck -D linearly', async () => {
    const tree = join(dir, 'htree');
    mkdirSync(join(tree, 'big'), { recursive: true });
    for (let i = 0; i < 3000; i++) writeFileSync(join(tree, 'big', `entry-with-a-longish-name-${i}`), '');
    const img = mkfs(join(dir, 'h.img'), ['-b', '1024', '-d', tree], '16M');
    execFileSync(findTool('e2fsck') as string, ['-fyD', img], { stdio: 'ignore' });
    expect(debugfs(img, ['stat /big'])).toMatch(/Flags: 0x1000/);
    const { fs } = await mountImage(img);
    const names = await fs.promises.readdir('/big');
    expect(names.length).toBe(3000);
    expect((await fs.promises.stat('/big/entry-with-a-longish-name-2999')).isFile()).toBe(true);
  });

  it('reads a clean ext3 image without replaying its journal', async () => {
    const tree = join(dir, 'j');
    mkdirSync(tree, { recursive: true });
    writeFileSync(join(tree, 'f'), 'journalled\n');
    const img = mkfs(join(dir, 'j.img'), ['-b', '1024', '-d', tree], '8M', 'ext3');
    const { fs, device } = await mountImage(img);
    expect(fs.info.features).toContain('has_journal');
    expect(await fs.promises.readFile('/f', 'utf8')).toBe('journalled\n');
    expect(device.counters.writes).toBe(0);
  });

  it('reads directories without the filetype feature (types from the inode)', async () => {
    const tree = join(dir, 'nft');
    mkdirSync(join(tree, 'sub'), { recursive: true });
    writeFileSync(join(tree, 'f'), 'x');
    const img = mkfs(join(dir, 'nft.img'), ['-b', '2048', '-I', '128', '-O', '^filetype', '-d', tree], '8M');
    const { fs } = await mountImage(img);
    const entries = await fs.promises.readdir('/', { withFileTypes: true });
    const sub = entries.find((e) => e.name === 'sub');
    expect(sub?.isDirectory()).toBe(true);
    expect(entries.find((e) => e.name === 'f')?.isFile()).toBe(true);
  });
});
