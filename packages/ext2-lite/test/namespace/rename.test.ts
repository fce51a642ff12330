// rename with POSIX replacement rules, RENAME_NOREPLACE and RENAME_EXCHANGE
// (EXT2.md 4.3-4.5): '..' of moved directories, parent link counts, and the
// replaced target's links; every scenario ends e2fsck-clean, and the kernel
// sees the same tree (links, '..' included).
import { describe, expect, it } from 'vitest';
import type { Ext2Filesystem } from '../../src/index.js';
import type { Ext2Inode } from '../../src/inode/ext2-inode.js';
import { DIR, FILE, SHAPES, codeOf, dec, enc, haveE2fsprogs, haveKernelMount, hostTree, init, onImage, ourTree, shapeName, withKernelMount, type NodeInfo } from './fixtures.js';

const suite = haveE2fsprogs ? describe : describe.skip;

async function at(fs: Ext2Filesystem, path: string): Promise<Ext2Inode> {
  return fs.inodeAt(path, { followFinal: false });
}

async function exists(fs: Ext2Filesystem, path: string): Promise<boolean> {
  return (await codeOf(at(fs, path))) === 'resolved';
}

/** '..' of directory `dir`, as its entry says. */
async function dotdot(fs: Ext2Filesystem, dir: Ext2Inode): Promise<number> {
  for await (const e of fs.readdir(dir)) if (dec(e.name) === '..') return e.ino;
  throw new Error("no '..'");
}

async function nlink(fs: Ext2Filesystem, path: string): Promise<number> {
  return (await fs.getattr(await at(fs, path))).nlink;
}

/** Runs `fn` on a fresh image, then requires e2fsck silence and (when possible) the kernel's agreement. */
async function checked(shapeIndex: number, fn: (fs: Ext2Filesystem) => Promise<void>): Promise<void> {
  let expected = new Map<string, NodeInfo>();
  const image = await onImage(SHAPES[shapeIndex] as (typeof SHAPES)[number], async (fs) => {
    await fn(fs);
    expected = await ourTree(fs, true);
  });
  try {
    const fsck = image.fsck();
    expect(fsck.problems, fsck.output).toEqual([]);
    if (haveKernelMount) expect(withKernelMount(image, (mnt) => hostTree(mnt))).toEqual(expected);
  } finally {
    await image.cleanup();
  }
}

