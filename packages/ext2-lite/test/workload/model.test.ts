// The workload's model and generator on their own: sparse file bytes, the
// kernel's error precedence in a few hand-picked cases (the full check
// against Linux is host-conformance.test.ts), copies that do not share
// state, and generation that replays exactly from a seed.
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '@iomap/testkit';
import { WorkloadGenerator, type GeneratorSettings } from './generator.js';
import { FsModel } from './model/fs-model.js';
import { SparseBytes } from './model/sparse-bytes.js';

const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
};

describe('SparseBytes', () => {
  it('reads holes as zeros, forgets truncated bytes, and costs one chunk for a write far away', () => {
    const b = new SparseBytes();
    b.write(70 << 20, new Uint8Array([1, 2, 3]));
    expect(b.size).toBe((70 << 20) + 3);
    expect(b.footprint).toBe(64 * 1024);
    expect([...b.read((70 << 20) - 1, 5)]).toEqual([0, 1, 2, 3]);
    b.truncate((70 << 20) + 1);
    b.truncate((70 << 20) + 3);
    expect([...b.read(70 << 20, 3)]).toEqual([1, 0, 0]);
    const whole = new Uint8Array(b.size);
    whole[70 << 20] = 1;
    expect(b.equals(whole)).toBe(true);
    whole[5] = 9;
    expect(b.firstDifference(whole)).toBe(5);
  });
});

describe('FsModel (Linux semantics)', () => {
  it('orders rename errors as the kernel does', () => {
    const m = new FsModel();
    m.mkdir('/a');
    m.mkdir('/a/b');
    m.writeFile('/f', new Uint8Array(1));
    expect(code(() => m.rename('/a', '/a/b/c'))).toBe('EINVAL'); // into itself
    expect(code(() => m.rename('/a/b', '/a'))).toBe('ENOTEMPTY'); // onto its ancestor
    expect(code(() => m.rename('/nope', '/f/x'))).toBe('ENOTDIR'); // the new parent is checked before the old name
    expect(code(() => m.rename('/f', '/a'))).toBe('EISDIR');
    expect(code(() => m.rename('/a', '/f'))).toBe('ENOTDIR');
    m.link('/f', '/g');
    m.rename('/f', '/g'); // two names of one inode: nothing happens
    expect(m.readdir('/')).toEqual(['a', 'f', 'g']);
  });

  it('link: EEXIST before EPERM for a directory; mkdir -p: ENOTDIR through a file, EEXIST on one', () => {
    const m = new FsModel();
    m.mkdir('/d');
    m.writeFile('/f', new Uint8Array(0));
    expect(code(() => m.link('/d', '/f'))).toBe('EEXIST');
    expect(code(() => m.link('/d', '/e'))).toBe('EPERM');
    expect(code(() => m.mkdirRecursive('/f/x/y'))).toBe('ENOTDIR');
    expect(code(() => m.mkdirRecursive('/f'))).toBe('EEXIST');
    expect(m.mkdirRecursive('/d/x/y')).toBe('/d/x');
    expect(m.mkdirRecursive('/d/x')).toBeUndefined();
  });

  it('follows symlinks for open and creates through a dangling one; ELOOP on a cycle', () => {
    const m = new FsModel();
    m.symlink('target', '/link');
    m.writeFile('/link', new Uint8Array([5]));
    expect([...m.readFile('/target')]).toEqual([5]);
    expect(code(() => m.open('/link', 'wx'))).toBe('EEXIST');
    m.symlink('y', '/x');
    m.symlink('x', '/y');
    expect(code(() => m.readFile('/x'))).toBe('ELOOP');
  });

  it('copies share nothing, and a removed directory takes no new names', () => {
    const m = new FsModel();
    m.mkdir('/d');
    const dir = m.resolve('/d', false).node!;
    const { model: copy } = m.clone();
    copy.writeFile('/d/f', new Uint8Array(3));
    expect(m.readdir('/d')).toEqual([]);
    m.rmdir('/d');
    expect(code(() => m.mkdirAt(dir, 'x'))).toBe('ENOENT');
  });
});

describe('WorkloadGenerator', () => {
  const settings: GeneratorSettings = { blockSize: 1024, xattrs: true, remount: true, budgetBytes: 1 << 20, farOffset: 1 << 20 };
  const ops = (seed: number): string => {
    const model = new FsModel();
    const gen = new WorkloadGenerator(new SeededRandom(seed), model, settings);
    return JSON.stringify(Array.from({ length: 200 }, () => gen.next()));
  };
  it('replays exactly from a seed and differs between seeds', () => {
    expect(ops(7)).toBe(ops(7));
    expect(ops(7)).not.toBe(ops(8));
  });
});
