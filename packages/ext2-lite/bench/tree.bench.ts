// ext2-lite writing the 10,000-file tree (ANCHORS.md: 10,000 x 4 KiB files
// in 100 dirs), against e2fsprogs and the kernel on the same machine, in the
// same run:
//
//   npm run bench:tree -w @iomap/ext2-lite
//
//  - copy: format a fresh 1 GiB sparse image and copy the host tree into it
//    (mkdir + writeFile per file, then unmount: everything on the image),
//    against `mke2fs -t ext2 -b 4096 -d tree` (which also formats).
//    Target: >= 1x mke2fs -d's files/s. Three ways of ours: every call awaited
//    in turn, each directory's 100 writeFiles in flight at once, and the
//    bulk builder (ImageBuilder: format and lay the tree out directly, no
//    mount - what `ext2-lite mkfs -d` does; files read synchronously into
//    one reused buffer, as mkfs -d reads small host files).
//  - delete: mount an image made by `mke2fs -d`, fs.promises.rm each of the
//    100 directories (recursive), unmount; again with the filesystem's
//    removeContents hidden (rm -r entry by entry); against debugfs -f
//    (rm/rmdir script) and, as root, the kernel (mount -o loop, rm -rf, umount).
//    Target: >= 50,000 files/s.
//  - optional, as root: the kernel's copy (mount -o loop, cp -r, umount).
//
// Every round alternates who goes first; the table shows medians of
// BENCH_ROUNDS rounds (default 5) and ours / baseline ratios. After timing,
// the copied image is checked (e2fsck -fn; every file read back).
//
// The script builds the package first and measures dist/ (BENCH_SOURCE=src
// measures the TypeScript sources). Environment: BENCH_DIR (temp dir
// parent, default os.tmpdir()), BENCH_ROUNDS, BENCH_KERNEL=0 to skip the
// kernel rows.
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, readdirSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsError } from '@iomap/core';
import { FileDevice } from '@iomap/blockdev-node';
import { envInt, fromSource, hostTool, loadExt2Lite } from './bench-api.js';

const { mount, mkfs, ImageBuilder } = await loadExt2Lite('bench:tree');

const DIRS = 100;
const FILES_PER_DIR = 100;
const FILES = DIRS * FILES_PER_DIR;
const FILE_BYTES = 4096;
const IMAGE_BYTES = 1 << 30;
const rounds = envInt('BENCH_ROUNDS', 5);
const isRoot = process.getuid?.() === 0;
const kernel = process.env['BENCH_KERNEL'] !== '0' && isRoot && spawnSync('losetup', ['-f'], { stdio: 'pipe' }).status === 0;



/** Deterministic 4 KiB contents per file (never all zero). */
function fileBytes(d: number, f: number): Uint8Array {
  const out = new Uint8Array(FILE_BYTES);
  let x = (d * 1000 + f + 1) >>> 0;
  for (let i = 0; i < out.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff || 1;
  }
  return out;
}

const dirName = (d: number): string => `d${String(d).padStart(3, '0')}`;
const fileName = (f: number): string => `f${String(f).padStart(3, '0')}`;

function makeTree(root: string): void {
  for (let d = 0; d < DIRS; d++) {
    mkdirSync(join(root, dirName(d)), { recursive: true });
    for (let f = 0; f < FILES_PER_DIR; f++) writeFileSync(join(root, dirName(d), fileName(f)), fileBytes(d, f));
  }
}

/** The fs.promises calls the copy and delete use. */
interface WriteFsp {
  mkdir(path: string): Promise<unknown>;
  writeFile(path: string, data: Uint8Array): Promise<void>;
  readdir(path: string): Promise<string[]>;
  readFile(path: string): Promise<Uint8Array>;
  rm(path: string, options: { recursive: boolean }): Promise<void>;
}

