// The adapter's shape and the rules that do not need a real directory to
// compare with: what exists on the object, how byte results are returned,
// cwd, abort signals, files whose size is unknown, and filesystem errors
// passed through untouched.
import { describe, expect, it, vi } from 'vitest';
import { CorruptFilesystemError, FsError } from '@iomap/core';
import { constants, createFsPromises, platformWrapBytes, type Filesystem, type InodeAttributes } from '../src/index.js';
import { MemoryFs, type MemoryInode } from './support/memory-fs.js';
import { sampleTree } from './support/sample-tree.js';

describe('createFsPromises', () => {
  it('offers the read side of fs/promises as plain functions', async () => {
    const fsp = createFsPromises(sampleTree({ writable: false }));
    expect(Object.keys(fsp).sort()).toEqual(
      [
        ...['access', 'constants', 'lstat', 'open', 'opendir', 'readFile', 'readdir', 'readlink', 'realpath', 'stat', 'statfs'],
        // The xattr reading extensions, since the filesystem can read attributes.
        ...['getxattr', 'lgetxattr', 'listxattr', 'llistxattr'],
      ].sort(),
    );
    const { readFile, stat } = fsp; // destructured, as code written for node:fs/promises does
    expect(await readFile('/file.txt', 'utf8')).toBe('hello');
    expect((await stat('/a')).isDirectory()).toBe(true);
  });

  it('leaves the write side out when the filesystem does not implement it', () => {
    const fsp = createFsPromises(sampleTree({ writable: false })) as unknown as Record<string, unknown>;
    for (const name of ['writeFile', 'appendFile', 'mkdir', 'rm', 'rmdir', 'unlink', 'rename', 'symlink', 'link', 'chmod', 'truncate', 'cp', 'mknod']) {
      expect(fsp[name]).toBeUndefined();
    }
  });

  it('exposes Node’s constants, frozen', () => {
    expect(createFsPromises(sampleTree()).constants).toBe(constants);
    expect(Object.isFrozen(constants)).toBe(true);
    expect([constants.O_NOFOLLOW, constants.S_IFLNK, constants.X_OK]).toEqual([0o400000, 0o120000, 1]);
  });

  it('returns Buffer views where Buffer exists, or what wrapBytes makes', async () => {
    const node = await createFsPromises(sampleTree()).readFile('/file.txt');
    expect(Buffer.isBuffer(node)).toBe(true);
    expect(node.toString()).toBe('hello');
    const plain = await createFsPromises(sampleTree(), { wrapBytes: (bytes) => bytes }).readFile('/file.txt');
    expect(Buffer.isBuffer(plain)).toBe(false);
    expect(plain).toEqual(new TextEncoder().encode('hello'));
  });

  it('returns plain Uint8Array where there is no global Buffer (browsers)', () => {
    vi.stubGlobal('Buffer', undefined);
    try {
      const wrap = platformWrapBytes();
      const bytes = new Uint8Array([1, 2]);
      expect(wrap(bytes)).toBe(bytes);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('resolves relative paths against cwd, which must be absolute', async () => {
    const fsp = createFsPromises(sampleTree(), { cwd: '/a/b' });
    expect(await fsp.readFile('file', 'utf8')).toBe('data');
    expect(await fsp.realpath('../../dir-link/./b')).toBe('/a/b');
    expect(() => createFsPromises(sampleTree(), { cwd: 'a' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
  });

  it('resolves realpath of paths over 4096 bytes, as glibc’s realpath(3) does', async () => {
    const fsp = createFsPromises(sampleTree());
    const long = `/a${'/.'.repeat(2100)}/b`;
    expect(await fsp.realpath(long)).toBe('/a/b');
    await expect(fsp.stat(long)).rejects.toMatchObject({ code: 'ENAMETOOLONG' });
  });

  it('refuses URLs that are not local file URLs, as Node does', async () => {
    const fsp = createFsPromises(sampleTree());
    await expect(fsp.stat(new URL('file://host/a'))).rejects.toMatchObject({ code: 'ERR_INVALID_FILE_URL_HOST' });
    await expect(fsp.stat(new URL('https://example.com/a'))).rejects.toMatchObject({ code: 'ERR_INVALID_URL_SCHEME' });
    expect((await fsp.stat(new URL('file:///a/b/file'))).size).toBe(4);
  });
});

describe('readFile', () => {
  it('stops with an AbortError when the signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    const err = await createFsPromises(sampleTree()).readFile('/file.txt', { signal: controller.signal }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'AbortError', code: 'ABORT_ERR' });
    expect((err as Error).cause).toEqual(new Error('stop'));
  });

  it('reads files that report size 0 (like procfs) until a read returns nothing', async () => {
    const memory = new MemoryFs();
    memory.addFile('proc', 'p'.repeat(200_000));
    const fs = Object.assign(Object.create(memory) as MemoryFs, {
      getattr: async (inode: MemoryInode): Promise<InodeAttributes> => ({ ...(await memory.getattr(inode)), size: 0 }),
    });
    expect((await createFsPromises(fs).readFile('/proc', 'utf8')).length).toBe(200_000);
  });

  it('refuses files over 2 GiB with ERR_FS_FILE_TOO_LARGE', async () => {
    const memory = new MemoryFs();
    memory.addFile('huge', 'x');
    const fs = Object.assign(Object.create(memory) as MemoryFs, {
      getattr: async (inode: MemoryInode): Promise<InodeAttributes> => ({ ...(await memory.getattr(inode)), size: 2 ** 31 }),
    });
    await expect(createFsPromises(fs).readFile('/huge')).rejects.toMatchObject({ code: 'ERR_FS_FILE_TOO_LARGE', name: 'RangeError' });
  });

  it('calls the filesystem once per file when it fills the whole buffer', async () => {
    const memory = new MemoryFs();
    memory.addFile('big', new Uint8Array(1 << 20));
    let reads = 0;
    const fs = Object.assign(Object.create(memory) as MemoryFs, {
      read: (inode: MemoryInode, pos: number, buffer: Uint8Array) => {
        reads++;
        return memory.read(inode, pos, buffer);
      },
    });
    expect((await createFsPromises(fs).readFile('/big')).length).toBe(1 << 20);
    expect(reads).toBe(1);
  });
});

describe('errors from the filesystem', () => {
  it('pass through unchanged, keeping their class and detail', async () => {
    const memory = sampleTree();
    const corrupt = new CorruptFilesystemError({ structure: 'directory block', location: 'block 99' }, 'rec_len overruns the block');
    const fs: Filesystem<MemoryInode> = Object.assign(Object.create(memory) as MemoryFs, {
      lookup: async () => {
        throw corrupt;
      },
    });
    const err = await createFsPromises(fs).stat('/a').catch((e: unknown) => e);
    expect(err).toBe(corrupt);
    expect(err).toBeInstanceOf(FsError);
    expect((err as FsError).code).toBe('EUCLEAN');
  });
});
