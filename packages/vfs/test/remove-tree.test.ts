// rm -r through directory handles: every entry of a directory being emptied
// is looked up once in that directory (as rm -rf does with unlinkat), not
// walked to from the root for an lstat, an unlink's parent and its lookup;
// no rmdir is tried on a directory already known to have entries. The
// answers stay Node's (differential-write / differential-nonroot check
// them against node:fs); these tests pin the cost and the fallbacks.
// A filesystem with removeContents empties each directory in one call when
// the caller may remove all of it; where it may not (or a path gets too
// long), the per-entry path takes over and gives the same errors and the
// same tree as a filesystem without it.
import { describe, expect, it } from 'vitest';
import { createFsPromises, type ContentRemovalPolicy, type Credentials } from '../src/index.js';
import { MemoryFs, type MemoryFsOptions, type MemoryInode } from './support/memory-fs.js';

/** A MemoryFs counting its lookup, unlink, rmdir and removeContents calls. */
class CountingFs extends MemoryFs {
  readonly calls = { lookup: 0, unlink: 0, rmdir: 0, removeContents: 0 };

  constructor(options: MemoryFsOptions = {}) {
    super(options);
    if (options.removeContents !== false) {
      const inner = MemoryFs.prototype.removeContents.bind(this);
      this.removeContents = (dir: MemoryInode, policy: ContentRemovalPolicy): Promise<boolean> => {
        this.calls.removeContents++;
        return inner(dir, policy);
      };
    }
  }

  override lookup(dir: MemoryInode, name: Uint8Array): Promise<MemoryInode | undefined> {
    this.calls.lookup++;
    return super.lookup(dir, name);
  }

  override unlink(dir: MemoryInode, name: Uint8Array): Promise<void> {
    this.calls.unlink++;
    return super.unlink(dir, name);
  }

  override rmdir(dir: MemoryInode, name: Uint8Array): Promise<void> {
    this.calls.rmdir++;
    return super.rmdir(dir, name);
  }
}

async function deepTree(fsp: ReturnType<typeof createFsPromises>, files: number): Promise<void> {
  const w = fsp as unknown as { mkdir(p: string, o: { recursive: boolean }): Promise<unknown>; writeFile(p: string, d: string): Promise<void> };
  await w.mkdir('/a/b/c/d', { recursive: true });
  for (let i = 0; i < files; i++) await w.writeFile(`/a/b/c/d/f${i}`, 'x');
  await w.mkdir('/a/b/c/d/sub', { recursive: true });
  await w.writeFile('/a/b/c/d/sub/last', 'y');
}

describe('rm recursive through directory handles', () => {
  it('looks each entry up once, however deep it is, and never tries rmdir on a directory with entries', async () => {
    const fs = new CountingFs({ removeContents: false });
    const fsp = createFsPromises(fs);
    await deepTree(fsp, 50);
    Object.assign(fs.calls, { lookup: 0, unlink: 0, rmdir: 0 });
    await (fsp as unknown as { rm(p: string, o: { recursive: boolean }): Promise<void> }).rm('/a', { recursive: true });
    expect(await fsp.readdir('/')).toEqual([]);
    expect(fs.calls.unlink).toBe(51);
    // One rmdir per directory (a, b, c, d, sub): none fails with ENOTEMPTY first.
    expect(fs.calls.rmdir).toBe(5);
    // Walking from the root for every call would take 8 or more lookups per file at this depth.
    expect(fs.calls.lookup).toBeLessThan(2 * 51 + 20);
  });

  it('falls back to path calls in a directory the caller may not search, with Node’s errors', async () => {
    const fs = new MemoryFs({ removeContents: false });
    const root = createFsPromises(fs);
    await deepTree(root, 2);
    await (root as unknown as { chmod(p: string, m: number): Promise<void> }).chmod('/a/b/c/d', 0o666);
    await (root as unknown as { chmod(p: string, m: number): Promise<void> }).chmod('/a/b/c', 0o777);
    const user = createFsPromises(fs, { credentials: { uid: 1000, gid: 1000, groups: [] } });
    const rm = (user as unknown as { rm(p: string, o: { recursive: boolean }): Promise<void> }).rm('/a/b/c/d', { recursive: true });
    // Every lstat in d fails, so Node unlinks the first entry and reports unlink's EACCES.
    await expect(rm).rejects.toMatchObject({ code: 'EACCES', syscall: 'unlink', path: '/a/b/c/d/f0' });
  });
});

type Rm = { rm(p: string, o: { recursive: boolean }): Promise<void> };
const USER: Credentials = { uid: 1000, gid: 1000, groups: [] };

/** Every path of `fs`'s tree with its type and owner, sorted (what an rm left). */
function treeOf(fs: MemoryFs): string[] {
  const out: string[] = [];
  const visit = (dir: MemoryInode, path: string): void => {
    for (const [key, { inode }] of dir.entries) {
      const at = `${path}/${key.length > 20 ? `${key.slice(0, 8)}…(${key.length})` : key}`;
      out.push(`${at} ${inode.mode.toString(8)} ${inode.uid}`);
      if (inode.isDirectory) visit(inode, at);
    }
  };
  visit(fs.root, '');
  return out.sort();
}

