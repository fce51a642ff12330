// The limits of path resolution: 40 symlinks followed per resolution (the
// 41st is ELOOP, wherever they occur in the path), 255-byte names and
// 4096-byte paths counted in UTF-8 bytes, not characters.
import { describe, expect, it } from 'vitest';
import { FsError } from '@iomap/core';
import { MAX_SYMLINK_HOPS, NAME_MAX, PATH_MAX, encodeName, resolveParent, resolvePath } from '../src/index.js';
import { MemoryFs } from './support/memory-fs.js';

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (err) {
    if (err instanceof FsError) return err.code;
    throw err;
  }
}

/** /target (dir with file), and chains /cN-1 -> /cN-2 -> … -> /c0 -> /target of every length up to 42. */
function chainTree(): MemoryFs {
  const fs = new MemoryFs();
  fs.addDirectory('target');
  fs.addFile('target/file', 'x');
  fs.addSymlink('target', 'c0');
  for (let i = 1; i <= 42; i++) fs.addSymlink(i % 2 === 0 ? `/c${i - 1}` : `c${i - 1}`, `c${i}`);
  return fs;
}

describe('ELOOP after 40 symlinks (MAXSYMLINKS)', () => {
  const fs = chainTree();

  it('is 40', () => {
    expect(MAX_SYMLINK_HOPS).toBe(40);
  });

  it.each([
    [1, 'ok'],
    [39, 'ok'],
    [40, 'ok'],
    [41, 'ELOOP'],
    [42, 'ELOOP'],
  ])('a chain of %i links at the end of a path: %s', async (links, expected) => {
    expect(await codeOf(resolvePath(fs, `/c${links - 1}`))).toBe(expected);
  });

  it.each([
    [40, 'ok'],
    [41, 'ELOOP'],
  ])('a chain of %i links in the middle of a path: %s', async (links, expected) => {
    expect(await codeOf(resolvePath(fs, `/c${links - 1}/file`))).toBe(expected);
  });

  it('counts every link of one resolution together', async () => {
    // /c19 is 20 links to /target; /target/up -> / brings the walk back.
    fs.addSymlink('/', 'target/up');
    expect(await codeOf(resolvePath(fs, '/c18/up/c18/file'))).toBe('ok'); // 19 + 1 + 19 = 39
    expect(await codeOf(resolvePath(fs, '/c19/up/c18/file'))).toBe('ok'); // 20 + 1 + 19 = 40
    expect(await codeOf(resolvePath(fs, '/c19/up/c19/file'))).toBe('ELOOP'); // 20 + 1 + 20 = 41
  });

  it('does not count a final link that is not followed', async () => {
    expect(await codeOf(resolvePath(fs, '/c41', { followFinal: false }))).toBe('ok');
    expect(await codeOf(resolvePath(fs, '/c40', { followFinal: false }))).toBe('ok');
  });

  it('reports a loop of two links and a self-link as ELOOP', async () => {
    const loops = new MemoryFs();
    loops.addSymlink('b', 'a');
    loops.addSymlink('a', 'b');
    loops.addSymlink('me', 'me');
    loops.addSymlink('./me2/x', 'me2');
    for (const path of ['/a', '/b', '/me', '/a/x', '/me2']) expect(await codeOf(resolvePath(loops, path))).toBe('ELOOP');
    expect(await codeOf(resolvePath(loops, '/a', { followFinal: false }))).toBe('ok');
  });
});

