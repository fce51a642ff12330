// ext2-lite read paths against the bare FileHandle loop on the same image, in one run.
//
//   npm run bench -w @iomap/ext2-lite
//
// The script builds the package first and measures dist/ (the JavaScript
// users run; under tsx every closure of our source would pay esbuild's
// keepNames wrapper, which Node's own code never pays). BENCH_SOURCE=src
// measures the TypeScript sources instead. @iomap/blockdev-node is imported
// from its dist (build it first: `npm run build -w @iomap/blockdev-node`).
//
// Images are built with `mke2fs -t ext2 -b 4096 -d` in a temp dir (sparse
// 1 GiB files), so both sides read the same bytes from the host page cache:
//
//  - sequential read: a 256 MiB file through `.promises` FileHandle.read in
//    1 MiB chunks, against bare `FileHandle.read` 1 MiB calls over the same
//    number of bytes of the image file. The file is cut into 16 slices; the
//    two sides take turns slice by slice for BENCH_ROUNDS rounds and the
//    median slice is reported (as packages/blockdev-node's bench does).
//  - tree: mount, readdir + readFile of 10,000 x 4 KiB files in 100 dirs,
//    unmount (a fresh mount each time: nothing cached in the process),
//    against a bare FileHandle loop of 10,000 awaited 4 KiB reads of the
//    image (the least an awaited per-file read can cost). Target: 25,000
//    files/s (kernel loop mount + find -exec cat: ~10,900 files/s, ANCHORS.md).
//
// Environment: BENCH_DIR (temp dir parent, default os.tmpdir()),
// BENCH_ROUNDS (default 7), BENCH_FILE_MIB (default 256), BENCH_ONLY (seq or tree).
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, open, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsError } from '@iomap/core';
import { FileDevice } from '@iomap/blockdev-node';
import { envInt, fromSource, loadExt2Lite } from './bench-api.js';

const { mount } = await loadExt2Lite('bench');

const MiB = 1024 * 1024;
const FILES_PER_DIR = 100;
const DIRS = 100;
const SLICES = 16;
const rounds = envInt('BENCH_ROUNDS', 7);
const fileBytes = envInt('BENCH_FILE_MIB', 256) * MiB;
/** BENCH_ONLY=seq or tree runs one workload. */
const only = process.env['BENCH_ONLY'] ?? '';


/** Deterministic bytes (xorshift32), so the images hold data, not zeros. */
function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  const words = new Uint32Array(out.buffer, 0, length >>> 2);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x;
  }
  return out;
}

function mke2fs(image: string, source: string): void {
  execFileSync('mke2fs', ['-q', '-F', '-t', 'ext2', '-b', '4096', '-d', source, image, '1G'], {
    stdio: 'pipe',
    env: {
      ...process.env,
      PATH: `${process.env['PATH'] ?? ''}:/usr/sbin:/sbin`,
    },
  });
}

/** Work on one slice of a workload; returns its units (bytes or files). */
type Slice = (slice: number) => Promise<number>;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/**
 * Runs the setups slice by slice, `rounds` times, rotating who goes first,
 * so background load hits both alike; returns each setup's median units/s.
 */
async function interleaved(runs: readonly Slice[], slices: number): Promise<number[]> {
  for (let slice = 0; slice < slices; slice++) for (const run of runs) await run(slice); // warm-up
  const speeds = runs.map((): number[] => []);
  for (let r = 0; r < rounds; r++) {
    for (let slice = 0; slice < slices; slice++) {
      for (let k = 0; k < runs.length; k++) {
        const i = (k + r + slice) % runs.length;
        const start = performance.now();
        const units = await (runs[i] as Slice)(slice);
        (speeds[i] as number[]).push(units / ((performance.now() - start) / 1000));
      }
    }
  }
  return speeds.map(median);
}

/** One buffer for both sides (page backing differences bias 1 MiB copies). */
const chunk = new Uint8Array(MiB);

function sequentialOurs(handle: { read(b: Uint8Array, o: number, l: number, p: number): Promise<unknown> }): Slice {
  const sliceBytes = fileBytes / SLICES;
  return async (slice) => {
    const end = (slice + 1) * sliceBytes;
    for (let pos = slice * sliceBytes; pos < end; pos += MiB) await handle.read(chunk, 0, MiB, pos);
    return sliceBytes / MiB;
  };
}

function sequentialBare(fh: FileHandle, base: number): Slice {
  const sliceBytes = fileBytes / SLICES;
  return async (slice) => {
    const end = base + (slice + 1) * sliceBytes;
    for (let pos = base + slice * sliceBytes; pos < end; pos += MiB) await fh.read(chunk, 0, MiB, pos);
    return sliceBytes / MiB;
  };
}

