// The tree `mkfs -d` copies in: a host directory, a tar archive (file,
// gzip-compressed or not) or '-' (a tar archive on stdin); with owner
// mapping (--squash-owners, --uid, --gid) and, for reproducible images,
// times clamped to the build epoch.
import { stat } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { hostTree } from '../copy/host-source.js';
import { threadedHostTree } from '../copy/threaded-host-source.js';
import { openArchive, tarTree } from '../copy/tar-source.js';
import type { TreeEntry, TreeSource } from '../copy/tree-entry.js';

/** How owners and times are rewritten on the way in. */
export interface EntryRewrite {
  squashOwners: boolean;
  uid?: number;
  gid?: number;
  /**
   * Reproducible builds: times later than this (ns) become this, and atime
   * becomes the (clamped) mtime — reading the input changes host atimes.
   */
  clampNs?: bigint;
}

/** Where -d points. */
export type PopulateKind = 'directory' | 'archive';

/** Whether -d names a directory or an archive ('-' is an archive on stdin). */
export async function populateKind(path: string, cwd: string): Promise<PopulateKind> {
  if (path === '-') return 'archive';
  return (await stat(resolve(cwd, path))).isDirectory() ? 'directory' : 'archive';
}

/**
 * Whether a reader thread would run beside the build: more than one CPU and,
 * by the 1-minute load average, one of them free. Without one the two
 * threads only take turns (measured on a busy 2-CPU VM: +0.2 s for 10,000
 * files, every batch handed over waits for a time slice), so the walk runs
 * on the main thread. Either way the entries, and the image, are the same.
 */
function spareCpu(): boolean {
  const cpus = availableParallelism();
  return cpus >= 2 && (loadavg()[0] ?? 0) <= cpus - 1;
}

/**
 * A fresh pass over the -d input (an archive on stdin can be read once only).
 * A directory is read ahead by a worker thread (threadedHostTree), which
 * starts at once (when a CPU is free, see spareCpu). EXT2_LITE_HOST_READER
 * in `env`: 'sync' reads it on this thread, 'thread' always uses the thread
 * and makes one that cannot start an error (no fallback).
 */
export async function openPopulateSource(path: string, cwd: string, stdin: Readable, env: Record<string, string | undefined> = {}): Promise<TreeSource> {
  if ((await populateKind(path, cwd)) === 'directory') {
    const mode = env.EXT2_LITE_HOST_READER;
    const onThisThread = mode === 'sync' || (mode !== 'thread' && !spareCpu());
    return onThisThread ? hostTree(resolve(cwd, path)) : threadedHostTree(resolve(cwd, path), {}, { requireThread: mode === 'thread' });
  }
  return tarTree(await openArchive(path === '-' ? '-' : resolve(cwd, path), stdin));
}

/** Applies owner mapping and time clamping to every entry. */
export function rewriteEntries(source: TreeSource, rewrite: EntryRewrite): TreeSource {
  // Nothing to rewrite (the usual case): no generator step per entry.
  if (!rewrite.squashOwners && rewrite.uid === undefined && rewrite.gid === undefined && rewrite.clampNs === undefined) return source;
  return rewritten(source, rewrite);
}

async function* rewritten(source: TreeSource, rewrite: EntryRewrite): AsyncGenerator<TreeEntry> {
  const clamp = (ns: bigint): bigint => (rewrite.clampNs !== undefined && ns > rewrite.clampNs ? rewrite.clampNs : ns);
  for await (const entry of source) {
    let { uid, gid } = entry;
    if (rewrite.squashOwners) uid = gid = 0;
    if (rewrite.uid !== undefined) uid = rewrite.uid;
    if (rewrite.gid !== undefined) gid = rewrite.gid;
    const mtimeNs = clamp(entry.mtimeNs);
    yield { ...entry, uid, gid, atimeNs: rewrite.clampNs === undefined ? entry.atimeNs : mtimeNs, mtimeNs };
  }
}
