// rm -r through directory handles: every entry of a directory being emptied
// is looked up once in that directory (as rm -rf does with unlinkat), not
// walked to from the root for an lstat, an unlink's parent and its lookup;
// no rmdir is tried on a directory already known to have entries. The
// answers stay Node's (differential-write / differential-nonroot check
// them against node:fs); these tests pin the cost and the fallbacks.
import { describe, expect, it } from 'vitest';
import { createFsPromises } from '../src/index.js';
import { MemoryFs, type MemoryInode } from './support/memory-fs.js';

/** A MemoryFs counting its lookup, unlink and rmdir calls. */
class CountingFs extends MemoryFs {
  readonly calls = { lookup: 0, unlink: 0, rmdir: 0 };

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
    const fs = new CountingFs();
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
    const fs = new MemoryFs();
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
