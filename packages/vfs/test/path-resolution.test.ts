// Path resolution (resolvePath, resolveParent): `.`/`..`, repeated and
// trailing slashes, symlinks in the middle and at the end, relative and
// absolute targets, lstat/O_NOFOLLOW semantics, and the exact error for each
// way a path can be wrong — with Node's wording, syscall and path.
import { describe, expect, it } from 'vitest';
import { FsError } from '@iomap/core';
import { decodeName, pathOfSteps, resolveParent, resolvePath, type ResolveOptions } from '../src/index.js';
import { sampleTree } from './support/sample-tree.js';

const fs = sampleTree();

/** What a resolution gave: the canonical path of the result, or the error code. */
async function outcome(path: string, options: ResolveOptions = {}): Promise<string> {
  try {
    const { steps } = await resolvePath(fs, path, options);
    return decodeName(pathOfSteps(steps));
  } catch (err) {
    if (err instanceof FsError) return err.code;
    throw err;
  }
}

describe('resolvePath (stat: follow the final symlink)', () => {
  const cases: [path: string, expected: string][] = [
    ['/', '/'],
    ['//', '/'],
    ['///a//b///', '/a/b'],
    ['/.', '/'],
    ['/..', '/'],
    ['/../../..', '/'],
    ['/a/..', '/'],
    ['/a/./b/.', '/a/b'],
    ['/a/b/../b/file', '/a/b/file'],
    ['/a/b/file', '/a/b/file'],
    ['/a/b/file/', 'ENOTDIR'],
    ['/a/b/file//', 'ENOTDIR'],
    ['/a/b/file/.', 'ENOTDIR'],
    ['/a/b/file/..', 'ENOTDIR'],
    ['/a/b/file/x', 'ENOTDIR'],
    ['/file.txt/x/y', 'ENOTDIR'],
    ['/missing', 'ENOENT'],
    ['/missing/x', 'ENOENT'],
    ['/missing/..', 'ENOENT'],
    ['', 'ENOENT'],
    ['a/b', '/a/b'],
    ['./a/../file.txt', '/file.txt'],
    ['/abs-link', '/a/b/file'],
    ['/rel-link', '/a/b/file'],
    ['/dir-link/b/file', '/a/b/file'],
    ['/dir-link/..', '/'],
    ['/a/link-b/..', '/a'],
    ['/a/link-up/a/link-up', '/'],
    ['/a/link-up/a/link-b/file', '/a/b/file'],
    ['/dir-link-slash', '/a'],
    ['/dir-link-slash/b', '/a/b'],
    ['/file-link-slash', 'ENOTDIR'],
    ['/dangling', 'ENOENT'],
    ['/empty-target', 'ENOENT'],
    ['/loop1', 'ELOOP'],
    ['/loop1/x', 'ELOOP'],
    ['/self', 'ELOOP'],
    ['/dotdot-link', '/a'],
    ['/root-link/a/b', '/a/b'],
    ['/root-link/..', '/'],
    ['/root-link/root-link/file.txt', '/file.txt'],
    ['/dev-c', '/dev-c'],
    ['/dev-c/', 'ENOTDIR'],
    ['/fifo/x', 'ENOTDIR'],
    ['/sock', '/sock'],
  ];
  it.each(cases)('%j resolves to %s', async (path, expected) => {
    expect(await outcome(path)).toBe(expected);
  });
});

describe('resolvePath with followFinal false (lstat, O_NOFOLLOW)', () => {
  const cases: [path: string, expected: string][] = [
    ['/abs-link', '/abs-link'],
    ['/dir-link', '/dir-link'],
    ['/dir-link/', '/a'],
    ['/dir-link/.', '/a'],
    ['/dir-link-slash', '/dir-link-slash'],
    ['/file-link-slash', '/file-link-slash'],
    ['/file-link-slash/', 'ENOTDIR'],
    ['/dangling', '/dangling'],
    ['/dangling/', 'ENOENT'],
    ['/empty-target', '/empty-target'],
    ['/loop1', '/loop1'],
    ['/loop1/', 'ELOOP'],
    ['/self', '/self'],
    ['/a/link-up', '/a/link-up'],
    ['/a/link-up/', '/'],
    ['/dir-link/link-b', '/a/link-b'],
    ['/a/b/file', '/a/b/file'],
  ];
  it.each(cases)('%j resolves to %s', async (path, expected) => {
    expect(await outcome(path, { followFinal: false })).toBe(expected);
  });
});

