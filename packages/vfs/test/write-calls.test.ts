// The write side's rules that node:fs cannot be compared with: which calls
// exist for which filesystem, read-only filesystems (EROFS), the mknod and
// xattr extensions, flags that reach the filesystem (O_DIRECT, O_SYNC,
// O_DSYNC, flush), errors the filesystem raises after the adapter's checks
// (a name that appeared or vanished meanwhile), and serialized appends.
import { FsError } from '@iomap/core';
import { describe, expect, it } from 'vitest';
import {
  S_IFBLK,
  S_IFCHR,
  S_IFDIR,
  S_IFIFO,
  S_IFREG,
  S_IFSOCK,
  WRITE_CALL_NEEDS,
  XATTR_CREATE,
  XATTR_REPLACE,
  constants,
  createFsPromises,
  type FsWriteCalls,
  type WritableFsPromises,
} from '../src/index.js';
import { MemoryFs, type MemoryInode } from './support/memory-fs.js';
import { sampleTree } from './support/sample-tree.js';

const USER = { uid: 1000, gid: 1000 };

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (err) {
    return (err as { code: string }).code;
  }
}

describe('which write calls exist', () => {
  it('offers every call whose operations the filesystem implements, and only those', () => {
    const all = createFsPromises(new MemoryFs());
    for (const call of Object.keys(WRITE_CALL_NEEDS)) expect(typeof (all as unknown as Record<string, unknown>)[call]).toBe('function');

    const partial = new MemoryFs({ writable: false });
    Object.assign(partial, { mkdir: MemoryFs.prototype.mkdir, unlink: MemoryFs.prototype.unlink });
    const fsp = createFsPromises(partial) as unknown as Record<string, unknown>;
    const present = Object.keys(WRITE_CALL_NEEDS).filter((call) => call in fsp);
    expect(present.sort()).toEqual(['getxattr', 'lgetxattr', 'listxattr', 'llistxattr', 'mkdir', 'mkdtemp', 'unlink'].sort());
  });

  it('types the calls by what the filesystem class implements', async () => {
    const fsp = createFsPromises(new MemoryFs());
    // Compiles only because MemoryFs implements mkdir and the data operations.
    await fsp.mkdir('/typed');
    await fsp.writeFile('/typed/a', 'x');
    const calls: (keyof FsWriteCalls)[] = ['mkdir', 'writeFile'];
    expect(calls.every((call) => call in fsp)).toBe(true);
  });
});

describe('read-only filesystems answer EROFS, as a read-only mount does', () => {
  const fsp = createFsPromises(sampleTree({ readOnly: true })) as WritableFsPromises;
  it.each([
    ['writeFile new', () => fsp.writeFile('/new', 'x')],
    ['writeFile existing', () => fsp.writeFile('/file.txt', 'x')],
    ['appendFile', () => fsp.appendFile('/file.txt', 'x')],
    ['mkdir', () => fsp.mkdir('/new')],
    ['rmdir', () => fsp.rmdir('/a')],
    ['unlink', () => fsp.unlink('/file.txt')],
    ['unlink of a missing name', () => fsp.unlink('/missing')],
    ['rename', () => fsp.rename('/file.txt', '/x')],
    ['link', () => fsp.link('/file.txt', '/x')],
    ['symlink', () => fsp.symlink('x', '/x')],
    ['mknod', () => fsp.mknod('/x', S_IFIFO | 0o644)],
    ['chmod', () => fsp.chmod('/file.txt', 0o600)],
    ['chown', () => fsp.chown('/file.txt', 1, 1)],
    ['utimes', () => fsp.utimes('/file.txt', 1, 1)],
    ['truncate', () => fsp.truncate('/file.txt')],
    ['copyFile', () => fsp.copyFile('/file.txt', '/x')],
    ['setxattr', () => fsp.setxattr('/file.txt', 'user.a', 'x')],
    ['removexattr', () => fsp.removexattr('/file.txt', 'user.a')],
  ])('%s', async (_name, call) => {
    expect(await codeOf(call())).toBe('EROFS');
  });

  it('still reports what Linux checks first: EEXIST, ENOENT, EISDIR', async () => {
    expect(await codeOf(fsp.mkdir('/a'))).toBe('EEXIST');
    expect(await codeOf(fsp.mkdir('/missing/x'))).toBe('ENOENT');
    expect(await codeOf(fsp.writeFile('/a', 'x'))).toBe('EISDIR');
    expect(await codeOf(fsp.mkdir('/x', { recursive: true }))).toBe('ENOENT'); // Node stats after EROFS
  });
});

