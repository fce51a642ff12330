// A seeded, model-based random operation exerciser in the spirit of xfstests'
// fsx: generate operations from a seed, run each on the target and on an
// in-memory model, compare every read (and the size) with the model, and on a
// mismatch report the seed, the operation, a diff and a replay — shrunk by
// removing operations while the failure persists (bounded by a budget).
import { FsError } from '@iomap/core';
import {
  ExerciseFailure,
  describeOp,
  diffBytes,
  type RunFailure,
} from './exercise-failure.js';
import { FileModel, generateOp, generatorSettings, opData, type GeneratorSettings } from './exercise-model.js';
import type {
  ExerciseOp,
  ExerciseOpKind,
  ExerciseOptions,
  ExerciseReport,
  ExerciseSubject,
  ExerciseTarget,
} from './exercise-types.js';
import { SeededRandom } from './seeded-random.js';

type Outcome = Omit<RunFailure, 'index'> | undefined;

function need<T>(method: T | undefined, what: string): T {
  if (method === undefined) {
    throw new FsError('EINVAL', `the operation list needs ${what}, which the target does not implement`, {
      syscall: 'exercise',
    });
  }
  return method;
}

async function checkRead(
  model: FileModel,
  pos: number,
  length: number,
  read: Promise<Uint8Array>,
  what = `read ${pos}+${length} returned wrong data`,
): Promise<Outcome> {
  const expected = model.read(pos, length);
  const actual = await read;
  const diff = diffBytes(pos, expected, actual);
  return diff === undefined ? undefined : { kind: 'data', detail: what, diff };
}

/** Runs one operation on the target and the model; returns how it failed, if it did. */
async function applyOp(target: ExerciseTarget, model: FileModel, op: ExerciseOp): Promise<Outcome> {
  const t = target;
  switch (op.kind) {
    case 'read': {
      const read = op.direct ? need(t.directRead, 'directRead').call(t, op.pos, op.length) : t.read(op.pos, op.length);
      return checkRead(model, op.pos, op.length, read);
    }
    case 'write': {
      const data = opData(op);
      if (op.direct) await need(t.directWrite, 'directWrite').call(t, op.pos, data);
      else await t.write(op.pos, data);
      model.write(op.pos, data);
      return undefined;
    }
    case 'truncate':
      await t.truncate(op.size);
      model.truncate(op.size);
      return undefined;
    case 'punch':
    case 'zero':
      if (op.kind === 'punch') await need(t.punchHole, 'punchHole').call(t, op.pos, op.length);
      else await need(t.zeroRange, 'zeroRange').call(t, op.pos, op.length);
      model.zero(op.pos, op.length);
      return undefined;
    case 'fsync':
      await t.fsync?.();
      return undefined;
    case 'remount':
      await need(t.remount, 'remount').call(t);
      return checkRead(model, 0, model.size + 1, t.read(0, model.size + 1), 'the file differs from the model after remount');
    case 'verify':
      return checkRead(model, 0, model.size + 1, t.read(0, model.size + 1), 'the whole file differs from the model');
  }
}

const CHANGES_SIZE: ReadonlySet<ExerciseOpKind> = new Set(['write', 'truncate', 'remount']);

/** Runs one operation; target errors become failures. */
async function step(target: ExerciseTarget, model: FileModel, op: ExerciseOp, checkSize: boolean): Promise<Outcome> {
  try {
    const outcome = await applyOp(target, model, op);
    if (outcome !== undefined || !checkSize || !CHANGES_SIZE.has(op.kind)) return outcome;
    const size = await target.size();
    if (size === model.size) return undefined;
    return { kind: 'size', detail: `size() is ${size} after ${describeOp(op)}, the model says ${model.size}` };
  } catch (err) {
    if (err instanceof FsError && err.syscall === 'exercise') throw err;
    const message = err instanceof Error ? err.message : String(err);
    return { kind: 'error', detail: `${describeOp(op)} threw: ${message}`, cause: err };
  }
}

interface RunResult {
  ops: ExerciseOp[];
  failure: RunFailure | undefined;
  finalSize: number;
}

/** Produces the operations of a run: a fixed list, or generated from the seed against the model. */
type OpSource = (index: number, model: FileModel) => ExerciseOp | undefined;

