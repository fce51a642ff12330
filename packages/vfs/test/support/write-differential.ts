// Helpers for the write-side differential test: a small tree built with
// node:fs in a fresh temp directory for every scenario, mirrored into a
// MemoryFs at the same absolute path; a scenario (a list of calls on either
// API) run on both; and a snapshot of the resulting tree that compares
// equal when both APIs left the same files, bytes, links, modes, owners and
// link counts. Times compare as what they were set to when they are in the
// past, and as "recent" when the call set them to now (clocks differ).
import * as nodeFsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFsPromises, type WritableFsPromises } from '../../src/index.js';
import { mirrorTree, outcome } from './differential.js';
import type { MemoryFs } from './memory-fs.js';

/** Seconds since the epoch that mark a time the tree pinned. */
const PINNED_MTIME = 1_600_000_000.25;

/** A call sequence; each step's outcome is recorded with `step`. */
export type Scenario = (api: WritableFsPromises, root: string, step: (call: () => Promise<unknown>) => Promise<void>) => Promise<void>;

/**
 * root/
 *   file.txt "hello world\n"   empty   ro.txt (0444)   exec.sh (04755, setuid)
 *   dir/ a.txt · sub/ b.txt · empty-sub/      empty-dir/      sticky/ (01777)   sgid/ (02775)
 *   hard -> file.txt (hard link)   link-file -> file.txt   link-dir -> dir
 *   link-dangling -> nowhere   link-abs -> <root>/dir/a.txt (no link leads out of the tree: calls follow them)
 */
export async function buildWriteTree(): Promise<string> {
  const root = await nodeFsp.realpath(await nodeFsp.mkdtemp(join(tmpdir(), 'vfs-write-')));
  const at = (p: string): string => join(root, p);
  await nodeFsp.writeFile(at('file.txt'), 'hello world\n');
  await nodeFsp.writeFile(at('empty'), '');
  await nodeFsp.writeFile(at('ro.txt'), 'read only', { mode: 0o444 });
  await nodeFsp.writeFile(at('exec.sh'), '#!/bin/sh\n');
  await nodeFsp.chmod(at('exec.sh'), 0o4755);
  await nodeFsp.mkdir(at('dir/sub'), { recursive: true });
  await nodeFsp.writeFile(at('dir/a.txt'), 'a');
  await nodeFsp.writeFile(at('dir/sub/b.txt'), 'b');
  await nodeFsp.mkdir(at('dir/empty-sub'));
  await nodeFsp.mkdir(at('empty-dir'));
  await nodeFsp.mkdir(at('sticky'));
  await nodeFsp.chmod(at('sticky'), 0o1777);
  await nodeFsp.mkdir(at('sgid'));
  await nodeFsp.chmod(at('sgid'), 0o2775);
  await nodeFsp.link(at('file.txt'), at('hard'));
  await nodeFsp.symlink('file.txt', at('link-file'));
  await nodeFsp.symlink('dir', at('link-dir'));
  await nodeFsp.symlink('nowhere', at('link-dangling'));
  await nodeFsp.symlink(at('dir/a.txt'), at('link-abs'));
  await pinTimes(root);
  return root;
}

async function pinTimes(path: string): Promise<void> {
  const stats = await nodeFsp.lstat(path);
  if (stats.isDirectory()) for (const name of await nodeFsp.readdir(path)) await pinTimes(join(path, name));
  await nodeFsp.lutimes(path, PINNED_MTIME, PINNED_MTIME);
}

/** One side of a comparison: an API over a fresh copy of the tree. */
export interface Side {
  api: WritableFsPromises;
  root: string;
  memory?: MemoryFs;
}

/** A fresh tree for node:fs/promises and its mirror for ours. */
export async function freshSides(umask: number, credentials?: { uid: number; gid: number; groups?: number[] }): Promise<{ theirs: Side; ours: Side; cleanup: () => Promise<void> }> {
  const root = await buildWriteTree();
  const memory = await mirrorTree(root);
  const ours = createFsPromises(memory, { umask, ...(credentials === undefined ? {} : { credentials }) });
  const theirs = nodeFsp as unknown as WritableFsPromises;
  // Both run at the same path, so a second copy is made for ours only in memory.
  const cleanup = (): Promise<void> => nodeFsp.rm(root, { recursive: true, force: true });
  return { theirs: { api: theirs, root }, ours: { api: ours, root, memory }, cleanup };
}

function timeClass(ms: number, startedMs: number): number | string {
  return ms < startedMs - 3_600_000 ? ms : 'recent';
}

/**
 * Everything under `root` as plain data: per path, its type, permission
 * bits, owner, group, link count, size, bytes or target, and mtime class.
 */
export async function snapshot(api: WritableFsPromises, root: string, startedMs: number): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const walk = async (relative: string): Promise<void> => {
    const path = relative === '' ? root : `${root}/${relative}`;
    const stats = await api.lstat(path);
    const entry: Record<string, unknown> = {
      mode: stats.mode.toString(8),
      uid: stats.uid,
      gid: stats.gid,
      nlink: stats.nlink,
      mtime: timeClass(stats.mtimeMs, startedMs),
    };
    if (stats.isFile()) {
      entry['size'] = stats.size;
      entry['bytes'] = Buffer.from(await api.readFile(path)).toString('hex');
    } else if (stats.isSymbolicLink()) {
      entry['target'] = await api.readlink(path);
    }
    out[relative === '' ? '.' : relative] = entry;
    if (stats.isDirectory()) {
      for (const name of (await api.readdir(path)).sort()) await walk(relative === '' ? name : `${relative}/${name}`);
    }
  };
  await walk('');
  return out;
}

/** Runs `scenario` on `side`, returning each step's outcome and the resulting tree. */
export async function runScenario(side: Side, scenario: Scenario, startedMs: number): Promise<{ steps: unknown[]; tree: Record<string, unknown> }> {
  const steps: unknown[] = [];
  await scenario(side.api, side.root, async (call) => {
    steps.push(await outcome(call));
  });
  return { steps, tree: await snapshot(side.api, side.root, startedMs) };
}
