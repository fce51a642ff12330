// The page cache of one file (the kernel's `struct address_space`): its
// folios indexed by page, its in-core size (EOF), its writeback error
// sequence, and the hooks the filesystem gave for mapping, writing and
// writing back. It implements core's CacheCoherency and CacheRangeProbe
// (for direct I/O) and PageCacheSeek (for SEEK_HOLE/SEEK_DATA inside
// unwritten extents).
//
// The in-core size lives here: buffered writes raise it before unlocking the
// folio (BUF-18); a filesystem changing it by other means (truncate, direct
// I/O past EOF) calls setSize()/truncate(). Persisting it is the filesystem's
// job, ideally after the data I/O completed (IOMAP-SPEC §3.9).
import {
  FsError,
  PAGE_SIZE,
  checkOffset,
  checkRange,
  type CacheCoherency,
  type CacheRangeProbe,
  type IomapOps,
  type PageCacheSeek,
  type SeekWhence,
  type WritebackOps,
} from '@iomap/core';
import { Errseq, type ErrseqCursor } from './errseq.js';
import { Folio, type FolioOwner } from './folio.js';
import { FolioIndex } from './folio-index.js';
import type { PageCache } from './page-cache.js';
import { ReadaheadState } from './readahead-state.js';
import { seekInCache } from './seek-cache.js';
import { invalidateMappingRange, pagecacheIsizeExtended, truncatePagecache } from './truncate.js';
import type { BufferedWriteOps } from './write-ops.js';
import type { BufferedReadOps } from './read-ops.js';
import { writeAndWait } from './writeback.js';
import { IoendCompletionQueue } from './ioend-completion.js';

/**
 * How to create an {@link AddressSpace}.
 *
 * @example
 * ```ts
 * const options: AddressSpaceOptions<MyInode> = { inode, ops, writeOps, writebackOps, blockSize: 4096, size: inode.size };
 * ```
 */
export interface AddressSpaceOptions<I> {
  /** The filesystem's inode, handed to every callback. */
  inode: I;
  /** The filesystem's mapping callbacks. */
  ops: IomapOps<I>;
  /** Filesystem block size: a power of two from 512 bytes. Folios are at least this big. */
  blockSize: number;
  /** In-core file size at open. Default 0. */
  size?: number;
  /** Per-write hooks: revalidation (`iomapValid`), folio get/put, RMW reads (BUF-13, BUF-14). */
  writeOps?: BufferedWriteOps<I>;
  /**
   * How device reads of folio ranges are started and completed (BUF-8, the
   * kernel's `iomap_read_ops`). Default: physically contiguous ranges are
   * coalesced into one `readv`. With custom read ops every read fills the
   * cache (reads are never uncached, so each device read goes through them).
   */
  readOps?: BufferedReadOps<I>;
  /** Writeback callbacks. Without them the file cannot be dirtied (writes fail with `EROFS`). */
  writebackOps?: WritebackOps<I>;
  /**
   * Largest folio in bytes: large folios are opt-in per file (BUF-1). Default
   * one page (or one block when blocks are bigger than a page).
   */
  maxFolioSize?: number;
  /** Name used in error messages (a path). */
  name?: string;
  /**
   * Allocations for this file never write back or wait (the kernel's
   * GFP_NOFS): set for caches a filesystem uses while holding its own locks,
   * such as its metadata in a {@link BlockDeviceCache}. Writes to it are not
   * throttled either. Default false.
   */
  noFsReclaim?: boolean;
}

const isPow2 = (n: number) => Number.isSafeInteger(n) && n > 0 && (n & (n - 1)) === 0;

/**
 * The page cache of one file. Create it with {@link PageCache.createAddressSpace}.
 *
 * @example
 * ```ts
 * const file = cache.createAddressSpace({ inode, ops, writebackOps, blockSize: 1024, size: inode.size, maxFolioSize: 64 << 10 });
 * const cursor = file.errseq.sample();          // one per open file handle
 * await bufferedWrite(file, 0, data);
 * await file.fsync(cursor);                      // EIO once if writeback failed
 * ```
 */
