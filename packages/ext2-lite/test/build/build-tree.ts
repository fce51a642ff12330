// Test support for the image builder: a generated tree (every kind of entry,
// files needing direct, single, double and - on 1 KiB blocks - triple
// indirect blocks, sparse and chunked files, a directory of many blocks,
// deep paths, hard links, devices, xattrs in the inode and in shared blocks)
// built into a file with ImageBuilder, and the listing the tree must give
// back (the NodeInfo fields of ../namespace/fixtures.ts).
import { createHash } from 'node:crypto';
import { closeSync, ftruncateSync, openSync } from 'node:fs';
import { FileDevice } from '@iomap/blockdev-node';
import { ImageBuilder, type BuildResult, type MkfsOptions } from '../../src/index.js';
import type { NodeInfo } from '../namespace/fixtures.js';
import { patternBytes } from '@iomap/testkit';

/** makedev(major, minor) in Linux's encoding. */
export const makedev = (major: number, minor: number): number => ((minor & 0xff) | ((major & 0xfff) << 8) | ((minor & ~0xff) * 4096)) >>> 0;

/** One entry of the generated tree. */
export type TreeOp =
  | { kind: 'dir'; path: string; perm: number; xattrs?: [string, Uint8Array][] }
  | { kind: 'file'; path: string; perm: number; bytes: Uint8Array; chunks?: number; uid?: number; gid?: number; xattrs?: [string, Uint8Array][] }
  | { kind: 'symlink'; path: string; target: string }
  | { kind: 'link'; path: string; to: string }
  | { kind: 'node'; path: string; type: 'char' | 'block' | 'fifo' | 'socket'; rdev: number };

/** Deterministic bytes (testkit's xorshift pattern, never 0), so trees and images repeat. */
export { patternBytes };

/** The tree for `blockSize`. `big` adds the sparse file that needs triple indirect blocks on 1 KiB blocks. */
export function generatedTree(blockSize: number): TreeOp[] {
  const ops: TreeOp[] = [];
  const file = (path: string, bytes: Uint8Array, extra: Partial<Extract<TreeOp, { kind: 'file' }>> = {}): void => {
    ops.push({ kind: 'file', path, perm: 0o644, bytes, ...extra });
  };
  const perBlock = blockSize / 4;
  file('/empty', new Uint8Array(0));
  file('/small', patternBytes(100, 1), { uid: 1000, gid: 2000, perm: 0o4755 });
  file('/direct', patternBytes(12 * blockSize, 2));
  file('/single', patternBytes(13 * blockSize + 7, 3));
  file('/double', patternBytes((12 + perBlock + 3) * blockSize, 4), { chunks: 65_537 });
  file('/chunked', patternBytes(5 * blockSize + 333, 5), { chunks: 1000 });
  const sparse = new Uint8Array(40 * blockSize);
  sparse.set(patternBytes(blockSize, 6), 0);
  sparse.set(patternBytes(10, 7), 20 * blockSize + 5);
  file('/sparse', sparse);
  if (blockSize === 1024) {
    // Logical block 12 + 256 + 65536 + 1 is the first under i_block[14]: a triple-indirect file, all holes in between.
    const tripleAt = (12 + perBlock + perBlock * perBlock + 1) * blockSize;
    const triple = new Uint8Array(tripleAt + 50);
    triple.set(patternBytes(blockSize, 8), 0);
    triple.set(patternBytes(50, 9), tripleAt);
    file('/triple', triple, { chunks: 1 << 20 });
  }
  ops.push({ kind: 'dir', path: '/deep', perm: 0o750, xattrs: [['user.dir', new TextEncoder().encode('yes')]] });
  let deep = '/deep';
  for (const part of ['a', 'b', 'c', 'd', 'e', 'f', 'g']) {
    deep += `/${part}`;
    ops.push({ kind: 'dir', path: deep, perm: 0o755 });
  }
  file(`${deep}/leaf`, patternBytes(3000, 10));
  ops.push({ kind: 'dir', path: '/wide', perm: 0o755 });
  // 400 entries of 40 bytes: 16 blocks on 1 KiB blocks, so the directory needs an indirect block there.
  for (let i = 0; i < 400; i++) file(`/wide/entry-with-a-longish-name-${String(i).padStart(4, '0')}`, patternBytes(i % 7, 100 + i));
  ops.push({ kind: 'dir', path: '/many', perm: 0o755 });
  for (let d = 0; d < 6; d++) {
    ops.push({ kind: 'dir', path: `/many/d${d}`, perm: 0o755 });
    for (let f = 0; f < 25; f++) file(`/many/d${d}/f${f}`, patternBytes(blockSize - 1 + f, 1000 + d * 100 + f));
  }
  ops.push({ kind: 'symlink', path: '/fast-link', target: 'small' });
  ops.push({ kind: 'symlink', path: '/slow-link', target: `${'../'.repeat(5)}${'x'.repeat(80)}` });
  ops.push({ kind: 'symlink', path: '/deep/a/up', target: '../../small' });
  ops.push({ kind: 'link', path: '/hard-1', to: '/many/d0/f0' });
  ops.push({ kind: 'link', path: '/deep/hard-2', to: '/many/d0/f0' });
  ops.push({ kind: 'node', path: '/null', type: 'char', rdev: makedev(1, 3) });
  ops.push({ kind: 'node', path: '/nvme', type: 'block', rdev: makedev(259, 70_000) });
  ops.push({ kind: 'node', path: '/pipe', type: 'fifo', rdev: 0 });
  ops.push({ kind: 'node', path: '/sock', type: 'socket', rdev: 0 });
  const shared = patternBytes(600, 11);
  file('/xattr-small', patternBytes(10, 12), { xattrs: [['user.a', new TextEncoder().encode('1')], ['trusted.b', new TextEncoder().encode('two')]] });
  file('/xattr-big-1', patternBytes(10, 13), { xattrs: [['user.big', shared]] });
  file('/xattr-big-2', patternBytes(10, 13), { xattrs: [['user.big', shared]] });
  return ops;
}

