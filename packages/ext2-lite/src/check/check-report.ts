// What `check()` returns: the problems found (bounded) and the summary line
// e2fsck prints last ("16/4992 files (0.0% non-contiguous), 1446/20000 blocks").
import { CHECK_PROBLEMS, type CheckPass, type CheckProblemCode, type CheckSeverity } from './problem-codes.js';

/** One problem found by the checker. */
export interface CheckProblem {
  /** The e2fsck-style pass that found it. */
  readonly pass: CheckPass;
  /** Stable identifier, e.g. `'BLOCK_BITMAP_DIFFERENCE'`. */
  readonly code: CheckProblemCode;
  /** `'error'` makes the filesystem not clean; `'warning'` does not (e2fsck -fn still exits 0). */
  readonly severity: CheckSeverity;
  /** What is wrong, naming the inode, block or group. */
  readonly message: string;
  readonly ino?: number;
  readonly block?: number;
  readonly group?: number;
}

/** Counts over the whole filesystem, as the checker found them (not as the superblock claims). */
export interface CheckSummary {
  readonly inodesCount: number;
  /** Inodes in use, reserved inodes included (e2fsck's "files"). */
  readonly inodesUsed: number;
  readonly blocksCount: number;
  /** Blocks in use: metadata, data, indirect and xattr blocks (and block 0 with 1 KiB blocks). */
  readonly blocksUsed: number;
  readonly directories: number;
  readonly regularFiles: number;
  readonly symlinks: number;
  readonly fastSymlinks: number;
  readonly characterDevices: number;
  readonly blockDevices: number;
  readonly fifos: number;
  readonly sockets: number;
  /** Files whose blocks are not one contiguous run (e2fsck's "non-contiguous"). */
  readonly nonContiguous: number;
}

/** The result of a check. */
export interface CheckReport {
  /** True when no problem of severity `'error'` was found. */
  readonly clean: boolean;
  /** Problems in the order found, at most `maxProblems` of them. */
  readonly problems: readonly CheckProblem[];
  /** Problems found beyond `maxProblems` and left out of `problems`. */
  readonly omitted: number;
  /** Error-severity problems found, including omitted ones. */
  readonly errorCount: number;
  readonly summary: CheckSummary;
}

/** Options of `check()`. */
export interface CheckOptions {
  /** Most problems kept in the report (default 1000); the rest are counted in `omitted`. */
  maxProblems?: number;
  /** The current time in seconds since the epoch, for the "superblock time in the future" check (default: the system clock). */
  now?: () => number;
}

/** Where a problem is, for the report's fields. */
export interface ProblemSite {
  readonly ino?: number;
  readonly block?: number;
  readonly group?: number;
}

/** Collects problems, keeping at most `limit` and counting the rest. */
export class ProblemLog {
  readonly problems: CheckProblem[] = [];
  omitted = 0;
  errorCount = 0;

  constructor(private readonly limit: number) {}

  /** Records one problem of kind `code`. */
  add(code: CheckProblemCode, message: string, site: ProblemSite = {}): void {
    const kind = CHECK_PROBLEMS[code];
    if (kind.severity === 'error') this.errorCount++;
    if (this.problems.length >= this.limit) {
      this.omitted++;
      return;
    }
    this.problems.push({ pass: kind.pass, code, severity: kind.severity, message, ...site });
  }
}