/** ext2-lite: format (mkfs on a new sparse 1 GiB image), mount, copy the host tree, unmount. Returns seconds. */
async function oursCopy(src: string, image: string, parallel: boolean): Promise<number> {
  rmSync(image, { force: true });
  const start = performance.now();
  const device = await FileDevice.open(image, { create: true, size: IMAGE_BYTES });
  try {
    await mkfs(device, { blockSize: 4096, assumeZeroed: true });
    const fs = await mount(device, { readOnly: false });
    const fsp = fs.promises as unknown as WriteFsp;
    for (const dir of readdirSync(src).sort()) {
      await fsp.mkdir(`/${dir}`);
      const names = readdirSync(join(src, dir)).sort();
      if (parallel) {
        await Promise.all(names.map((name) => fsp.writeFile(`/${dir}/${name}`, readFileSync(join(src, dir, name)))));
      } else {
        for (const name of names) await fsp.writeFile(`/${dir}/${name}`, readFileSync(join(src, dir, name)));
      }
    }
    await fs.unmount();
  } finally {
    await device.close();
  }
  return (performance.now() - start) / 1000;
}

/** A file of at most `scratch.length` bytes, read into `scratch` (the view is valid until the next call). */
function readSmallFile(path: string, scratch: Uint8Array): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    // A short read is the end of a regular file: one read for a small file.
    let done = 0;
    for (let want = scratch.length; want > 0; ) {
      const n = readSync(fd, scratch, done, want, done);
      done += n;
      want = n < want ? 0 : scratch.length - done;
    }
    if (done === scratch.length) throw new FsError('EFBIG', `${path} is larger than the ${scratch.length}-byte read buffer`);
    return scratch.subarray(0, done);
  } finally {
    closeSync(fd);
  }
}

/** ext2-lite's bulk builder: ImageBuilder on a new sparse 1 GiB image, the host tree added in order, finish. Returns seconds. */
async function oursBuild(src: string, image: string): Promise<number> {
  rmSync(image, { force: true });
  const start = performance.now();
  const device = await FileDevice.open(image, { create: true, size: IMAGE_BYTES });
  try {
    const b = await ImageBuilder.create(device, { blockSize: 4096, assumeZeroed: true });
    const scratch = new Uint8Array(1 << 20);
    for (const dir of readdirSync(src).sort()) {
      const ino = b.mkdir(b.rootIno, dir, { perm: 0o755 });
      for (const name of readdirSync(join(src, dir)).sort()) await b.addFile(ino, name, { perm: 0o644 }, readSmallFile(join(src, dir, name), scratch));
    }
    await b.finish();
  } finally {
    await device.close();
  }
  return (performance.now() - start) / 1000;
}

/** Wall seconds of a command. */
function timed(cmd: string, args: string[], input?: string): number {
  const start = performance.now();
  execFileSync(cmd, args, { stdio: ['pipe', 'ignore', 'pipe'], ...(input === undefined ? {} : { input }) });
  return (performance.now() - start) / 1000;
}

/** Copies an image keeping it sparse (as `cp --sparse=always`; a plain copy would write the whole 1 GiB). */
function copySparse(from: string, to: string): void {
  execFileSync('cp', ['--sparse=always', from, to]);
}

function mke2fsD(src: string, image: string): number {
  rmSync(image, { force: true });
  return timed(hostTool('mke2fs'), ['-q', '-F', '-t', 'ext2', '-b', '4096', '-d', src, image, '1G']);
}

function kernelCopy(src: string, image: string, mnt: string): number {
  rmSync(image, { force: true });
  execFileSync(hostTool('mke2fs'), ['-q', '-F', '-t', 'ext2', '-b', '4096', image, '1G'], { stdio: 'pipe' });
  const start = performance.now();
  execFileSync('mount', ['-t', 'ext2', '-o', 'loop', image, mnt]);
  try {
    execFileSync('cp', ['-r', `${src}/.`, `${mnt}/`]);
  } finally {
    execFileSync('umount', [mnt]);
  }
  return (performance.now() - start) / 1000;
}

/**
 * ext2-lite: mount the mke2fs -d image, rm -r every directory, unmount.
 * `perEntry` hides the filesystem's removeContents, so rm -r looks up,
 * checks and unlinks each entry (what it did before that operation).
 */
async function oursDelete(image: string, perEntry = false): Promise<number> {
  const start = performance.now();
  const device = await FileDevice.open(image);
  try {
    const fs = await mount(device, { readOnly: false });
    if (perEntry) Object.defineProperty(fs, 'removeContents', { value: undefined });
    const fsp = fs.promises as unknown as WriteFsp;
    for (let d = 0; d < DIRS; d++) await fsp.rm(`/${dirName(d)}`, { recursive: true });
    await fs.unmount();
  } finally {
    await device.close();
  }
  return (performance.now() - start) / 1000;
}