describe('mknod (an extension: node:fs has none)', () => {
  it('makes FIFOs, sockets and (as root) devices, with the umask applied', async () => {
    const memory = new MemoryFs();
    const fsp = createFsPromises(memory, { umask: 0o027 });
    await fsp.mknod('/fifo', S_IFIFO | 0o666);
    await fsp.mknod('/sock', S_IFSOCK | 0o777);
    await fsp.mknod('/null', S_IFCHR | 0o666, (1 << 8) | 3);
    await fsp.mknod('/disk', S_IFBLK | 0o660, (8 << 8) | 0);
    await fsp.mknod('/plain', 0o644);
    const modes = await Promise.all(['/fifo', '/sock', '/null', '/disk', '/plain'].map(async (p) => (await fsp.lstat(p)).mode.toString(8)));
    expect(modes).toEqual(['10640', '140750', '20640', '60640', '100640']);
    expect((await fsp.stat('/null')).rdev).toBe(0x103);
    expect((await fsp.stat('/fifo')).rdev).toBe(0);
  });

  it('refuses directories (EPERM), unknown types (EINVAL), devices for users (EPERM), and names that exist (EEXIST)', async () => {
    const fsp = createFsPromises(sampleTree());
    expect(await codeOf(fsp.mknod('/d', S_IFDIR | 0o755))).toBe('EPERM');
    expect(await codeOf(fsp.mknod('/missing/d', S_IFDIR | 0o755))).toBe('EPERM'); // may_mknod comes before the walk
    expect(await codeOf(fsp.mknod('/u', 0o170000 | 0o644))).toBe('EINVAL');
    expect(await codeOf(fsp.mknod('/file.txt', S_IFIFO | 0o644))).toBe('EEXIST');
    const user = createFsPromises(sampleTree(), { credentials: USER });
    const userTree = sampleTree();
    userTree.addDirectory('home', { mode: 0o755, uid: 1000, gid: 1000 });
    const owner = createFsPromises(userTree, { credentials: USER });
    expect(await codeOf(user.mknod('/c', S_IFCHR | 0o644, 0x103))).toBe('EACCES'); // the root directory is not theirs
    expect(await codeOf(owner.mknod('/home/c', S_IFCHR | 0o644, 0x103))).toBe('EPERM');
    expect(await codeOf(owner.mknod('/home/f', S_IFIFO | 0o644))).toBe('ok');
    await expect(fsp.mknod('/file.txt', S_IFIFO)).rejects.toMatchObject({ syscall: 'mknod', path: '/file.txt', message: "EEXIST: file already exists, mknod '/file.txt'" });
  });
});

