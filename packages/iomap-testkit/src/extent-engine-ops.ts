// The engine-side callbacks of an ExtentMapFs, ready-made: what a filesystem
// author writes around @iomap/buffered (WritebackOps) and @iomap/direct
// (DirectIoOps). Tests of the engines, and cross-engine scenarios, take
// these instead of each re-writing the same glue.
//
//   writebackRange(pos, length, endPos) -> writebackMap(pos, max(length, endPos - pos))
//                                          (allocates DELALLOC up to the hint)
//   mappingValid(map)                   -> the validity cookie (CORE-24)
//   ioendComplete(ioend)                -> UNWRITTEN -> MAPPED, only when the I/O succeeded
//   endIo(pos, size, error, flags)      -> the same conversion; a write raises the size
import { DioEndIoFlags, IoendFlags, type DirectIoOps, type Iomap, type Ioend, type WritebackOps } from '@iomap/core';
import type { ExtentMapInode } from './extent-map-fs-types.js';

/** The mapping calls the adapters need (an ExtentMapFs). */
export interface ExtentEngineFs {
  writebackMap(inode: ExtentMapInode, pos: number, length: number): Promise<Iomap>;
  iomapValid(inode: ExtentMapInode, iomap: Iomap): boolean;
  completeUnwritten(inode: ExtentMapInode, pos: number, length: number): Promise<void>;
  setSize(inode: ExtentMapInode, size: number): Promise<void>;
}

/**
 * One `writebackRange` call as an {@link ExtentWritebackOps} recorded it.
 *
 * @example
 * ```ts
 * const failed = ops.calls.filter((c) => c.error !== undefined);
 * ```
 */
export interface ExtentWritebackCall {
  pos: number;
  length: number;
  endPos: number;
  /** What the call returned. */
  mapping?: Iomap;
  /** What the call threw (the engine records it for fsync and drops the rest of that folio's dirty data). */
  error?: unknown;
}

/**
 * Options of {@link ExtentMapFs.writebackOps}.
 *
 * @example
 * ```ts
 * const ops = fs.writebackOps({ record: true });
 * ```
 */
export interface ExtentWritebackOptions {
  /** Keep every call in `calls` and every completion in `completions` (tests). Default false. */
  record?: boolean;
}

/**
 * The writeback callbacks of an ExtentMapFs, with what they saw when
 * recording.
 *
 * @example
 * ```ts
 * const ops = fs.writebackOps({ record: true });
 * const mapping = cache.createAddressSpace({ inode, ops: fs, writebackOps: ops, blockSize: fs.blockSize });
 * await mapping.fsync(cursor).catch(() => undefined);
 * const failedIoends = ops.completions.filter((io) => io.error !== undefined);
 * ```
 */
export interface ExtentWritebackOps extends WritebackOps<ExtentMapInode> {
  /** Every `writebackRange` call, in order (empty unless recording). */
  readonly calls: ExtentWritebackCall[];
  /** A copy of every ioend handed to `ioendComplete`, in order (empty unless recording). */
  readonly completions: Ioend[];
}

/** Builds the writeback callbacks (see {@link ExtentMapFs.writebackOps}). */
export function extentWritebackOps(fs: ExtentEngineFs, options: ExtentWritebackOptions = {}): ExtentWritebackOps {
  const record = options.record ?? false;
  const calls: ExtentWritebackCall[] = [];
  const completions: Ioend[] = [];
  return {
    calls,
    completions,
    async writebackRange(inode, pos, length, endPos) {
      // Allocate the whole dirty run the engine saw (its hint), not just this folio's part.
      const pending = fs.writebackMap(inode, pos, Math.max(length, endPos - pos));
      if (!record) return pending;
      const call: ExtentWritebackCall = { pos, length, endPos };
      calls.push(call);
      try {
        call.mapping = await pending;
        return call.mapping;
      } catch (err) {
        call.error = err;
        throw err;
      }
    },
    mappingValid: (inode, map) => fs.iomapValid(inode, map),
    async ioendComplete(inode, ioend) {
      if (record) completions.push({ ...ioend });
      // A failed write leaves UNWRITTEN blocks unwritten: they keep reading as zeros, never stale data.
      if (ioend.error === undefined && ioend.flags & IoendFlags.Unwritten) await fs.completeUnwritten(inode, ioend.offset, ioend.size);
    },
  };
}

/**
 * Options of {@link ExtentMapFs.directIoOps}.
 *
 * @example
 * ```ts
 * const dio = fs.directIoOps({ onWriteEnd: (_inode, end) => { if (end > mapping.size) mapping.setSize(end); } });
 * ```
 */
export interface ExtentDirectIoOptions {
  /**
   * Called after a successful direct write completed and the filesystem's
   * size was raised, with the end of the write: raise an in-core size kept
   * elsewhere (an address space's) here, before the engine invalidates the
   * page cache after the write (i_size_write in the kernel's end_io).
   */
  onWriteEnd?(inode: ExtentMapInode, end: number): void;
}

/** Builds the direct-I/O callbacks (see {@link ExtentMapFs.directIoOps}). */
export function extentDirectIoOps(fs: ExtentEngineFs, options: ExtentDirectIoOptions = {}): DirectIoOps<ExtentMapInode> {
  return {
    async endIo(inode, pos, size, error, flags) {
      if (error !== undefined || size === 0) return;
      if (flags & DioEndIoFlags.Unwritten) await fs.completeUnwritten(inode, pos, size);
      if ((flags & DioEndIoFlags.Write) === 0) return;
      if (pos + size > inode.size) await fs.setSize(inode, pos + size);
      options.onWriteEnd?.(inode, pos + size);
    },
  };
}