function debugfsDelete(image: string, script: string): number {
  return timed(hostTool('debugfs'), ['-w', '-f', script, image]);
}

function kernelDelete(image: string, mnt: string): number {
  const start = performance.now();
  execFileSync('mount', ['-t', 'ext2', '-o', 'loop', image, mnt]);
  try {
    execFileSync('rm', ['-rf', ...Array.from({ length: DIRS }, (_, d) => join(mnt, dirName(d)))]);
  } finally {
    execFileSync('umount', [mnt]);
  }
  return (performance.now() - start) / 1000;
}

function fsckClean(image: string, what: string): void {
  const r = spawnSync(hostTool('e2fsck'), ['-fn', image], { encoding: 'utf8' });
  if (r.status !== 0) throw new FsError('EUCLEAN', `${what}: e2fsck -fn exited ${r.status}:\n${r.stdout}${r.stderr}`);
}

/** Reads every file back through a read-only ext2-lite mount and compares it with the source. */
async function verifyTree(image: string, expectDirs: boolean): Promise<void> {
  const device = await FileDevice.open(image, { readOnly: true });
  try {
    const fs = await mount(device, { readOnly: true });
    const fsp = fs.promises as unknown as WriteFsp;
    const top = (await fsp.readdir('/')).filter((n) => n !== 'lost+found');
    if (!expectDirs) {
      if (top.length !== 0) throw new FsError('EIO', `the tree was not deleted: ${top.length} entries left`);
    } else {
      if (top.length !== DIRS) throw new FsError('EIO', `${top.length} directories, expected ${DIRS}`);
      for (let d = 0; d < DIRS; d++) {
        for (let f = 0; f < FILES_PER_DIR; f++) {
          const got = new Uint8Array(await fsp.readFile(`/${dirName(d)}/${fileName(f)}`));
          const want = fileBytes(d, f);
          if (got.length !== want.length || got.some((b, i) => b !== want[i])) throw new FsError('EIO', `/${dirName(d)}/${fileName(f)} differs from the source`);
        }
      }
    }
    await fs.unmount();
  } finally {
    await device.close();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** Runs the contenders `rounds` times, rotating who goes first; returns each one's median seconds. */
async function compete(contenders: (() => number | Promise<number>)[]): Promise<number[]> {
  const times = contenders.map((): number[] => []);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < contenders.length; k++) {
      const i = (k + r) % contenders.length;
      (times[i] as number[]).push(await (contenders[i] as () => number | Promise<number>)());
    }
  }
  return times.map(median);
}

const row = (cells: (string | number)[]): string => `| ${cells.join(' | ')} |`;
const rate = (seconds: number): string => Math.round(FILES / seconds).toLocaleString('en-US');

