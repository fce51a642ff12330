// The calls of the concurrency test, as Node code makes them (writeFile,
// appendFile, readFile, FileHandle.write on an already open file, rename,
// unlink, mkdir, rmdir, link, stat), and each call's atomic steps as the
// kernel performs them: writeFile and appendFile are open (create or
// truncate) then one write; readFile is open then one read; the rest are a
// single step. A result is "serial" when some interleaving of these steps,
// run on the model, gives every call's observed result and the observed
// final tree (serial-search.ts).
import type { FsModel, ModelHandle, ModelNode } from '../workload/model/fs-model.js';
import { ModelError } from '../workload/model/model-error.js';
import type { Outcome } from '../workload/runner.js';

/**
 * The bytes of one write: 16-byte records `u16 magic | u16 group | u32
 * write seed | u32 record index | u32 pos/16 (0xffffffff for an append)`,
 * so a read's bytes can be traced to the writes that made them even when
 * a read overlapped a write (readAsOutcome).
 */
export function concBytes(group: number, seed: number, size: number, pos: number | null): Uint8Array {
  if (size % 16 !== 0 || (pos !== null && pos % 16 !== 0)) throw new Error(`concurrency writes are 16-byte aligned, got ${pos}+${size}`);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  for (let k = 0; k < size / 16; k++) {
    view.setUint16(k * 16, 0xc0c0, true);
    view.setUint16(k * 16 + 2, group, true);
    view.setUint32(k * 16 + 4, seed, true);
    view.setUint32(k * 16 + 8, k, true);
    view.setUint32(k * 16 + 12, pos === null ? 0xffffffff : pos / 16, true);
  }
  return out;
}

/**
 * Whether bytes a read returned are a valid outcome: every record zero, or
 * a record of a write of this group whose position (for an append: one
 * consistent position) puts that record exactly there.
 */
export function readIsValid(bytes: Uint8Array, group: number, seeds: ReadonlySet<number>): string | undefined {
  if (bytes.length % 16 !== 0) return `${bytes.length} bytes is not a whole number of records`;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const appendBase = new Map<number, number>();
  for (let at = 0; at < bytes.length; at += 16) {
    if (bytes.subarray(at, at + 16).every((b) => b === 0)) continue;
    if (view.getUint16(at, true) !== 0xc0c0 || view.getUint16(at + 2, true) !== group) return `bytes at ${at} are not this group's data`;
    const seed = view.getUint32(at + 4, true);
    const k = view.getUint32(at + 8, true);
    const pos = view.getUint32(at + 12, true);
    if (!seeds.has(seed)) return `bytes at ${at} come from write ${seed}, which this group never made`;
    const base = at - 16 * k;
    if (pos !== 0xffffffff && base !== pos * 16) return `record ${k} of write ${seed} (at ${pos * 16}) is at ${at}`;
    if (pos === 0xffffffff && (appendBase.get(seed) ?? base) !== base) return `append ${seed} appears at two places`;
    appendBase.set(seed, base);
  }
  return undefined;
}

export type ConcOp =
  | { op: 'writeFile'; group: number; path: string; size: number; seed: number }
  | { op: 'appendFile'; group: number; path: string; size: number; seed: number }
  | { op: 'readFile'; path: string }
  /** FileHandle.write on handle `handle` (opened 'r+' before the batch). */
  | { op: 'pwrite'; group: number; handle: number; pos: number; size: number; seed: number }
  | { op: 'rename'; from: string; to: string }
  | { op: 'unlink'; path: string }
  | { op: 'mkdir'; path: string }
  | { op: 'rmdir'; path: string }
  | { op: 'link'; from: string; to: string }
  | { op: 'stat'; path: string };

/**
 * What a call carries between its steps: the directories (and names) its
 * path walk resolved, the inode a link names, the handle an open returned.
 */
export interface StepCarry {
  dir?: ModelNode;
  name?: string;
  tooLong?: boolean;
  dir2?: ModelNode;
  name2?: string;
  tooLong2?: boolean;
  node?: ModelNode;
  handle?: ModelHandle;
}

/** Result of one step on the model: the call goes on (carry), or it ended with an outcome. */
export type StepResult = { next: StepCarry } | { done: Outcome };

/** What a successful read is compared as (its bytes are judged by readIsValid instead). */
export const READ_OK = 'read';

/**
 * How many atomic steps a call has. Path calls first walk to the parent
 * directory (one step: the walk may see the tree before a concurrent
 * rename, as the kernel's does), then act on it under its lock; writeFile
 * and appendFile then write; a FileHandle write is one step.
 */
export function stepCount(op: ConcOp): number {
  if (op.op === 'pwrite') return 1;
  if (op.op === 'writeFile' || op.op === 'appendFile') return 3;
  return 2;
}

function attempt(work: () => unknown): Outcome {
  try {
    return { ok: true, value: work() };
  } catch (err) {
    if (err instanceof ModelError) return { ok: false, code: err.code, message: err.message };
    throw err;
  }
}

/** Step 0 of a path call: the walk. */
function walk(model: FsModel, op: Exclude<ConcOp, { op: 'pwrite' }>): StepResult {
  const r = attempt(() => {
    if (op.op === 'rename') {
      const a = model.resolveParent(op.from);
      const b = model.resolveParent(op.to);
      return { dir: a.dir, name: a.name, tooLong: a.tooLong, dir2: b.dir, name2: b.name, tooLong2: b.tooLong };
    }
    if (op.op === 'link') {
      // link(2) resolves the source completely before it looks at the new name.
      const node = model.nodeAt(op.from, false);
      const b = model.resolveParent(op.to);
      return { node, dir: b.dir, name: b.name, tooLong: b.tooLong };
    }
    const a = model.resolveParent(op.path);
    return { dir: a.dir, name: a.name, tooLong: a.tooLong };
  });
  return r.ok ? { next: r.value as StepCarry } : { done: r };
}

