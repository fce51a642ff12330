// Direct I/O through @iomap/direct against a bare FileHandle loop, on the
// same image file in the same run.
//
//   npm run bench -w @iomap/direct
//
// Ours: a file stored as one extent on a FileDevice over the image file,
// mapped by an IomapOps that answers like an extent filesystem (one O(1)
// lookup, the largest mapping: the whole extent); each 1 MiB request is one
// dioRw call — argument checks, iomapBegin/iomapEnd, request building, the
// device request straight from the caller's buffer, completion. Baseline:
// `await fh.read/write(buf, 0, 1 MiB, pos)` on the same bytes of the same
// file. Both one request at a time, the same buffer, taking turns slice by
// slice (1/16 of the file); the median slice is reported. The file is
// written first, so both sides run over the page cache: this measures what
// the direct-I/O engine adds. A last row runs the same reads through the
// testkit's ExtentMapFs, whose iomapBegin walks its extent block by block
// (a test filesystem, not built for speed), to show what the mapping costs.
//
// The script builds the package and measures dist/ (the JavaScript users
// run); BENCH_SOURCE=src measures the sources under tsx.
//
// Environment: BENCH_FILE_MIB (default 256), BENCH_DIR (default os.tmpdir()),
// BENCH_ROUNDS (default 5).
import { existsSync } from 'node:fs';
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
// Benchmarks run on a real file: lint allows bench/ and tests to use the
// Node device (tag type:node-device); src/ never does.
import { FileDevice } from '@iomap/blockdev-node';
import { IomapType, type IomapMapping, type IomapOps } from '@iomap/core';
import { ExtentMapFs, type ExtentMapInode } from '@iomap/testkit';
import type { DirectIocb } from '../src/index.js';

type Api = typeof import('../src/index.js');
const fromSource = process.env['BENCH_SOURCE'] === 'src';
const entry = new URL(fromSource ? '../src/index.ts' : '../dist/index.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  throw new Error(`${fileURLToPath(entry)} is missing: run \`npm run build\` (npm run bench builds first)`);
}
const { dioRw } = (await import(entry.href)) as Api;

const MiB = 1024 * 1024;
const BLOCK = MiB;
const SLICES = 16;
const fileBytes = envInt('BENCH_FILE_MIB', 256) * MiB;
const rounds = envInt('BENCH_ROUNDS', 5);

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`${name} must be a positive integer, got ${raw}`);
  return value;
}

/** Work on one slice of a workload; returns the bytes moved. */
type Slice = (slice: number) => Promise<number>;

/** One buffer shared by both sides, so page backing cannot bias the copy speed. */
const buffer = new Uint8Array(BLOCK).fill(0x5a);

function sequential(step: (pos: number) => Promise<unknown>): Slice {
  const sliceBytes = fileBytes / SLICES;
  return async (slice) => {
    const end = (slice + 1) * sliceBytes;
    for (let pos = slice * sliceBytes; pos < end; pos += BLOCK) await step(pos);
    return sliceBytes;
  };
}

/** Median per-slice throughput of each side, taking turns (rotating who goes first). */
async function interleaved(runs: readonly Slice[]): Promise<number[]> {
  for (let slice = 0; slice < SLICES; slice++) for (const run of runs) await run(slice); // warm-up
  const speeds: number[][] = runs.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let slice = 0; slice < SLICES; slice++) {
      for (let k = 0; k < runs.length; k++) {
        const i = (k + r + slice) % runs.length;
        const start = performance.now();
        const bytes = await (runs[i] as Slice)(slice);
        (speeds[i] as number[]).push(bytes / MiB / ((performance.now() - start) / 1000));
      }
    }
  }
  return speeds.map((s) => [...s].sort((a, b) => a - b)[Math.floor(s.length / 2)] as number);
}

function row(cells: (string | number)[]): string {
  return `| ${cells.map((c) => (typeof c === 'number' ? c.toFixed(c < 10 ? 2 : 0) : c)).join(' | ')} |`;
}