export class AddressSpace<I = unknown> implements CacheCoherency, CacheRangeProbe, PageCacheSeek, FolioOwner {
  readonly cache: PageCache;
  readonly inode: I;
  readonly ops: IomapOps<I>;
  readonly writeOps: BufferedWriteOps<I> | undefined;
  /** Custom device reads (BUF-8); undefined means the coalescing default. */
  readonly readOps: BufferedReadOps<I> | undefined;
  readonly writebackOps: WritebackOps<I> | undefined;
  readonly blockSize: number;
  /** Smallest folio: a page, or a block when blocks are bigger. */
  readonly minFolioSize: number;
  /** Largest folio (BUF-1). */
  readonly maxFolioSize: number;
  readonly name: string | undefined;
  /** See {@link AddressSpaceOptions.noFsReclaim}. */
  readonly noFsReclaim: boolean;
  /** Writeback errors for fsync (errseq semantics, BUF-35). */
  readonly errseq = new Errseq();
  /** The default readahead state (per-handle states may be passed to reads instead). */
  readonly ra = new ReadaheadState();
  /** The cached folios. */
  readonly folios: FolioIndex;
  /** Dirty folios (the kernel's DIRTY tag). */
  readonly dirtyFolios = new Set<Folio>();
  /** Counts folios going from clean to dirty: uncached reads notice a write racing them (uncached-read.ts). */
  dirtyGeneration = 0;
  /** Folios under writeback (the kernel's WRITEBACK tag). */
  readonly writebackFolios = new Set<Folio>();
  /** Finished writeback I/O waiting for completion processing (BUF-39, BUF-40). */
  readonly completions: IoendCompletionQueue;
  private isize: number;
  /** An error for the next writeAndWaitRange (the kernel's AS_EIO bit). */
  private pendingError: FsError | undefined = undefined;

  constructor(cache: PageCache, options: AddressSpaceOptions<I>) {
    const { blockSize } = options;
    if (!isPow2(blockSize) || blockSize < 512) {
      throw new FsError('EINVAL', `blockSize must be a power of two of at least 512, got ${String(blockSize)}`);
    }
    this.minFolioSize = Math.max(PAGE_SIZE, blockSize);
    const maxFolio = Math.max(options.maxFolioSize ?? this.minFolioSize, this.minFolioSize);
    if (!isPow2(maxFolio)) throw new FsError('EINVAL', `maxFolioSize must be a power of two, got ${maxFolio}`);
    this.cache = cache;
    this.inode = options.inode;
    this.ops = options.ops;
    this.writeOps = options.writeOps;
    this.readOps = options.readOps;
    this.writebackOps = options.writebackOps;
    this.blockSize = blockSize;
    this.maxFolioSize = maxFolio;
    this.name = options.name;
    this.noFsReclaim = options.noFsReclaim ?? false;
    this.isize = options.size ?? 0;
    checkOffset(this.isize, 'size', 'open');
    this.folios = new FolioIndex(this.minFolioSize / PAGE_SIZE, maxFolio / PAGE_SIZE);
    this.completions = new IoendCompletionQueue(this as AddressSpace<unknown>);
  }

  /** In-core file size (EOF). */
  get size(): number {
    return this.isize;
  }

  /** Sets the in-core size without touching cached data (the kernel's i_size_write). */
  setSize(size: number): void {
    checkOffset(size, 'size', 'setSize');
    this.isize = size;
  }

  /**
   * Changes the size and trims the cache to it (truncate_setsize): folios
   * wholly past the new EOF are dropped (after their writeback), the
   * straddling folio's bytes past EOF are zeroed; growing zeroes the cached
   * bytes between the old and new EOF. Call it before freeing blocks.
   * Caller holds the inode lock exclusively.
   */
  async truncate(size: number): Promise<void> {
    checkOffset(size, 'size', 'truncate');
    const old = this.isize;
    if (size < old) {
      this.isize = size;
      await truncatePagecache(this as AddressSpace<unknown>, size);
    } else {
      // Zero what lies past the old EOF first: once the size moves it is file data (BUF-18).
      await pagecacheIsizeExtended(this as AddressSpace<unknown>, old, size);
      this.isize = size;
    }
  }

