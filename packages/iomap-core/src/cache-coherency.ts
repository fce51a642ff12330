// How engines that bypass the page cache (direct I/O, DAX) and the reporting
// operations talk to it, without importing it: @iomap/buffered implements
// these interfaces for each file's address space.

/** Writes back and drops cached ranges of one file. Ranges are `[start, end)` in bytes. */
export interface CacheCoherency {
  /** Writes every dirty cached byte of the range to storage and waits for it. */
  writeAndWaitRange(start: number, end: number): Promise<void>;
  /** Drops clean cached data of the range so later reads go to storage. */
  invalidateRange(start: number, end: number): Promise<void>;
}

/** What a seek asks the page cache for (CORE-21). */
export type SeekWhence = 'data' | 'hole';

/**
 * The page-cache query SEEK_HOLE/SEEK_DATA need inside UNWRITTEN extents
 * (CORE-21): cached blocks that are uptodate count as data, everything else
 * (a missing folio, or a block of a folio that is not uptodate) as a hole.
 */
export interface PageCacheSeek {
  /**
   * Searches `[start, end)`. For `'data'`, returns the first position holding
   * cached uptodate data, or `undefined` when there is none. For `'hole'`,
   * returns the first position that is not cached-and-uptodate, or `end`.
   */
  seekHoleData(start: number, end: number, whence: SeekWhence): number | undefined;
}
