// The filesystem-wide operations (the kernel's `super_operations`): what
// `statfs(2)` reports, writing everything back, and unmounting.

/**
 * Filesystem-wide numbers, as `statfs(2)` reports them and Node's `StatFs`
 * shows them. Counts are in blocks of `bsize` bytes and in inodes.
 *
 * @example
 * ```ts
 * const stats: FsStatistics = {
 *   type: 0xef53, bsize: 4096, blocks: 2560, bfree: 2400, bavail: 2272,
 *   files: 640, ffree: 629, nameMax: 255,
 * };
 * ```
 */
export interface FsStatistics {
  /** Filesystem magic (`f_type`), e.g. 0xEF53 for ext2. */
  type: number;
  /** Block size in bytes (`f_bsize`). */
  bsize: number;
  /** Total data blocks (`f_blocks`). */
  blocks: number;
  /** Free blocks (`f_bfree`). */
  bfree: number;
  /** Free blocks available to unprivileged users (`f_bavail`): free minus reserved. */
  bavail: number;
  /** Total inodes (`f_files`). */
  files: number;
  /** Free inodes (`f_ffree`). */
  ffree: number;
  /** Longest name in bytes (`f_namelen`); 255 when omitted. */
  nameMax?: number;
}

/**
 * Operations on the filesystem as a whole.
 *
 * @example
 * ```ts
 * const superOps: SuperOperations = {
 *   async statfs() { return { type: 0x858458f6, bsize: 4096, blocks: 0, bfree: 0, bavail: 0, files: 0, ffree: 0 }; },
 *   async sync() {},
 *   async unmount() {},
 * };
 * ```
 */
export interface SuperOperations {
  /** Filesystem-wide usage numbers (`statfs(2)`). */
  statfs(): Promise<FsStatistics>;
  /**
   * Writes every dirty cached byte and all metadata to the device and flushes
   * it (`sync(2)` for this filesystem). A read-only filesystem resolves at once.
   */
  sync(): Promise<void>;
  /**
   * Writes everything back, marks the filesystem clean and releases the
   * device. No other operation may be called afterwards.
   */
  unmount(): Promise<void>;
}
