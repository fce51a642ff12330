// open() and access() rules: read-only filesystems (EROFS before permission
// bits), write opens on a filesystem without write operations (EOPNOTSUPP), types that
// cannot be opened (ELOOP, EISDIR, ENOTDIR, ENXIO), O_CREAT/O_EXCL, and
// permission checks for non-root credentials.
import { describe, expect, it } from 'vitest';
import { constants, createFsPromises } from '../src/index.js';
import { sampleTree } from './support/sample-tree.js';

const { O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_EXCL, O_TRUNC, O_NOFOLLOW, O_DIRECTORY } = constants;

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    const value = await promise;
    if (value !== null && typeof value === 'object' && 'close' in value) await (value as { close(): Promise<void> }).close();
    return 'ok';
  } catch (err) {
    return (err as { code: string }).code;
  }
}

describe('access', () => {
  const readOnly = createFsPromises(sampleTree({ readOnly: true }));
  const writable = createFsPromises(sampleTree());

  it.each([
    ['/file.txt', constants.W_OK, 'EROFS', 'ok'],
    ['/a', constants.W_OK, 'EROFS', 'ok'],
    ['/abs-link', constants.W_OK, 'EROFS', 'ok'],
    ['/dev-c', constants.W_OK, 'ok', 'ok'],
    ['/fifo', constants.W_OK, 'ok', 'ok'],
    ['/file.txt', constants.R_OK, 'ok', 'ok'],
    ['/file.txt', constants.F_OK, 'ok', 'ok'],
    ['/file.txt', constants.X_OK, 'EACCES', 'EACCES'],
    ['/a', constants.X_OK, 'ok', 'ok'],
    ['/dangling', constants.F_OK, 'ENOENT', 'ENOENT'],
    ['/file.txt', constants.R_OK | constants.W_OK, 'EROFS', 'ok'],
  ])('%s mode %i: %s read-only, %s writable (as root)', async (path, mode, onReadOnly, onWritable) => {
    expect(await codeOf(readOnly.access(path, mode))).toBe(onReadOnly);
    expect(await codeOf(writable.access(path, mode))).toBe(onWritable);
  });

  it('checks owner, group and other bits for other users', async () => {
    const fs = sampleTree();
    fs.addFile('mine', 'x', { mode: 0o640, uid: 1000, gid: 100 });
    const owner = createFsPromises(fs, { credentials: { uid: 1000, gid: 1000 } });
    const member = createFsPromises(fs, { credentials: { uid: 2000, gid: 2000, groups: [100] } });
    const other = createFsPromises(fs, { credentials: { uid: 3000, gid: 3000 } });
    expect(await codeOf(owner.access('/mine', constants.R_OK | constants.W_OK))).toBe('ok');
    expect(await codeOf(member.access('/mine', constants.R_OK))).toBe('ok');
    expect(await codeOf(member.access('/mine', constants.W_OK))).toBe('EACCES');
    expect(await codeOf(other.access('/mine', constants.R_OK))).toBe('EACCES');
    expect(await codeOf(other.access('/private/secret'))).toBe('EACCES'); // cannot search /private
  });

  it('names the path and syscall like Node', async () => {
    await expect(readOnly.access('/file.txt', constants.W_OK)).rejects.toMatchObject({
      code: 'EROFS',
      syscall: 'access',
      path: '/file.txt',
      message: "EROFS: read-only file system, access '/file.txt'",
    });
  });
});

describe('open', () => {
  const readOnly = createFsPromises(sampleTree({ readOnly: true }));
  const withoutWrites = createFsPromises(sampleTree({ writable: false }));

  it.each([
    ['/file.txt', 'r', 'ok', 'ok'],
    ['/file.txt', 'r+', 'EROFS', 'EOPNOTSUPP'],
    ['/file.txt', 'w', 'EROFS', 'EOPNOTSUPP'],
    ['/file.txt', 'a', 'EROFS', 'EOPNOTSUPP'],
    ['/file.txt', 'wx', 'EEXIST', 'EEXIST'],
    ['/new-file', 'w', 'EROFS', 'EOPNOTSUPP'],
    ['/new-file', 'r', 'ENOENT', 'ENOENT'],
    ['/missing/new-file', 'w', 'ENOENT', 'ENOENT'],
    ['/new-dir/', 'w', 'EISDIR', 'EISDIR'],
    ['/file.txt/', 'w', 'EISDIR', 'EISDIR'],
    ['/a', 'r', 'ok', 'ok'],
    ['/a', 'r+', 'EISDIR', 'EISDIR'],
    ['/a', 'a+', 'EISDIR', 'EISDIR'],
    ['/', 'w', 'EISDIR', 'EISDIR'],
    ['/abs-link', 'r', 'ok', 'ok'],
    ['/dev-c', 'r', 'ENXIO', 'ENXIO'],
    ['/fifo', 'r', 'ENXIO', 'ENXIO'],
    ['/sock', 'r', 'ENXIO', 'ENXIO'],
  ])('%s with %j: %s read-only, %s without write operations', async (path, flags, onReadOnly, onWritable) => {
    expect(await codeOf(readOnly.open(path, flags))).toBe(onReadOnly);
    expect(await codeOf(withoutWrites.open(path, flags))).toBe(onWritable);
  });

  it.each([
    ['/abs-link', O_RDONLY | O_NOFOLLOW, 'ELOOP'],
    ['/dir-link', O_RDONLY | O_NOFOLLOW, 'ELOOP'],
    ['/dir-link/', O_RDONLY | O_NOFOLLOW, 'ok'],
    ['/file.txt', O_RDONLY | O_DIRECTORY, 'ENOTDIR'],
    ['/a', O_RDONLY | O_DIRECTORY, 'ok'],
    ['/a', O_RDONLY | O_TRUNC, 'EISDIR'],
    ['/file.txt', O_RDONLY | O_TRUNC, 'EROFS'],
    ['/file.txt', O_RDONLY | O_CREAT, 'ok'],
    ['/file.txt', O_RDONLY | O_CREAT | O_EXCL, 'EEXIST'],
    ['/dangling', O_RDONLY | O_CREAT | O_EXCL, 'EEXIST'],
    ['/a', O_RDONLY | O_CREAT, 'EISDIR'],
    ['/file.txt', O_WRONLY, 'EROFS'],
    ['/file.txt', O_RDWR, 'EROFS'],
  ])('%s with flags 0o%o on a read-only filesystem: %s', async (path, flags, expected) => {
    expect(await codeOf(readOnly.open(path, flags))).toBe(expected);
  });

  it('checks read permission for other users', async () => {
    const fs = sampleTree();
    fs.addFile('root-only', 'x', { mode: 0o600 });
    const user = createFsPromises(fs, { credentials: { uid: 1000, gid: 1000 } });
    expect(await codeOf(user.open('/root-only'))).toBe('EACCES');
    expect(await codeOf(user.readFile('/root-only'))).toBe('EACCES');
    expect(await codeOf(user.open('/file.txt'))).toBe('ok');
    expect(await codeOf(user.readdir('/private'))).toBe('EACCES');
  });

  it('words errors like Node and validates arguments like Node', async () => {
    await expect(readOnly.open('/file.txt', 'w')).rejects.toThrow("EROFS: read-only file system, open '/file.txt'");
    await expect(readOnly.open('/file.txt', 'bogus')).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE', name: 'TypeError' });
    await expect(readOnly.open('/file.txt', 'r', 'rw')).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    await expect(readOnly.open('/file.txt', 'r', '644').then((h) => h.close())).resolves.toBeUndefined();
  });
});
