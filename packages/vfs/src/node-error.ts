// FsErrors worded like Node's: `ENOENT: no such file or directory, open '/a'`.
// Node takes the description from libuv's uv_strerror, so code that shows or
// matches `err.message` sees the same text from us as from node:fs.
import { FsError, type ErrnoCode, type FsErrorContext } from '@iomap/core';

/** libuv's descriptions (uv_strerror) for the codes the VFS raises. */
const DESCRIPTIONS: Partial<Record<ErrnoCode, string>> = {
  E2BIG: 'argument list too long',
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
  ENOSYS: 'function not implemented',
  ENXIO: 'no such device or address',
  EOPNOTSUPP: 'operation not supported on socket',
  EPERM: 'operation not permitted',
  ERANGE: 'result too large',
  EROFS: 'read-only file system',
  ESPIPE: 'invalid seek',
  ETXTBSY: 'text file is busy',
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

/**
 * An FsError about two paths (rename, link, symlink, copyfile), worded like
 * Node's: `ENOENT: no such file or directory, rename '/a' -> '/b'`, with the
 * second path in `dest`.
 *
 * @example
 * ```ts
 * const err = new TwoPathError('EXDEV', 'rename', '/a', '/mnt/b');
 * err.dest; // '/mnt/b'
 * ```
 */
export class TwoPathError extends FsError {
  readonly dest: string;

  constructor(code: ErrnoCode, syscall: string, path: string, dest: string, cause?: unknown) {
    super(code, DESCRIPTIONS[code] ?? code.toLowerCase(), cause === undefined ? { syscall, path } : { syscall, path, cause });
    this.dest = dest;
    this.message = `${code}: ${DESCRIPTIONS[code] ?? code.toLowerCase()}, ${syscall} '${path}' -> '${dest}'`;
  }
}

/**
 * True for the codes a filesystem answers in the normal course of a call
 * (a name appeared or vanished under its lock, a directory filled up, the
 * disk is full): the adapter words them like Node, with the caller's path.
 * Anything else (EIO, EUCLEAN, ...) passes through unchanged, because its
 * own message says what went wrong and what to do.
 */
const EXPECTED_CODES: ReadonlySet<ErrnoCode> = new Set<ErrnoCode>([
  'E2BIG', 'EACCES', 'EBUSY', 'EEXIST', 'EFBIG', 'EINVAL', 'EISDIR', 'ELOOP', 'EMLINK', 'ENAMETOOLONG', 'ENODATA',
  'ENOENT', 'ENOSPC', 'ENOTDIR', 'ENOTEMPTY', 'EPERM', 'ERANGE', 'EROFS', 'EXDEV', 'EDQUOT', 'ETXTBSY', 'ENXIO', 'EMFILE',
  'EBADF',
]);

/**
 * Errors of one adapter call, worded as Node words them for that call:
 * its syscall name, its path and, for two-path calls, its `dest`.
 *
 * @example
 * ```ts
 * const errors = new CallErrors('rename', '/a', '/b');
 * throw errors.fail('ENOENT'); // ENOENT: no such file or directory, rename '/a' -> '/b'
 * ```
 */
export class CallErrors {
  constructor(
    readonly syscall: string,
    readonly path?: string,
    readonly dest?: string,
  ) {}

  /** The error `code` of this call. */
  fail(code: ErrnoCode, cause?: unknown): FsError {
    if (this.dest !== undefined && this.path !== undefined) return new TwoPathError(code, this.syscall, this.path, this.dest, cause);
    const description = DESCRIPTIONS[code] ?? code.toLowerCase();
    const context: FsErrorContext = { syscall: this.syscall };
    if (this.path !== undefined) context.path = this.path;
    if (cause !== undefined) context.cause = cause;
    return new FsError(code, description, context);
  }

  /**
   * Runs `step` (a path walk or a filesystem operation) and rewords its
   * expected errors as this call's; other errors pass through.
   */
  async guard<T>(step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (err) {
      throw this.reword(err);
    }
  }

  /** `err` as this call's error when it is an expected FsError, else `err` itself. */
  reword(err: unknown): unknown {
    if (err instanceof FsError && EXPECTED_CODES.has(err.code)) {
      if (err.syscall === this.syscall && err.path === this.path && (err as Partial<TwoPathError>).dest === this.dest) return err;
      return this.fail(err.code, err);
    }
    return err;
  }
}