/** Lays the file out contiguously with direct writes, and returns its device address. */
async function populate(fs: ExtentMapFs, file: ExtentMapInode, iocb: (pos: number, dir: 'read' | 'write') => DirectIocb<ExtentMapInode>) {
  for (let pos = 0; pos < fileBytes; pos += BLOCK) await dioRw(iocb(pos, 'write'), buffer, fs);
  await fs.fsync(file);
  const extents = fs.extents(file);
  const addr = (extents[0] as { addr: number }).addr;
  if (extents.some((e) => e.addr - addr !== e.offset)) throw new Error('expected the file to be physically contiguous');
  return addr;
}

/** An extent filesystem's answer for a file stored as one extent at `addr`: O(1), the whole extent. */
function oneExtentOps(device: FileDevice, addr: number, file: ExtentMapInode): IomapOps<ExtentMapInode> {
  return {
    async iomapBegin(_inode, pos): Promise<IomapMapping> {
      if (pos >= file.size) return { offset: pos, length: BLOCK, addr: -1, type: IomapType.Hole, flags: 0 };
      return { offset: 0, length: file.size, addr, type: IomapType.Mapped, flags: 0, device };
    },
    async iomapEnd() {},
  };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(process.env['BENCH_DIR'] ?? tmpdir(), 'iomap-direct-bench-'));
  const path = join(dir, 'image');
  const deviceBytes = fileBytes + 16 * MiB;
  const device = await FileDevice.open(path, { create: true, size: deviceBytes });
  let fh: FileHandle | undefined;
  try {
    const fs = new ExtentMapFs({ device, blockSize: 4096, reservedBlocks: 256 });
    const file = await fs.create('data');
    const iocb = (pos: number, direction: 'read' | 'write'): DirectIocb<ExtentMapInode> => ({
      inode: file, pos, direction, size: () => file.size, blockSize: 4096, device,
    });
    const addr = await populate(fs, file, iocb);
    const extent = oneExtentOps(device, addr, file);
    fh = await open(path, 'r+');
    const handle = fh;
    const readOurs = sequential((pos) => dioRw(iocb(pos, 'read'), buffer, extent));
    const readDevice = sequential((pos) => device.read(addr + pos, buffer));
    const readBase = sequential((pos) => handle.read(buffer, 0, BLOCK, addr + pos));
    const writeOurs = sequential((pos) => dioRw(iocb(pos, 'write'), buffer, extent));
    const writeDevice = sequential((pos) => device.write(addr + pos, buffer));
    const writeBase = sequential((pos) => handle.write(buffer, 0, BLOCK, addr + pos));
    const readTestkit = sequential((pos) => dioRw(iocb(pos, 'read'), buffer, fs));
    const [rOurs, rDev, rBase] = (await interleaved([readOurs, readDevice, readBase])) as [number, number, number];
    const [wOurs, wDev, wBase] = (await interleaved([writeOurs, writeDevice, writeBase])) as [number, number, number];
    const [rKit, rBase2] = (await interleaved([readTestkit, readBase])) as [number, number];
    const cpu = cpus()[0]?.model ?? 'unknown CPU';
    console.log(`Node ${process.version}, ${cpu} ×${cpus().length}, ${fileBytes / MiB} MiB file, ${rounds} rounds, ${fromSource ? 'src (tsx)' : 'dist'}\n`);
    console.log('| workload | ours (MiB/s) | baseline (MiB/s) | ratio |');
    console.log('|---|---:|---:|---:|');
    console.log(row(['direct read, 1 MiB sequential (dioRw)', rOurs, rBase, rOurs / rBase]));
    console.log(row(['direct write, 1 MiB sequential overwrite (dioRw)', wOurs, wBase, wOurs / wBase]));
    console.log(row(['  the same reads with FileDevice.read alone (no iomap)', rDev, rBase, rDev / rBase]));
    console.log(row(['  the same writes with FileDevice.write alone (no iomap)', wDev, wBase, wDev / wBase]));
    console.log(row([`direct read through the testkit's ExtentMapFs (${fileBytes / MiB} MiB extent)`, rKit, rBase2, rKit / rBase2]));
  } finally {
    await fh?.close();
    await device.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
