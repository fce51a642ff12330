// Is what a batch of concurrent calls did explainable by SOME serial order?
// Depth-first search over the interleavings of the calls' atomic steps
// (conc-ops.ts) on copies of the model: a branch dies as soon as a call's
// model outcome differs from what the call really returned, and succeeds
// when every call ended as observed and the model's tree equals the tree
// observed afterwards. States already found dead are remembered (by step
// progress, open handles and tree), which keeps the search small.
import { FsModel, type ModelNode } from '../workload/model/fs-model.js';
import { difference, type Outcome } from '../workload/runner.js';
import { applyStep, READ_OK, stepCount, type ConcOp, type StepCarry } from './conc-ops.js';

/** FNV-1a over bytes: a cheap content fingerprint. */
export function hashBytes(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193);
  return `${bytes.length}:${(h >>> 0).toString(16)}`;
}

/** One entry of a tree as the fingerprint sees it. */
export interface TreeEntry {
  path: string;
  kind: 'file' | 'dir' | 'symlink';
  nlink: number;
  /** hashBytes of a file's data; '' otherwise. */
  data: string;
  /** Identity of the inode (compared only as "same as" between paths). */
  inode: number | ModelNode;
}

/** A canonical text of a tree: paths, kinds, link counts, data and which paths share an inode. */
export function fingerprint(entries: readonly TreeEntry[]): string {
  const firstPath = new Map<number | ModelNode, string>();
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const e of sorted) if (!firstPath.has(e.inode)) firstPath.set(e.inode, e.path);
  return sorted.map((e) => `${e.path} ${e.kind} n${e.nlink} ${e.data} =${firstPath.get(e.inode)}`).join('\n');
}

/** The model's entries whose paths `inScope` accepts. */
export function modelEntries(model: FsModel, inScope: (path: string) => boolean): TreeEntry[] {
  const out: TreeEntry[] = [];
  for (const [path, node] of model.walkTree()) {
    if (!inScope(path)) continue;
    out.push({ path, kind: node.kind, nlink: node.nlink, data: node.kind === 'file' ? hashBytes(node.data.all()) : '', inode: node });
  }
  return out;
}

export interface SearchInput {
  model: FsModel;
  ops: readonly ConcOp[];
  observed: readonly Outcome[];
  /** Model nodes of the handles opened before the batch. */
  handles: readonly ModelNode[];
  /** fingerprint() of the tree observed after the batch. */
  finalTree: string;
  inScope: (path: string) => boolean;
  /** Give up after this many explored states (reported as undecided). Default 200,000. */
  budget?: number;
}

export interface SearchResult {
  /** The model after a serial order that explains everything, when one exists. */
  model?: FsModel;
  handles?: ModelNode[];
  /** Steps in the order found: [call index, step index]. */
  order?: [number, number][];
  explored: number;
  exhausted: boolean;
}

interface State {
  model: FsModel;
  progress: number[];
  carries: StepCarry[];
  handles: ModelNode[];
}

function copyState(s: State): State {
  const { model, nodes } = s.model.clone();
  const remap = (n: ModelNode): ModelNode => nodes.get(n) ?? FsModel.cloneDetached(n, nodes);
  return {
    model,
    progress: [...s.progress],
    carries: s.carries.map((c) => ({
      ...c,
      ...(c.dir === undefined ? {} : { dir: remap(c.dir) }),
      ...(c.dir2 === undefined ? {} : { dir2: remap(c.dir2) }),
      ...(c.node === undefined ? {} : { node: remap(c.node) }),
      ...(c.handle === undefined ? {} : { handle: { ...c.handle, node: remap(c.handle.node) } }),
    })),
    handles: s.handles.map(remap),
  };
}

function stateKey(s: State, inScope: (path: string) => boolean): string {
  const tree = modelEntries(s.model, inScope)
    .map((e) => `${e.path}:${(e.inode as ModelNode).id}:${e.data}`)
    .join('|');
  const carry = (c: StepCarry): string => `${c.dir?.id ?? ''}/${c.name ?? ''}/${c.dir2?.id ?? ''}/${c.name2 ?? ''}/${c.node?.id ?? ''}/${c.handle?.node.id ?? ''}`;
  return `${s.progress.join(',')};${s.carries.map(carry).join(',')};${tree}`;
}

function sameOutcome(model: Outcome, observed: Outcome): boolean {
  if (!model.ok || !observed.ok) return !model.ok && !observed.ok && model.code === observed.code;
  if (model.value === READ_OK) return true;
  return difference(model.value, observed.value) === undefined;
}

/** Searches for a serial order of the calls' steps explaining the observations. */
export function findSerialOrder(input: SearchInput): SearchResult {
  const budget = input.budget ?? 200_000;
  const dead = new Set<string>();
  const steps = input.ops.map(stepCount);
  const order: [number, number][] = [];
  let explored = 0;
  const start: State = { model: input.model, progress: input.ops.map(() => 0), carries: input.ops.map((): StepCarry => ({})), handles: [...input.handles] };

  const search = (s: State): State | undefined => {
    if (++explored > budget) return undefined;
    if (s.progress.every((p, i) => p >= (steps[i] as number))) {
      return fingerprint(modelEntries(s.model, input.inScope)) === input.finalTree ? s : undefined;
    }
    const key = stateKey(s, input.inScope);
    if (dead.has(key)) return undefined;
    for (let i = 0; i < input.ops.length; i++) {
      const at = s.progress[i] as number;
      if (at >= (steps[i] as number)) continue;
      const next = copyState(s);
      const result = applyStep(next.model, input.ops[i] as ConcOp, at, next.carries[i] as StepCarry, next.handles);
      if ('done' in result) {
        if (!sameOutcome(result.done, input.observed[i] as Outcome)) continue;
        next.progress[i] = steps[i] as number;
        next.carries[i] = {};
      } else {
        next.progress[i] = at + 1;
        next.carries[i] = result.next;
      }
      order.push([i, at]);
      const found = search(next);
      if (found !== undefined) return found;
      order.pop();
    }
    if (explored <= budget) dead.add(key);
    return undefined;
  };

  const found = search(start);
  if (found === undefined) return { explored, exhausted: explored <= budget };
  return { model: found.model, handles: found.handles, order: [...order], explored, exhausted: true };
}
