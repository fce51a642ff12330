// Runs a workload: generates each operation from the seed against the model
// (or takes it from a replay list), predicts its outcome with the model,
// performs it on the target and compares — every returned value and every
// error code. The first difference stops the run with a WorkloadFailure
// naming the seed, the operation and its index, and carrying the complete
// replay (written to a JSON file whose path the message prints).
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeededRandom } from '@iomap/testkit';
import { WorkloadGenerator, type GeneratorSettings } from './generator.js';
import { FsModel, type ModelHandle } from './model/fs-model.js';
import { ModelError } from './model/model-error.js';
import { describeOp, workloadBytes, xattrValue, type WorkloadOp, type WorkloadOpKind } from './ops.js';
import type { WorkloadHandle, WorkloadTarget } from './target.js';

/** What a call returned: a comparable value, or the error code it failed with. */
export type Outcome = { ok: true; value: unknown } | { ok: false; code: string; message: string };

export interface RunOptions {
  seed: number;
  operations: number;
  settings: GeneratorSettings;
  /** Run exactly these operations instead of generating them. */
  replay?: readonly WorkloadOp[];
  /** Longest a single call may take before the run fails as stuck. Default 20 s. */
  opTimeoutMs?: number;
  /** Label for failure reports (e.g. the image configuration). */
  label?: string;
  /** The target starts with /lost+found (a fresh ext2 image). */
  lostFound?: boolean;
  /** Saved with a failure's replay (the image configuration). */
  context?: Record<string, unknown>;
}

export interface RunResult {
  ops: WorkloadOp[];
  model: FsModel;
  counts: Partial<Record<WorkloadOpKind, number>>;
  /** Milliseconds the target spent per kind of operation. */
  millis: Partial<Record<WorkloadOpKind, number>>;
  /** Operations that ended in an (expected) error. */
  errors: number;
}

/** What a replay file holds: enough to run the same operations on the same kind of image. */
export interface ReplayFile {
  label: string;
  seed: number;
  /** The image and mount configuration (whatever the suite needs to rebuild it). */
  context: Record<string, unknown>;
  ops: readonly WorkloadOp[];
}

/** Writes a replay file to the temp dir; returns its path. */
export function saveReplay(replay: ReplayFile): string {
  const file = join(tmpdir(), `ext2-workload-${replay.label.replace(/[^a-z0-9]+/gi, '-')}-seed${replay.seed}-${process.pid}.json`);
  writeFileSync(file, JSON.stringify(replay, null, 1));
  return file;
}

export class WorkloadFailure extends Error {
  constructor(
    readonly seed: number,
    readonly index: number,
    readonly ops: readonly WorkloadOp[],
    detail: string,
    label: string,
    context: Record<string, unknown> = {},
  ) {
    const replayFile = saveReplay({ label, seed, context, ops });
    const recent = ops.slice(Math.max(0, index - 15), index + 1).map((op, i, all) => `  #${index - all.length + 1 + i} ${describeOp(op)}`);
    super(
      `workload ${label} seed ${seed}: ${index < ops.length ? `operation #${index} ` : ''}${detail}\n` +
        `last operations:\n${recent.join('\n')}\n` +
        `replay (${ops.length} ops): WORKLOAD_REPLAY=${replayFile}`,
    );
    this.name = 'WorkloadFailure';
  }
}

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : `no code (${err instanceof Error ? `${err.name}: ${err.message}` : String(err)})`;
}