const TYPE_BITS = { dir: 0o040000, file: 0o100000, symlink: 0o120000, char: 0o020000, block: 0o060000, fifo: 0o010000, socket: 0o140000 };

const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** The listing the tree must give back (no inode numbers). */
export function expectedListing(ops: readonly TreeOp[]): Map<string, Omit<NodeInfo, 'ino'>> {
  const out = new Map<string, Omit<NodeInfo, 'ino'>>();
  const parentOf = (path: string): string => path.slice(0, path.lastIndexOf('/'));
  for (const op of ops) {
    if (op.kind === 'dir') {
      out.set(op.path, { mode: TYPE_BITS.dir | op.perm, nlink: 2 });
      const parent = out.get(parentOf(op.path));
      if (parent !== undefined) parent.nlink = (parent.nlink ?? 0) + 1;
    } else if (op.kind === 'file') out.set(op.path, { mode: TYPE_BITS.file | op.perm, size: op.bytes.length, nlink: 1, content: sha(op.bytes) });
    else if (op.kind === 'symlink') out.set(op.path, { mode: TYPE_BITS.symlink | 0o777, size: op.target.length, nlink: 1, content: op.target });
    else if (op.kind === 'node') out.set(op.path, { mode: TYPE_BITS[op.type] | 0o644, size: 0, nlink: 1 });
    else {
      const target = out.get(op.to) as Omit<NodeInfo, 'ino'>;
      target.nlink = (target.nlink ?? 1) + 1;
      out.set(op.path, target);
    }
  }
  return out;
}

function* chunksOf(bytes: Uint8Array, size: number): Generator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, Math.min(bytes.length, at + size));
}

async function* asyncChunks(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  yield* chunksOf(bytes, size);
}

/** Adds `ops` to `b` (owner/time settings from `times`). */
export async function addTree(b: ImageBuilder, ops: readonly TreeOp[], timeNs: bigint): Promise<void> {
  const inos = new Map<string, number>([['', b.rootIno]]);
  const split = (path: string): [number, string] => {
    const at = path.lastIndexOf('/');
    return [inos.get(path.slice(0, at)) as number, path.slice(at + 1)];
  };
  const times = { atimeNs: timeNs, mtimeNs: timeNs + 1n, ctimeNs: timeNs + 2n };
  for (const op of ops) {
    const [parent, name] = split(op.path);
    if (op.kind === 'dir') inos.set(op.path, b.mkdir(parent, name, { perm: op.perm, ...times, ...(op.xattrs ? { xattrs: op.xattrs } : {}) }));
    else if (op.kind === 'file') {
      const attrs = { perm: op.perm, uid: op.uid ?? 0, gid: op.gid ?? 0, ...times, ...(op.xattrs ? { xattrs: op.xattrs } : {}) };
      const data = op.chunks === undefined ? op.bytes : op.chunks > 50_000 ? chunksOf(op.bytes, op.chunks) : asyncChunks(op.bytes, op.chunks);
      inos.set(op.path, await b.addFile(parent, name, attrs, data));
    } else if (op.kind === 'symlink') inos.set(op.path, await b.symlink(parent, name, op.target, times));
    else if (op.kind === 'node') inos.set(op.path, b.mknod(parent, name, op.type, { perm: 0o644, ...times }, op.rdev));
    else b.link(parent, name, inos.get(op.to) as number);
  }
}

/** A fresh sparse file of `sizeBytes` at `path`. */
export function freshFile(path: string, sizeBytes: number): void {
  const fd = openSync(path, 'w');
  try {
    ftruncateSync(fd, sizeBytes);
  } finally {
    closeSync(fd);
  }
}

/** Builds `ops` into the image file `path` (re-created, `sizeBytes`). */
export async function buildImage(path: string, sizeBytes: number, options: MkfsOptions, ops: readonly TreeOp[], timeNs: bigint): Promise<BuildResult> {
  freshFile(path, sizeBytes);
  const device = await FileDevice.open(path);
  try {
    const b = await ImageBuilder.create(device, { assumeZeroed: true, ...options });
    await addTree(b, ops, timeNs);
    return await b.finish();
  } finally {
    await device.close();
  }
}
