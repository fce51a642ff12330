// Node's SystemError, which node:fs raises from its own JavaScript (rm of a
// directory without `recursive`, cp's checks) rather than from a syscall:
// `code` is Node's (`ERR_FS_EISDIR`, `ERR_FS_CP_EINVAL`, …), `errno` the
// positive errno, and the message reads
// `Path is a directory: rm returned EISDIR (is a directory) /a`.
import { ERRNO, type ErrnoCode } from '@iomap/core';

/** Node's error codes of this kind, with the message prefix Node gives each. */
const PREFIXES = {
  ERR_FS_EISDIR: 'Path is a directory',
  ERR_FS_CP_DIR_TO_NON_DIR: 'Cannot overwrite non-directory with directory',
  ERR_FS_CP_EEXIST: 'Target already exists',
  ERR_FS_CP_EINVAL: 'Invalid src or dest',
  ERR_FS_CP_FIFO_PIPE: 'Cannot copy a FIFO pipe',
  ERR_FS_CP_NON_DIR_TO_DIR: 'Cannot overwrite directory with non-directory',
  ERR_FS_CP_SOCKET: 'Cannot copy a socket file',
  ERR_FS_CP_SYMLINK_TO_SUBDIRECTORY: 'Cannot overwrite symlink in subdirectory of self',
  ERR_FS_CP_UNKNOWN: 'Cannot copy an unknown file type',
} as const;

/** One of the SystemError codes the adapter raises. */
export type SystemErrorCode = keyof typeof PREFIXES;

/**
 * What a SystemError is about (Node's `err.info`).
 *
 * @example
 * ```ts
 * const info: SystemErrorInfo = { code: 'EISDIR', message: 'is a directory', syscall: 'rm', path: '/a', errno: 21 };
 * ```
 */
export interface SystemErrorInfo {
  code: ErrnoCode;
  message: string;
  syscall: string;
  path: string;
  errno: number;
}

/**
 * Node's SystemError (`err.name === 'SystemError'`).
 *
 * @example
 * ```ts
 * throw new SystemError('ERR_FS_EISDIR', 'EISDIR', 'is a directory', 'rm', '/a');
 * ```
 */
export class SystemError extends Error {
  readonly code: SystemErrorCode;
  readonly errno: number;
  readonly syscall: string;
  readonly path: string;
  readonly info: SystemErrorInfo;

  constructor(code: SystemErrorCode, errnoCode: ErrnoCode, detail: string, syscall: string, path: string) {
    super(`${PREFIXES[code]}: ${syscall} returned ${errnoCode} (${detail}) ${path}`);
    this.name = 'SystemError';
    this.code = code;
    this.errno = ERRNO[errnoCode];
    this.syscall = syscall;
    this.path = path;
    this.info = { code: errnoCode, message: detail, syscall, path, errno: this.errno };
  }
}
