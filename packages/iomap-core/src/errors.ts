// Errors shaped like Node's ErrnoException, so code written against node:fs
// can handle ours the same way: `err.code === 'ENOENT'`, negative `errno`.

/** Linux errno values for the codes this project raises (asm-generic/errno*.h). */
export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  ENOTBLK: 15,
  EBUSY: 16,
  EEXIST: 17,
  EXDEV: 18,
  ENODEV: 19,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  ETXTBSY: 26,
  EFBIG: 27,
  ENOSPC: 28,
  ESPIPE: 29,
  EROFS: 30,
  EMLINK: 31,
  ERANGE: 34,
  ENAMETOOLONG: 36,
  ENOSYS: 38,
  ENOTEMPTY: 39,
  ELOOP: 40,
  EBADR: 53,
  ENODATA: 61,
  EOVERFLOW: 75,
  EOPNOTSUPP: 95,
  EUCLEAN: 117,
  EDQUOT: 122,
  ECANCELED: 125,
} as const;

/** A Node-style error code this project can raise. */
export type ErrnoCode = keyof typeof ERRNO;

/** Optional context attached to an {@link FsError}. */
export interface FsErrorContext {
  /** The operation that failed, as Node names it (`'open'`, `'read'`, `'fiemap'`, …). */
  syscall?: string;
  /** The path (or device/inode description) the operation was about. */
  path?: string;
  /** The underlying error, when this one wraps another. */
  cause?: unknown;
}

/**
 * The one error type of the project, shaped like Node's `ErrnoException`.
 *
 * `message` reads like Node's (`ENOENT: no such file, open '/a'`) but says what
 * was wrong and what to do about it.
 *
 * @example
 * ```ts
 * throw new FsError('EINVAL', 'length must be a positive integer', { syscall: 'fiemap' });
 * ```
 */
export class FsError extends Error {
  readonly code: ErrnoCode;
  /** The Linux errno value, negative as Node reports it. */
  readonly errno: number;
  readonly syscall: string | undefined;
  readonly path: string | undefined;

  constructor(code: ErrnoCode, detail: string, context: FsErrorContext = {}) {
    const where = [context.syscall, context.path === undefined ? undefined : `'${context.path}'`]
      .filter((part) => part !== undefined)
      .join(' ');
    super(`${code}: ${detail}${where ? `, ${where}` : ''}`, context.cause === undefined ? {} : { cause: context.cause });
    this.name = 'FsError';
    this.code = code;
    this.errno = -ERRNO[code];
    this.syscall = context.syscall;
    this.path = context.path;
  }
}

/** True when `err` is an {@link FsError}, optionally with the given code. */
export function isFsError(err: unknown, code?: ErrnoCode): err is FsError {
  return err instanceof FsError && (code === undefined || err.code === code);
}

/** Where a corrupt structure was found. */
export interface CorruptionSite {
  /** The on-disk structure, e.g. `'superblock'`, `'inode 12'`, `'indirect block'`. */
  structure: string;
  /** Where it lives, e.g. `'block 1234'` or `'byte 1024'`. */
  location?: string;
  /** What to do about it; default: check and repair the image with e2fsck. */
  repair?: string;
}

/**
 * The filesystem image is inconsistent (`EUCLEAN`, "structure needs cleaning").
 * The message names the structure and where it is, and what to repair it
 * with (e2fsck unless the site says otherwise) rather than retrying.
 */
export class CorruptFilesystemError extends FsError {
  readonly structure: string;
  readonly location: string | undefined;

  constructor(site: CorruptionSite, detail: string, context: FsErrorContext = {}) {
    const at = site.location === undefined ? '' : ` at ${site.location}`;
    const repair = site.repair ?? 'check and repair the image, e.g. with e2fsck';
    super('EUCLEAN', `corrupt ${site.structure}${at}: ${detail} (${repair})`, context);
    this.name = 'CorruptFilesystemError';
    this.structure = site.structure;
    this.location = site.location;
  }
}

/** The image uses features this implementation does not support. */
export class UnsupportedFeatureError extends FsError {
  readonly features: readonly string[];

  constructor(features: readonly string[], detail: string, context: FsErrorContext = {}) {
    super('EOPNOTSUPP', `unsupported feature${features.length === 1 ? '' : 's'} ${features.join(', ')}: ${detail}`, context);
    this.name = 'UnsupportedFeatureError';
    this.features = [...features];
  }
}

/**
 * A filesystem's `IomapOps` (or an iterator body) broke a rule of the iomap
 * contract. This is a programming error in the caller, reported as `EIO` like
 * the kernel does, and names the rule and the spec ID it comes from.
 */
export class IomapContractError extends FsError {
  /** The spec row that states the rule, e.g. `'CORE-13'`. */
  readonly specId: string;
  readonly rule: string;

  constructor(specId: string, rule: string, detail: string, context: FsErrorContext = {}) {
    super('EIO', `iomap contract violated (${specId}: ${rule}): ${detail}`, context);
    this.name = 'IomapContractError';
    this.specId = specId;
    this.rule = rule;
  }
}
