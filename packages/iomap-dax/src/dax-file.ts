// A file opened for DAX: what the DAX engine needs to know about a file (its
// inode, the filesystem's IomapOps, i_size, the block size) plus the state the
// kernel keeps in the file's address space for DAX — which pages were dirtied
// through mapped views (DAX-10), which views are alive (DAX-11) and the shared
// zero page handed to read faults on holes (DAX-5). That state lives in
// dax-state.ts, reachable only from inside this package.
//
// Geometry (DAX-12): DAX works a page at a time and keeps no per-block state,
// so the filesystem block must be exactly one page. A DaxFile refuses any
// other block size with EINVAL, the userspace form of ext2 refusing `-o dax`
// on a 1 KiB-block filesystem at mount time.
import { FsError, PAGE_SIZE, type DaxDevice, type IomapOps } from '@iomap/core';
import { createDaxState } from './dax-state.js';

/**
 * Writes back CPU caches for `[addr, addr + length)` of a DAX device — the
 * kernel's `dax_flush()`. Memory needs nothing; a persistent-memory backend
 * (a file mapped into memory, a device with a volatile cache) makes the range
 * durable here.
 *
 * @example
 * ```ts
 * const flushed: [number, number][] = [];
 * const flushRange: DaxFlushRange = (_device, addr, length) => void flushed.push([addr, length]);
 * ```
 */
export type DaxFlushRange = (device: DaxDevice, addr: number, length: number) => void | Promise<void>;

/**
 * How to open a file for DAX with {@link DaxFile}.
 *
 * @example
 * ```ts
 * const options: DaxFileOptions<ExtentMapInode> = {
 *   inode: file, ops: fs, size: () => file.size, blockSize: fs.blockSize, name: 'a',
 *   verifyZeroedAllocations: true,
 * };
 * ```
 */
export interface DaxFileOptions<I> {
  /** The filesystem's inode handle, passed to every `iomapBegin`/`iomapEnd`. */
  inode: I;
  /** The filesystem's mapping callbacks. With `IomapOp.Dax` they must fill `daxDevice` (IOMAP-SPEC 2.2 rule 7). */
  ops: IomapOps<I>;
  /** The in-core file size (`i_size`) now. Reads clip to it; faults past it fail with `EFAULT`. */
  size: () => number;
  /** The filesystem block size; must equal `PAGE_SIZE` (DAX-12). */
  blockSize: number;
  /** Used as the `path` of errors. */
  name?: string;
  /**
   * Debug check of IOMAP-SPEC 2.2 rule 7 (spec §3 item 23: "DAX never zeroes
   * for you"): before the first store into a NEW, unshared mapping — a
   * `daxRw` write or a write fault — check that its blocks read as zeros, and
   * throw an `IomapContractError` naming the rule if they do not. Costs one
   * scan of every newly allocated block. Default false.
   */
  verifyZeroedAllocations?: boolean;
  /** Cache write-back for ranges stored to (`dax_flush`). Default: none (plain memory). */
  flushRange?: DaxFlushRange;
}

/**
 * Throws `EINVAL` unless a filesystem with `blockSize` can use DAX: its block
 * must be exactly one page (DAX-12). Call it at mount time for a clear error
 * before any file is opened.
 *
 * @example
 * ```ts
 * checkDaxGeometry(4096);            // fine
 * checkDaxGeometry(1024, 4096, 'a'); // EINVAL: DAX needs 4096-byte blocks
 * ```
 */
export function checkDaxGeometry(blockSize: number, pageSize: number = PAGE_SIZE, name?: string): void {
  if (blockSize !== pageSize) {
    const context = name === undefined ? { syscall: 'mount' } : { syscall: 'mount', path: name };
    throw new FsError(
      'EINVAL',
      `DAX needs the filesystem block size to equal the page size (${pageSize} bytes), got ${String(blockSize)} (DAX-12); ` +
        'use a filesystem with page-sized blocks or mount it without DAX',
      context,
    );
  }
}

/**
 * A file opened for DAX: the handle every function of this package takes.
 * Holds the filesystem's inode and `IomapOps`, reads `i_size` through
 * `options.size`, and keeps the per-file DAX state (dirty pages of mapped
 * views, live views, the shared zero page).
 *
 * Locking is the caller's, as in the kernel (IOMAP-SPEC 2.7): hold the inode
 * lock shared for `daxRw` reads and exclusive for writes, zeroing, truncate and
 * unshare; hold the invalidate lock shared around `daxMap` and exclusive
 * around `awaitLayoutIdle` plus the block removal that follows it.
 *
 * @example
 * ```ts
 * const fs = new ExtentMapFs({ blockSize: 4096, extendSizeOnEnd: false });
 * const inode = await fs.create('a');
 * const file = new DaxFile({ inode, ops: fs, size: () => inode.size, blockSize: fs.blockSize });
 * ```
 */
export class DaxFile<I = unknown> {
  readonly inode: I;
  readonly ops: IomapOps<I>;
  readonly blockSize: number;
  readonly name: string | undefined;
  readonly verifyZeroedAllocations: boolean;
  readonly flushRange: DaxFlushRange | undefined;
  readonly #size: () => number;

  constructor(options: DaxFileOptions<I>) {
    checkDaxGeometry(options.blockSize, PAGE_SIZE, options.name);
    this.inode = options.inode;
    this.ops = options.ops;
    this.blockSize = options.blockSize;
    this.name = options.name;
    this.verifyZeroedAllocations = options.verifyZeroedAllocations ?? false;
    this.flushRange = options.flushRange;
    this.#size = options.size;
    createDaxState(this);
  }

  /** The in-core file size now (`i_size`). */
  get size(): number {
    return this.#size();
  }
}