function tooLong(carry: StepCarry): void {
  if (carry.tooLong === true) throw new ModelError('ENAMETOOLONG', 'name too long');
}

/**
 * Runs step `step` of `op` on the model. `handles` are the model nodes of
 * the handles opened before the batch.
 */
export function applyStep(model: FsModel, op: ConcOp, step: number, carry: StepCarry, handles: readonly ModelNode[]): StepResult {
  if (op.op === 'pwrite') {
    return {
      done: attempt(() => model.write({ node: handles[op.handle] as ModelNode, append: false, writable: true, readable: true }, op.pos, concBytes(op.group, op.seed, op.size, op.pos))),
    };
  }
  if (step === 0) return walk(model, op);
  const c = carry;
  const dir = c.dir as ModelNode;
  const name = c.name as string;
  switch (op.op) {
    case 'writeFile':
    case 'appendFile': {
      if (step === 1) {
        const opened = attempt(() => {
          tooLong(c);
          return model.openAt(dir, name, op.op === 'writeFile' ? 'w' : 'a');
        });
        return opened.ok ? { next: { handle: opened.value as ModelHandle } } : { done: opened };
      }
      const data = concBytes(op.group, op.seed, op.size, op.op === 'writeFile' ? 0 : null);
      return { done: attempt(() => void model.write(c.handle as ModelHandle, op.op === 'writeFile' ? 0 : null, data)) };
    }
    case 'readFile':
      // Only whether the open fails is an atomic fact: a read's bytes may
      // catch a write half done, on Linux too (readIsValid judges them).
      return {
        done: attempt(() => {
          tooLong(c);
          if (model.openAt(dir, name, 'r').node.kind === 'dir') throw new ModelError('EISDIR', 'read of a directory');
          return READ_OK;
        }),
      };
    case 'rename':
      return {
        done: attempt(() => {
          tooLong(c);
          model.renameAt(dir, name, c.dir2 as ModelNode, c.name2 as string, c.tooLong2 === true);
        }),
      };
    case 'unlink':
      return { done: attempt(() => (tooLong(c), model.unlinkAt(dir, name))) };
    case 'mkdir':
      return { done: attempt(() => (tooLong(c), model.mkdirAt(dir, name))) };
    case 'rmdir':
      return { done: attempt(() => (tooLong(c), model.rmdirAt(dir, name))) };
    case 'link':
      return { done: attempt(() => (tooLong(c), model.linkAt(c.node as ModelNode, dir, name))) };
    case 'stat':
      return {
        done: attempt(() => {
          tooLong(c);
          const node = dir.entries.get(name);
          if (node === undefined) throw new ModelError('ENOENT', `${name} does not exist`);
          // The size may be caught mid-write (stat takes no lock, as on Linux): only the type is compared.
          return { kind: node.kind };
        }),
      };
  }
}

/** The fs.promises calls the test makes, and a FileHandle's write. */
export interface ConcFs {
  writeFile(path: string, data: Uint8Array): Promise<void>;
  appendFile(path: string, data: Uint8Array): Promise<void>;
  readFile(path: string): Promise<Uint8Array>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  mkdir(path: string): Promise<unknown>;
  rmdir(path: string): Promise<void>;
  link(from: string, to: string): Promise<void>;
  stat(path: string): Promise<{ size: number; isDirectory(): boolean; isFile(): boolean }>;
}

export interface ConcHandle {
  write(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesWritten: number }>;
}

/** Performs the call on the filesystem; resolves with its outcome (never rejects). */
export async function performOp(fsp: ConcFs, op: ConcOp, handles: readonly ConcHandle[]): Promise<Outcome> {
  try {
    switch (op.op) {
      case 'writeFile':
        return { ok: true, value: await fsp.writeFile(op.path, concBytes(op.group, op.seed, op.size, 0)) };
      case 'appendFile':
        return { ok: true, value: await fsp.appendFile(op.path, concBytes(op.group, op.seed, op.size, null)) };
      case 'readFile':
        return { ok: true, value: new Uint8Array(await fsp.readFile(op.path)) };
      case 'pwrite': {
        const data = concBytes(op.group, op.seed, op.size, op.pos);
        return { ok: true, value: (await (handles[op.handle] as ConcHandle).write(data, 0, data.length, op.pos)).bytesWritten };
      }
      case 'rename':
        return { ok: true, value: await fsp.rename(op.from, op.to) };
      case 'unlink':
        return { ok: true, value: await fsp.unlink(op.path) };
      case 'mkdir':
        // mkdir's value (undefined) is what the model returns too.
        await fsp.mkdir(op.path);
        return { ok: true, value: undefined };
      case 'rmdir':
        return { ok: true, value: await fsp.rmdir(op.path) };
      case 'link':
        return { ok: true, value: await fsp.link(op.from, op.to) };
      case 'stat': {
        const st = await fsp.stat(op.path);
        return { ok: true, value: { kind: st.isDirectory() ? 'dir' : 'file' } };
      }
    }
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    return { ok: false, code: typeof code === 'string' ? code : `no code (${String(err)})`, message: err instanceof Error ? err.message : String(err) };
  }
}