  /** The cached folio holding file byte `pos`, marking it referenced. */
  lookup(pos: number): Folio | undefined {
    const folio = this.folios.lookup(Math.floor(pos / PAGE_SIZE));
    if (folio !== undefined) folio.referenced = true;
    return folio;
  }

  /**
   * Returns the locked folio holding `pos`, creating it (sized for `len`
   * bytes, BUF-1) when missing. NOWAIT: `EAGAIN` instead of waiting for a
   * lock or for memory. Caller holds no folio lock.
   */
  async grabFolio(pos: number, len: number, nowait = false): Promise<Folio> {
    const index = Math.floor(pos / PAGE_SIZE);
    for (;;) {
      const folio = this.lookup(pos);
      if (folio !== undefined) {
        if (!folio.lock.tryLock()) {
          if (nowait) throw new FsError('EAGAIN', 'folio is locked and NOWAIT forbids waiting', { path: this.name });
          await folio.lock.lock();
        }
        if (folio.owner === this) return folio;
        folio.lock.unlock(); // truncated or evicted while we waited
        continue;
      }
      const pages = this.folioPagesFor(index, len);
      await this.reserve(pages * PAGE_SIZE, nowait);
      try {
        if (this.folios.lookup(index) !== undefined) continue;
        // Eviction may have freed a bigger slot meanwhile: stay within the room reserved.
        const created = this.insertFolio(index, this.folioPagesFor(index, Math.min(len, pages * PAGE_SIZE)));
        created.lock.tryLock();
        return created;
      } finally {
        this.cache.unreserve(pages * PAGE_SIZE);
      }
    }
  }

  /** Reserves cache memory for new folios of this file (release with `cache.unreserve`). */
  reserve(bytes: number, nowait = false): Promise<void> {
    return this.cache.makeRoom(bytes, { nowait, nofs: this.noFsReclaim });
  }

  /**
   * Folio size in pages for a write of `len` bytes at page `index` (BUF-1):
   * the largest power of two not above `len`, within [min, max] folio size,
   * shrunk until its aligned slot is free.
   */
  folioPagesFor(index: number, len: number): number {
    const { minPages, maxPages } = this.folios;
    let pages = minPages;
    while (pages * 2 <= maxPages && pages * 2 * PAGE_SIZE <= len) pages *= 2;
    while (pages > minPages && !this.folios.isFree(index - (index % pages), pages)) pages /= 2;
    return pages;
  }

  /** Creates and caches an unlocked folio of `pages` pages holding page `index`. The slot must be free. */
  insertFolio(index: number, pages: number): Folio {
    const size = pages * PAGE_SIZE;
    const folio = new Folio(index - (index % pages), size, this.blockSize, this, this.cache.takeBuffer(size));
    this.folios.insert(folio);
    this.cache.charge(folio);
    return folio;
  }

  /** Removes a locked folio from the cache; it must be clean and not under writeback. */
  deleteFolio(folio: Folio): void {
    if (folio.dirty || folio.writeback) {
      throw new FsError('EIO', `folio at ${folio.pos} is dirty or under writeback and cannot be removed`, { path: this.name });
    }
    this.cache.uncharge(folio);
    this.forgetFolio(folio);
  }

  /** Internal: drops a folio from the index (the cache already uncharged it). */
  forgetFolio(folio: Folio): void {
    this.folios.remove(folio);
    this.dirtyFolios.delete(folio);
    folio.owner = undefined;
  }

  /** Internal (FolioOwner). */
  folioUnlocked(): void {
    this.cache.folioUnlocked();
  }

  /** Internal (FolioOwner). */
  folioDirtied(folio: Folio): void {
    this.dirtyGeneration++;
    this.dirtyFolios.add(folio);
    this.cache.accountDirty(this as AddressSpace<unknown>, folio.size);
  }

