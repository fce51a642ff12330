// The operations on a file's contents (the kernel's `file_operations`):
// reading, and what a writable filesystem adds — writing, syncing, size
// changes, preallocation — plus the reports iomap gives every filesystem
// for free (SEEK_HOLE/SEEK_DATA, FIEMAP). A filesystem built on @iomap/core
// implements the last three by calling core's `seekHole`, `seekData` and
// `fiemap` with its own `IomapOps`.
import type { FiemapRequest, FiemapResult } from '@iomap/core';

/**
 * `fallocate` modes, with Linux's `FALLOC_FL_*` values.
 *
 * @example
 * ```ts
 * await fs.fallocate!(inode, 0, 4096, FallocateFlag.PunchHole | FallocateFlag.KeepSize);
 * ```
 */
export const FallocateFlag = {
  /** Do not change the file size (`FALLOC_FL_KEEP_SIZE`). */
  KeepSize: 0x01,
  /** Deallocate the range; requires KeepSize (`FALLOC_FL_PUNCH_HOLE`). */
  PunchHole: 0x02,
  /** Remove the range and shift the rest down (`FALLOC_FL_COLLAPSE_RANGE`). */
  CollapseRange: 0x08,
  /** Zero the range, preallocating it (`FALLOC_FL_ZERO_RANGE`). */
  ZeroRange: 0x10,
  /** Insert a hole, shifting the rest up (`FALLOC_FL_INSERT_RANGE`). */
  InsertRange: 0x20,
  /** Unshare shared extents in the range (`FALLOC_FL_UNSHARE_RANGE`). */
  UnshareRange: 0x40,
} as const;

/**
 * Operations on the data of a regular file. Only `read` is required. The
 * adapter has checked the open mode, the file type (no reads of directories)
 * and argument ranges before calling.
 *
 * @example
 * ```ts
 * const buffer = new Uint8Array(4096);
 * const n = await fs.read(inode, 0, buffer); // bytes read; 0 at end of file
 * ```
 */
export interface FileOperations<I> {
  /**
   * Reads up to `buffer.length` bytes at byte `pos` into `buffer` and returns
   * how many it read: fewer only at end of file (0 at or past it). Holes
   * read as zeroes. `flags` are the `O_*` flags of the open file the read
   * comes through (`O_DIRECT` asks for direct I/O); absent for reads the
   * adapter makes for itself.
   */
  read(inode: I, pos: number, buffer: Uint8Array, flags?: number): Promise<number>;

  /** Called when a file is opened, with the `O_*` flags (e.g. to count openers of an unlinked inode). */
  open?(inode: I, flags: number): Promise<void>;
  /** Called when the last handle of an open is closed. */
  release?(inode: I, flags: number): Promise<void>;
  /**
   * Writes `data` at byte `pos`, extending the file as needed, and updates
   * mtime and ctime (as the kernel's file_update_time does inside a
   * filesystem's write path); returns bytes written (all of them unless an
   * error such as ENOSPC cut the write short). `flags` are the `O_*` flags of
   * the open file: `O_DIRECT` asks for direct I/O. The adapter has resolved
   * `O_APPEND` to a position already, serializes writes and truncates of one
   * inode, and calls `fsync` itself afterwards for `O_SYNC`/`O_DSYNC`.
   * EFBIG past the largest file size.
   */
  write?(inode: I, pos: number, data: Uint8Array, flags?: number): Promise<number>;
  /** Makes the file's data (and, unless `datasync`, all its metadata) durable. */
  fsync?(inode: I, datasync: boolean): Promise<void>;
  /**
   * Sets the file size, zeroing a partial last block and freeing what lies
   * past it, and updates mtime and ctime even when the size does not change
   * (`O_TRUNC` and `ftruncate` do). EFBIG past the largest file size.
   */
  truncate?(inode: I, size: number): Promise<void>;
  /** Allocates, zeroes, punches or shifts `[pos, pos + length)` (`FallocateFlag` bits in `mode`). */
  fallocate?(inode: I, pos: number, length: number, mode: number): Promise<void>;
  /** First hole at or after `pos` (end of file counts as one); `ENXIO` at or past EOF. */
  seekHole?(inode: I, pos: number): Promise<number>;
  /** First data at or after `pos`; `ENXIO` at or past EOF or when only holes follow. */
  seekData?(inode: I, pos: number): Promise<number>;
  /** The file's extents (FIEMAP). */
  fiemap?(inode: I, request: FiemapRequest): Promise<FiemapResult>;
}