describe('extended attributes (extensions named like the syscalls)', () => {
  it('sets, reads, lists and removes, honouring XATTR_CREATE and XATTR_REPLACE', async () => {
    const fsp = createFsPromises(sampleTree());
    await fsp.setxattr('/file.txt', 'user.origin', 'camera');
    await fsp.setxattr('/file.txt', 'user.bytes', new Uint8Array([0, 255]));
    expect((await fsp.getxattr('/file.txt', 'user.origin')).toString()).toBe('camera');
    expect([...(await fsp.getxattr('/file.txt', 'user.bytes'))]).toEqual([0, 255]);
    expect((await fsp.listxattr('/file.txt')).sort()).toEqual(['user.bytes', 'user.origin']);
    expect(await codeOf(fsp.setxattr('/file.txt', 'user.origin', 'x', XATTR_CREATE))).toBe('EEXIST');
    expect(await codeOf(fsp.setxattr('/file.txt', 'user.new', 'x', XATTR_REPLACE))).toBe('ENODATA');
    await fsp.setxattr('/file.txt', 'user.origin', 'scanner', XATTR_REPLACE);
    await fsp.removexattr('/file.txt', 'user.origin');
    await expect(fsp.getxattr('/file.txt', 'user.origin')).rejects.toMatchObject({
      code: 'ENODATA',
      syscall: 'getxattr',
      path: '/file.txt',
      message: "ENODATA: no data available, getxattr '/file.txt'",
    });
    expect(await codeOf(fsp.removexattr('/file.txt', 'user.origin'))).toBe('ENODATA');
  });

  it('checks names, sizes and flags as Linux does', async () => {
    const fsp = createFsPromises(sampleTree());
    expect(await codeOf(fsp.setxattr('/file.txt', '', 'x'))).toBe('ERANGE');
    expect(await codeOf(fsp.setxattr('/file.txt', `user.${'n'.repeat(251)}`, 'x'))).toBe('ERANGE');
    expect(await codeOf(fsp.setxattr('/file.txt', 'user.big', new Uint8Array(65537)))).toBe('E2BIG');
    expect(await codeOf(fsp.setxattr('/file.txt', 'user.a', 'x', 4))).toBe('EINVAL');
    expect(await codeOf(fsp.setxattr('/file.txt', 'nonsense.a', 'x'))).toBe('EOPNOTSUPP');
    expect(await codeOf(fsp.setxattr('/missing', 'user.a', 'x'))).toBe('ENOENT');
  });

  it('keeps user.* to files and directories, trusted.* to root, POSIX ACLs to the owner, and follows symlinks unless l-', async () => {
    const memory = sampleTree();
    memory.addFile('shared', 'x', { mode: 0o666 });
    memory.addDirectory('tmp', { mode: 0o1777 });
    const root = createFsPromises(memory);
    const user = createFsPromises(memory, { credentials: USER });
    await root.setxattr('/rel-link', 'user.via-link', 'x'); // lands on a/b/file
    expect(await root.listxattr('/a/b/file')).toEqual(['user.via-link']);
    expect(await codeOf(root.lsetxattr('/rel-link', 'user.a', 'x'))).toBe('EPERM');
    expect(await codeOf(root.lgetxattr('/rel-link', 'user.a'))).toBe('ENODATA');
    await root.setxattr('/shared', 'trusted.secret', 'x');
    await root.setxattr('/shared', 'user.public', 'x');
    expect(await user.listxattr('/shared')).toEqual(['user.public']);
    expect(await codeOf(user.getxattr('/shared', 'trusted.secret'))).toBe('ENODATA');
    expect(await codeOf(user.setxattr('/shared', 'trusted.secret', 'y'))).toBe('EPERM');
    expect(await codeOf(user.setxattr('/shared', 'user.public', 'y'))).toBe('ok');
    expect(await codeOf(user.setxattr('/file.txt', 'user.a', 'y'))).toBe('EACCES');
    expect(await codeOf(user.setxattr('/tmp', 'user.a', 'y'))).toBe('EPERM'); // sticky directory of someone else
    // POSIX ACLs are the owner's to set, however writable the file.
    expect(await codeOf(user.setxattr('/shared', 'system.posix_acl_access', new Uint8Array(4)))).toBe('EPERM');
    expect(await codeOf(user.removexattr('/shared', 'system.posix_acl_default'))).toBe('EPERM');
  });
});

describe('flags reach the filesystem', () => {
  it('passes the open flags (O_DIRECT) to write and read, and syncs O_SYNC, O_DSYNC and flush writes', async () => {
    const memory = new MemoryFs();
    const reads: number[] = [];
    const read = memory.read.bind(memory);
    memory.read = async (inode: MemoryInode, pos: number, buffer: Uint8Array, flags?: number) => {
      reads.push(flags ?? -1);
      return read(inode, pos, buffer, flags);
    };
    const fsp = createFsPromises(memory);
    const { O_CREAT, O_RDWR, O_DIRECT, O_SYNC, O_DSYNC } = constants;
    const direct = await fsp.open('/direct', O_CREAT | O_RDWR | O_DIRECT);
    await direct.write(new Uint8Array(4096), 0, 4096, 0);
    await direct.read(new Uint8Array(4096), 0, 4096, 0);
    await direct.close();
    expect(memory.writeFlags).toEqual([O_CREAT | O_RDWR | O_DIRECT]);
    expect(reads).toEqual([O_CREAT | O_RDWR | O_DIRECT]);
    const ino = (await fsp.stat('/direct')).ino;
    for (const [flags, datasync] of [[O_SYNC, false], [O_DSYNC, true]] as const) {
      memory.fsyncs.length = 0;
      const handle = await fsp.open('/direct', O_RDWR | flags);
      await handle.write('x');
      await handle.close();
      expect(memory.fsyncs).toEqual([[ino, datasync]]);
    }
    memory.fsyncs.length = 0;
    await fsp.writeFile('/direct', 'flushed', { flush: true });
    expect(memory.fsyncs).toEqual([[ino, false]]);
  });
});