suite('rename (EXT2.md 4.3-4.5)', () => {
  for (const [i, shape] of SHAPES.entries()) {
    it(`moves files and directories within and across directories, updating '..' and link counts (${shapeName(shape)})`, async () => {
      await checked(i, async (fs) => {
        const a = await fs.mkdir(fs.root, enc('a'), init(DIR));
        const b = await fs.mkdir(fs.root, enc('b'), init(DIR));
        const f = await fs.create(a, enc('f'), init(FILE));
        await fs.write(f, 0, enc('payload'));
        const sub = await fs.mkdir(a, enc('sub'), init(DIR));
        await fs.create(sub, enc('inside'), init(FILE));
        await fs.rename(a, enc('f'), a, enc('g'));
        expect(await exists(fs, '/a/f')).toBe(false);
        expect((await at(fs, '/a/g')).ino).toBe(f.ino);
        await fs.rename(a, enc('g'), b, enc('h'));
        expect((await at(fs, '/b/h')).ino).toBe(f.ino);
        expect([await nlink(fs, '/a'), await nlink(fs, '/b')]).toEqual([3, 2]);
        await fs.rename(a, enc('sub'), b, enc('sub2'));
        expect(await dotdot(fs, sub)).toBe(b.ino);
        expect([await nlink(fs, '/a'), await nlink(fs, '/b'), await nlink(fs, '/')]).toEqual([2, 3, 5]);
        await fs.rename(b, enc('sub2'), b, enc('sub3'));
        expect([await nlink(fs, '/b'), await dotdot(fs, sub)]).toEqual([3, b.ino]);
        // Up to the root and back down into a sibling's child.
        await fs.rename(b, enc('sub3'), fs.root, enc('top'));
        expect([await nlink(fs, '/'), await nlink(fs, '/b'), await dotdot(fs, sub)]).toEqual([6, 2, 2]);
        await fs.rename(fs.root, enc('top'), a, enc('back'));
        expect([await nlink(fs, '/'), await nlink(fs, '/a'), await dotdot(fs, sub)]).toEqual([5, 3, a.ino]);
      });
    });
  }

  it('replaces per POSIX: file over file, empty dir over dir; the replaced inode is freed', async () => {
    await checked(1, async (fs) => {
      const a = await fs.mkdir(fs.root, enc('a'), init(DIR));
      const b = await fs.mkdir(fs.root, enc('b'), init(DIR));
      const src = await fs.create(a, enc('src'), init(FILE));
      const victim = await fs.create(b, enc('victim'), init(FILE));
      await fs.write(victim, 0, new Uint8Array(20_000).fill(3));
      const free0 = (await fs.statfs()).ffree;
      await fs.rename(a, enc('src'), b, enc('victim'));
      expect((await at(fs, '/b/victim')).ino).toBe(src.ino);
      expect((await fs.getattr(victim)).nlink).toBe(0);
      expect((await fs.statfs()).ffree).toBe(free0 + 1);
      const d1 = await fs.mkdir(a, enc('d1'), init(DIR));
      await fs.create(d1, enc('keep'), init(FILE));
      const d2 = await fs.mkdir(b, enc('d2'), init(DIR));
      await fs.rename(a, enc('d1'), b, enc('d2'));
      expect((await at(fs, '/b/d2')).ino).toBe(d1.ino);
      expect(await exists(fs, '/b/d2/keep')).toBe(true);
      expect((await fs.getattr(d2)).nlink).toBe(0);
      expect([await nlink(fs, '/a'), await nlink(fs, '/b'), await dotdot(fs, d1)]).toEqual([2, 3, b.ino]);
      // Same directory, dir over empty dir.
      await fs.mkdir(b, enc('e1'), init(DIR));
      await fs.mkdir(b, enc('e2'), init(DIR));
      await fs.rename(b, enc('e1'), b, enc('e2'));
      expect(await nlink(fs, '/b')).toBe(4);
    });
  });

  it('answers ENOTDIR, EISDIR, ENOTEMPTY, EINVAL, EEXIST, ENOENT and EPERM with nothing changed', async () => {
    await checked(0, async (fs) => {
      const a = await fs.mkdir(fs.root, enc('a'), init(DIR));
      const b = await fs.mkdir(a, enc('b'), init(DIR));
      const c = await fs.mkdir(b, enc('c'), init(DIR));
      await fs.create(fs.root, enc('file'), init(FILE));
      await fs.create(c, enc('deep'), init(FILE));
      const before = await ourTree(fs, true);
      expect(await codeOf(fs.rename(fs.root, enc('a'), fs.root, enc('file')))).toBe('ENOTDIR');
      expect(await codeOf(fs.rename(fs.root, enc('file'), fs.root, enc('a')))).toBe('EISDIR');
      // Linux checks "target is an ancestor of the source" before the types.
      expect(await codeOf(fs.rename(c, enc('deep'), fs.root, enc('a')))).toBe('ENOTEMPTY');
      // dir over a non-empty dir; and the target contains the source.
      await fs.mkdir(fs.root, enc('x'), init(DIR));
      expect(await codeOf(fs.rename(fs.root, enc('x'), a, enc('b')))).toBe('ENOTEMPTY');
      expect(await codeOf(fs.rename(b, enc('c'), fs.root, enc('a')))).toBe('ENOTEMPTY');
      // A directory into its own subtree.
      expect(await codeOf(fs.rename(fs.root, enc('a'), c, enc('loop')))).toBe('EINVAL');
      expect(await codeOf(fs.rename(fs.root, enc('a'), b, enc('loop')))).toBe('EINVAL');
      expect(await codeOf(fs.rename(a, enc('b'), b, enc('loop')))).toBe('EINVAL');
      expect(await codeOf(fs.rename(fs.root, enc('file'), fs.root, enc('x'), { noReplace: true }))).toBe('EEXIST');
      expect(await codeOf(fs.rename(fs.root, enc('file'), a, enc('none'), { exchange: true }))).toBe('ENOENT');
      expect(await codeOf(fs.rename(fs.root, enc('file'), a, enc('none'), { exchange: true, noReplace: true }))).toBe('EINVAL');
      expect(await codeOf(fs.rename(fs.root, enc('missing'), a, enc('y')))).toBe('ENOENT');
      expect(await codeOf(fs.rename(fs.root, enc('lost+found'), a, enc('lf')))).toBe('EPERM');
      expect(await codeOf(fs.rename(fs.root, enc('x'), fs.root, enc('lost+found')))).toBe('EPERM');
      await fs.rmdir(fs.root, enc('x'));
      expect(await ourTree(fs, true)).toEqual(before);
    });
  });

  it('does nothing when both names are links to the same inode (POSIX)', async () => {
    await checked(3, async (fs) => {
      const f = await fs.create(fs.root, enc('one'), init(FILE));
      await fs.link(f, fs.root, enc('two'));
      await fs.rename(fs.root, enc('one'), fs.root, enc('two'));
      expect((await at(fs, '/one')).ino).toBe(f.ino);
      expect((await at(fs, '/two')).ino).toBe(f.ino);
      expect((await fs.getattr(f)).nlink).toBe(2);
    });
  });

  it('exchanges a file and a directory across parents (RENAME_EXCHANGE), fixing both link counts and the moved \'..\'', async () => {
    await checked(4, async (fs) => {
      const p = await fs.mkdir(fs.root, enc('p'), init(DIR));
      const q = await fs.mkdir(fs.root, enc('q'), init(DIR));
      const file = await fs.create(p, enc('thing'), init(FILE));
      const dir = await fs.mkdir(q, enc('other'), init(DIR));
      await fs.rename(p, enc('thing'), q, enc('other'), { exchange: true });
      expect((await at(fs, '/p/thing')).ino).toBe(dir.ino);
      expect((await at(fs, '/q/other')).ino).toBe(file.ino);
      expect(await dotdot(fs, dir)).toBe(p.ino);
      expect([await nlink(fs, '/p'), await nlink(fs, '/q')]).toEqual([3, 2]);
      // Two directories exchanged inside one parent keep their '..'.
      const d1 = await fs.mkdir(fs.root, enc('d1'), init(DIR));
      const d2 = await fs.mkdir(fs.root, enc('d2'), init(DIR));
      await fs.rename(fs.root, enc('d1'), fs.root, enc('d2'), { exchange: true });
      expect([(await at(fs, '/d1')).ino, (await at(fs, '/d2')).ino]).toEqual([d2.ino, d1.ino]);
      expect(await dotdot(fs, d1)).toBe(2);
      // Exchanging a directory with its ancestor is refused.
      const inner = await fs.mkdir(p, enc('thing2'), init(DIR));
      expect(await codeOf(fs.rename(p, enc('thing2'), fs.root, enc('p'), { exchange: true }))).toBe('EINVAL');
      expect(await dotdot(fs, inner)).toBe(p.ino);
    });
  });
});
