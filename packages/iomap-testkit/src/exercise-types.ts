// The vocabulary of the exerciser: the small file interface it drives, the
// operations it generates (plain data, so a failing run can be printed and
// replayed), and its options and report.

/**
 * One file, as the exerciser sees it. Everything is async. `read` returns the
 * bytes of `[pos, pos + length)` clipped to EOF (empty past EOF). Optional
 * methods enable the matching operations; `directRead`/`directWrite` get
 * positions and lengths aligned to `directAlignment`.
 *
 * @example
 * ```ts
 * const target: ExerciseTarget = {
 *   read: (pos, len) => myFs.read(fd, pos, len),
 *   write: (pos, data) => myFs.write(fd, pos, data),
 *   truncate: (size) => myFs.truncate(fd, size),
 *   size: () => myFs.size(fd),
 *   fsync: () => myFs.fsync(fd),
 * };
 * ```
 */
export interface ExerciseTarget {
  read(pos: number, length: number): Promise<Uint8Array>;
  /** Writes all of `data` at `pos`, extending the file as needed. */
  write(pos: number, data: Uint8Array): Promise<void>;
  /** Sets the size; bytes past the old EOF read as zeros. */
  truncate(size: number): Promise<void>;
  size(): Promise<number>;
  /** Deallocates `[pos, pos + length)`: it reads as zeros, the size does not change. */
  punchHole?(pos: number, length: number): Promise<void>;
  /** Zeroes `[pos, pos + length)` inside EOF; the size does not change. */
  zeroRange?(pos: number, length: number): Promise<void>;
  fsync?(): Promise<void>;
  /** Drops every cache and re-opens the file from the filesystem's persistent state. */
  remount?(): Promise<void>;
  directRead?(pos: number, length: number): Promise<Uint8Array>;
  directWrite?(pos: number, data: Uint8Array): Promise<void>;
  /** Alignment of direct I/O positions and lengths. Default 512. */
  readonly directAlignment?: number;
  /** Called when the exerciser is done with the target. */
  close?(): Promise<void>;
}

/**
 * A target, or a function making a fresh one. Only a factory lets the
 * exerciser shrink a failing run (each attempt needs a fresh file).
 *
 * @example
 * ```ts
 * await exercise(async () => extentMapFsTarget(new ExtentMapFs()), { seed: 1 });
 * ```
 */
export type ExerciseSubject = ExerciseTarget | (() => ExerciseTarget | Promise<ExerciseTarget>);

/**
 * One generated operation. Write data is derived from `data` (a seed), so an
 * operation list is a complete, printable replay.
 *
 * @example
 * ```ts
 * const replay: ExerciseOp[] = [{ kind: 'write', pos: 0, length: 10, data: 7 }, { kind: 'verify' }];
 * ```
 */
export type ExerciseOp =
  | { kind: 'read'; pos: number; length: number; direct?: boolean }
  | { kind: 'write'; pos: number; length: number; data: number; direct?: boolean }
  | { kind: 'truncate'; size: number }
  | { kind: 'punch'; pos: number; length: number }
  | { kind: 'zero'; pos: number; length: number }
  | { kind: 'fsync' }
  | { kind: 'remount' }
  /** Reads the whole file and compares it with the model. */
  | { kind: 'verify' };

/**
 * The operation kinds the exerciser can generate.
 *
 * @example
 * ```ts
 * const weights: Partial<Record<ExerciseOpKind, number>> = { write: 20, remount: 0 };
 * ```
 */
export type ExerciseOpKind = ExerciseOp['kind'];

/**
 * Options of {@link exercise}.
 *
 * @example
 * ```ts
 * await exercise(makeTarget, { seed: 42, operations: 2000, maxFileSize: 1 << 20, weights: { truncate: 0 } });
 * ```
 */
export interface ExerciseOptions {
  /** Seed of the run; the same seed and options give the same operations. Default 1. */
  seed?: number;
  /** Number of generated operations (a final `verify` is added). Default 500. */
  operations?: number;
  /** Largest file the operations create. Default 256 KiB. */
  maxFileSize?: number;
  /** Longest read, write, punch or zero. Default 64 KiB. */
  maxOpLength?: number;
  /** Relative frequency of each operation; unsupported ones are never generated. */
  weights?: Partial<Record<ExerciseOpKind, number>>;
  /** Positions and lengths of buffered operations are multiples of this. Default 1. */
  alignment?: number;
  /** Share of reads and writes done with direct I/O when the target supports it. Default 0.5. */
  directRatio?: number;
  /** Compare `size()` with the model after every operation that changes it. Default true. */
  checkSize?: boolean;
  /** Run exactly these operations instead of generating them. */
  replay?: readonly ExerciseOp[];
  /** Replays allowed to shrink a failing run (needs a target factory); 0 disables. Default 300. */
  shrinkBudget?: number;
  /** Called before each operation runs (for tracing). */
  onOp?: (op: ExerciseOp, index: number) => void;
}

/**
 * What a passing {@link exercise} run did.
 *
 * @example
 * ```ts
 * const report = await exercise(makeTarget, { seed: 3 });
 * expect(report.counts.write).toBeGreaterThan(0);
 * ```
 */
export interface ExerciseReport {
  seed: number;
  /** Every operation run, in order (a complete replay). */
  ops: ExerciseOp[];
  counts: Record<ExerciseOpKind, number>;
  finalSize: number;
}