describe('relative paths start at cwd', () => {
  const cases: [cwd: string, path: string, expected: string][] = [
    ['/a', 'b/file', '/a/b/file'],
    ['/a', '../file.txt', '/file.txt'],
    ['/a/b', '.', '/a/b'],
    ['/a/b', '../../..', '/'],
    ['/dir-link', 'b', '/a/b'],
    ['/dir-link', '..', '/'],
    ['/a', '/file.txt', '/file.txt'],
    ['/a/b', 'file/', 'ENOTDIR'],
    ['/missing', 'x', 'ENOENT'],
    ['/file.txt', 'x', 'ENOTDIR'],
  ];
  it.each(cases)('cwd %j, path %j resolves to %s', async (cwd, path, expected) => {
    expect(await outcome(path, { cwd })).toBe(expected);
  });
});

describe('errors are worded like Node', () => {
  it('names the code, the syscall and the path as given', async () => {
    const err = await resolvePath(fs, '/a/missing/x', { syscall: 'open' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FsError);
    expect(err).toMatchObject({
      code: 'ENOENT',
      errno: -2,
      syscall: 'open',
      path: '/a/missing/x',
      message: "ENOENT: no such file or directory, open '/a/missing/x'",
    });
  });

  it('keeps a relative path relative in the error', async () => {
    const err = await resolvePath(fs, 'b/nope', { cwd: '/a', syscall: 'stat' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ENOENT', path: 'b/nope', message: "ENOENT: no such file or directory, stat 'b/nope'" });
  });

  it('words ENOTDIR, ELOOP and ENAMETOOLONG as libuv does', async () => {
    await expect(resolvePath(fs, '/file.txt/', { syscall: 'lstat' })).rejects.toThrow("ENOTDIR: not a directory, lstat '/file.txt/'");
    await expect(resolvePath(fs, '/self')).rejects.toThrow("ELOOP: too many symbolic links encountered, stat '/self'");
    const long = `/${'x'.repeat(256)}`;
    await expect(resolvePath(fs, long)).rejects.toThrow(`ENAMETOOLONG: name too long, stat '${long}'`);
  });

  it('never passes . or .. to the filesystem', async () => {
    await resolvePath(fs, '/a/./b/../../a/link-up/./a/..');
    expect(fs.lookups).not.toContain('.');
    expect(fs.lookups).not.toContain('..');
  });
});

describe('search permission on directories', () => {
  const user = { uid: 1000, gid: 1000 };

  it('refuses to walk through a directory the credentials may not search (EACCES)', async () => {
    expect(await outcome('/private/secret', { credentials: user })).toBe('EACCES');
    expect(await outcome('/private', { credentials: user })).toBe('/private');
    expect(await outcome('/private/secret')).toBe('/private/secret'); // root may search anything
  });
});

describe('resolveParent (create, remove, rename)', () => {
  async function parentOutcome(path: string): Promise<string> {
    try {
      const { steps, name, kind, trailingSlash } = await resolveParent(fs, path, { syscall: 'mkdir' });
      return `${decodeName(pathOfSteps(steps))} ${JSON.stringify(decodeName(name))} ${kind}${trailingSlash ? ' /' : ''}`;
    } catch (err) {
      if (err instanceof FsError) return err.code;
      throw err;
    }
  }

  const cases: [path: string, expected: string][] = [
    ['/a/b/new', '/a/b "new" normal'],
    ['/a/b/', '/a "b" normal /'],
    ['/', '/ "" root'],
    ['//', '/ "" root'],
    ['/a/.', '/a "." dot'],
    ['/a/..', '/a ".." dotdot'],
    ['/dir-link/new', '/a "new" normal'],
    ['/abs-link', '/ "abs-link" normal'],
    ['/loop1', '/ "loop1" normal'],
    ['/loop1/x', 'ELOOP'],
    ['/file.txt/new', 'ENOTDIR'],
    ['/missing/new', 'ENOENT'],
    [`/a/${'n'.repeat(255)}`, `/a "${'n'.repeat(255)}" normal`],
    [`/a/${'n'.repeat(256)}`, 'ENAMETOOLONG'],
    ['', 'ENOENT'],
  ];
  it.each(cases)('%j splits into %s', async (path, expected) => {
    expect(await parentOutcome(path)).toBe(expected);
  });
});