async function main(): Promise<void> {
  const dir = await mkdtemp(join(process.env['BENCH_DIR'] ?? tmpdir(), 'ext2-lite-tree-bench-'));
  const mnt = join(dir, 'mnt');
  mkdirSync(mnt);
  try {
    const src = join(dir, 'tree');
    makeTree(src);
    const ours = join(dir, 'ours.img');
    const theirs = join(dir, 'mke2fs.img');
    const kimg = join(dir, 'kernel.img');
    const lines = [row(['workload', 'tool', 'median s', 'files/s', 'ext2-lite ÷ this']), '|---|---|---:|---:|---:|'];

    // Copy the tree into a fresh image.
    const copyContenders: [string, () => number | Promise<number>][] = [
      ['ext2-lite: mkfs + mount + mkdir/writeFile awaited one by one + unmount', () => oursCopy(src, ours, false)],
      ['ext2-lite: mkfs + mount + each directory\'s 100 writeFiles in flight + unmount', () => oursCopy(src, ours, true)],
      ['ext2-lite: ours, bulk builder (ImageBuilder: format + lay out the tree, no mount)', () => oursBuild(src, ours)],
      ['mke2fs -t ext2 -b 4096 -d (formats too)', () => mke2fsD(src, theirs)],
      ...(kernel ? [['kernel: mount -o loop + cp -r + umount (after mke2fs)', () => kernelCopy(src, kimg, mnt)] as [string, () => number]] : []),
    ];
    const copy = await compete(copyContenders.map(([, run]) => run));
    const bestMounted = Math.min(copy[0] as number, copy[1] as number);
    const built = copy[2] as number;
    const mke2fsSeconds = copy[3] as number;
    copyContenders.forEach(([name], i) => {
      const s = copy[i] as number;
      // Baselines are divided by the best mounted copy; the builder's row shows the builder ÷ mke2fs -d instead.
      const ratio = i < 2 ? '' : i === 2 ? `${(s / mke2fsSeconds).toFixed(2)} (÷ mke2fs -d)` : (s / bestMounted).toFixed(2);
      lines.push(row([i === 0 ? `copy ${FILES.toLocaleString('en-US')} x 4 KiB files in ${DIRS} dirs into a fresh 1 GiB image` : '', name, s.toFixed(3), rate(s), ratio]));
    });
    await oursBuild(src, ours);
    fsckClean(ours, 'the built image');
    await verifyTree(ours, true);
    // The copies hold the tree (checked after timing).
    await oursCopy(src, ours, true);
    fsckClean(ours, 'the copied image');
    await verifyTree(ours, true);

    // Delete the tree.
    mke2fsD(src, theirs);
    const pristine = join(dir, 'pristine.img');
    copySparse(theirs, pristine);
    const script = join(dir, 'delete.cmds');
    const cmds: string[] = [];
    for (let d = 0; d < DIRS; d++) {
      for (let f = 0; f < FILES_PER_DIR; f++) cmds.push(`rm /${dirName(d)}/${fileName(f)}`);
      cmds.push(`rmdir /${dirName(d)}`);
    }
    writeFileSync(script, `${cmds.join('\n')}\n`);
    const victim = join(dir, 'victim.img');
    const fresh = (): void => copySparse(pristine, victim);
    const deleteContenders: [string, () => number | Promise<number>][] = [
      ['ext2-lite: mount + fs.promises.rm(dir, { recursive }) x 100 + unmount', async () => (fresh(), await oursDelete(victim))],
      ['ext2-lite: the same, entry by entry (removeContents hidden)', async () => (fresh(), await oursDelete(victim, true))],
      ['debugfs -w -f (rm + rmdir script)', () => (fresh(), debugfsDelete(victim, script))],
      ...(kernel ? [['kernel: mount -o loop + rm -rf + umount', () => (fresh(), kernelDelete(victim, mnt))] as [string, () => number]] : []),
    ];
    const del = await compete(deleteContenders.map(([, run]) => run));
    deleteContenders.forEach(([name], i) => {
      const s = del[i] as number;
      lines.push(row([i === 0 ? `delete the ${FILES.toLocaleString('en-US')}-file tree (image from mke2fs -d)` : '', name, s.toFixed(3), rate(s), i === 0 ? '' : (s / (del[0] as number)).toFixed(2)]));
    });
    fresh();
    await oursDelete(victim);
    fsckClean(victim, 'the image after the delete');
    await verifyTree(victim, false);

    const cpu = cpus()[0]?.model ?? 'unknown CPU';
    console.log(
      `ext2-lite tree benchmark, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpu} x${cpus().length}, ` +
        `${fromSource ? 'src via tsx' : 'dist'}, 4 KiB blocks, images in ${dir.slice(0, dir.lastIndexOf('/'))} (host page cache warm), median of ${rounds} rounds\n`,
    );
    console.log(lines.join('\n'));
    const copyRatio = mke2fsSeconds / bestMounted;
    const buildRatio = mke2fsSeconds / built;
    const deleteRate = FILES / (del[0] as number);
    console.log(
      `\ncopy: ext2-lite (mounted) ${copyRatio.toFixed(2)}x mke2fs -d's files/s, bulk builder ${buildRatio.toFixed(2)}x (target >= 1x: ${buildRatio >= 1 ? 'met' : 'NOT met'}); ` +
        `delete: ${Math.round(deleteRate).toLocaleString('en-US')} files/s (target >= 50,000: ${deleteRate >= 50_000 ? 'met' : 'NOT met'})`,
    );
  } finally {
    spawnSync('umount', [mnt], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