describe('errors the filesystem raises after the adapter checked', () => {
  it('words EEXIST, ENOENT and ENOTEMPTY from the filesystem with the caller’s path', async () => {
    const memory = sampleTree();
    // Another writer wins every race: the names appear or vanish between check and call.
    memory.create = async () => {
      throw new FsError('EEXIST', 'raced');
    };
    memory.unlink = async () => {
      throw new FsError('ENOENT', 'raced');
    };
    memory.rename = async () => {
      throw new FsError('ENOTEMPTY', 'raced');
    };
    const fsp = createFsPromises(memory);
    await expect(fsp.writeFile('/new', 'x')).rejects.toMatchObject({ code: 'EEXIST', message: "EEXIST: file already exists, open '/new'" });
    await expect(fsp.unlink('/file.txt')).rejects.toMatchObject({ code: 'ENOENT', path: '/file.txt', syscall: 'unlink' });
    await expect(fsp.rename('/a', '/private')).rejects.toMatchObject({
      code: 'ENOTEMPTY',
      errno: -39,
      path: '/a',
      dest: '/private',
      message: "ENOTEMPTY: directory not empty, rename '/a' -> '/private'",
    });
  });

  it('passes other errors (EIO, EUCLEAN) through unchanged', async () => {
    const memory = sampleTree();
    const broken = new FsError('EIO', 'the disk went away', { syscall: 'write' });
    memory.write = async () => {
      throw broken;
    };
    await expect(createFsPromises(memory).writeFile('/file.txt', 'x')).rejects.toBe(broken);
  });
});

describe('concurrent writers', () => {
  it('serializes O_APPEND writes from many handles, so none overwrites another', async () => {
    const memory = new MemoryFs();
    // A filesystem whose writes yield to other calls, as a real one awaiting its device does.
    const write = memory.write.bind(memory);
    memory.write = async (inode: MemoryInode, pos: number, data: Uint8Array, flags?: number) => {
      await new Promise((resolve) => setTimeout(resolve, 0));
      return write(inode, pos, data, flags);
    };
    const fsp = createFsPromises(memory);
    const handles = await Promise.all(Array.from({ length: 8 }, () => fsp.open('/log', 'a')));
    await Promise.all(handles.flatMap((h, i) => Array.from({ length: 5 }, (_, j) => h.write(`${i}${j};`))));
    await Promise.all(handles.map((h) => h.close()));
    const records = (await fsp.readFile('/log', 'utf8')).split(';').filter(Boolean);
    expect(records.sort()).toEqual(Array.from({ length: 40 }, (_, k) => `${Math.floor(k / 5)}${k % 5}`).sort());
  });

  it('keeps the file position consistent for concurrent positionless writes on one handle', async () => {
    const fsp = createFsPromises(new MemoryFs());
    const handle = await fsp.open('/f', 'w+');
    await Promise.all(Array.from({ length: 20 }, () => handle.write('ab')));
    expect((await handle.stat()).size).toBe(40);
    await handle.close();
  });
});

describe('the S_IF* constants line up with what write calls create', () => {
  it('creates regular files with S_IFREG', async () => {
    const fsp = createFsPromises(new MemoryFs(), { umask: 0 });
    await fsp.writeFile('/f', 'x', { mode: 0o666 });
    expect((await fsp.stat('/f')).mode).toBe(S_IFREG | 0o666);
  });
});
