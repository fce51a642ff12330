// The tree `mkfs -d` copies in: a host directory, a tar archive (file,
// gzip-compressed or not) or '-' (a tar archive on stdin); with owner
// mapping (--squash-owners, --uid, --gid) and, for reproducible images,
// times clamped to the build epoch.
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { hostTree } from '../copy/host-source.js';
import { openArchive, tarTree } from '../copy/tar-source.js';
import { mapSource, type TreeSource } from '../copy/tree-entry.js';

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

/** The -d input opened. */
export interface PopulateSource {
  tree: TreeSource;
  /** Every path comes once (a directory walk; an archive may list a path twice). */
  uniquePaths: boolean;
}

/** Where -d points. */
export type PopulateKind = 'directory' | 'archive';

/** Whether -d names a directory or an archive ('-' is an archive on stdin). */
export async function populateKind(path: string, cwd: string): Promise<PopulateKind> {
  if (path === '-') return 'archive';
  return (await stat(resolve(cwd, path))).isDirectory() ? 'directory' : 'archive';
}

/**
 * A fresh pass over the -d input (an archive on stdin can be read once only).
 * A directory is walked and read on this thread: reading it ahead in worker
 * threads (the whole walk, or only the file contents) was built, measured and
 * removed, as it saved nothing on the 2-CPU VM we measure on, idle or busy;
 * the host calls cost as much on either thread and run slower side by side.
 */
export async function openPopulateSource(path: string, cwd: string, stdin: () => Readable): Promise<PopulateSource> {
  if ((await populateKind(path, cwd)) === 'directory') return { tree: hostTree(resolve(cwd, path)), uniquePaths: true };
  return { tree: tarTree(await openArchive(path === '-' ? '-' : resolve(cwd, path), stdin)), uniquePaths: false };
}

/** Applies owner mapping and time clamping to every entry. */
export function rewriteEntries(source: TreeSource, rewrite: EntryRewrite): TreeSource {
  // Nothing to rewrite (the usual case): no generator step per entry.
  if (!rewrite.squashOwners && rewrite.uid === undefined && rewrite.gid === undefined && rewrite.clampNs === undefined) return source;
  const clamp = (ns: bigint): bigint => (rewrite.clampNs !== undefined && ns > rewrite.clampNs ? rewrite.clampNs : ns);
  return mapSource(source, (entry) => {
    let { uid, gid } = entry;
    if (rewrite.squashOwners) uid = gid = 0;
    if (rewrite.uid !== undefined) uid = rewrite.uid;
    if (rewrite.gid !== undefined) gid = rewrite.gid;
    const mtimeNs = clamp(entry.mtimeNs);
    return { ...entry, uid, gid, atimeNs: rewrite.clampNs === undefined ? entry.atimeNs : mtimeNs, mtimeNs };
  });
}
