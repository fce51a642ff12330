// What the exerciser reports when a target disagrees with the model: the
// seed, the failing operation, a diff summary, where the wrong bytes came
// from when an earlier write explains them, and a replay (shrunk when a
// target factory allowed it) that can be pasted into `{ replay: [...] }`.
import { opData } from './exercise-model.js';
import type { ExerciseOp } from './exercise-types.js';

/**
 * How a read disagreed with the model.
 *
 * @example
 * ```ts
 * if (failure.diff) console.log(failure.diff.offset, failure.diff.expected, failure.diff.actual);
 * ```
 */
export interface ExerciseDiff {
  /** File offset of the first differing byte (or of the length mismatch). */
  offset: number;
  /** Up to 16 expected bytes from `offset`. */
  expected: number[];
  /** Up to 16 actual bytes from `offset`. */
  actual: number[];
  /** Number of differing bytes in the common length. */
  differing: number;
  expectedLength: number;
  actualLength: number;
}

/**
 * Why a run failed: wrong data, wrong size, or the target threw.
 *
 * @example
 * ```ts
 * if (failure.kind === 'error') console.log(failure.cause);
 * ```
 */
export type ExerciseFailureKind = 'data' | 'size' | 'error';

/** Internal: a failure found by one run, before it is reported. */
export interface RunFailure {
  kind: ExerciseFailureKind;
  index: number;
  detail: string;
  diff?: ExerciseDiff;
  cause?: unknown;
}

/** Compares a read with the model; undefined when equal. */
export function diffBytes(pos: number, expected: Uint8Array, actual: Uint8Array): ExerciseDiff | undefined {
  const common = Math.min(expected.length, actual.length);
  let first = -1;
  let differing = 0;
  for (let i = 0; i < common; i++) {
    if (expected[i] !== actual[i]) {
      if (first < 0) first = i;
      differing++;
    }
  }
  if (first < 0 && expected.length === actual.length) return undefined;
  const at = first < 0 ? common : first;
  return {
    offset: pos + at,
    expected: Array.from(expected.subarray(at, at + 16)),
    actual: Array.from(actual.subarray(at, at + 16)),
    differing,
    expectedLength: expected.length,
    actualLength: actual.length,
  };
}

const hex = (bytes: number[]): string => bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ') || '(none)';

/** The last write before `index` whose data at `diff.offset` equals the actual bytes, if any. */
function provenance(ops: readonly ExerciseOp[], index: number, diff: ExerciseDiff): string | undefined {
  const want = diff.actual.slice(0, 8);
  if (want.length === 0 || want.every((b) => b === 0)) return undefined;
  for (let i = index - 1; i >= 0; i--) {
    const op = ops[i];
    if (op?.kind !== 'write' || diff.offset < op.pos || diff.offset + want.length > op.pos + op.length) continue;
    const data = opData(op).subarray(diff.offset - op.pos, diff.offset - op.pos + want.length);
    if (want.every((b, k) => data[k] === b)) return `the actual bytes are what op #${i} (${describeOp(op)}) wrote there`;
  }
  return undefined;
}

/** One line for an operation: `write 4096+100 data=7 direct`. */
export function describeOp(op: ExerciseOp): string {
  switch (op.kind) {
    case 'read':
      return `read ${op.pos}+${op.length}${op.direct ? ' direct' : ''}`;
    case 'write':
      return `write ${op.pos}+${op.length} data=${op.data}${op.direct ? ' direct' : ''}`;
    case 'truncate':
      return `truncate ${op.size}`;
    case 'punch':
    case 'zero':
      return `${op.kind} ${op.pos}+${op.length}`;
    default:
      return op.kind;
  }
}

function replayLines(title: string, ops: readonly ExerciseOp[]): string[] {
  return [title, ...ops.map((op) => `    ${JSON.stringify(op)},`)];
}

/**
 * Thrown by {@link exercise} when the target disagrees with the model. The
 * message holds everything needed to reproduce: the seed, the failing
 * operation, a diff summary and the replay.
 *
 * @example
 * ```ts
 * try { await exercise(makeTarget, { seed: 5 }); }
 * catch (e) { if (e instanceof ExerciseFailure) await exercise(makeTarget, { replay: e.shrunk ?? e.replay }); }
 * ```
 */
export class ExerciseFailure extends Error {
  readonly kind: ExerciseFailureKind;
  readonly seed: number;
  /** Index of the failing operation in `replay`. */
  readonly opIndex: number;
  readonly op: ExerciseOp;
  /** The operations up to and including the failing one. */
  readonly replay: readonly ExerciseOp[];
  /** A smaller operation list that fails the same way, when shrinking ran. */
  readonly shrunk: readonly ExerciseOp[] | undefined;
  readonly diff: ExerciseDiff | undefined;

  constructor(seed: number, ops: readonly ExerciseOp[], failure: RunFailure, shrunk: readonly ExerciseOp[] | undefined) {
    const op = ops[failure.index] as ExerciseOp;
    const lines = [
      `exercise() failed: ${failure.detail}`,
      `  seed ${seed}, op #${failure.index} (${describeOp(op)})`,
    ];
    const d = failure.diff;
    if (d !== undefined) {
      lines.push(
        `  first difference at file offset ${d.offset}; ${d.differing} differing byte${d.differing === 1 ? '' : 's'};` +
          ` length expected ${d.expectedLength}, got ${d.actualLength}`,
        `  expected: ${hex(d.expected)}`,
        `  actual:   ${hex(d.actual)}`,
      );
      const origin = provenance(ops, failure.index, d);
      if (origin !== undefined) lines.push(`  ${origin}`);
    }
    const replay = ops.slice(0, failure.index + 1);
    if (shrunk !== undefined) lines.push(...replayLines(`  minimal replay (${shrunk.length} of ${replay.length} ops):`, shrunk));
    else lines.push(...replayLines(`  replay (${replay.length} ops):`, replay));
    lines.push(`  rerun with the same options and { seed: ${seed} }, or pass the list above as { replay: [...] }`);
    super(lines.join('\n'), failure.cause === undefined ? {} : { cause: failure.cause });
    this.name = 'ExerciseFailure';
    this.kind = failure.kind;
    this.seed = seed;
    this.opIndex = failure.index;
    this.op = op;
    this.replay = replay;
    this.shrunk = shrunk;
    this.diff = d;
  }
}