async function outcomeOf(work: () => unknown): Promise<Outcome> {
  try {
    return { ok: true, value: await work() };
  } catch (err) {
    if (err instanceof ModelError) return { ok: false, code: err.code, message: err.message };
    return { ok: false, code: codeOf(err), message: err instanceof Error ? (err.stack ?? err.message) : String(err) };
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`stuck: ${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A short description of how two values differ, or undefined when equal. */
export function difference(expected: unknown, actual: unknown): string | undefined {
  if (expected instanceof Uint8Array && actual instanceof Uint8Array) {
    const n = Math.min(expected.length, actual.length);
    for (let i = 0; i < n; i++) {
      if (expected[i] !== actual[i]) {
        return `bytes differ first at offset ${i} (expected ${expected[i]}, got ${actual[i]}; lengths ${expected.length} / ${actual.length})`;
      }
    }
    return expected.length === actual.length ? undefined : `length ${actual.length}, expected ${expected.length}`;
  }
  const e = JSON.stringify(expected);
  const a = JSON.stringify(actual);
  return e === a ? undefined : `returned ${a}, expected ${e}`;
}

/** Both sides' handles in one slot. */
interface Slot {
  model: ModelHandle;
  target: WorkloadHandle;
}

class Run {
  readonly slots = new Map<number, Slot>();
  constructor(
    readonly target: WorkloadTarget,
    readonly model: FsModel,
  ) {}

  /** The model's prediction; it changes the model as the call would. */
  predict(op: WorkloadOp): Promise<Outcome> {
    const m = this.model;
    return outcomeOf(() => {
      switch (op.op) {
        case 'writeFile':
          return m.writeFile(op.path, workloadBytes(op.size, op.seed), op.mode);
        case 'appendFile':
          return m.appendFile(op.path, workloadBytes(op.size, op.seed));
        case 'write':
          return m.write(m.open(op.path, op.flag), op.pos, workloadBytes(op.size, op.seed));
        case 'truncate':
          return m.truncate(op.path, op.size);
        case 'read':
          return m.readFile(op.path);
        case 'readdir':
          return m.readdir(op.path);
        case 'stat':
          return m.stat(op.path, op.follow);
        case 'mkdir':
          return op.recursive ? m.mkdirRecursive(op.path, op.mode) : m.mkdir(op.path, op.mode);
        case 'rmdir':
          return m.rmdir(op.path);
        case 'rm':
          return m.rm(op.path, { recursive: op.recursive, force: op.force });
        case 'unlink':
          return m.unlink(op.path);
        case 'rename':
          return m.rename(op.from, op.to);
        case 'link':
          return m.link(op.from, op.to);
        case 'symlink':
          return m.symlink(op.target, op.path);
        case 'readlink':
          return m.readlink(op.path);
        case 'chmod':
          return m.chmod(op.path, op.mode);
        case 'chown':
          return m.chown(op.path, op.uid, op.gid);
        case 'utimes':
          return m.utimes(op.path, op.atime, op.mtime);
        case 'setxattr':
          return m.setxattr(op.path, op.name, xattrValue(op.size, op.seed));
        case 'removexattr':
          return m.removexattr(op.path, op.name);
        case 'hold':
          return m.open(op.path, op.flag);
        case 'handleWrite':
          return m.write(this.slot(op.slot).model, op.pos, workloadBytes(op.size, op.seed));
        case 'handleTruncate':
          return m.ftruncate(this.slot(op.slot).model, op.size);
        case 'handleRead':
          return m.readHandle(this.slot(op.slot).model);
        case 'close':
          return undefined;
        case 'fsync':
          m.open(op.path, 'r+');
          return undefined;
        case 'sync':
        case 'remount':
          return undefined;
      }
    });
  }

  /** Performs the call on the target. */
  perform(op: WorkloadOp, expected: Outcome): Promise<Outcome> {
    const t = this.target;
    return outcomeOf(async () => {
      switch (op.op) {
        case 'writeFile':
          return t.writeFile(op.path, workloadBytes(op.size, op.seed), op.mode);
        case 'appendFile':
          return t.appendFile(op.path, workloadBytes(op.size, op.seed));
        case 'write': {
          const h = await t.open(op.path, op.flag);
          try {
            const n = await h.write(workloadBytes(op.size, op.seed), op.pos);
            if (op.sync) await h.sync();
            return n;
          } finally {
            await h.close();
          }
        }
        case 'truncate': {
          if (op.via === 'path') return t.truncate(op.path, op.size);
          const h = await t.open(op.path, 'r+');
          try {
            return await h.truncate(op.size);
          } finally {
            await h.close();
          }
        }
        case 'read':
          return t.readFile(op.path);
        case 'readdir':
          return t.readdir(op.path);
        case 'stat': {
          const st = await t.stat(op.path, op.follow);
          // A directory's size is its block count (the model does not track it; e2fsck checks it).
          return { kind: st.kind, perm: st.perm, size: st.kind === 'dir' ? 0 : st.size, nlink: st.nlink, uid: st.uid, gid: st.gid };
        }
        case 'mkdir':
          return t.mkdir(op.path, { recursive: op.recursive, mode: op.mode });
        case 'rmdir':
          return t.rmdir(op.path);
        case 'rm':
          return t.rm(op.path, { recursive: op.recursive, force: op.force });
        case 'unlink':
          return t.unlink(op.path);
        case 'rename':
          return t.rename(op.from, op.to);
        case 'link':
          return t.link(op.from, op.to);
        case 'symlink':
          return t.symlink(op.target, op.path);
        case 'readlink':
          return t.readlink(op.path);
        case 'chmod':
          return t.chmod(op.path, op.mode);
        case 'chown':
          return t.chown(op.path, op.uid, op.gid);
        case 'utimes':
          return t.utimes(op.path, op.atime, op.mtime);
        case 'setxattr':
          return need(t.setxattr, 'setxattr').call(t, op.path, op.name, xattrValue(op.size, op.seed));
        case 'removexattr':
          return need(t.removexattr, 'removexattr').call(t, op.path, op.name);
        case 'hold':
          return t.open(op.path, op.flag);
        case 'handleWrite':
          return this.slot(op.slot).target.write(workloadBytes(op.size, op.seed), op.pos);
        case 'handleTruncate':
          return this.slot(op.slot).target.truncate(op.size);
        case 'handleRead': {
          const want = expected.ok ? (expected.value as Uint8Array).length : 0;
          return this.slot(op.slot).target.read(0, want + 4096);
        }
        case 'close':
          return this.slot(op.slot).target.close();
        case 'fsync': {
          const h = await t.open(op.path, 'r+');
          try {
            return await h.sync();
          } finally {
            await h.close();
          }
        }
        case 'sync':
          return t.sync();
        case 'remount':
          await this.closeAll();
          return t.remount();
      }
    });
  }

  slot(n: number): Slot {
    const slot = this.slots.get(n);
    if (slot === undefined) throw new Error(`the replay uses handle slot ${n}, which is not open`);
    return slot;
  }

  async closeAll(): Promise<void> {
    for (const [n, slot] of this.slots) {
      this.slots.delete(n);
      await slot.target.close();
    }
  }
}

function need<T>(method: T | undefined, what: string): T {
  if (method === undefined) throw new Error(`the target has no ${what}`);
  return method;
}

/** Whether the model's and the target's outcomes agree; a description of the difference otherwise. */
function compare(op: WorkloadOp, expected: Outcome, actual: Outcome): string | undefined {
  if (!expected.ok && !actual.ok) {
    return expected.code === actual.code ? undefined : `failed with ${actual.code}, expected ${expected.code} (${expected.message})\n  target said: ${actual.message}`;
  }
  if (!expected.ok) return `succeeded, expected ${expected.code} (${expected.message})`;
  if (!actual.ok) return `failed with ${actual.code}, expected success\n  target said: ${actual.message}`;
  // Opening calls return handles and write calls their byte counts; only values the model predicts are compared.
  if (op.op === 'hold' || op.op === 'close' || op.op === 'remount' || op.op === 'sync' || op.op === 'fsync') return undefined;
  return difference(expected.value, actual.value);
}

/**
 * Runs `options.operations` generated operations (or the replay) on the
 * target and the model, comparing each outcome. Held handles are closed at
 * the end. Resolves with the model of the final tree; rejects with a
 * WorkloadFailure on the first difference.
 */
export async function runWorkload(target: WorkloadTarget, options: RunOptions): Promise<RunResult> {
  const model = new FsModel({ umask: target.umask, lostFound: options.lostFound ?? false });
  const generator = new WorkloadGenerator(new SeededRandom(options.seed), model, options.settings);
  const run = new Run(target, model);
  const ops: WorkloadOp[] = [];
  const counts: Partial<Record<WorkloadOpKind, number>> = {};
  const millis: Partial<Record<WorkloadOpKind, number>> = {};
  const label = options.label ?? target.name;
  const timeout = options.opTimeoutMs ?? 20_000;
  let errors = 0;
  const total = options.replay?.length ?? options.operations;
  for (let index = 0; index < total; index++) {
    const op = options.replay?.[index] ?? generator.next();
    ops.push(op);
    counts[op.op] = (counts[op.op] ?? 0) + 1;
    // The model side of a remount: every held handle is closed.
    if (op.op === 'remount') for (const n of run.slots.keys()) generator.setHeld(n, undefined);
    const expected = await run.predict(op);
    let actual: Outcome;
    const began = performance.now();
    try {
      actual = await withTimeout(run.perform(op, expected), timeout, describeOp(op));
      millis[op.op] = (millis[op.op] ?? 0) + performance.now() - began;
    } catch (err) {
      throw new WorkloadFailure(options.seed, index, ops, (err as Error).message, label, options.context);
    }
    const diff = compare(op, expected, actual);
    if (diff !== undefined) throw new WorkloadFailure(options.seed, index, ops, `${describeOp(op)}: ${diff}`, label, options.context);
    if (!expected.ok) errors++;
    if (op.op === 'hold' && expected.ok && actual.ok) {
      run.slots.set(op.slot, { model: expected.value as ModelHandle, target: actual.value as WorkloadHandle });
      generator.setHeld(op.slot, (expected.value as ModelHandle).node);
    }
    if (op.op === 'close') {
      run.slots.delete(op.slot);
      generator.setHeld(op.slot, undefined);
    }
  }
  await run.closeAll();
  return { ops, model, counts, millis, errors };
}