  /** Internal (FolioOwner). */
  folioCleaned(folio: Folio): void {
    this.dirtyFolios.delete(folio);
    this.cache.accountDirty(this as AddressSpace<unknown>, -folio.size);
  }

  /** Internal (FolioOwner). */
  folioWritebackStarted(folio: Folio): void {
    this.writebackFolios.add(folio);
    this.cache.accountWriteback(folio.size);
  }

  /** Internal (FolioOwner). */
  folioWritebackEnded(folio: Folio): void {
    this.writebackFolios.delete(folio);
    this.cache.accountWriteback(-folio.size);
  }

  /** Records a writeback error: for fsync (errseq) and for the next writeAndWaitRange (BUF-35). */
  recordWritebackError(err: FsError): void {
    this.errseq.set(err);
    this.pendingError = err;
  }

  /**
   * Writes back every dirty byte of `[start, end)` and waits for all
   * writeback there to finish (CacheCoherency). Throws the writeback error
   * recorded since the last call, once.
   */
  async writeAndWaitRange(start: number, end: number): Promise<void> {
    checkRange(start, Math.max(0, end - start), 'writeAndWaitRange');
    await writeAndWait(this as AddressSpace<unknown>, start, end);
    const err = this.pendingError;
    this.pendingError = undefined;
    if (err !== undefined) throw err;
  }

  /**
   * Drops the cached folios overlapping `[start, end)` so later reads go to
   * storage (CacheCoherency). Waits for locks and writeback; a folio that is
   * dirty is kept and the call fails with `EBUSY` (write back first).
   */
  async invalidateRange(start: number, end: number): Promise<void> {
    checkRange(start, Math.max(0, end - start), 'invalidateRange');
    await invalidateMappingRange(this as AddressSpace<unknown>, start, end);
  }

  /** Whether any cached folio overlapping `[start, end)` is dirty or under writeback (CacheRangeProbe; never waits). */
  rangeNeedsWriteback(start: number, end: number): boolean {
    if (end <= start || (this.dirtyFolios.size === 0 && this.writebackFolios.size === 0)) return false;
    for (const f of this.folios.range(Math.floor(start / PAGE_SIZE), Math.ceil(end / PAGE_SIZE))) {
      if (f.dirty || f.writeback) return true;
    }
    return false;
  }

  /** Whether any folio overlapping `[start, end)` is cached (CacheRangeProbe; never waits). */
  rangeHasCached(start: number, end: number): boolean {
    return end > start && this.folios.range(Math.floor(start / PAGE_SIZE), Math.ceil(end / PAGE_SIZE)).length > 0;
  }

  /** SEEK_HOLE/SEEK_DATA help inside UNWRITTEN extents (CORE-21; see PageCacheSeek). */
  seekHoleData(start: number, end: number, whence: SeekWhence): number | undefined {
    return seekInCache(this as AddressSpace<unknown>, start, end, whence);
  }

  /**
   * fsync's data part: writes back and waits for `[start, end)` (default the
   * whole file), then reports a writeback error recorded since `cursor`,
   * exactly once per cursor (errseq). The filesystem commits metadata and
   * flushes the device afterwards.
   */
  async fsync(cursor: ErrseqCursor, start = 0, end = Number.MAX_SAFE_INTEGER): Promise<void> {
    await writeAndWait(this as AddressSpace<unknown>, start, end);
    const err = this.errseq.checkAndAdvance(cursor);
    // As Linux's file_check_and_advance_wb_err clears AS_EIO: an error fsync
    // has seen is not reported again by the next writeAndWaitRange (found by
    // the exerciser with injected writeback faults: a punch after a failed
    // fsync reported the same error a second time).
    this.pendingError = undefined;
    if (err !== undefined) throw err;
  }

  /** Writes everything back, then drops every folio (close of the last user). */
  async evictAll(): Promise<void> {
    await writeAndWait(this as AddressSpace<unknown>, 0, Number.MAX_SAFE_INTEGER);
    await invalidateMappingRange(this as AddressSpace<unknown>, 0, Number.MAX_SAFE_INTEGER);
  }
}
