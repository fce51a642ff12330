// FileDevice against a bare FileHandle loop, on the same file in the same run.
//
//   npm run bench -w @iomap/blockdev-node
//
// The script builds the package first and measures dist/ (the JavaScript
// users run): under tsx every closure our source creates costs ~0.9 µs
// (esbuild's keepNames wraps it in __name), which the baseline, Node's own
// code, never pays. BENCH_SOURCE=src measures the TypeScript sources instead.
//
// Environment: BENCH_FILE_MIB (file size, default 256), BENCH_DIR (where the
// temp file goes, default os.tmpdir()), BENCH_ROUNDS (default 5; each
// round is 16 slices, the median slice is reported), BENCH_RANDOM_READS
// (random 4 KiB reads per round, default 20000).
//
// Both sides run one request at a time (await in a loop), except the queue
// depth table, where 32 callers keep requests outstanding and the device's
// queueDepth bounds how many reach libuv. The file is written once before
// measuring, so reads come from the page cache on both sides: this measures
// the software overhead of the device, which is what it adds to any disk.
import { existsSync } from 'node:fs';
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FsError } from '@iomap/core';
import type { FileDevice, FileDeviceOptions } from '../src/index.js';

type Api = typeof import('../src/index.js');
const fromSource = process.env['BENCH_SOURCE'] === 'src';
const entry = new URL(fromSource ? '../src/index.ts' : '../dist/index.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  throw new FsError('ENOENT', 'the built package is missing; run `npm run build` (npm run bench builds first)', {
    path: fileURLToPath(entry),
  });
}
const { FileDevice: Device, DEFAULT_QUEUE_DEPTH, DEFAULT_SYNC_MAX_BYTES } = (await import(entry.href)) as Api;

const MiB = 1024 * 1024;
const fileBytes = envInt('BENCH_FILE_MIB', 256) * MiB;
const rounds = envInt('BENCH_ROUNDS', 5);
const randomReads = envInt('BENCH_RANDOM_READS', 20000);

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new FsError('EINVAL', `${name} must be a positive integer, got ${raw}`);
  }
  return value;
}

/** mulberry32: a small seeded generator, so both sides read the same positions. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomPositions(count: number, block: number): number[] {
  const next = seeded(42);
  const blocks = fileBytes / block;
  return Array.from({ length: count }, () => Math.floor(next() * blocks) * block);
}

/** Work on one slice of a workload; returns the bytes moved. */
type Slice = (slice: number) => Promise<number>;

interface Side {
  read(pos: number, buf: Uint8Array): Promise<unknown>;
  write(pos: number, buf: Uint8Array): Promise<unknown>;
}

function deviceSide(dev: FileDevice): Side {
  return { read: (pos, buf) => dev.read(pos, buf), write: (pos, buf) => dev.write(pos, buf) };
}

/** The baseline: the FileHandle calls a careful user would write by hand. */
function handleSide(fh: FileHandle): Side {
  return {
    read: (pos, buf) => fh.read(buf, 0, buf.length, pos),
    write: (pos, buf) => fh.write(buf, 0, buf.length, pos),
  };
}

/** The file is cut into SLICES parts; the two sides take turns slice by slice. */
const SLICES = 16;

/**
 * One buffer per size, shared by both sides: separately allocated buffers can
 * differ in page backing (transparent huge pages or not), which measurably
 * changes the kernel's copy speed at 1 MiB and would bias the comparison.
 */
const buffers = new Map<number, Uint8Array>();
function sharedBuffer(block: number): Uint8Array {
  let buf = buffers.get(block);
  if (buf === undefined) {
    buf = new Uint8Array(block).fill(0x5a);
    buffers.set(block, buf);
  }
  return buf;
}

function sequential(side: Side, write: boolean, block: number): Slice {
  const buf = sharedBuffer(block);
  const sliceBytes = fileBytes / SLICES;
  return async (slice) => {
    const end = (slice + 1) * sliceBytes;
    for (let pos = slice * sliceBytes; pos < end; pos += block)
      await (write ? side.write(pos, buf) : side.read(pos, buf));
    return sliceBytes;
  };
}

function random(side: Side, positions: readonly number[], block: number): Slice {
  const buf = sharedBuffer(block);
  const per = Math.ceil(positions.length / SLICES);
  return async (slice) => {
    const mine = positions.slice(slice * per, (slice + 1) * per);
    for (const pos of mine) await side.read(pos, buf);
    return mine.length * block;
  };
}

/** `callers` loops sharing the slice's positions, each awaiting its own reads. */
function concurrent(side: Side, positions: readonly number[], block: number, callers: number): Slice {
  const per = Math.ceil(positions.length / SLICES);
  return async (slice) => {
    const mine = positions.slice(slice * per, (slice + 1) * per);
    let next = 0;
    await Promise.all(
      Array.from({ length: callers }, async () => {
        const buf = new Uint8Array(block);
        while (next < mine.length) await side.read(mine[next++] as number, buf);
      }),
    );
    return mine.length * block;
  };
}

/** Per-slice throughputs of one side. */
class Tally {
  private readonly speeds: number[] = [];

  async time(run: Slice, slice: number): Promise<void> {
    const start = performance.now();
    const bytes = await run(slice);
    this.speeds.push(bytes / MiB / ((performance.now() - start) / 1000));
  }

