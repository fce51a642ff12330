// Extended attributes of a mounted image by path, as getfattr and setfattr
// use them: the @iomap/vfs calls named like the syscalls (getxattr,
// lgetxattr, listxattr, setxattr, removexattr, ...), so a path resolves as
// the kernel resolves it (symlinks on the way followed, the final one only
// when asked) and the kernel's refusals apply: user.* on anything but a
// regular file or directory is EPERM to set and ENODATA to read. Paths are
// bytes, so names that are not UTF-8 work. A missing attribute is reported
// as ENODATA naming it ("No such attribute", as getfattr says); ENOSPC,
// ERANGE and EPERM say what ext2 or the kernel requires.
import { FsError, isFsError } from '@iomap/core';
import type { FsPromises } from '@iomap/vfs';
import { optionalMethod } from './image-write.js';

/** The xattr calls of an image's fs/promises adapter. */
interface XattrCalls {
  getxattr(path: Uint8Array, name: string): Promise<Uint8Array>;
  lgetxattr(path: Uint8Array, name: string): Promise<Uint8Array>;
  listxattr(path: Uint8Array): Promise<string[]>;
  llistxattr(path: Uint8Array): Promise<string[]>;
  setxattr(path: Uint8Array, name: string, value: Uint8Array): Promise<void>;
  lsetxattr(path: Uint8Array, name: string, value: Uint8Array): Promise<void>;
  removexattr(path: Uint8Array, name: string): Promise<void>;
  lremovexattr(path: Uint8Array, name: string): Promise<void>;
}

const call = <K extends keyof XattrCalls>(fsp: FsPromises, name: K): XattrCalls[K] => optionalMethod<XattrCalls, K>(fsp, name);

/** ENODATA from a call on `name` becomes "NAME: No such attribute" (getfattr's words); other errors pass. */
async function namingMissing<T>(name: string, syscall: string, path: Uint8Array, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (!isFsError(err, 'ENODATA')) throw err;
    throw new FsError('ENODATA', `${name}: No such attribute`, { syscall, path: new TextDecoder().decode(path) });
  }
}

/** ENOSPC, ERANGE and EPERM from a set or remove, said with what ext2 and the kernel require. */
async function explainingRefusal(name: string, value: Uint8Array | undefined, syscall: string, path: Uint8Array, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (err) {
    const context = { syscall, path: new TextDecoder().decode(path) };
    const size = value === undefined ? '' : ` (${value.length} bytes)`;
    if (isFsError(err, 'ENOSPC')) {
      throw new FsError('ENOSPC', `${name}${size}: no room: ext2 keeps a file's attributes in its inode and one xattr block, and they would not fit`, context);
    }
    if (isFsError(err, 'ERANGE')) {
      throw new FsError('ERANGE', `${name}${size}: a name is 1 to 255 bytes and a value at most one filesystem block`, context);
    }
    if (isFsError(err, 'EPERM') && name.startsWith('user.')) {
      throw new FsError('EPERM', `${name}: user.* attributes live only on regular files and directories (the kernel refuses them elsewhere)`, context);
    }
    throw err;
  }
}

/** Attribute operations on one image, following a final symlink unless `follow` is false. */
export interface ImageXattrs {
  list(path: Uint8Array): Promise<string[]>;
  get(path: Uint8Array, name: string): Promise<Uint8Array>;
  set(path: Uint8Array, name: string, value: Uint8Array): Promise<void>;
  remove(path: Uint8Array, name: string): Promise<void>;
}

/**
 * The attribute operations of `fsp` (EOPNOTSUPP when it has none).
 *
 * @example
 * ```ts
 * const xattrs = imageXattrs(fsp, true);
 * await xattrs.set(new TextEncoder().encode('/bin/ping'), 'security.capability', value);
 * ```
 */
export function imageXattrs(fsp: FsPromises, follow: boolean): ImageXattrs {
  const l = follow ? '' : 'l';
  return {
    list: (path) => call(fsp, `${l}listxattr`)(path),
    get: (path, name) => namingMissing(name, `${l}getxattr`, path, () => call(fsp, `${l}getxattr`)(path, name)),
    set: (path, name, value) => explainingRefusal(name, value, `${l}setxattr`, path, () => call(fsp, `${l}setxattr`)(path, name, value)),
    remove: (path, name) =>
      explainingRefusal(name, undefined, `${l}removexattr`, path, () => namingMissing(name, `${l}removexattr`, path, () => call(fsp, `${l}removexattr`)(path, name))),
  };
}
