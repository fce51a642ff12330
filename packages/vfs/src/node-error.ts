// FsErrors worded like Node's: `ENOENT: no such file or directory, open '/a'`.
// Node takes the description from libuv's uv_strerror, so code that shows or
// matches `err.message` sees the same text from us as from node:fs.
import { FsError, type ErrnoCode } from '@iomap/core';

/** libuv's descriptions (uv_strerror) for the codes the VFS raises. */
const DESCRIPTIONS: Partial<Record<ErrnoCode, string>> = {
  EACCES: 'permission denied',
  EBADF: 'bad file descriptor',
  EBUSY: 'resource busy or locked',
  EEXIST: 'file already exists',
  EFBIG: 'file too large',
  EINVAL: 'invalid argument',
  EIO: 'i/o error',
  EISDIR: 'illegal operation on a directory',
  ELOOP: 'too many symbolic links encountered',
  EMFILE: 'too many open files',
  EMLINK: 'too many links',
  ENAMETOOLONG: 'name too long',
  ENODATA: 'no data available',
  ENOENT: 'no such file or directory',
  ENOSPC: 'no space left on device',
  ENOTDIR: 'not a directory',
  ENOTEMPTY: 'directory not empty',
  ENXIO: 'no such device or address',
  EOPNOTSUPP: 'operation not supported on socket',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ESPIPE: 'invalid seek',
  EXDEV: 'cross-device link not permitted',
};

/**
 * An FsError with Node's wording for `code`, the syscall Node names and the
 * path as the caller gave it.
 *
 * @example
 * ```ts
 * throw nodeError('ENOENT', 'open', '/a/b'); // "ENOENT: no such file or directory, open '/a/b'"
 * ```
 */
export function nodeError(code: ErrnoCode, syscall: string, path?: string): FsError {
  const description = DESCRIPTIONS[code] ?? code.toLowerCase();
  return new FsError(code, description, path === undefined ? { syscall } : { syscall, path });
}