  /** The median slice: robust against a slice that a GC pause or a busy neighbour hit. */
  get mibPerSecond(): number {
    const sorted = [...this.speeds].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] as number;
  }
}

/**
 * Runs every setup over every slice, `rounds` times, taking turns slice by
 * slice (rotating who goes first), so background load on a shared machine
 * hits all setups alike. Returns each setup's median slice in MiB/s.
 */
async function interleaved(runs: readonly Slice[]): Promise<number[]> {
  for (let slice = 0; slice < SLICES; slice++) for (const run of runs) await run(slice); // warm-up, not counted
  const tallies = runs.map(() => new Tally());
  for (let r = 0; r < rounds; r++) {
    for (let slice = 0; slice < SLICES; slice++) {
      for (let k = 0; k < runs.length; k++) {
        const i = (k + r + slice) % runs.length;
        await (tallies[i] as Tally).time(runs[i] as Slice, slice);
      }
    }
  }
  return tallies.map((t) => t.mibPerSecond);
}

/** Ours against the baseline: [ours, baseline] in MiB/s. */
async function compare(ours: Slice, baseline: Slice): Promise<[number, number]> {
  const [a, b] = await interleaved([ours, baseline]);
  return [a as number, b as number];
}

function row(cells: (string | number)[]): string {
  return `| ${cells.map((c) => (typeof c === 'number' ? c.toFixed(0) : c)).join(' | ')} |`;
}

async function withDevice<T>(
  path: string,
  options: FileDeviceOptions,
  body: (dev: FileDevice) => Promise<T>,
): Promise<T> {
  const dev = await Device.open(path, options);
  try {
    return await body(dev);
  } finally {
    await dev.close();
  }
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(process.env['BENCH_DIR'] ?? tmpdir(), 'iomap-bench-'));
  const path = join(dir, 'bench.img');
  const fh = await open(path, 'w+');
  try {
    const fill = sequential(handleSide(fh), true, MiB);
    for (let slice = 0; slice < SLICES; slice++) await fill(slice); // allocate every block before measuring
    const base = handleSide(fh);
    const positions = randomPositions(randomReads, 4096);
    const lines: string[] = [];
    lines.push(row(['workload', 'ours (MiB/s)', 'baseline (MiB/s)', 'ratio']), '|---|---:|---:|---:|');
    const add = (name: string, [ours, baseline]: [number, number]): void => {
      lines.push(row([name, ours, baseline, (ours / baseline).toFixed(2)]));
    };
    await withDevice(path, { exclusive: false }, async (dev) => {
      const ours = deviceSide(dev);
      add('sequential write 1 MiB', await compare(sequential(ours, true, MiB), sequential(base, true, MiB)));
      add('sequential read 1 MiB', await compare(sequential(ours, false, MiB), sequential(base, false, MiB)));
      add('sequential write 64 KiB', await compare(sequential(ours, true, 65536), sequential(base, true, 65536)));
      add('sequential read 64 KiB', await compare(sequential(ours, false, 65536), sequential(base, false, 65536)));
      add('random read 4 KiB', await compare(random(ours, positions, 4096), random(base, positions, 4096)));
    });
    await withDevice(path, { exclusive: false, syncMaxBytes: 0 }, async (dev) => {
      const ours = deviceSide(dev);
      add(
        'random read 4 KiB, async only (syncMaxBytes 0)',
        await compare(random(ours, positions, 4096), random(base, positions, 4096)),
      );
    });

    // Queue depths, all measured in one interleaved run: 32 callers keep
    // random 4 KiB reads outstanding; the device lets queueDepth of them reach
    // libuv (async path only), next to the default sync path and bare
    // FileHandle reads with all 32 in flight.
    const depths = [1, 2, 4, 8, 16];
    const setups: FileDeviceOptions[] = [
      ...depths.map((queueDepth) => ({ exclusive: false, syncMaxBytes: 0, queueDepth })),
      { exclusive: false },
    ];
    const devices = await Promise.all(setups.map((o) => Device.open(path, o)));
    let speeds: number[];
    try {
      const runs = devices.map((dev) => concurrent(deviceSide(dev), positions, 4096, 32));
      speeds = await interleaved([...runs, concurrent(base, positions, 4096, 32)]);
    } finally {
      await Promise.all(devices.map((dev) => dev.close()));
    }
    const depthOne = speeds[0] as number;
    const names = [
      ...depths.map((d) => `queueDepth ${d}, async`),
      `default (sync calls up to ${DEFAULT_SYNC_MAX_BYTES / 1024} KiB)`,
      'bare FileHandle, 32 in flight',
    ];
    const depthLines = [row(['random read 4 KiB, 32 callers', 'MiB/s', 'vs depth 1']), '|---|---:|---:|'];
    names.forEach((name, i) =>
      depthLines.push(row([name, speeds[i] as number, ((speeds[i] as number) / depthOne).toFixed(2)])),
    );

    const cpu = cpus()[0]?.model ?? 'unknown CPU';
    const what = fromSource ? 'src via tsx' : 'dist';
    console.log(
      `FileDevice benchmark, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpu} x${
        cpus().length
      }, ` +
        `${what}, file ${fileBytes / MiB} MiB (page cache), median of ${rounds}x${SLICES} slices taken in turns, ` +
        `default queueDepth ${DEFAULT_QUEUE_DEPTH}\n`,
    );
    console.log(lines.join('\n'));
    console.log('');
    console.log(depthLines.join('\n'));
  } finally {
    await fh.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
