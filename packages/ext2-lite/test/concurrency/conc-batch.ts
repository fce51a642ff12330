// Batches of concurrent calls, the way Node code issues them: many groups,
// each with its own few names under one shared directory (/hot, so every
// group contends for the same directory lock too), each group's calls
// overlapping on its names (writes, appends, reads, pwrites through an open
// handle, renames of files and directories, unlinks, mkdir/rmdir, links).
// All calls of all groups start at once; after they settle, each group's
// observed results and tree must come from some serial order of its calls
// (serial-search.ts). Groups never touch each other's names, so they are
// independent of each other and can be judged one by one.
import type { SeededRandom } from '@iomap/testkit';
import { FsModel, joinPath, type ModelNode } from '../workload/model/fs-model.js';
import type { Outcome } from '../workload/runner.js';
import { applyStep, concBytes, performOp, readIsValid, stepCount, type ConcFs, type ConcHandle, type ConcOp, type StepCarry } from './conc-ops.js';
import { fingerprint, findSerialOrder, hashBytes, modelEntries, type TreeEntry } from './serial-search.js';

export const HOT = '/hot';

/** One group: its names, its model, its open handle. */
export interface Group {
  index: number;
  /** Top-level names under /hot that belong to the group. */
  base: string;
  model: FsModel;
  handleNodes: ModelNode[];
  handles: (ConcHandle & { close(): Promise<void> })[];
  /** Seeds of every write the group made (what its files' records may name). */
  seeds: Set<number>;
}

/** Whether a path belongs to group `base` (its directory, its `-e` sibling, everything under them). */
export function groupScope(base: string): (path: string) => boolean {
  const dir = `${HOT}/${base}`;
  return (path) => path === dir || path.startsWith(`${dir}/`) || path.startsWith(`${dir}-`);
}

/** The calls the test needs besides ConcFs: opening the pwrite handle and walking the tree. */
export interface BatchFs extends ConcFs {
  open(path: string, flags: string): Promise<ConcHandle & { close(): Promise<void> }>;
  readdir(path: string): Promise<string[]>;
  lstat(path: string): Promise<{ ino: number; nlink: number; isDirectory(): boolean; isFile(): boolean; isSymbolicLink(): boolean }>;
}

/** Creates the group's starting tree on the filesystem and in its model, and opens its pwrite handle. */
export async function setUpGroup(fsp: BatchFs, index: number): Promise<Group> {
  const base = `g${index}`;
  const model = new FsModel();
  model.mkdir(HOT);
  const dir = `${HOT}/${base}`;
  for (const path of [dir, `${dir}/x`, `${dir}/y`]) {
    await fsp.mkdir(path);
    model.mkdir(path);
  }
  const seed = 1000 + index;
  for (const path of [`${dir}/x/a`, `${dir}/y/b`]) {
    await fsp.writeFile(path, concBytes(index, seed, 304, 0));
    model.writeFile(path, concBytes(index, seed, 304, 0));
  }
  const handle = await fsp.open(`${dir}/x/a`, 'r+');
  const node = model.resolve(`${dir}/x/a`, true).node as ModelNode;
  return { index, base, model, handleNodes: [node], handles: [handle], seeds: new Set([seed]) };
}

/** `count` calls on the group's names, some bound to fail (that is part of the test too). */
export function groupCalls(rng: SeededRandom, g: Group, count: number): ConcOp[] {
  const dir = `${HOT}/${g.base}`;
  const dirs = [`${dir}/x`, `${dir}/y`, `${dir}-e`, `${dir}/x/c`];
  const file = (): string => joinPath(rng.pick(dirs), rng.pick(['a', 'b', 'c']));
  const size = (): number => rng.pick([0, 16, 32, 304, 1024, 2512, 4096, 5008]);
  const ops: ConcOp[] = [];
  const group = g.index;
  for (let i = 0; i < count; i++) {
    const seed = rng.int(1, 1 << 30);
    g.seeds.add(seed);
    const kind = rng.weighted({ writeFile: 3, appendFile: 3, readFile: 3, pwrite: 2, renameFile: 3, renameDir: 1, unlink: 2, mkdir: 2, rmdir: 1, link: 1, stat: 1 });
    switch (kind) {
      case 'writeFile':
        ops.push({ op: 'writeFile', group, path: file(), size: size(), seed });
        break;
      case 'appendFile':
        ops.push({ op: 'appendFile', group, path: file(), size: size(), seed });
        break;
      case 'readFile':
        ops.push({ op: 'readFile', path: file() });
        break;
      case 'pwrite':
        ops.push({ op: 'pwrite', group, handle: 0, pos: 16 * rng.int(0, 400), size: 16 * rng.int(1, 200), seed });
        break;
      case 'renameFile':
        ops.push({ op: 'rename', from: file(), to: file() });
        break;
      case 'renameDir':
        ops.push({ op: 'rename', from: rng.pick(dirs), to: rng.pick(dirs) });
        break;
      case 'unlink':
        ops.push({ op: 'unlink', path: file() });
        break;
      case 'mkdir':
        ops.push({ op: 'mkdir', path: rng.pick(dirs) });
        break;
      case 'rmdir':
        ops.push({ op: 'rmdir', path: rng.pick(dirs) });
        break;
      case 'link':
        ops.push({ op: 'link', from: file(), to: file() });
        break;
      case 'stat':
        ops.push({ op: 'stat', path: rng.chance(0.5) ? file() : rng.pick(dirs) });
        break;
    }
  }
  return ops;
}

