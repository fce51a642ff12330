// A generated host tree with every kind of entry the command must carry
// (sizes around block boundaries, a sparse file, unicode and 255-byte names,
// modes with special bits, fast and slow symlinks, hard links, a FIFO,
// devices and foreign owners when root), and a comparison of two trees.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, closeSync, linkSync, lstatSync, lutimesSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, symlinkSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { patternBytes } from '@iomap/testkit';

export const isRoot = process.getuid?.() === 0;

/** Writes the tree under `root` (which must not exist). */
export function buildSourceTree(root: string, options: { bigFileBytes?: number } = {}): void {
  mkdirSync(root);
  const put = (rel: string, data: Uint8Array | string, mode = 0o644): void => {
    writeFileSync(join(root, rel), data);
    chmodSync(join(root, rel), mode);
  };
  for (const [i, size] of [0, 1, 1023, 1024, 4095, 4097, 70_000, options.bigFileBytes ?? 3 << 20].entries()) put(`size-${size}`, patternBytes(size, i + 1));
  put('x'.repeat(255), 'longest name\n');
  put('ünïcødé-名前-😀.txt', 'unicode\n', 0o640);
  put('setuid-tool', 'binary\n', 0o4755);
  put('secret', 'key\n', 0o600);
  const withZeros = new Uint8Array(64 * 1024);
  withZeros.set(patternBytes(1000, 7), 0);
  withZeros.set(patternBytes(1000, 8), 40_000);
  put('zero-blocks-inside', withZeros);
  mkdirSync(join(root, 'dir', 'sub', 'deeper'), { recursive: true });
  put('dir/sub/deeper/leaf.txt', 'leaf\n');
  put('dir/.hidden', 'hidden\n');
  chmodSync(join(root, 'dir', 'sub'), 0o750);
  mkdirSync(join(root, 'links'));
  linkSync(join(root, 'size-4097'), join(root, 'links', 'hard-1'));
  linkSync(join(root, 'size-4097'), join(root, 'links', 'hard-2'));
  symlinkSync('../size-1', join(root, 'links', 'fast'));
  symlinkSync(`${'long-component/'.repeat(6)}target`, join(root, 'links', 'slow'));
  symlinkSync('/etc/passwd', join(root, 'links', 'absolute'));
  execFileSync('mkfifo', [join(root, 'links', 'fifo')]);
  if (isRoot) {
    execFileSync('mknod', [join(root, 'links', 'tty'), 'c', '4', '5']);
    execFileSync('mknod', [join(root, 'links', 'disk'), 'b', '259', '3']);
    chownSync(join(root, 'secret'), 1000, 1001);
    chownSync(join(root, 'dir', 'sub'), 123, 456);
  }
  const fd = openSync(join(root, 'sparse'), 'w');
  writeSync(fd, patternBytes(3000, 9), 0, 3000, 1 << 20);
  writeSync(fd, patternBytes(5000, 10), 0, 5000, (8 << 20) - 5000);
  closeSync(fd);
  utimesSync(join(root, 'size-1'), 1_000_000_000, 1_234_567_890);
  lutimesSync(join(root, 'links', 'fast'), 1_100_000_000, 1_100_000_000);
  utimesSync(join(root, 'dir'), 1_600_000_000, 1_600_000_000);
}

/** Every path below `root` ('/'-joined, relative), parents first, sorted. */
export function listTree(root: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, rel)).sort()) {
    const path = rel === '' ? name : `${rel}/${name}`;
    out.push(path);
    if (lstatSync(join(root, path)).isDirectory()) out.push(...listTree(root, path));
  }
  return out;
}

/** What the comparison looks at for one path. */
export interface Described {
  path: string;
  mode: number;
  size?: number;
  nlink?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  rdev?: number;
  sha?: string;
  target?: string;
}

/** One path's facts; owners and mtimes (seconds) only when asked. */
export function describePath(root: string, rel: string, what: { owners?: boolean; times?: boolean } = {}): Described {
  const st = lstatSync(join(root, rel));
  const d: Described = { path: rel, mode: st.mode };
  if (!st.isDirectory()) d.nlink = st.nlink;
  if (st.isFile()) {
    d.size = st.size;
    d.sha = createHash('sha256').update(readFileSync(join(root, rel))).digest('hex');
  }
  if (st.isSymbolicLink()) d.target = readlinkSync(join(root, rel));
  if (st.isCharacterDevice() || st.isBlockDevice()) d.rdev = st.rdev;
  if (what.owners) {
    d.uid = st.uid;
    d.gid = st.gid;
  }
  if (what.times && !st.isSymbolicLink()) d.mtime = Math.floor(st.mtimeMs / 1000);
  return d;
}

/** Facts of every path of a tree. */
export function describeTree(root: string, what: { owners?: boolean; times?: boolean } = {}): Described[] {
  return listTree(root).map((rel) => describePath(root, rel, what));
}
