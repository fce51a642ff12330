// The page cache against raw devices, in one process, on the same data.
//
//   npm run bench -w @iomap/buffered
//
// Measures dist/ (what users run; `npm run bench` builds first);
// BENCH_SOURCE=src measures the TypeScript sources instead. Environment:
// BENCH_FILE_MIB (default 256), BENCH_DIR (temp file location, default
// os.tmpdir()), BENCH_BUDGET_MIB (cache budget for the cold workloads,
// default 64).
//
// The cache uses 1 MiB folios and a 4 MiB readahead window.
// Workloads (1 MiB requests on both sides, one at a time):
// - cached sequential read: a second pass over data already in the cache,
//   against copying the same bytes out of memory (Uint8Array.set);
// - cold sequential read through an identity-mapped address space over a
//   file, against a bare FileHandle read loop (the OS cache is warm for
//   both: this is the software overhead); 1 MiB requests of ranges not in
//   the cache are uncached reads (straight into the caller's buffer);
//   BENCH_COLD_REQUEST_KIB changes the request size (to pick the default
//   uncachedReadMin), BENCH_UNCACHED=0 turns uncached reads off, =1 uses them for any size;
// - sequential write + writeback + fdatasync through the cache, against a
//   bare FileHandle write loop + fdatasync; BENCH_WRITE_ROUNDS (default 5)
//   rounds of each, in turns, through one cache, compared by their medians.
import { existsSync } from 'node:fs';
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FsError, IomapType, MemoryBlockDevice, totalLength, type BlockDevice, type Iomap, type IomapOps } from '@iomap/core';

type Api = typeof import('../src/index.js');
const fromSource = process.env['BENCH_SOURCE'] === 'src';
const entry = new URL(fromSource ? '../src/index.ts' : '../dist/index.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  throw new FsError('ENOENT', 'the built package is missing; run `npm run build` (npm run bench builds first)', { path: fileURLToPath(entry) });
}
const { PageCache, bufferedRead, bufferedWrite } = (await import(entry.href)) as Api;

const MiB = 1024 * 1024;
const fileBytes = envInt('BENCH_FILE_MIB', 256) * MiB;
const budget = envInt('BENCH_BUDGET_MIB', 64) * MiB;

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) throw new FsError('EINVAL', `${name} must be a positive integer, got ${raw}`);
  return value;
}

/** A minimal BlockDevice on a FileHandle, for this benchmark only (real code uses @iomap/blockdev-node). */
class BenchFileDevice implements BlockDevice {
  readonly logicalBlockSize = 512;
  readonly readOnly = false;
  constructor(
    private readonly fh: FileHandle,
    readonly size: number,
  ) {}
  async read(pos: number, buffer: Uint8Array): Promise<void> {
    // One buffer: pread, as @iomap/blockdev-node's FileDevice does.
    const { bytesRead } = await this.fh.read(buffer, 0, buffer.length, pos);
    if (bytesRead !== buffer.length) throw new FsError('EIO', `short read ${bytesRead} of ${buffer.length} at ${pos}`);
  }
  async readv(pos: number, buffers: readonly Uint8Array[]): Promise<void> {
    if (buffers.length === 1) return this.read(pos, buffers[0] as Uint8Array);
    const want = totalLength(buffers);
    const { bytesRead } = await this.fh.readv(buffers as Uint8Array[], pos);
    if (bytesRead !== want) throw new FsError('EIO', `short read ${bytesRead} of ${want} at ${pos}`);
  }
  async write(pos: number, data: Uint8Array): Promise<void> {
    await this.writev(pos, [data]);
  }
  async writev(pos: number, buffers: readonly Uint8Array[]): Promise<void> {
    const want = totalLength(buffers);
    const { bytesWritten } = await this.fh.writev(buffers as Uint8Array[], pos);
    if (bytesWritten !== want) throw new FsError('EIO', `short write ${bytesWritten} of ${want} at ${pos}`);
  }
  async flush(): Promise<void> {
    await this.fh.datasync();
  }
  async close(): Promise<void> {
    await this.fh.close();
  }
}

