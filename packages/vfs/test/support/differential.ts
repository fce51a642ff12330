// Helpers for the differential test: a tree built with node:fs in a temp
// directory, the same tree mirrored into a MemoryFs (at the same absolute
// path, so absolute symlinks and realpath answers match), and a way to turn
// results and errors of both APIs into plain values that compare equal when
// the behaviour is the same.
import { execFileSync } from 'node:child_process';
import * as fsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryFs, type MemoryInode } from './memory-fs.js';

/** Seconds since the epoch, to the nanosecond-ish, for utimes. */
const MTIME = 1_600_000_000.123456;

/** Pseudo-random bytes (xorshift), so the big file has no repeating pattern. */
function noise(length: number, seed = 0x9e3779b9): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** What the tree holds besides what every platform can make. */
export interface BuiltTree {
  root: string;
  hasFifo: boolean;
  hasCharDevice: boolean;
}

function tryExec(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * root/
 *   file.txt, empty, big.bin (300 KiB), exec.sh (0755), noperm (0000), lines.txt
 *   dir/ nested/ (0700) deep.txt · sub2/ · ünïcödé-名前.txt
 *   hard (hard link to file.txt)
 *   link-file -> file.txt   link-dir -> dir   link-abs -> <root>/file.txt
 *   link-dangling -> nowhere   loop-a <-> loop-b   self -> self
 *   link-chain -> link-file   link-dotdot -> dir/nested/..   link-slash -> file.txt/
 *   fifo (if mkfifo works), chardev 1:3 (if mknod works, i.e. as root)
 */
export async function buildNodeTree(): Promise<BuiltTree> {
  const root = await fsp.realpath(await fsp.mkdtemp(join(tmpdir(), 'vfs-diff-')));
  const at = (p: string): string => join(root, p);
  await fsp.writeFile(at('file.txt'), 'hello world\n');
  await fsp.writeFile(at('empty'), '');
  await fsp.writeFile(at('big.bin'), noise(300 * 1024), { mode: 0o600 });
  await fsp.writeFile(at('exec.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
  await fsp.writeFile(at('noperm'), 'secret', { mode: 0o000 });
  await fsp.writeFile(at('lines.txt'), 'one\ntwo\r\nthree\rfour\n\nlast');
  await fsp.mkdir(at('dir/nested'), { recursive: true, mode: 0o700 });
  await fsp.chmod(at('dir'), 0o755);
  await fsp.writeFile(at('dir/nested/deep.txt'), 'deep');
  await fsp.mkdir(at('dir/sub2'));
  await fsp.writeFile(at('dir/ünïcödé-名前.txt'), 'unicode ✓');
  await fsp.link(at('file.txt'), at('hard'));
  await fsp.symlink('file.txt', at('link-file'));
  await fsp.symlink('dir', at('link-dir'));
  await fsp.symlink(at('file.txt'), at('link-abs'));
  await fsp.symlink('nowhere', at('link-dangling'));
  await fsp.symlink('loop-b', at('loop-a'));
  await fsp.symlink('loop-a', at('loop-b'));
  await fsp.symlink('self', at('self'));
  await fsp.symlink('link-file', at('link-chain'));
  await fsp.symlink('dir/nested/..', at('link-dotdot'));
  await fsp.symlink('file.txt/', at('link-slash'));
  const hasFifo = tryExec('mkfifo', [at('fifo')]);
  const hasCharDevice = tryExec('mknod', [at('chardev'), 'c', '1', '3']);
  await pinTimes(root);
  return { root, hasFifo, hasCharDevice };
}

/**
 * Sets every inode's times, children before parents: mtime in the past and
 * atime an hour ahead, so relatime never updates atime while the test reads
 * (it would if atime were not after mtime and ctime).
 */
async function pinTimes(path: string): Promise<void> {
  const stats = await fsp.lstat(path);
  if (stats.isDirectory()) for (const name of await fsp.readdir(path)) await pinTimes(join(path, name));
  await fsp.lutimes(path, Date.now() / 1000 + 3600, MTIME);
}

/** Mirrors the node tree at `root` into a MemoryFs at the same absolute path. */
export async function mirrorTree(root: string): Promise<MemoryFs> {
  const memory = new MemoryFs();
  let prefix = '';
  for (const part of root.split('/').filter(Boolean)) {
    prefix += `/${part}`;
    memory.addDirectory(prefix);
  }
  const seen = new Map<bigint, string>();
  await copyEntry(memory, root, root, seen);
  return memory;
}

async function copyEntry(memory: MemoryFs, root: string, path: string, seen: Map<bigint, string>): Promise<void> {
  const stats = await fsp.lstat(path, { bigint: true });
  const earlier = seen.get(stats.ino);
  if (earlier !== undefined) {
    memory.addLink(earlier, path);
    return;
  }
  seen.set(stats.ino, path);
  const options = { mode: Number(stats.mode & 0o7777n), uid: Number(stats.uid), gid: Number(stats.gid) };
  let inode: MemoryInode;
  if (stats.isDirectory()) {
    inode = path === root ? memory.node(root) : memory.addDirectory(path, options);
    Object.assign(inode, { mode: (inode.mode & ~0o7777) | options.mode, uid: options.uid, gid: options.gid });
    for (const name of await fsp.readdir(path)) await copyEntry(memory, root, join(path, name), seen);
  } else if (stats.isFile()) {
    inode = memory.addFile(path, await fsp.readFile(path), options);
  } else if (stats.isSymbolicLink()) {
    inode = memory.addSymlink(await fsp.readlink(path, { encoding: 'buffer' }), path, options);
  } else if (stats.isFIFO()) {
    inode = memory.addNode(path, 'fifo', 0, options);
  } else {
    inode = memory.addNode(path, stats.isCharacterDevice() ? 'char' : 'block', Number(stats.rdev), options);
  }
  // What depends on the host filesystem is copied; type bits, nlink and file sizes are the MemoryFs's own.
  inode.pinned = {
    ino: Number(stats.ino),
    dev: Number(stats.dev),
    blocks: Number(stats.blocks),
    blksize: Number(stats.blksize),
    ...(stats.isDirectory() ? { size: Number(stats.size) } : {}),
  };
  // Times are the inode's own, so the write side can change them.
  Object.assign(inode, { atimeNs: stats.atimeNs, mtimeNs: stats.mtimeNs, ctimeNs: stats.ctimeNs, birthtimeNs: stats.birthtimeNs });
}

const STAT_PREDICATES = ['isFile', 'isDirectory', 'isSymbolicLink', 'isBlockDevice', 'isCharacterDevice', 'isFIFO', 'isSocket'] as const;

/** Plain data for a result or error of either API, comparable with toEqual. */
export function view(value: unknown): unknown {
  if (value instanceof Uint8Array) return { bytes: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex') };
  if (value instanceof ArrayBuffer) return view(new Uint8Array(value));
  if (value instanceof Date) return { date: value.getTime() };
  if (Array.isArray(value)) return value.map(view);
  if (value instanceof Error) {
    const { code, syscall, path, dest, errno } = value as NodeJS.ErrnoException & { dest?: string };
    return { error: { code, syscall, path, dest, errno, message: value.message, name: value.name === 'SystemError' ? value.name : undefined } };
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value)) out[key] = view(field);
    for (const predicate of STAT_PREDICATES) {
      const method = (value as Record<string, unknown>)[predicate];
      if (typeof method === 'function') out[predicate] = (method as () => boolean).call(value);
    }
    return out;
  }
  return value;
}

/** The outcome of a call as plain data: its result or its error. */
export async function outcome(call: () => Promise<unknown>): Promise<unknown> {
  try {
    return { ok: view(await call()) };
  } catch (err) {
    return view(err);
  }
}

/** Sorts listing results so directory order (hash order on ext4) does not matter. */
export function sortedListing(listing: unknown): unknown {
  if (!Array.isArray(listing)) return listing;
  return [...listing].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
}
