// Test harness: an ExtentMapFs file behind a PageCache address space, with
// the filesystem's ready-made writeback callbacks (fs.writebackOps: mapping
// and delalloc allocation, UNWRITTEN conversion at completion), a FaultDevice
// between the filesystem and its memory device, and helpers to read what
// the filesystem holds.
import { MemoryBlockDevice, type IomapOps } from '@iomap/core';
import { ExtentMapFs, FaultDevice, IomapOpsSpy, referenceWrite, type ExtentMapFsOptions, type ExtentMapInode, type ExtentWritebackOps } from '@iomap/testkit';
import { TrackingDevice } from './tracking-device.js';
import { PageCache, bufferedRead, type AddressSpace, type BufferedReadOptions, type BufferedWriteOps, type ErrseqCursor, type PageCacheOptions } from '../../src/index.js';

export interface HarnessOptions {
  blockSize?: number;
  fs?: ExtentMapFsOptions;
  cache?: PageCacheOptions;
  /** Largest folio; default one page. */
  maxFolioSize?: number;
  deviceSize?: number;
  /** Data written to the file (through the filesystem, not the cache) before the cache opens it. */
  initialData?: Uint8Array;
}

export interface Harness {
  fs: ExtentMapFs;
  device: FaultDevice;
  memory: MemoryBlockDevice;
  /** Records every device request (between the FaultDevice and the memory). */
  tracker: TrackingDevice;
  file: ExtentMapInode;
  cache: PageCache;
  mapping: AddressSpace<ExtentMapInode>;
  spy: IomapOpsSpy<ExtentMapInode>;
  /** The filesystem's ready-made writeback callbacks, recording calls and completions. */
  writebackOps: ExtentWritebackOps;
  writeOps: BufferedWriteOps<ExtentMapInode>;
  cursor: ErrseqCursor;
  /** Opens another address space over the same file (a "remount"). */
  reopen(): AddressSpace<ExtentMapInode>;
}

export async function harness(options: HarnessOptions = {}): Promise<Harness> {
  const memory = new MemoryBlockDevice({ size: options.deviceSize ?? 8 << 20 });
  const tracker = new TrackingDevice(memory);
  const device = new FaultDevice(tracker);
  const fs = new ExtentMapFs({ device, blockSize: options.blockSize ?? 4096, ...options.fs });
  const file = await fs.create('f');
  if (options.initialData !== undefined) {
    await referenceWrite(fs, file, 0, options.initialData);
  }
  const cache = new PageCache(options.cache);
  const spy = new IomapOpsSpy<ExtentMapInode>(fs);
  const writebackOps = fs.writebackOps({ record: true });
  const writeOps: BufferedWriteOps<ExtentMapInode> = { iomapValid: (inode, map) => fs.iomapValid(inode, map) };
  const open = (ops: IomapOps<ExtentMapInode>) =>
    cache.createAddressSpace({
      inode: file,
      ops,
      writeOps,
      writebackOps,
      blockSize: fs.blockSize,
      size: file.size,
      maxFolioSize: options.maxFolioSize,
      name: 'f',
    });
  const mapping = open(spy);
  tracker.clear();
  return { fs, device, memory, tracker, file, cache, mapping, spy, writebackOps, writeOps, cursor: mapping.errseq.sample(), reopen: () => open(spy) };
}

/** A deterministic byte pattern: byte i of the pattern seeded `seed`. */
export function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Reads `[pos, pos + length)` through the cache, returning exactly what was read. */
export async function readAll(mapping: AddressSpace<ExtentMapInode>, pos: number, length: number, options?: BufferedReadOptions): Promise<Uint8Array> {
  const buf = new Uint8Array(length).fill(0xa5); // junk: every byte returned must have been written by the read
  const n = await bufferedRead(mapping, pos, buf, options);
  return buf.subarray(0, n);
}

/** Fast byte comparison for large buffers (toEqual walks typed arrays element by element). */
export function sameBytes(actual: Uint8Array, expected: Uint8Array): string {
  if (actual.length !== expected.length) return `length ${actual.length} != ${expected.length}`;
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] !== expected[i]) return `first difference at byte ${i}: ${actual[i]} != ${expected[i]}`;
  }
  return 'same';
}
