// create, mkdir, mknod, symlink, link, unlink and rmdir through the
// Filesystem methods on images made by mke2fs (EXT2.md 3.5, 3.6, 3.10, 4.3-4.5),
// on every block/inode size: afterwards `e2fsck -fn` is silent, and debugfs,
// a read-only remount and the kernel's loop mount all see the same tree.
import { describe, expect, it } from 'vitest';
import type { Ext2Filesystem } from '../../src/index.js';
import { makedev } from '../../src/inode/attributes.js';
import { DIR, FILE, SHAPES, codeOf, debugfsTree, enc, haveE2fsprogs, haveKernelMount, hostTree, init, onImage, ourTree, shapeName, withKernelMount, type NodeInfo } from './fixtures.js';

const suite = haveE2fsprogs ? describe : describe.skip;

/** A tree with one of everything: nested dirs, files with data, fast/slow symlinks, devices, fifo, socket, hard links. */
async function buildTree(fs: Ext2Filesystem): Promise<void> {
  const a = await fs.mkdir(fs.root, enc('a'), init(DIR));
  const b = await fs.mkdir(a, enc('b'), init(DIR));
  const c = await fs.mkdir(b, enc('c'), init(0o040700));
  const f = await fs.create(a, enc('file.txt'), init(FILE));
  await fs.write(f, 0, enc('hello, ext2\n'));
  const big = await fs.create(c, enc('big'), init(FILE));
  await fs.write(big, 0, new Uint8Array(70_000).fill(0x5a));
  await fs.symlink(fs.root, enc('fast'), enc('a/file.txt'), init(0o120777));
  await fs.symlink(a, enc('slow'), enc(`${'long/'.repeat(20)}target`), init(0o120777));
  await fs.mknod(fs.root, enc('tty'), init(0o020620, { rdev: makedev(4, 5) }));
  await fs.mknod(fs.root, enc('nvme'), init(0o060660, { rdev: makedev(259, 70000) }));
  await fs.mknod(b, enc('pipe'), init(0o010644));
  await fs.mknod(b, enc('sock'), init(0o140755));
  await fs.link(f, b, enc('file-link'));
  await fs.link(f, fs.root, enc('top-link'));
  const gone = await fs.create(fs.root, enc('gone'), init(FILE));
  await fs.write(gone, 0, new Uint8Array(5000).fill(1));
  await fs.unlink(fs.root, enc('gone'));
  const emptied = await fs.mkdir(b, enc('emptied'), init(DIR));
  await fs.mkdir(emptied, enc('inner'), init(DIR));
  await fs.rmdir(emptied, enc('inner'));
  await fs.rmdir(b, enc('emptied'));
  await fs.unlink(fs.root, enc('top-link'));
  expect((await fs.getattr(f)).nlink).toBe(2);
  expect((await fs.getattr(a)).nlink).toBe(3);
  expect((await fs.getattr(b)).nlink).toBe(3);
  expect((await fs.getattr(c)).nlink).toBe(2);
}

