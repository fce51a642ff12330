// DAX reads from a memory device against a plain copy loop, in one run.
//
//   npm run bench -w @iomap/dax          (builds first, measures dist/)
//   BENCH_SOURCE=src npx tsx bench/dax.bench.ts
//
// Ours: daxRw reads of a file stored on a MemoryBlockDevice — per call one
// iomapBegin/iomapEnd pair, a directAccess view and one copy into the
// caller's buffer. Baseline: the same copies done by hand, `out.set()` from
// the device memory at the same addresses, with no iomap at all. The ratio
// (ours / baseline throughput) is therefore the price of the engine over a
// bare memcpy; 1.0 is the ceiling.
//
// The filesystem is a one-extent file (a trivial IomapOps), so the numbers
// measure the DAX engine, not a filesystem's extent lookup. The comparison
// the DAX issue asks for — DAX against buffered reads served from the page
// cache (one copy instead of two) — is added when @iomap/buffered lands.
//
// Environment: BENCH_FILE_MIB (default 32), BENCH_ROUNDS (default 5, median reported).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { IomapType, MemoryBlockDevice, PAGE_SIZE, type IomapMapping, type IomapOps } from '@iomap/core';

type Api = typeof import('../src/index.js');
const fromSource = process.env['BENCH_SOURCE'] === 'src';
const entry = new URL(fromSource ? '../src/index.ts' : '../dist/index.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  throw new Error(`${fileURLToPath(entry)} is missing: run \`npm run build\` (npm run bench builds first)`);
}
const { DaxFile, daxRw } = (await import(entry.href)) as Api;

const MiB = 1024 * 1024;
const fileBytes = envInt('BENCH_FILE_MIB', 32) * MiB;
const rounds = envInt('BENCH_ROUNDS', 5);
const base = PAGE_SIZE; // device address of file byte 0

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`${name} must be a positive integer, got ${raw}`);
  return value;
}

/** mulberry32, so both sides read the same random positions. */
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

const device = new MemoryBlockDevice({ size: base + fileBytes });
for (let i = 0; i < fileBytes; i += 4096) device.bytes[base + i] = i & 0xff;

/** One MAPPED extent covering the whole file, as a filesystem with a contiguous file answers. */
const ops: IomapOps<string> = {
  async iomapBegin(): Promise<IomapMapping> {
    return { offset: 0, length: fileBytes, addr: base, type: IomapType.Mapped, flags: 0, device, daxDevice: device };
  },
  async iomapEnd(): Promise<void> {},
};
const file = new DaxFile({ inode: 'bench', ops, size: () => fileBytes, blockSize: PAGE_SIZE });

interface Workload {
  name: string;
  size: number;
  positions: number[];
}

function sequential(size: number, totalBytes: number): number[] {
  const count = Math.max(1, Math.floor(totalBytes / size));
  return Array.from({ length: count }, (_, i) => (i * size) % (fileBytes - size + 1));
}

function random(size: number, count: number): number[] {
  const next = seeded(42);
  return Array.from({ length: count }, () => Math.floor(next() * (fileBytes / size)) * size);
}

const workloads: Workload[] = [
  { name: 'sequential 4 KiB reads', size: 4096, positions: sequential(4096, 64 * MiB) },
  { name: 'sequential 64 KiB reads', size: 64 * 1024, positions: sequential(64 * 1024, 256 * MiB) },
  { name: 'sequential 1 MiB reads', size: MiB, positions: sequential(MiB, 512 * MiB) },
  { name: 'random 4 KiB reads', size: 4096, positions: random(4096, 16384) },
];

async function ours(w: Workload, out: Uint8Array): Promise<number> {
  const t0 = performance.now();
  for (const pos of w.positions) await daxRw(file, { pos }, out);
  return performance.now() - t0;
}

async function baseline(w: Workload, out: Uint8Array): Promise<number> {
  const bytes = device.bytes;
  const t0 = performance.now();
  for (const pos of w.positions) out.set(bytes.subarray(base + pos, base + pos + out.length));
  return performance.now() - t0;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

const rows: string[][] = [['workload', 'ours', 'baseline', 'ratio']];
for (const w of workloads) {
  const out = new Uint8Array(w.size);
  await ours(w, out); // warm up both
  await baseline(w, out);
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < rounds; r++) {
    a.push(await ours(w, out));
    b.push(await baseline(w, out));
  }
  const mb = (w.positions.length * w.size) / MiB;
  const oursRate = mb / (median(a) / 1000);
  const baseRate = mb / (median(b) / 1000);
  rows.push([w.name, `${oursRate.toFixed(0)} MiB/s`, `${baseRate.toFixed(0)} MiB/s`, `${(oursRate / baseRate).toFixed(2)}×`]);
}

const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
console.log(`DAX reads (${fromSource ? 'src' : 'dist'}), ${fileBytes / MiB} MiB file on a MemoryBlockDevice, median of ${rounds} rounds; baseline: plain copy loop from device memory`);
for (const [i, row] of rows.entries()) {
  console.log(row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  '));
  if (i === 0) console.log(widths.map((n) => '-'.repeat(n)).join('  '));
}