/** The group's tree as the filesystem shows it now. */
export async function observedTree(fsp: BatchFs, group: Group): Promise<TreeEntry[]> {
  const out: TreeEntry[] = [];
  const visit = async (path: string): Promise<void> => {
    const st = await fsp.lstat(path);
    const kind = st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'dir' : 'file';
    out.push({ path, kind, nlink: st.nlink, data: kind === 'file' ? hashBytes(new Uint8Array(await fsp.readFile(path))) : '', inode: st.ino });
    if (kind === 'dir') for (const name of await fsp.readdir(path)) await visit(joinPath(path, name));
  };
  for (const name of await fsp.readdir(HOT)) {
    if (name === group.base || name.startsWith(`${group.base}-`)) await visit(`${HOT}/${name}`);
  }
  return out;
}

/** For failure reports: how the group's files differ from the model after running the calls in the order they were issued. */
async function issueOrderDiff(fsp: BatchFs, group: Group, ops: readonly ConcOp[]): Promise<string> {
  const { model, nodes } = group.model.clone();
  const handles = group.handleNodes.map((n) => nodes.get(n) ?? FsModel.cloneDetached(n, nodes));
  for (const op of ops) {
    let carry: StepCarry = {};
    for (let step = 0; step < stepCount(op); step++) {
      const r = applyStep(model, op, step, carry, handles);
      if ('done' in r) break;
      carry = r.next;
    }
  }
  const notes: string[] = [];
  for (const [path, node] of model.walkTree()) {
    if (!groupScope(group.base)(path) || node.kind !== 'file') continue;
    let actual: Uint8Array;
    try {
      actual = new Uint8Array(await fsp.readFile(path));
    } catch (err) {
      notes.push(`${path}: ${(err as { code?: string }).code}`);
      continue;
    }
    const expected = node.data.all();
    const n = Math.min(actual.length, expected.length);
    let first = 0;
    while (first < n && actual[first] === expected[first]) first++;
    if (first < n || actual.length !== expected.length) {
      notes.push(`${path}: ${actual.length} bytes (model ${expected.length}), first difference at ${first}: ${Buffer.from(actual.subarray(first, first + 16)).toString('hex')} vs ${Buffer.from(expected.subarray(first, first + 16)).toString('hex')}`);
    }
  }
  return notes.length === 0 ? 'same bytes' : notes.join('; ');
}

/** Races `promise` against a deadline; the error says which calls never finished. */
async function settleWithin(calls: Promise<Outcome>[], ms: number, describe: (i: number) => string): Promise<Outcome[]> {
  const done = new Set<number>();
  calls.forEach((p, i) => void p.then(() => done.add(i)));
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const stuck = calls.map((_, i) => i).filter((i) => !done.has(i));
      reject(new Error(`deadlock? ${stuck.length} of ${calls.length} calls did not finish within ${ms} ms:\n  ${stuck.slice(0, 20).map(describe).join('\n  ')}`));
    }, ms);
  });
  try {
    return await Promise.race([Promise.all(calls), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export interface BatchReport {
  calls: number;
  failedCalls: number;
  explored: number;
}

/** Runs one batch: all groups' calls at once, then each group judged against its model. */
export async function runBatch(fsp: BatchFs, groups: Group[], rng: SeededRandom, callsPerGroup: number, timeoutMs: number): Promise<BatchReport> {
  const plan = groups.map((g) => groupCalls(rng, g, callsPerGroup));
  const flat = plan.flatMap((ops, g) => ops.map((op) => ({ g, op })));
  const observedFlat = await settleWithin(
    flat.map(({ g, op }) => performOp(fsp, op, (groups[g] as Group).handles)),
    timeoutMs,
    (i) => `group ${flat[i]?.g}: ${JSON.stringify(flat[i]?.op)}`,
  );
  const report: BatchReport = { calls: flat.length, failedCalls: observedFlat.filter((o) => !o.ok).length, explored: 0 };
  let at = 0;
  for (const [g, ops] of plan.entries()) {
    const group = groups[g] as Group;
    const observed = observedFlat.slice(at, at + ops.length);
    at += ops.length;
    const finalTree = fingerprint(await observedTree(fsp, group));
    const result = findSerialOrder({ model: group.model, ops, observed, handles: group.handleNodes, finalTree, inScope: groupScope(group.base) });
    report.explored += result.explored;
    if (result.model === undefined) {
      const calls = ops.map((op, i) => {
        const o = observed[i] as Outcome;
        const shown = o.ok ? (o.value instanceof Uint8Array ? `ok ${hashBytes(o.value)}` : `ok ${JSON.stringify(o.value)}`) : o.code;
        return `  ${JSON.stringify(op)} -> ${shown}`;
      });
      throw new Error(
        `group ${group.base}: no serial order of these concurrent calls explains what happened` +
          `\n(files as read now, against the model after the calls in issue order: ${await issueOrderDiff(fsp, group, ops)})` +
          `${result.exhausted ? '' : ` (search budget spent after ${result.explored} states)`}:\n${calls.join('\n')}\n` +
          `tree before:\n${fingerprint(modelEntries(group.model, groupScope(group.base)))}\ntree after:\n${finalTree}`,
      );
    }
    for (const [i, op] of ops.entries()) {
      const o = observed[i] as Outcome;
      if (op.op !== 'readFile' || !o.ok) continue;
      const bad = readIsValid(o.value as Uint8Array, group.index, group.seeds);
      if (bad !== undefined) throw new Error(`group ${group.base}: readFile ${op.path} returned bytes no write made: ${bad}`);
    }
    group.model = result.model;
    group.handleNodes = result.handles ?? group.handleNodes;
  }
  return report;
}
