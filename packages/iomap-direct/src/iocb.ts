// The I/O control block of a direct I/O (the kernel's `struct kiocb` plus
// what iomap reads from the inode and the block device), its flags, and the
// engine flags of `dioRw` (the kernel's `dio_flags`).
import type { BlockDevice, CacheCoherency, CacheRangeProbe } from '@iomap/core';

/**
 * Per-call flags of a direct I/O (the kernel's `IOCB_*` bits). Bit values are ours.
 *
 * @example
 * ```ts
 * const iocb: DirectIocb<MyInode> = { ...base, flags: IocbFlags.Dsync | IocbFlags.NoWait };
 * ```
 */
export const IocbFlags = {
  /** Never wait (DIO-15): `iomapBegin` gets `IomapOp.NoWait`; dirty or cached pages mean `EAGAIN`. */
  NoWait: 1 << 0,
  /** O_DSYNC: the data (and metadata needed to reach it) is durable when the write returns (DIO-11). */
  Dsync: 1 << 1,
  /** O_SYNC: like `Dsync` but all metadata, and never the FUA shortcut (DIO-11). Implies `Dsync`. */
  Sync: 1 << 2,
  /** RWF_ATOMIC: an untorn write (DIO-16); `iomapBegin` gets `IomapOp.Atomic`. */
  Atomic: 1 << 3,
} as const;
export type IocbFlags = number;

/**
 * Engine flags of {@link dioRw} (the kernel's `IOMAP_DIO_*`). Bit values are ours.
 *
 * @example
 * ```ts
 * await dioRw(iocb, data, ops, dioOps, DioFlags.ForceWait);
 * ```
 */
export const DioFlags = {
  /** Wait for completion even when the iocb is asynchronous (DIO-10); use it for extending or unaligned writes. */
  ForceWait: 1 << 0,
  /** `EAGAIN` unless the write is a pure overwrite inside EOF (DIO-12). */
  OverwriteOnly: 1 << 1,
  /** A buffer fault after some progress returns the bytes done instead of `EFAULT` (DIO-13). */
  Partial: 1 << 2,
  /** Align to the filesystem block instead of the device's logical block (DIO-21). */
  FsblockAligned: 1 << 3,
  /** Copy through a private buffer, so the device sees stable data (DIO-21, the kernel's 7.x BOUNCE). */
  Bounce: 1 << 4,
} as const;
export type DioFlags = number;

/**
 * What `dioRw` resolves to for an asynchronous iocb whose I/O is still in
 * flight: the result arrives through `iocb.complete` (the kernel's
 * `-EIOCBQUEUED`, DIO-10). Never a byte count (it is negative).
 *
 * @example
 * ```ts
 * const n = await dioRw(iocb, buffer, ops, dioOps);
 * if (n === DIO_QUEUED) return; // iocb.complete(result) will be called
 * ```
 */
export const DIO_QUEUED = -529;

/**
 * One direct read or write (the kernel's `kiocb`, plus what iomap takes from
 * the inode and its block device).
 *
 * - `inode` is handed to `iomapBegin`/`iomapEnd` and the {@link DirectIoOps}.
 * - `pos` is the file position; when the I/O completes it is advanced by the
 *   bytes done (`ki_pos`), so after a short result (`ENOTBLK` fallback,
 *   PARTIAL, a read clipped at EOF) it points at the first byte not done.
 * - `size()` returns the in-core file size (`i_size`) *now*. EOF is sampled
 *   once at the start for reads and OVERWRITE_ONLY (DIO-9, DIO-12) and read
 *   again per mapping for tail zeroing (DIO-7).
 * - `blockSize` is the filesystem block (zeroing unit, DIO-7); it must be a
 *   power of two. `logicalBlockSize` is the alignment unit (DIO-5), by default
 *   `device.logicalBlockSize`, else 512.
 * - `device` is used for mappings that carry none, for the up-front
 *   alignment check and for the default O_DSYNC flush.
 * - `cache` is the file's page cache (`CacheCoherency`, plus optionally
 *   `CacheRangeProbe` for NOWAIT) — written back and invalidated around the
 *   I/O (DIO-3, DIO-4). Leave it out when nothing caches the file.
 * - `queueDepth` (default 8) bounds the requests in flight; `maxRequestBytes`
 *   (default: the device's `maxRequestBytes`, else 1 MiB) bounds each one (DIO-20).
 * - `complete` makes the iocb asynchronous (DIO-10): `dioRw` may resolve
 *   {@link DIO_QUEUED} once everything is submitted, and the result (bytes or
 *   error) arrives here later.
 * - `doneBefore` (DIO-13) is added to a successful result; `private` is
 *   visible to the filesystem as `IomapIter.private` (CORE-15).
 * - `onStaleCache` hears about a failed post-write invalidation (the kernel
 *   only warns: the write itself succeeded, DIO-4).
 *
 * @example
 * ```ts
 * const iocb: DirectIocb<ExtentMapInode> = {
 *   inode: file, pos: 0, direction: 'write', size: () => file.size,
 *   blockSize: fs.blockSize, device: fs.device,
 * };
 * ```
 */
export interface DirectIocb<I = unknown> {
  readonly inode: I;
  pos: number;
  readonly direction: 'read' | 'write';
  size(): number;
  readonly blockSize: number;
  /** {@link IocbFlags} bits. */
  readonly flags?: number;
  readonly device?: BlockDevice;
  readonly logicalBlockSize?: number;
  readonly cache?: CacheCoherency & Partial<CacheRangeProbe>;
  readonly queueDepth?: number;
  readonly maxRequestBytes?: number;
  readonly complete?: (result: number | Error) => void;
  readonly doneBefore?: number;
  readonly private?: unknown;
  readonly writeHint?: number;
  readonly priority?: number;
  readonly onStaleCache?: (error: Error, start: number, end: number) => void;
}

/**
 * Default {@link DirectIocb.queueDepth}: requests in flight per direct I/O.
 *
 * @example
 * ```ts
 * const iocb = { ...base, queueDepth: DEFAULT_DIO_QUEUE_DEPTH * 4 }; // a deep NVMe queue
 * ```
 */
export const DEFAULT_DIO_QUEUE_DEPTH = 8;

/**
 * Default {@link DirectIocb.maxRequestBytes} when the device states no limit.
 *
 * @example
 * ```ts
 * const iocb = { ...base, maxRequestBytes: DEFAULT_DIO_MAX_REQUEST_BYTES / 4 }; // 256 KiB requests
 * ```
 */
export const DEFAULT_DIO_MAX_REQUEST_BYTES = 1024 * 1024;

/**
 * Largest filesystem block sub-block zeroing supports (IOMAP-SPEC §5); a
 * write that would need zeroing in a larger block is `EINVAL`.
 *
 * @example
 * ```ts
 * if (fs.blockSize > DIO_MAX_ZERO_BLOCK) useBufferedForUnalignedWrites();
 * ```
 */
export const DIO_MAX_ZERO_BLOCK = 64 * 1024;