/** An address space mapping file byte n to device byte n (one mapping for everything). */
function identityFile(device: BlockDevice, size: number, cacheBudget: number) {
  const map: Iomap = { offset: 0, length: device.size, addr: 0, type: IomapType.Mapped, flags: 0, device };
  const ops: IomapOps<null> = { iomapBegin: async () => ({ ...map }) };
  const cache = new PageCache({ budget: cacheBudget, maxReadahead: 4 * MiB });
  const file = cache.createAddressSpace({
    inode: null,
    ops,
    writebackOps: { writebackRange: async () => map, mappingValid: () => true },
    blockSize: 4096,
    size,
    maxFolioSize: MiB,
  });
  return { cache, file };
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

const rows: [string, number, number][] = [];
const notes: string[] = [];
const mbps = (seconds: number) => fileBytes / MiB / seconds;

async function cachedRead(): Promise<void> {
  const mem = new MemoryBlockDevice({ size: fileBytes });
  for (let i = 0; i < fileBytes; i += 4096) mem.bytes[i] = i & 0xff;
  const { file } = identityFile(mem, fileBytes, fileBytes + 64 * MiB);
  const buf = new Uint8Array(MiB);
  // Fill the cache (large reads of uncached ranges would bypass it otherwise).
  for (let pos = 0; pos < fileBytes; pos += MiB) await bufferedRead(file, pos, buf, { uncached: false });
  const ours = await timed(async () => {
    for (let pos = 0; pos < fileBytes; pos += MiB) await bufferedRead(file, pos, buf);
  });
  const base = await timed(async () => {
    for (let pos = 0; pos < fileBytes; pos += MiB) buf.set(mem.bytes.subarray(pos, pos + MiB));
  });
  rows.push(['cached sequential read, 1 MiB requests', mbps(ours), mbps(base)]);
}

async function coldRead(path: string): Promise<void> {
  const fh = await open(path, 'r+');
  const req = envInt('BENCH_COLD_REQUEST_KIB', 1024) * 1024;
  const uncachedEnv = process.env['BENCH_UNCACHED'];
  const uncached = uncachedEnv === '0' ? false : uncachedEnv === '1' ? true : undefined;
  const buf = new Uint8Array(req);
  try {
    const base = await timed(async () => {
      for (let pos = 0; pos < fileBytes; pos += req) await fh.read(buf, 0, req, pos);
    });
    const { file } = identityFile(new BenchFileDevice(fh, fileBytes), fileBytes, budget);
    const ours = await timed(async () => {
      for (let pos = 0; pos < fileBytes; pos += req) await bufferedRead(file, pos, buf, { uncached });
    });
    const how = req === MiB && uncached === undefined ? '' : `, ${req / 1024} KiB requests${uncached === false ? ', cached path' : uncached === true ? ', always uncached' : ''}`;
    rows.push([`cold sequential read (identity mapping, file${how})`, mbps(ours), mbps(base)]);
  } finally {
    await fh.close();
  }
}

/**
 * Write + writeback + flush, against the bare loop, in turns: this workload
 * swings most with other load on the machine (fdatasync, CPU for the extra
 * copy into folios), so both sides run BENCH_WRITE_ROUNDS times, the order
 * alternating, and the medians are compared.
 */
async function writeBack(path: string): Promise<void> {
  const fh = await open(path, 'r+');
  const data = new Uint8Array(MiB).fill(7);
  const rounds = envInt('BENCH_WRITE_ROUNDS', 5);
  const raw: number[] = [];
  const ours: number[] = [];
  const cpu = { raw: 0, ours: 0 }; // user + system CPU seconds of the process (libuv's threads included)
  const measured = async (side: 'raw' | 'ours', fn: () => Promise<void>): Promise<number> => {
    const before = process.cpuUsage();
    const seconds = await timed(fn);
    const used = process.cpuUsage(before);
    cpu[side] += (used.user + used.system) / 1e6;
    return seconds;
  };
  const bare = async () => {
    raw.push(
      await measured('raw', async () => {
        for (let pos = 0; pos < fileBytes; pos += MiB) await fh.write(data, 0, MiB, pos);
        await fh.datasync();
      }),
    );
  };
  // One cache for all our rounds, as the bare loop rewrites the file through one (warm) OS page
  // cache: the first round allocates the folio memory, later rounds recycle it.
  const device = new BenchFileDevice(fh, fileBytes);
  const { file } = identityFile(device, 0, budget);
  const cached = async () => {
    ours.push(
      await measured('ours', async () => {
        for (let pos = 0; pos < fileBytes; pos += MiB) await bufferedWrite(file, pos, data);
        await file.fsync(file.errseq.sample());
        await device.flush();
      }),
    );
  };
  try {
    for (let round = 0; round < rounds; round++) {
      for (const run of round % 2 === 0 ? [bare, cached] : [cached, bare]) await run();
    }
    const label = rounds === 1 ? '' : ` (median of ${rounds} rounds in turns)`;
    rows.push([`sequential write + writeback + fdatasync${label}`, mbps(median(ours)), mbps(median(raw))]);
    if (rounds > 1) notes.push(`write rounds, ours/bare MB/s: ${ours.map((t, i) => `${mbps(t).toFixed(0)}/${mbps(raw[i] as number).toFixed(0)}`).join(', ')}`);
    // The cache copies every byte once more than the bare loop: with the CPU busy, the ratio follows this.
    notes.push(`write CPU time, ours/bare: ${(cpu.ours / cpu.raw).toFixed(2)}x (${(cpu.ours * 1000).toFixed(0)} / ${(cpu.raw * 1000).toFixed(0)} ms)`);
  } finally {
    await fh.close();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const dir = await mkdtemp(join(process.env['BENCH_DIR'] ?? tmpdir(), 'iomap-buffered-bench-'));
const path = join(dir, 'image');
try {
  const fh = await open(path, 'w+');
  const chunk = new Uint8Array(MiB).fill(1);
  for (let pos = 0; pos < fileBytes; pos += MiB) await fh.write(chunk, 0, MiB, pos);
  await fh.close();
  await cachedRead();
  await coldRead(path);
  await writeBack(path);
} finally {
  await rm(dir, { recursive: true, force: true });
}

console.log(`@iomap/buffered (${fromSource ? 'src' : 'dist'}), ${fileBytes / MiB} MiB, cold budget ${budget / MiB} MiB`);
console.log('| workload | ours MB/s | baseline MB/s | ratio |');
console.log('|---|---|---|---|');
for (const [name, ours, base] of rows) console.log(`| ${name} | ${ours.toFixed(0)} | ${base.toFixed(0)} | ${(ours / base).toFixed(2)} |`);
for (const note of notes) console.log(note);
console.log(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