async function run(
  target: ExerciseTarget,
  next: OpSource,
  checkSize: boolean,
  onOp?: (op: ExerciseOp, index: number) => void,
): Promise<RunResult> {
  const model = new FileModel();
  const ops: ExerciseOp[] = [];
  try {
    for (let index = 0; ; index++) {
      const op = next(index, model);
      if (op === undefined) break;
      ops.push(op);
      onOp?.(op, index);
      const outcome = await step(target, model, op, checkSize);
      if (outcome !== undefined) return { ops, failure: { ...outcome, index }, finalSize: model.size };
    }
  } finally {
    await target.close?.();
  }
  return { ops, failure: undefined, finalSize: model.size };
}

function listSource(ops: readonly ExerciseOp[]): OpSource {
  return (index) => ops[index];
}

function generatedSource(seed: number, settings: GeneratorSettings, count: number): OpSource {
  const rng = new SeededRandom(seed);
  return (index, model) => {
    if (index < count) return generateOp(rng, settings, model.size);
    return index === count ? { kind: 'verify' } : undefined;
  };
}

/** Removes operations while the run still fails the same way (delta debugging, bounded by `budget` runs). */
async function shrink(
  factory: () => ExerciseTarget | Promise<ExerciseTarget>,
  ops: ExerciseOp[],
  failure: RunFailure,
  checkSize: boolean,
  budget: number,
): Promise<ExerciseOp[]> {
  let current = ops.slice(0, failure.index + 1);
  const stillFails = async (candidate: ExerciseOp[]): Promise<ExerciseOp[] | undefined> => {
    budget--;
    const r = await run(await factory(), listSource(candidate), checkSize);
    return r.failure?.kind === failure.kind ? candidate.slice(0, r.failure.index + 1) : undefined;
  };
  let chunk = Math.max(1, Math.floor(current.length / 2));
  while (budget > 0) {
    let removed = false;
    for (let i = 0; i + 1 < current.length && budget > 0; ) {
      const end = Math.min(i + chunk, current.length - 1);
      const smaller = await stillFails([...current.slice(0, i), ...current.slice(end)]);
      if (smaller !== undefined) {
        current = smaller;
        removed = true;
      } else {
        i += chunk;
      }
    }
    if (!removed && chunk === 1) break;
    if (!removed) chunk = Math.max(1, Math.floor(chunk / 2));
  }
  return current;
}

function countOps(ops: readonly ExerciseOp[]): Record<ExerciseOpKind, number> {
  const counts: Record<ExerciseOpKind, number> = {
    read: 0, write: 0, truncate: 0, punch: 0, zero: 0, fsync: 0, remount: 0, verify: 0,
  };
  for (const op of ops) counts[op.kind]++;
  return counts;
}

/**
 * Runs a seeded random sequence of reads, writes, truncates, hole punches,
 * zeroings, fsyncs and remounts (those the target supports), buffered and
 * direct, checking every read and the size against an in-memory model. The
 * same seed and options replay exactly. On a mismatch it rejects with an
 * {@link ExerciseFailure} naming the seed, the failing operation, a diff and
 * a replay; given a target *factory*, the replay is shrunk first.
 *
 * @example
 * ```ts
 * const fs = () => extentMapFsTarget(new ExtentMapFs({ blockSize: 1024, allocation: 'random' }));
 * const report = await exercise(fs, { seed: 42, operations: 1000 });
 * console.log(report.counts);
 * ```
 */
export async function exercise(subject: ExerciseSubject, options: ExerciseOptions = {}): Promise<ExerciseReport> {
  const factory = typeof subject === 'function' ? subject : undefined;
  const open = async (): Promise<ExerciseTarget> => (factory ? await factory() : (subject as ExerciseTarget));
  const target = await open();
  const seed = options.seed ?? 1;
  const checkSize = options.checkSize ?? true;
  const settings = generatorSettings(options, {
    punch: target.punchHole !== undefined,
    zero: target.zeroRange !== undefined,
    fsync: target.fsync !== undefined,
    remount: target.remount !== undefined,
    direct: target.directRead !== undefined && target.directWrite !== undefined,
    directAlignment: target.directAlignment ?? 512,
  });
  const source = options.replay ? listSource(options.replay) : generatedSource(seed, settings, options.operations ?? 500);
  const result = await run(target, source, checkSize, options.onOp);
  if (result.failure !== undefined) {
    const budget = options.shrinkBudget ?? 300;
    const shrunk =
      factory !== undefined && budget > 0
        ? await shrink(factory, result.ops, result.failure, checkSize, budget)
        : undefined;
    throw new ExerciseFailure(seed, result.ops, result.failure, shrunk);
  }
  return { seed, ops: result.ops, counts: countOps(result.ops), finalSize: result.finalSize };
}
