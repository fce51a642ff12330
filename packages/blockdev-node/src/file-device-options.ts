// Options of FileDevice.open, their defaults, and their validation.
//
// The defaults come from bench/file-device.bench.ts (numbers in README.md):
//  - queueDepth: async 4 KiB random reads on a cached file keep getting faster
//    past libuv's 4 threads, because completions are batched when the pool's
//    queue never runs dry; most of the gain is reached at 8. Beyond that the
//    device only fills libuv's shared queue, delaying the rest of the process
//    (dns.lookup, zlib, other files) for little return.
//  - syncMaxBytes: a synchronous pread/pwrite of a cached 4-64 KiB block costs
//    2-20 µs against 55-80 µs for the awaited FileHandle call, so small
//    transfers use fs.readSync/writeSync/readvSync/writevSync on the
//    descriptor. Above 64 KiB the copy dominates, and a synchronous call would
//    block the event loop for a long time when the data is not cached.
import { FsError } from '@iomap/core';

/**
 * Default for {@link FileDeviceOptions.queueDepth}: 8, chosen by measurement
 * (README.md, "Benchmark").
 *
 * @example
 * ```ts
 * const dev = await FileDevice.open('disk.img', { queueDepth: DEFAULT_QUEUE_DEPTH * 2 });
 * ```
 */
export const DEFAULT_QUEUE_DEPTH = 8;

/**
 * Default for {@link FileDeviceOptions.syncMaxBytes}: transfers up to 64 KiB
 * use synchronous calls.
 *
 * @example
 * ```ts
 * // a server on a slow disk: never block the event loop
 * const dev = await FileDevice.open('/dev/sdb', { syncMaxBytes: 0 });
 * ```
 */
export const DEFAULT_SYNC_MAX_BYTES = 64 * 1024;

/**
 * Default for {@link FileDeviceOptions.maxMergeBytes}: adjacent requests merge
 * into transfers of up to 4 MiB.
 *
 * @example
 * ```ts
 * const dev = await FileDevice.open('disk.img', { maxMergeBytes: DEFAULT_MAX_MERGE_BYTES / 4 });
 * ```
 */
export const DEFAULT_MAX_MERGE_BYTES = 4 * 1024 * 1024;

/**
 * Options of {@link FileDevice.open}.
 *
 * @example
 * ```ts
 * const options: FileDeviceOptions = { create: true, size: 64 * 1024 * 1024, sectorSize: 4096 };
 * const dev = await FileDevice.open('disk.img', options);
 * ```
 */
export interface FileDeviceOptions {
  /** Open for reading only; writes and discards fail with `EROFS`. Default false. */
  readOnly?: boolean;
  /** Create the image file if it does not exist (needs `size`). Default false. */
  create?: boolean;
  /**
   * Device size in bytes. A shorter image file is extended (sparse) to it; a
   * longer file or device is exposed only up to it. Default: the file's or
   * device's size.
   */
  size?: number;
  /** Logical block size: a power of two from 512 to 65536, at least the device's. Default 512 for files, the device's for block devices. */
  sectorSize?: number;
  /**
   * Claim exclusive use of writable opens. Block devices are opened with
   * `O_EXCL` (the kernel refuses if mounted or held); files are claimed inside
   * this process only (Node has no `flock`). Default true.
   */
  exclusive?: boolean;
  /** Most async transfers in flight at once. Default {@link DEFAULT_QUEUE_DEPTH}. */
  queueDepth?: number;
  /** Transfers of at most this many bytes use synchronous calls; 0 turns that off. Default {@link DEFAULT_SYNC_MAX_BYTES}. */
  syncMaxBytes?: number;
  /** Adjacent queued requests merge up to this many bytes. Default {@link DEFAULT_MAX_MERGE_BYTES}. */
  maxMergeBytes?: number;
}

/** Options with every default filled in. */
export interface ResolvedFileDeviceOptions {
  readOnly: boolean;
  create: boolean;
  size: number | undefined;
  sectorSize: number | undefined;
  exclusive: boolean;
  queueDepth: number;
  syncMaxBytes: number;
  maxMergeBytes: number;
}

/** Fills in defaults and checks every option, throwing `EINVAL` that names the bad one. */
export function resolveOptions(options: FileDeviceOptions, path: string): ResolvedFileDeviceOptions {
  const bad = (detail: string): FsError => new FsError('EINVAL', detail, { syscall: 'open', path });
  const readOnly = options.readOnly ?? false;
  const create = options.create ?? false;
  const { size, sectorSize } = options;
  if (size !== undefined && (!Number.isSafeInteger(size) || size < 0)) {
    throw bad(`size must be an integer from 0 to 2^53-1, got ${String(size)}`);
  }
  if (create && size === undefined) throw bad('create needs a size: pass { create: true, size: <bytes> }');
  if (create && readOnly) throw bad('create and readOnly exclude each other: create the image writable first');
  if (sectorSize !== undefined && !isPowerOfTwoIn(sectorSize, 512, 65536)) {
    throw bad(`sectorSize must be a power of two from 512 to 65536, got ${String(sectorSize)}`);
  }
  const queueDepth = options.queueDepth ?? DEFAULT_QUEUE_DEPTH;
  if (!Number.isSafeInteger(queueDepth) || queueDepth < 1 || queueDepth > 1024) {
    throw bad(`queueDepth must be an integer from 1 to 1024, got ${String(queueDepth)}`);
  }
  const syncMaxBytes = options.syncMaxBytes ?? DEFAULT_SYNC_MAX_BYTES;
  if (!(syncMaxBytes >= 0) || !(Number.isSafeInteger(syncMaxBytes) || syncMaxBytes === Infinity)) {
    throw bad(`syncMaxBytes must be a non-negative integer or Infinity, got ${String(syncMaxBytes)}`);
  }
  const maxMergeBytes = options.maxMergeBytes ?? DEFAULT_MAX_MERGE_BYTES;
  if (!Number.isSafeInteger(maxMergeBytes) || maxMergeBytes < 0) {
    throw bad(`maxMergeBytes must be a non-negative integer, got ${String(maxMergeBytes)}`);
  }
  return {
    readOnly,
    create,
    size,
    sectorSize,
    exclusive: options.exclusive ?? true,
    queueDepth,
    syncMaxBytes,
    maxMergeBytes,
  };
}

function isPowerOfTwoIn(value: number, min: number, max: number): boolean {
  return Number.isSafeInteger(value) && value >= min && value <= max && (value & (value - 1)) === 0;
}
