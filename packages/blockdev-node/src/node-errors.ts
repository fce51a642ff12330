// Node's own errors (ErrnoException from node:fs) turned into FsError, so a
// caller sees one error type with the same `code` Node would have used, a
// message that says what to do, and Node's error kept as `cause`.
import { ERRNO, FsError, type ErrnoCode } from '@iomap/core';

/** What to do next, per code, for the errors opening or using an image can raise. */
const HINTS: Partial<Record<ErrnoCode, string>> = {
  ENOENT: 'no such file or directory; check the path, or pass { create: true, size } to create a new image',
  EACCES: 'permission denied; fix the permissions, run with the needed rights, or open with { readOnly: true }',
  EPERM: 'operation not permitted; fix the permissions or open with { readOnly: true }',
  EISDIR: 'is a directory; give the path of an image file or a block device',
  ENOTDIR: 'a component of the path is not a directory; check the path',
  EBUSY:
    'the device is in use (mounted, or opened exclusively by another program); unmount it or close the other user first',
  EROFS: 'the file lives on a read-only filesystem; open it with { readOnly: true }',
  ENOSPC: 'no space left on the filesystem that holds the image; free space or move the image',
  EDQUOT: 'disk quota exceeded on the filesystem that holds the image; free space or raise the quota',
  EFBIG: 'the file would exceed the maximum file size of its filesystem; use a smaller size',
  EMFILE: 'too many open files in this process; close some devices or raise the limit (ulimit -n)',
  ENFILE: 'too many open files in the system; close some files and retry',
  ENXIO: 'no such device (it may have been removed); check that the device still exists',
  ENODEV: 'no such device; check that the device exists and its driver is loaded',
  EIO: 'the operating system reported an I/O error; the storage may be failing',
  ENAMETOOLONG: 'the path is too long; use a shorter path',
  ELOOP: 'too many symbolic links in the path; check the path for a symlink loop',
  ETXTBSY: 'the file is in use as a running program or swap file; stop that use first',
};

/** True when `value` is one of the codes in core's ERRNO table. */
function isKnownCode(value: unknown): value is ErrnoCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERRNO, value);
}

/**
 * Wraps an error thrown by node:fs into an {@link FsError} with the same code
 * when core knows that code, `EIO` otherwise. FsErrors pass through unchanged.
 */
export function toFsError(err: unknown, syscall: string, path: string): FsError {
  if (err instanceof FsError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (isKnownCode(code)) {
    const hint = HINTS[code] ?? `${syscall} failed (${describe(err)})`;
    return new FsError(code, hint, { syscall, path, cause: err });
  }
  return new FsError('EIO', `${syscall} failed with an unexpected error (${describe(err)})`, {
    syscall,
    path,
    cause: err,
  });
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