/** Runs rm -r of `path` with `credentials` on the tree `build` makes, with and without removeContents. */
async function bothWays(build: (fs: MemoryFs) => void, path: string, credentials: Credentials): Promise<{ batched: unknown; perEntry: unknown; calls: number }> {
  const results: { error: unknown; tree: string[] }[] = [];
  let calls = 0;
  for (const removeContents of [true, false]) {
    const fs = new CountingFs({ removeContents });
    fs.root.mode = 0o40777; // the caller may remove the top directory from the root
    build(fs);
    const error = await (createFsPromises(fs, { credentials }) as unknown as Rm).rm(path, { recursive: true }).then(
      () => undefined,
      (err: unknown) => {
        const { code, syscall, path: at, message } = err as { code?: string; syscall?: string; path?: string; message?: string };
        return { code, syscall, path: at, message };
      },
    );
    results.push({ error, tree: treeOf(fs) });
    if (removeContents) calls = fs.calls.removeContents;
  }
  return { batched: results[0], perEntry: results[1], calls };
}

function files(fs: MemoryFs, dir: string, n: number, uid = 1000): void {
  for (let i = 0; i < n; i++) fs.addFile(`${dir}/f${i}`, `${dir} ${i}`, { uid, gid: uid });
}

describe('rm recursive through removeContents', () => {
  it('empties a whole tree in one removeContents call: no unlink, one rmdir, a handful of lookups', async () => {
    const fs = new CountingFs();
    const fsp = createFsPromises(fs);
    await deepTree(fsp, 50);
    Object.assign(fs.calls, { lookup: 0, unlink: 0, rmdir: 0, removeContents: 0 });
    await (fsp as unknown as Rm).rm('/a', { recursive: true });
    expect(await fsp.readdir('/')).toEqual([]);
    expect(fs.calls).toMatchObject({ unlink: 0, rmdir: 1, removeContents: 1 });
    expect(fs.calls.lookup).toBeLessThan(6);
  });

  const scenarios: [string, Credentials, (fs: MemoryFs) => void, boolean, string | undefined][] = [
    ['as root: everything goes in one call', { uid: 0, gid: 0 }, (fs) => {
      fs.addDirectory('/a', { mode: 0o500 });
      files(fs, '/a', 3, 0);
      fs.addDirectory('/a/ro', { mode: 0o000 });
      files(fs, '/a/ro', 2, 5);
      fs.addDirectory('/a/sticky', { mode: 0o1777, uid: 7 });
      files(fs, '/a/sticky', 2, 9);
    }, true, undefined],
    ['a subdirectory without write permission: the entries before it go, then unlink’s EACCES', USER, (fs) => {
      fs.addDirectory('/a', { uid: 1000, gid: 1000 });
      files(fs, '/a', 3);
      fs.addDirectory('/a/m', { mode: 0o555, uid: 1000, gid: 1000 });
      files(fs, '/a/m', 2);
      fs.addFile('/a/z', 'z', { uid: 1000 });
    }, true, 'EACCES'],
    ['a sticky subdirectory of root’s: the caller’s first file goes, root’s file ends rimraf (EPERM, then ENOTDIR)', USER, (fs) => {
      fs.addDirectory('/u', { uid: 1000, gid: 1000 });
      fs.addDirectory('/u/s', { mode: 0o1777 });
      fs.addFile('/u/s/mine', 'm', { uid: 1000 });
      fs.addFile('/u/s/theirs', 't', { uid: 0 });
      fs.addFile('/u/s/mine2', 'm', { uid: 1000 });
    }, true, 'ENOTDIR'],
    ['a sticky subdirectory the caller owns: everything goes', USER, (fs) => {
      fs.addDirectory('/u', { uid: 1000, gid: 1000 });
      fs.addDirectory('/u/s', { mode: 0o1777, uid: 1000 });
      fs.addFile('/u/s/theirs', 't', { uid: 0 });
    }, true, undefined],
    ['an unreadable subdirectory: scandir’s EACCES', USER, (fs) => {
      fs.addDirectory('/u', { uid: 1000, gid: 1000 });
      files(fs, '/u', 2);
      fs.addDirectory('/u/x', { mode: 0o333, uid: 1000 });
      files(fs, '/u/x', 1);
    }, true, 'EACCES'],
    ['an unsearchable top directory: never offered to removeContents', USER, (fs) => {
      fs.addDirectory('/u', { mode: 0o666, uid: 1000, gid: 1000 });
      files(fs, '/u', 2);
    }, false, 'EACCES'],
    ['paths reaching PATH_MAX: the entries past it take the path calls (ENAMETOOLONG)', { uid: 0, gid: 0 }, (fs) => {
      let at = '/deep';
      fs.addDirectory(at);
      for (let i = 0; i < 17; i++) {
        at += `/${String(i).padStart(3, '0')}${'n'.repeat(240)}`;
        fs.addDirectory(at);
        fs.addFile(`${at}/f`, 'x');
      }
    }, true, 'ENAMETOOLONG'],
  ];
  for (const [name, credentials, build, offered, code] of scenarios) {
    it(`${name}: the same error and tree as entry by entry`, async () => {
      const { batched, perEntry, calls } = await bothWays(build, name.startsWith('paths') ? '/deep' : name.startsWith('as root') || name.startsWith('a subdirectory without') ? '/a' : '/u', credentials);
      expect(batched).toEqual(perEntry);
      expect((batched as { error?: { code?: string } }).error?.code).toBe(code);
      expect(calls > 0).toBe(offered);
    });
  }
});
