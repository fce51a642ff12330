// DAX reads vs buffered cached reads of the same data (issue 5, "Must show":
// DAX from a memory device ≥ 1.5× buffered cached reads — one copy instead
// of two). Both sides hold the same BENCH_MIB (default 64) MiB file in an
// ExtentMapFs on a MemoryBlockDevice with 4 KiB blocks:
//  - DAX: daxRw copies straight from device memory into the caller's buffer;
//  - buffered: the whole file is in the page cache (written, fsynced, read
//    once to warm it), so bufferedRead only copies folio -> caller.
// Each workload reads the whole file sequentially with one request size; the
// best of several passes is reported. Prints one table.
// Run: npm run bench -w @iomap-tools/integration   (or: npx tsx bench/dax-vs-buffered.bench.ts)
import { performance } from 'node:perf_hooks';
import { FsError, IomapType, MemoryBlockDevice, PAGE_SIZE, type IomapOps } from '@iomap/core';
import { PageCache, bufferedRead, bufferedWrite, type AddressSpace } from '@iomap/buffered';
import { DaxFile, daxRw } from '@iomap/dax';
import { ExtentMapFs, type ExtentMapInode } from '@iomap/testkit';

const MiB = 1 << 20;
const fileBytes = Number(process.env['BENCH_MIB'] ?? 64) * MiB;
const passes = Number(process.env['BENCH_PASSES'] ?? 5);

type Reader = (pos: number, buffer: Uint8Array) => Promise<number>;

/** The same pseudo-random pattern for both files, one chunk at a time. */
function chunkData(index: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = (index + 1) * 2654435761;
  for (let i = 0; i < length; i += 4) {
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    out[i] = x & 0xff;
    out[i + 1] = (x >>> 8) & 0xff;
    out[i + 2] = (x >>> 16) & 0xff;
    out[i + 3] = x >>> 24;
  }
  return out;
}

function newFs(): ExtentMapFs {
  const device = new MemoryBlockDevice({ size: fileBytes + 4 * MiB });
  return new ExtentMapFs({ device, blockSize: PAGE_SIZE, extendSizeOnEnd: false });
}

/**
 * A DAX file whose data was written by daxRw through `ops`, then read
 * through `readOps` (the same ExtentMapFs, or a one-extent filesystem).
 */
async function daxReader(flat: boolean): Promise<Reader> {
  const fs = newFs();
  const inode = await fs.create('dax');
  const file = new DaxFile({ inode, ops: fs, size: () => inode.size, blockSize: fs.blockSize, name: 'dax' });
  for (let pos = 0; pos < fileBytes; pos += MiB) {
    const done = await daxRw(file, { pos, write: true }, chunkData(pos / MiB, MiB));
    if (done.newSize !== undefined) await fs.setSize(inode, done.newSize);
  }
  if (!flat) return async (pos, buffer) => (await daxRw(file, { pos }, buffer)).bytes;
  // The file is one contiguous extent (contiguous allocation): describe it
  // with a filesystem whose iomapBegin is O(1), so the row measures the DAX
  // engine rather than the testkit's extent lookup.
  const extents = fs.extents(inode);
  const base = extents[0]?.addr ?? -1;
  const contiguous = extents.every((e) => e.type === IomapType.Mapped && e.addr === base + e.offset);
  if (base < 0 || !contiguous) throw new FsError('EIO', 'the DAX file is not one contiguous run');
  const flatOps: IomapOps<'flat'> = {
    iomapBegin: async () => ({ offset: 0, length: fileBytes, addr: base, type: IomapType.Mapped, flags: 0, daxDevice: fs.device as MemoryBlockDevice }),
  };
  const flatFile = new DaxFile({ inode: 'flat' as const, ops: flatOps, size: () => fileBytes, blockSize: PAGE_SIZE, name: 'flat' });
  return async (pos, buffer) => (await daxRw(flatFile, { pos }, buffer)).bytes;
}

async function bufferedReader(maxFolioSize: number): Promise<Reader> {
  const fs = newFs();
  const inode = await fs.create('cached');
  const cache = new PageCache({ budget: fileBytes * 2, maxReadahead: 4 * MiB });
  const mapping: AddressSpace<ExtentMapInode> = cache.createAddressSpace({
    inode,
    ops: fs,
    writeOps: { iomapValid: (ino, map) => fs.iomapValid(ino, map) },
    writebackOps: fs.writebackOps(),
    blockSize: fs.blockSize,
    size: 0,
    maxFolioSize,
    name: 'cached',
  });
  for (let pos = 0; pos < fileBytes; pos += MiB) await bufferedWrite(mapping, pos, chunkData(pos / MiB, MiB));
  await mapping.fsync(mapping.errseq.sample());
  const read: Reader = (pos, buffer) => bufferedRead(mapping, pos, buffer);
  await readAll(read, MiB); // warm: everything cached and uptodate
  if (cache.stats.used < fileBytes) throw new FsError('EIO', `only ${cache.stats.used} of ${fileBytes} bytes are cached`);
  return read;
}

/** Reads the whole file with `requestBytes` reads; returns a checksum so nothing is optimised away. */
async function readAll(read: Reader, requestBytes: number): Promise<number> {
  const buffer = new Uint8Array(requestBytes);
  let sum = 0;
  for (let pos = 0; pos < fileBytes; pos += requestBytes) {
    const n = await read(pos, buffer);
    if (n !== requestBytes) throw new FsError('EIO', `short read ${n} at ${pos}`);
    sum = (sum + buffer[0]! + buffer[n - 1]!) >>> 0;
  }
  return sum;
}

/** Best MiB/s over `passes` whole-file passes. */
async function measure(read: Reader, requestBytes: number): Promise<{ mibPerSec: number; sum: number }> {
  let best = 0;
  let sum = 0;
  for (let i = 0; i < passes; i++) {
    const start = performance.now();
    sum = await readAll(read, requestBytes);
    const seconds = (performance.now() - start) / 1000;
    best = Math.max(best, fileBytes / MiB / seconds);
  }
  return { mibPerSec: best, sum };
}

const rows: string[][] = [];
const daxSides: [string, Reader][] = [
  ['one-extent fs', await daxReader(true)],
  ['ExtentMapFs', await daxReader(false)],
];
for (const folio of [PAGE_SIZE, 256 << 10]) {
  const buffered = await bufferedReader(folio);
  for (const request of [MiB, 64 << 10]) {
    const b = await measure(buffered, request);
    for (const [fsLabel, dax] of daxSides) {
      if (folio !== PAGE_SIZE && fsLabel !== 'one-extent fs') continue;
      const d = await measure(dax, request);
      if (d.sum !== b.sum) throw new FsError('EIO', 'DAX and buffered read different data');
      const req = request >= MiB ? '1 MiB' : '64 KiB';
      rows.push([`${fileBytes / MiB} MiB seq, ${req} reads; DAX via ${fsLabel}, cache ${folio >> 10} KiB folios`, d.mibPerSec.toFixed(0), b.mibPerSec.toFixed(0), `${(d.mibPerSec / b.mibPerSec).toFixed(2)}×`]);
    }
  }
}

const header = ['workload', 'DAX MiB/s', 'buffered cached MiB/s', 'ratio (target ≥ 1.5×)'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const row of rows) console.log(line(row));
console.log(`\nnode ${process.version}, ${passes} passes per cell (best), file ${fileBytes / MiB} MiB`);
