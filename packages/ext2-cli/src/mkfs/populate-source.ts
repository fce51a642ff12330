// The tree `mkfs -d` copies in: a host directory, a tar archive (file,
// gzip-compressed or not) or '-' (a tar archive on stdin); with owner
// mapping (--squash-owners, --uid, --gid) and, for reproducible images,
// times clamped to the build epoch. A directory's extended attributes come
// in with --xattrs (read with getfattr); an archive's always do.
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { hostTree } from '../copy/host-source.js';
import { readHostXattrs, type HostXattrs } from '../copy/host-xattrs.js';
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

/** How the -d input is read. */
export interface PopulateOptions {
  /** A directory's extended attributes (--xattrs): the reader, given the directory's absolute path. */
  hostXattrs?: (root: string) => HostXattrs;
}

/**
 * The reader of PopulateOptions.hostXattrs: one getfattr run in `env`, kept
 * for the next pass over the same directory (--reproducible reads the input
 * twice, and both passes must see the same attributes).
 */
export function hostXattrsReader(env: Record<string, string | undefined>): (root: string) => HostXattrs {
  const read = new Map<string, HostXattrs>();
  return (root) => {
    let xattrs = read.get(root);
    if (xattrs === undefined) {
      xattrs = readHostXattrs(root, { env, instead: 'or give -d a tar archive made with tar --xattrs' });
      read.set(root, xattrs);
    }
    return xattrs;
  };
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
export async function openPopulateSource(path: string, cwd: string, stdin: () => Readable, options: PopulateOptions = {}): Promise<PopulateSource> {
  if ((await populateKind(path, cwd)) === 'directory') {
    const root = resolve(cwd, path);
    return { tree: hostTree(root, { xattrs: options.hostXattrs?.(root) }), uniquePaths: true };
  }
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
