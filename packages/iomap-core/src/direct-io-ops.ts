// The direct-I/O contract (IOMAP-SPEC 2.6, DIO-8, DIO-11, DIO-17): what a
// filesystem implements so @iomap/direct can complete its direct I/O, the
// device requests direct I/O hands to a submission hook, and the optional
// capabilities of devices and page caches that direct I/O uses when present.
//
// The engine (`dioRw` in @iomap/direct) calls these; it lives in the io layer,
// so a filesystem can implement them while depending on core alone.
import type { BlockDevice } from './block-device.js';
import type { Iomap } from './iomap.js';

/**
 * What a direct I/O touched, passed to {@link DirectIoOps.endIo} (DIO-8). Bit
 * values are ours (the kernel's `IOMAP_DIO_UNWRITTEN`, `IOMAP_DIO_COW`).
 */
export const DioEndIoFlags = {
  /** Some part of the write went to UNWRITTEN space: convert it to MAPPED. */
  Unwritten: 1 << 0,
  /** Some part of the write went to SHARED (copy-on-write) space: remap it. */
  Cow: 1 << 1,
  /** The I/O was a write (the kernel's private `IOMAP_DIO_WRITE`). */
  Write: 1 << 2,
} as const;
export type DioEndIoFlags = number;

/** Properties of one {@link DioRequest}. Bit values are ours. */
export const DioRequestFlags = {
  /** Force unit access: the write must be durable when it completes (DIO-11). */
  Fua: 1 << 0,
  /** An untorn write: it must reach the device as one write (DIO-16, `IomapFlags.AtomicBio`). */
  Atomic: 1 << 1,
  /** A sub-block zeroing write made by the engine, not caller data (DIO-7). */
  Zero: 1 << 2,
} as const;
export type DioRequestFlags = number;

/**
 * One device request built by direct I/O (the kernel's bio): never crosses a
 * mapping, never longer than the device's request limit (DIO-20).
 *
 * `buffer` is a view of the caller's buffer (no copy), of the engine's shared
 * zero buffer (a `Zero` write: never write into it), or of a bounce buffer.
 * A read request fills it; a write request must not modify it.
 */
export interface DioRequest {
  readonly kind: 'read' | 'write';
  /** The device of the mapping (or the iocb's default device). */
  readonly device: BlockDevice;
  /**
   * Device byte address of the first byte. `NULL_ADDR` (−1) for an
   * `IomapFlags.AnonWrite` mapping: the submission hook assigns the address.
   */
  readonly addr: number;
  /** File byte the request starts at. */
  readonly fileOffset: number;
  readonly buffer: Uint8Array;
  /** {@link DioRequestFlags} bits. */
  readonly flags: number;
  /** The mapping the request was built from (read-only). */
  readonly iomap: Readonly<Iomap>;
  /** Write-lifetime hint copied from the iocb, for hooks that pass it on (DIO-20). */
  readonly writeHint: number | undefined;
  /** I/O priority copied from the iocb (DIO-20). */
  readonly priority: number | undefined;
  /** Free for the submission hook (the kernel's `bio_set` front padding). */
  private?: unknown;
}

/**
 * The filesystem's direct-I/O callbacks (the kernel's `iomap_dio_ops`,
 * IOMAP-SPEC 2.6). All are optional.
 *
 * **`endIo(inode, pos, size, error, flags)`** runs once per direct I/O after
 * every request finished, with the file position the I/O started at, the
 * bytes it covered, the first error (or `undefined`) and
 * {@link DioEndIoFlags}. Convert UNWRITTEN ranges (`Unwritten`), remap
 * copy-on-write ranges (`Cow`), and update the on-disk and in-core size of
 * extending writes — do nothing of that when `error` is set. It runs
 * *before* the engine drops the cache over the written range (DIO-8), so a
 * racing buffered read cannot cache zeros of an unconverted extent. Throwing
 * replaces the error; resolving keeps it (an error cannot be cleared here,
 * unlike the kernel's return value).
 *
 * **`submitIo(inode, request)`** replaces the engine's own device I/O for
 * every request (replication, checksums, zone append; DIO-17). Resolve when
 * the request completed, reject with its error. Required for
 * `IomapFlags.AnonWrite` mappings. `dioSubmitRequest` from @iomap/direct
 * does the default I/O, for hooks that add to it.
 *
 * **`syncRange(inode, start, end, datasync)`** makes `[start, end)` durable
 * after an O_DSYNC/O_SYNC write (the kernel's `generic_write_sync` → fsync):
 * write the device cache back and commit whatever metadata reaches the data
 * (all of it when `datasync` is false). Without it the engine flushes the
 * devices it wrote, which is enough only when no mapping was DIRTY (DIO-11).
 *
 * @example
 * ```ts
 * const dioOps: DirectIoOps<MyInode> = {
 *   async endIo(inode, pos, size, error, flags) {
 *     if (error) return;
 *     if (flags & DioEndIoFlags.Unwritten) await inode.convertUnwritten(pos, size);
 *     if (pos + size > inode.size) await inode.setSize(pos + size);
 *   },
 *   syncRange: (inode, start, end, datasync) => inode.fsync(datasync),
 * };
 * ```
 */
export interface DirectIoOps<I = unknown> {
  endIo?(inode: I, pos: number, size: number, error: Error | undefined, flags: number): Promise<void>;
  submitIo?(inode: I, request: DioRequest): Promise<void>;
  syncRange?(inode: I, start: number, end: number, datasync: boolean): Promise<void>;
}

/**
 * Optional capabilities of a {@link BlockDevice} that direct I/O uses when
 * the device has them (a device declares them as extra members).
 *
 * - `maxRequestBytes`: longest single request; larger transfers are split (DIO-20).
 * - `volatileWriteCache`: `false` when a completed write is already durable
 *   (no flush needed). Unknown counts as `true`.
 * - `writeFua(pos, data)`: a write that is durable when it completes, without
 *   flushing the whole cache. With it (or without a volatile cache), O_DSYNC
 *   overwrites skip the flush after the I/O (DIO-11).
 *
 * @example
 * ```ts
 * class NvmeDevice implements BlockDevice, DirectIoDeviceCapabilities {
 *   readonly maxRequestBytes = 128 * 1024;
 *   readonly volatileWriteCache = true;
 *   async writeFua(pos: number, data: Uint8Array) { await this.submit(pos, data, { fua: true }); }
 *   // ...the BlockDevice members
 * }
 * ```
 */
export interface DirectIoDeviceCapabilities {
  readonly maxRequestBytes?: number;
  readonly volatileWriteCache?: boolean;
  writeFua?(pos: number, data: Uint8Array): Promise<void>;
}

/**
 * Non-blocking questions a page cache answers so NOWAIT direct I/O can fail
 * with `EAGAIN` instead of waiting (DIO-3, DIO-4, DIO-15): the kernel's
 * `filemap_range_needs_writeback` and `filemap_range_has_page`. A
 * `CacheCoherency` without them makes every NOWAIT direct I/O over it
 * `EAGAIN` (CORE-16: when in doubt, do not wait). Ranges are `[start, end)`.
 *
 * @example
 * ```ts
 * if (cache.rangeNeedsWriteback(pos, pos + length)) throw new FsError('EAGAIN', 'dirty cache');
 * ```
 */
export interface CacheRangeProbe {
  /** Whether any byte of the range is dirty or under writeback. */
  rangeNeedsWriteback(start: number, end: number): boolean;
  /** Whether any byte of the range is cached at all. */
  rangeHasCached(start: number, end: number): boolean;
}