suite('create and remove names (EXT2.md 3.10, 4.3-4.5)', () => {
  for (const shape of SHAPES) {
    it(`leaves an e2fsck-clean image whose tree debugfs, a remount and the kernel agree on (${shapeName(shape)})`, async () => {
      let expected = new Map<string, NodeInfo>();
      const image = await onImage(shape, async (fs) => {
        await buildTree(fs);
        expected = await ourTree(fs, true);
      });
      try {
        const fsck = image.fsck();
        expect(fsck.problems, fsck.output).toEqual([]);
        expect(fsck.code).toBe(0);
        const strip = (m: Map<string, NodeInfo>) => new Map([...m].map(([k, v]) => [k, { ino: v.ino, mode: v.mode, ...(v.size === undefined ? {} : { size: v.size }) }]));
        expect(debugfsTree(image)).toEqual(strip(expected));
        const again = await image.mount({ readOnly: true });
        expect(await ourTree(again, true)).toEqual(expected);
        await image.unmount();
        if (haveKernelMount) {
          const seen = withKernelMount(image, (mnt) => hostTree(mnt));
          // The kernel reports a fast/slow symlink's and a device's size too; directories have no size here.
          expect(seen).toEqual(expected);
        }
        const stat = image.debugfs(['stat /tty', 'stat /nvme', 'stat /fast', 'stat /a/slow']);
        expect(stat).toContain('Device major/minor number: 04:05');
        expect(stat).toMatch(/Device major\/minor number: 259:70000/);
        expect(stat).toContain('Fast link dest: "a/file.txt"');
      } finally {
        await image.cleanup();
      }
    });
  }

  it('re-checks names under the directory lock: EEXIST, ENOENT, EISDIR, ENOTDIR, ENOTEMPTY, EPERM', async () => {
    const image = await onImage(SHAPES[1], async (fs) => {
      const d = await fs.mkdir(fs.root, enc('d'), init(DIR));
      const f = await fs.create(d, enc('f'), init(FILE));
      expect(await codeOf(fs.create(d, enc('f'), init(FILE)))).toBe('EEXIST');
      expect(await codeOf(fs.mkdir(d, enc('f'), init(DIR)))).toBe('EEXIST');
      expect(await codeOf(fs.symlink(d, enc('f'), enc('x'), init(0o120777)))).toBe('EEXIST');
      expect(await codeOf(fs.link(f, d, enc('f')))).toBe('EEXIST');
      expect(await codeOf(fs.unlink(d, enc('nope')))).toBe('ENOENT');
      expect(await codeOf(fs.rmdir(d, enc('nope')))).toBe('ENOENT');
      expect(await codeOf(fs.unlink(fs.root, enc('d')))).toBe('EISDIR');
      expect(await codeOf(fs.rmdir(d, enc('f')))).toBe('ENOTDIR');
      expect(await codeOf(fs.rmdir(fs.root, enc('d')))).toBe('ENOTEMPTY');
      expect(await codeOf(fs.link(d, fs.root, enc('dirlink')))).toBe('EPERM');
      expect(await codeOf(fs.rmdir(fs.root, enc('lost+found')))).toBe('EPERM');
      expect(await codeOf(fs.create(d, enc('n'.repeat(256)), init(FILE)))).toBe('ENAMETOOLONG');
      expect(await codeOf(fs.create(d, enc('a/b'), init(FILE)))).toBe('EINVAL');
      expect(await codeOf(fs.symlink(d, enc('s'), new Uint8Array(1024).fill(0x61), init(0o120777)))).toBe('ENAMETOOLONG');
      expect(await codeOf(fs.mknod(d, enc('bad'), init(0o020600, { rdev: 2 ** 32 })))).toBe('EINVAL');
      await fs.unlink(d, enc('f'));
      expect(await codeOf(fs.link(f, d, enc('again')))).toBe('ENOENT');
      await fs.rmdir(fs.root, enc('d'));
      // The directory handle outlives its name: creating in it is ENOENT, as in Linux.
      expect(await codeOf(fs.create(d, enc('late'), init(FILE)))).toBe('ENOENT');
      expect(await codeOf(fs.mkdir(d, enc('late'), init(DIR)))).toBe('ENOENT');
    });
    try {
      expect(image.fsck().problems).toEqual([]);
    } finally {
      await image.cleanup();
    }
  });

  it('refuses a 65001st link (EMLINK) and counts links with i_links_count (EXT2.md 4.5)', async () => {
    const image = await onImage(SHAPES[0], async (fs) => {
      await fs.create(fs.root, enc('many'), init(FILE));
    });
    try {
      image.debugfs(['sif /many links_count 64999'], true);
      const fs = await image.mount();
      const many = await fs.inodeAt('/many');
      await fs.link(many, fs.root, enc('one-more'));
      expect((await fs.getattr(many)).nlink).toBe(65000);
      expect(await codeOf(fs.link(many, fs.root, enc('too-many')))).toBe('EMLINK');
      await image.unmount();
      expect(image.debugfs(['stat /many'])).toContain('Links: 65000');
    } finally {
      await image.cleanup();
    }
  });

  it('keeps an unlinked open file readable until its last release, then frees it (EXT2.md 3.8)', async () => {
    const image = await onImage(SHAPES[3], async (fs) => {
      const f = await fs.create(fs.root, enc('open'), init(FILE));
      await fs.write(f, 0, new Uint8Array(10_000).fill(7));
      const before = await fs.statfs();
      await fs.open(f, 0);
      await fs.unlink(fs.root, enc('open'));
      expect(await fs.lookup(fs.root, enc('open'))).toBeUndefined();
      const back = new Uint8Array(10_000);
      expect(await fs.read(f, 0, back)).toBe(10_000);
      expect(back.every((b) => b === 7)).toBe(true);
      expect((await fs.getattr(f)).nlink).toBe(0);
      await fs.release(f, 0);
      await fs.sync();
      const after = await fs.statfs();
      expect(after.ffree).toBe(before.ffree + 1);
      expect(after.bfree).toBeGreaterThan(before.bfree);
    });
    try {
      expect(image.fsck().problems).toEqual([]);
    } finally {
      await image.cleanup();
    }
  });

  it('reuses the room deleted entries leave and grows a directory one block at a time (EXT2.md 4.2-4.3)', async () => {
    for (const shape of [SHAPES[0], SHAPES[5]]) {
      const names = Array.from({ length: 600 }, (_, i) => `entry-${i}-${'x'.repeat(i % 40)}`);
      let sizes: number[] = [];
      const image = await onImage(shape, async (fs) => {
        const d = await fs.mkdir(fs.root, enc('big'), init(DIR));
        for (const n of names) await fs.create(d, enc(n), init(FILE));
        const full = (await fs.getattr(d)).size;
        // Delete every other entry, including ones that start a block, then put as many back.
        for (let i = 0; i < names.length; i += 2) await fs.unlink(d, enc(names[i] as string));
        for (let i = 0; i < names.length; i += 2) await fs.create(d, enc(`back-${names[i] as string}`.slice(0, 255)), init(FILE));
        const after = (await fs.getattr(d)).size;
        sizes = [full, after];
        const seen = new Set<string>();
        for await (const e of fs.readdir(d)) seen.add(new TextDecoder().decode(e.name));
        expect(seen.size).toBe(names.length + 2);
      });
      try {
        const [full, after] = sizes as [number, number];
        expect(full % shape.blockSize).toBe(0);
        expect(full).toBeGreaterThan(shape.blockSize);
        // 'back-' makes each name 5 bytes longer, so some growth is allowed, but the freed room is used first.
        expect(after).toBeLessThanOrEqual(full + Math.ceil((names.length / 2) * 8 / shape.blockSize + 1) * shape.blockSize);
        const fsck = image.fsck();
        expect(fsck.problems, fsck.output).toEqual([]);
        expect(debugfsTree(image, '/big').size).toBe(names.length);
      } finally {
        await image.cleanup();
      }
    }
  });
});