/** Mount, read every file of the tree into memory, unmount: one unit per file. */
function treeOurs(image: string, check: { bytes: number }): Slice {
  return async () => {
    const device = await FileDevice.open(image, { readOnly: true });
    let files = 0;
    try {
      const fs = await mount(device, { readOnly: true });
      const p = fs.promises;
      for (const dir of await p.readdir('/')) {
        if (dir === 'lost+found') continue;
        for (const name of await p.readdir(`/${dir}`)) {
          check.bytes += (await p.readFile(`/${dir}/${name}`)).length;
          files++;
        }
      }
      await fs.unmount();
    } finally {
      await device.close();
    }
    return files;
  };
}

/** The bare loop: one awaited 4 KiB FileHandle.read per file, over the image's data area. */
function treeBare(fh: FileHandle, base: number): Slice {
  const buf = new Uint8Array(4096);
  return async () => {
    for (let i = 0; i < DIRS * FILES_PER_DIR; i++) await fh.read(buf, 0, 4096, base + i * 4096);
    return DIRS * FILES_PER_DIR;
  };
}

function row(cells: (string | number)[]): string {
  return `| ${cells.join(' | ')} |`;
}

async function buildImages(dir: string): Promise<{ big: string; tree: string }> {
  await mkdir(join(dir, 'bigsrc'));
  // Written 1 MiB at a time: a 256 MiB buffer left to the GC would disturb the measurement.
  const bigFile = await open(join(dir, 'bigsrc', 'big.bin'), 'w');
  try {
    for (let at = 0; at < fileBytes; at += MiB) await bigFile.write(pattern(MiB, at / MiB + 7), 0, MiB, at);
  } finally {
    await bigFile.close();
  }
  for (let d = 0; d < DIRS; d++) {
    const sub = join(dir, 'treesrc', `d${String(d).padStart(3, '0')}`);
    await mkdir(sub, { recursive: true });
    for (let f = 0; f < FILES_PER_DIR; f++) await writeFile(join(sub, `f${String(f).padStart(3, '0')}`), pattern(4096, d * 1000 + f + 1));
  }
  const big = join(dir, 'big.img');
  const tree = join(dir, 'tree.img');
  mke2fs(big, join(dir, 'bigsrc'));
  mke2fs(tree, join(dir, 'treesrc'));
  return { big, tree };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(process.env['BENCH_DIR'] ?? tmpdir(), 'ext2-lite-bench-'));
  try {
    const { big, tree } = await buildImages(dir);
    const lines = [row(['workload', 'ours', 'baseline', 'ratio']), '|---|---:|---:|---:|'];

    // (a) sequential read of the 256 MiB file.
    if (only !== 'tree') {
      const device = await FileDevice.open(big, { readOnly: true });
      const bare = await open(big, 'r');
      try {
        const fs = await mount(device, { readOnly: true });
        const handle = await fs.promises.open('/big.bin');
        const extents = await fs.fiemap(await fs.inodeAt('/big.bin'), {
          start: 0,
          length: fileBytes,
        });
        const base = extents.extents[0]?.physical ?? 0;
        const [ours, baseline] = (await interleaved([sequentialOurs(handle), sequentialBare(bare, base)], SLICES)) as [number, number];
        lines.push(
          row([
            `sequential read, ${fileBytes / MiB} MiB file, 1 MiB FileHandle.read (MiB/s)`,
            ours.toFixed(0),
            `${baseline.toFixed(0)} (bare FileHandle 1 MiB loop on the image)`,
            (ours / baseline).toFixed(2),
          ])
        );
        await handle.close();
        await fs.unmount();
      } finally {
        await bare.close();
        await device.close();
      }
    }

    // (b) the 10,000-file tree.
    if (only !== 'seq') {
      const bareTree = await open(tree, 'r');
      try {
        const check = { bytes: 0 };
        const [ours, baseline] = (await interleaved([treeOurs(tree, check), treeBare(bareTree, 64 * MiB)], 1)) as [number, number];
        if (check.bytes !== (rounds + 1) * DIRS * FILES_PER_DIR * 4096) throw new FsError('EIO', `tree read returned ${check.bytes} bytes`);
        lines.push(
          row([
            `mount + readdir + readFile ${DIRS * FILES_PER_DIR} x 4 KiB files in ${DIRS} dirs + unmount (files/s; target 25,000)`,
            ours.toFixed(0),
            `${baseline.toFixed(0)} (bare FileHandle, one awaited 4 KiB read per file)`,
            (ours / baseline).toFixed(2),
          ])
        );
      } finally {
        await bareTree.close();
      }
    }

    const cpu = cpus()[0]?.model ?? 'unknown CPU';
    console.log(
      `ext2-lite read benchmark, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpu} x${cpus().length}, ` +
        `${fromSource ? 'src via tsx' : 'dist'}, images from mke2fs -t ext2 -b 4096 -d (host page cache warm), median of ${rounds} rounds\n`
    );
    console.log(lines.join('\n'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
