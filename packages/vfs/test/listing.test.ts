// readdir, opendir, Dirent and Dir: `.`/`..` never shown, types asked from
// the inode when the directory does not record them, Node 20's recursive
// order, names that are not UTF-8, and Dir's read/close/iteration rules.
import { describe, expect, it } from 'vitest';
import { Dir, Dirent, DirentType, createFsPromises } from '../src/index.js';
import { MemoryFs } from './support/memory-fs.js';

function listingTree(options: ConstructorParameters<typeof MemoryFs>[0] = {}): MemoryFs {
  const fs = new MemoryFs(options);
  fs.addDirectory('top');
  fs.addFile('top/a', 'a');
  fs.addDirectory('top/d1');
  fs.addFile('top/d1/x', 'x');
  fs.addDirectory('top/d1/inner');
  fs.addFile('top/d1/inner/deep', 'deep');
  fs.addDirectory('top/d2');
  fs.addFile('top/d2/y', 'y');
  fs.addSymlink('d1', 'top/link-to-dir');
  fs.addNode('top/chr', 'char', 0x501);
  fs.addNode('top/blk', 'block', 0x800);
  fs.addNode('top/pipe', 'fifo');
  fs.addNode('top/sock', 'socket');
  return fs;
}

describe('readdir', () => {
  it('skips . and .. and keeps the directory order', async () => {
    expect(await createFsPromises(listingTree()).readdir('/top')).toEqual([
      'a', 'd1', 'd2', 'link-to-dir', 'chr', 'blk', 'pipe', 'sock',
    ]);
  });

  it('types entries from their inodes when the directory records no types', async () => {
    for (const recordTypes of [true, false]) {
      const entries = await createFsPromises(listingTree({ recordTypes })).readdir('/top', { withFileTypes: true });
      const types = entries.map((e) => [
        e.name,
        e.isFile(), e.isDirectory(), e.isSymbolicLink(), e.isCharacterDevice(), e.isBlockDevice(), e.isFIFO(), e.isSocket(),
      ]);
      expect(types).toEqual([
        ['a', true, false, false, false, false, false, false],
        ['d1', false, true, false, false, false, false, false],
        ['d2', false, true, false, false, false, false, false],
        ['link-to-dir', false, false, true, false, false, false, false],
        ['chr', false, false, false, true, false, false, false],
        ['blk', false, false, false, false, true, false, false],
        ['pipe', false, false, false, false, false, true, false],
        ['sock', false, false, false, false, false, false, true],
      ]);
    }
  });

  it('lists recursively in Node 20 order: a directory, then its subdirectories last-found-first', async () => {
    const fsp = createFsPromises(listingTree());
    expect(await fsp.readdir('/top', { recursive: true })).toEqual([
      'a', 'd1', 'd2', 'link-to-dir', 'chr', 'blk', 'pipe', 'sock',
      'd2/y',
      'd1/x', 'd1/inner',
      'd1/inner/deep',
    ]);
    const dirents = await fsp.readdir('/top/', { recursive: true, withFileTypes: true });
    expect(dirents.map((d) => `${d.parentPath} ${d.name}`).slice(7)).toEqual([
      '/top/ sock', '/top/d2 y', '/top/d1 x', '/top/d1 inner', '/top/d1/inner deep',
    ]);
  });

  it('does not enter symlinks to directories when recursing', async () => {
    const names = await createFsPromises(listingTree()).readdir('/top', { recursive: true });
    expect(names.filter((n) => n.startsWith('link-to-dir'))).toEqual(['link-to-dir']);
  });

  it('keeps names that are not UTF-8 as bytes with encoding buffer', async () => {
    const fs = new MemoryFs();
    const raw = new Uint8Array([0x6c, 0x61, 0x74, 0x69, 0x6e, 0xe9]); // "latin" + é in Latin-1
    fs.addDirectory('d');
    fs.addFile(new Uint8Array([0x2f, 0x64, 0x2f, ...raw]), 'bytes');
    const fsp = createFsPromises(fs, { wrapBytes: (b) => b });
    expect(await fsp.readdir('/d')).toEqual(['latin\uFFFD']);
    const [name] = await fsp.readdir('/d', 'buffer');
    expect(name).toEqual(raw);
    const path = new Uint8Array([...new TextEncoder().encode('/d/'), ...name!]);
    expect(await fsp.readFile(path, 'utf8')).toBe('bytes');
    await expect(fsp.readFile('/d/latin\uFFFD')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await fsp.readdir('/d', 'latin1')).toEqual(['latiné']);
  });

  it('reports ENOTDIR and ENOENT with syscall scandir', async () => {
    const fsp = createFsPromises(listingTree());
    await expect(fsp.readdir('/top/a')).rejects.toThrow("ENOTDIR: not a directory, scandir '/top/a'");
    await expect(fsp.readdir('/nope')).rejects.toThrow("ENOENT: no such file or directory, scandir '/nope'");
  });

  it('works without . and .. entries from the filesystem too', async () => {
    expect(await createFsPromises(listingTree({ yieldDots: false })).readdir('/top/d2')).toEqual(['y']);
  });
});

