// A whole tree as comparable data — every path with its type, permission
// bits, owner, link count, size, bytes (or symlink target), the paths it
// shares an inode with, explicit mtimes and xattrs — taken from the model,
// from a host directory walked with node:fs (the kernel's view of a loop
// mount), or from any WorkloadTarget (ext2-lite's own read side), and a diff
// of two snapshots that names each difference.
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { FsModel, ModelNode, NodeKind } from './model/fs-model.js';
import { joinPath } from './model/fs-model.js';
import type { WorkloadTarget } from './target.js';

export interface EntrySnapshot {
  kind: NodeKind;
  perm: number;
  uid: number;
  gid: number;
  nlink: number;
  /** Regular files and symlinks (directories: 0, their size is the block count). */
  size: number;
  /** sha256 of a file's bytes; a symlink's target. */
  content: string;
  /** Every path of the tree naming the same inode (sorted), for hard links. */
  sameInode: string[];
  /** mtime in seconds, when the side knows it (the model only after utimes). */
  mtimeSec?: number;
  /** name -> value (latin1), when the side reads xattrs. */
  xattrs?: Record<string, string>;
}

export type TreeSnapshot = Map<string, EntrySnapshot>;

function sha(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('latin1');
}

/** Fills in `sameInode` from an identity per path. */
function linkGroups(snapshot: TreeSnapshot, identity: Map<string, number | ModelNode>): void {
  const byInode = new Map<number | ModelNode, string[]>();
  for (const [path, id] of identity) byInode.set(id, [...(byInode.get(id) ?? []), path]);
  for (const [path, id] of identity) {
    const entry = snapshot.get(path) as EntrySnapshot;
    entry.sameInode = (byInode.get(id) ?? []).sort();
  }
}

/** The model's tree. `withXattrs`: include xattrs (for sides that can read them); `skip`: top-level names to leave out. */
export function snapshotModel(model: FsModel, withXattrs: boolean, skip: readonly string[] = []): TreeSnapshot {
  const out: TreeSnapshot = new Map();
  const identity = new Map<string, ModelNode>();
  for (const [path, node] of model.walkTree()) {
    if (path === '/' || skip.some((name) => path === `/${name}` || path.startsWith(`/${name}/`))) continue;
    const entry: EntrySnapshot = {
      kind: node.kind,
      perm: node.perm,
      uid: node.uid,
      gid: node.gid,
      nlink: node.nlink,
      size: node.kind === 'dir' ? 0 : node.size,
      content: node.kind === 'file' ? sha(node.data.all()) : node.kind === 'symlink' ? node.target : '',
      sameInode: [],
    };
    if (node.mtimeSec !== undefined) entry.mtimeSec = node.mtimeSec;
    if (withXattrs) entry.xattrs = Object.fromEntries([...node.xattrs].sort().map(([k, v]) => [k, latin1(v)]));
    out.set(path, entry);
    identity.set(path, node);
  }
  linkGroups(out, identity);
  return out;
}

/**
 * A host directory as the kernel shows it (node:fs, no following of
 * links). `skip` names top-level entries to leave out (lost+found).
 */
export function snapshotHostDir(root: string, skip: readonly string[] = []): TreeSnapshot {
  const out: TreeSnapshot = new Map();
  const identity = new Map<string, number>();
  const visit = (dir: string, rel: string): void => {
    for (const name of readdirSync(dir).sort()) {
      if (rel === '/' && skip.includes(name)) continue;
      const full = join(dir, name);
      const path = joinPath(rel, name);
      const st = lstatSync(full);
      const kind: NodeKind = st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'dir' : 'file';
      out.set(path, {
        kind,
        perm: st.mode & 0o7777,
        uid: st.uid,
        gid: st.gid,
        nlink: st.nlink,
        size: kind === 'dir' ? 0 : st.size,
        content: kind === 'file' ? sha(readFileSync(full)) : kind === 'symlink' ? readlinkSync(full) : '',
        sameInode: [],
        mtimeSec: Math.floor(st.mtimeMs / 1000),
      });
      identity.set(path, st.ino);
      if (kind === 'dir') visit(full, path);
    }
  };
  visit(root, '/');
  linkGroups(out, identity);
  return out;
}

/** A WorkloadTarget's tree through its own calls (readdir, lstat, readFile, readlink, xattrs). */
export async function snapshotTarget(target: WorkloadTarget, skip: readonly string[] = []): Promise<TreeSnapshot> {
  const out: TreeSnapshot = new Map();
  const identity = new Map<string, number>();
  const visit = async (rel: string): Promise<void> => {
    for (const name of await target.readdir(rel)) {
      if (rel === '/' && skip.includes(name)) continue;
      const path = joinPath(rel, name);
      const st = await target.stat(path, false);
      const entry: EntrySnapshot = {
        kind: st.kind,
        perm: st.perm,
        uid: st.uid,
        gid: st.gid,
        nlink: st.nlink,
        size: st.kind === 'dir' ? 0 : st.size,
        content: st.kind === 'file' ? sha(await target.readFile(path)) : st.kind === 'symlink' ? await target.readlink(path) : '',
        sameInode: [],
        mtimeSec: st.mtimeSec,
      };
      if (target.listxattr !== undefined && target.getxattr !== undefined && st.kind !== 'symlink') {
        const names = (await target.listxattr(path)).sort();
        const values: [string, string][] = [];
        for (const n of names) values.push([n, latin1(await target.getxattr(path, n))]);
        entry.xattrs = Object.fromEntries(values);
      }
      out.set(path, entry);
      identity.set(path, st.ino);
      if (st.kind === 'dir') await visit(path);
    }
  };
  await visit('/');
  linkGroups(out, identity);
  return out;
}

/**
 * Differences of `actual` from `expected` (the model), one line each; at
 * most `limit` lines. mtimes and xattrs are compared only where both sides
 * have them; a symlink's permission bits are not compared (always 0777 on
 * Linux, but not meaningful).
 */
export function diffSnapshots(expected: TreeSnapshot, actual: TreeSnapshot, limit = 30): string[] {
  const lines: string[] = [];
  const add = (line: string): void => {
    if (lines.length < limit) lines.push(line);
    else if (lines.length === limit) lines.push('...');
  };
  for (const [path, want] of expected) {
    const got = actual.get(path);
    if (got === undefined) {
      add(`${path}: missing (expected a ${want.kind})`);
      continue;
    }
    const fields: (keyof EntrySnapshot)[] = ['kind', 'uid', 'gid', 'nlink', 'size', 'content', 'sameInode'];
    if (want.kind !== 'symlink') fields.push('perm');
    if (want.mtimeSec !== undefined && got.mtimeSec !== undefined) fields.push('mtimeSec');
    if (want.xattrs !== undefined && got.xattrs !== undefined) fields.push('xattrs');
    for (const field of fields) {
      const a = JSON.stringify(got[field]);
      const e = JSON.stringify(want[field]);
      if (a !== e) add(`${path}: ${field} is ${field === 'perm' ? `0o${(got.perm).toString(8)}` : a}, expected ${field === 'perm' ? `0o${want.perm.toString(8)}` : e}`);
    }
  }
  for (const [path, got] of actual) if (!expected.has(path)) add(`${path}: unexpected ${got.kind}`);
  return lines;
}