describe('ENAMETOOLONG: names over 255 bytes', () => {
  const fs = new MemoryFs();
  const name255 = 'n'.repeat(255);
  fs.addFile(name255, 'x');

  it('is 255 and 4096', () => {
    expect([NAME_MAX, PATH_MAX]).toEqual([255, 4096]);
  });

  it.each([
    ['255 ASCII bytes (missing)', 'ENOENT', 'm'.repeat(255)],
    ['256 ASCII bytes', 'ENAMETOOLONG', 'm'.repeat(256)],
    ['127 × é (254 bytes) + a', 'ENOENT', `${'é'.repeat(127)}a`],
    ['128 × é (256 bytes, 128 characters)', 'ENAMETOOLONG', 'é'.repeat(128)],
    ['85 × 日 (255 bytes)', 'ENOENT', '日'.repeat(85)],
    ['86 × 日 (258 bytes)', 'ENAMETOOLONG', '日'.repeat(86)],
    ['63 × 😀 + abc (255 bytes)', 'ENOENT', `${'😀'.repeat(63)}abc`],
    ['64 × 😀 (256 bytes, 128 UTF-16 units)', 'ENAMETOOLONG', '😀'.repeat(64)],
  ])('%s → %s', async (_label, expected, name) => {
    expect(await codeOf(resolvePath(fs, `/${name}`))).toBe(expected);
    expect(await codeOf(resolvePath(fs, `/${name}/x`))).toBe(expected);
  });

  it('finds an existing 255-byte name', async () => {
    expect(await codeOf(resolvePath(fs, `/${name255}`))).toBe('ok');
  });

  it('reports the first problem met: ENOENT before a long name further on', async () => {
    expect(await codeOf(resolvePath(fs, `/missing/${'m'.repeat(256)}`))).toBe('ENOENT');
    expect(await codeOf(resolvePath(fs, `/${name255}/${'m'.repeat(256)}`))).toBe('ENOTDIR');
  });

  it('checks names inside symlink targets', async () => {
    fs.addSymlink(`/${'t'.repeat(256)}`, 'long-target');
    expect(await codeOf(resolvePath(fs, '/long-target'))).toBe('ENAMETOOLONG');
    expect(await codeOf(resolvePath(fs, '/long-target', { followFinal: false }))).toBe('ok');
  });

  it('checks the last name given to resolveParent', async () => {
    expect(await codeOf(resolveParent(fs, `/${'m'.repeat(255)}`))).toBe('ok');
    expect(await codeOf(resolveParent(fs, `/${'é'.repeat(128)}`))).toBe('ENAMETOOLONG');
  });
});

describe('ENAMETOOLONG: paths of 4096 bytes or more', () => {
  const fs = new MemoryFs();
  /** An absolute path of exactly `bytes` bytes: /a/a/…/a, ending in a longer name if needed. */
  function pathOf(bytes: number, unit = 'a'): string {
    const unitBytes = encodeName(unit).length;
    let path = '';
    while (encodeName(path).length + 1 + unitBytes <= bytes) path += `/${unit}`;
    return path + 'x'.repeat(bytes - encodeName(path).length);
  }

  it.each([
    [4094, 'ENOENT'],
    [4095, 'ENOENT'],
    [4096, 'ENAMETOOLONG'],
    [5000, 'ENAMETOOLONG'],
  ])('%i bytes → %s (Linux counts the terminating NUL in PATH_MAX)', async (bytes, expected) => {
    const path = pathOf(bytes);
    expect(encodeName(path).length).toBe(bytes);
    expect(await codeOf(resolvePath(fs, path))).toBe(expected);
  });

  it('counts UTF-8 bytes, not characters', async () => {
    const path = pathOf(4096, 'é');
    expect(path.length).toBeLessThan(4096); // UTF-16 units
    expect(await codeOf(resolvePath(fs, path))).toBe('ENAMETOOLONG');
    expect(await codeOf(resolvePath(fs, pathOf(4095, 'é')))).toBe('ENOENT');
  });

  it('limits the path given, not the path joined with cwd', async () => {
    const deep = new MemoryFs();
    let dir = '';
    for (let i = 0; i < 20; i++) {
      dir += `/${'d'.repeat(250)}`;
      deep.addDirectory(dir);
    }
    deep.addFile(`${dir}/f`, 'x');
    expect(await codeOf(resolvePath(deep, 'f', { cwd: dir }))).toBe('ok');
    expect(await codeOf(resolvePath(deep, dir))).toBe('ENAMETOOLONG');
  });
});