describe('Dirent', () => {
  it('shows name, parentPath and path only, like Node', () => {
    const dirent = new Dirent('x', DirentType.Regular, '/p');
    expect(Object.keys(dirent)).toEqual(['name', 'parentPath', 'path']);
    expect(dirent.isFile()).toBe(true);
  });
});

describe('opendir and Dir', () => {
  it('reads entries one by one, then null', async () => {
    const dir = await createFsPromises(listingTree()).opendir('/top/d2');
    expect(dir).toBeInstanceOf(Dir);
    expect(dir.path).toBe('/top/d2');
    expect((await dir.read())?.name).toBe('y');
    expect(await dir.read()).toBeNull();
    await dir.close();
  });

  it('rejects read and a second close after close with ERR_DIR_CLOSED', async () => {
    const dir = await createFsPromises(listingTree()).opendir('/top');
    await dir.close();
    await expect(dir.read()).rejects.toMatchObject({ code: 'ERR_DIR_CLOSED' });
    await expect(dir.close()).rejects.toMatchObject({ code: 'ERR_DIR_CLOSED' });
  });

  it('closes itself after async iteration, also on break', async () => {
    const fsp = createFsPromises(listingTree());
    const dir = await fsp.opendir('/top');
    const names: string[] = [];
    for await (const entry of dir) names.push(entry.name);
    expect(names).toHaveLength(8);
    await expect(dir.read()).rejects.toMatchObject({ code: 'ERR_DIR_CLOSED' });
    const early = await fsp.opendir('/top');
    for await (const entry of early) {
      expect(entry.name).toBe('a');
      break;
    }
    await expect(early.read()).rejects.toMatchObject({ code: 'ERR_DIR_CLOSED' });
  });

  it('serves concurrent reads in order', async () => {
    const dir = await createFsPromises(listingTree()).opendir('/top');
    const entries = await Promise.all([dir.read(), dir.read(), dir.read()]);
    expect(entries.map((e) => e?.name)).toEqual(['a', 'd1', 'd2']);
    await dir[Symbol.asyncDispose]();
    await dir[Symbol.asyncDispose](); // idempotent, unlike close()
  });

  it('lists recursively with recursive: true', async () => {
    const dir = await createFsPromises(listingTree()).opendir('/top/d1', { recursive: true });
    const seen: string[] = [];
    for await (const entry of dir) seen.push(`${entry.parentPath}/${entry.name}`);
    expect(seen).toEqual(['/top/d1/x', '/top/d1/inner', '/top/d1/inner/deep']);
  });

  it('reports ENOTDIR with syscall opendir', async () => {
    await expect(createFsPromises(listingTree()).opendir('/top/a')).rejects.toThrow("ENOTDIR: not a directory, opendir '/top/a'");
  });
});
