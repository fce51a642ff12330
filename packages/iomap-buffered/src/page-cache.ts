// The global page cache: one memory budget shared by every address space,
// CLOCK eviction of clean folios, writeback of dirty ones under memory
// pressure, and dirty throttling (a writer over the dirty limit waits for
// writeback instead of growing memory without bound).
//
// There is no background timer: data is written back when memory or the
// dirty limits require it, on fsync/writeAndWaitRange, and on syncAll().
// Two dirty limits, as in Linux (dirty_background_ratio, dirty_ratio):
//
//   dirty bytes  > background limit -> the writer starts writeback and goes on copying
//   dirty + writeback > dirty limit -> the writer waits for writeback (throttling)
//
// so the device is already busy writing while the writer fills the cache,
// instead of idling until the writer hits the dirty limit and stalls.
//
// Memory is reserved before folios are created, so concurrent allocations
// cannot jointly overshoot the budget: an allocation waits for eviction,
// writeback or locked folios to come free, and goes over budget only when
// nothing at all is reclaimable (everything pinned) or when it must not
// wait (NOFS metadata). Nobody holding a folio lock ever allocates or waits
// here, which is what keeps "allocate → write back → lock folio" free of
// deadlocks.
import { FsError, PAGE_SIZE, checkOffset } from '@iomap/core';
import { AddressSpace, type AddressSpaceOptions } from './address-space.js';
import type { Folio } from './folio.js';
import { WaitList } from './folio-lock.js';
import { depositSpare, takeSpare } from './spare-folio-memory.js';
import { writebackPass } from './writeback.js';

/**
 * Options for {@link PageCache}.
 *
 * @example
 * ```ts
 * new PageCache({ budget: 256 << 20, dirtyRatio: 0.25, maxReadahead: 2 << 20 });
 * ```
 */
export interface PageCacheOptions {
  /** Bytes of folio memory the cache may hold. Default 64 MiB. */
  budget?: number;
  /** Fraction of the budget that may be dirty or under writeback before writers wait. Default 0.5. */
  dirtyRatio?: number;
  /**
   * Fraction of the budget of dirty data at which a writer starts writeback
   * without waiting for it (Linux's dirty_background_ratio). At most
   * `dirtyRatio`; equal to it, writeback starts only when writers are
   * throttled. Default `dirtyRatio / 2`.
   */
  dirtyBackgroundRatio?: number;
  /** Largest readahead window in bytes. Default 1 MiB, at most a quarter of the budget. */
  maxReadahead?: number;
  /** Largest device request built by reads and writeback, in bytes. Default 8 MiB. */
  maxIoSize?: number;
  /**
   * Smallest read (bytes left to read at a cache miss) filled straight from
   * the device into the caller's buffer when nothing of its range is cached,
   * without creating folios. Default 128 KiB; `Infinity` turns uncached
   * reads off (every read fills the cache).
   */
  uncachedReadMin?: number;
}

/**
 * Counters describing a {@link PageCache}; all in bytes unless named otherwise.
 *
 * @example
 * ```ts
 * const { used, peakUsed, dirty } = cache.stats;
 * ```
 */
export interface PageCacheStats {
  /** Folio memory held now (not counting the recycled folio memory in `pooled`). */
  used: number;
  /**
   * Memory of evicted folios kept for reuse. It counts against the budget:
   * `used + pooled` stays within the budget (plus any overshoot), since pooled
   * buffers are dropped as soon as a new folio needs memory of another size.
   */
  pooled: number;
  /** New folios whose memory came from the pool, or from a closed cache's (no allocation, no zero-fill, no page faults). */
  poolHits: number;
  /** New folios that needed freshly allocated memory. */
  poolMisses: number;
  /** Highest `used` ever seen. */
  peakUsed: number;
  /** Bytes of dirty folios. */
  dirty: number;
  /** Bytes of folios under writeback. */
  writeback: number;
  /** Cached folios. */
  folios: number;
  /** Folios evicted by CLOCK. */
  evictions: number;
  /** Largest amount by which an allocation had to exceed the budget because nothing was reclaimable. */
  maxOvershoot: number;
  /** Times a writer waited for writeback (dirty throttling). */
  throttled: number;
  /** Times a writer started writeback past the background limit without waiting. */
  backgroundWriteback: number;
  /** Bytes read straight from the device into callers' buffers, bypassing the cache (uncached reads). */
  uncachedRead: number;
}

const DEFAULT_BUDGET = 64 * 1024 * 1024;
/** Measured with bench/buffered.bench.ts (README, Benchmarks). */
const DEFAULT_UNCACHED_READ_MIN = 128 * 1024;

/**
 * The page cache: a memory budget for every file's folios.
 *
 * @example
 * ```ts
 * const cache = new PageCache({ budget: 16 << 20 });
 * const file = cache.createAddressSpace({ inode, ops, writebackOps, blockSize: 4096, size: 0 });
 * await bufferedWrite(file, 0, data);
 * await cache.syncAll();
 * ```
 */
export class PageCache {
  readonly budget: number;
  /** Dirty + writeback bytes above which writers are throttled. */
  readonly dirtyLimit: number;
  /** Dirty bytes above which writers start writeback without waiting (see {@link PageCacheOptions.dirtyBackgroundRatio}). */
  readonly backgroundDirtyLimit: number;
  readonly maxReadahead: number;
  readonly maxIoSize: number;
  /** See {@link PageCacheOptions.uncachedReadMin}. */
  readonly uncachedReadMin: number;
  private usedBytes = 0;
  private peak = 0;
  private reservedBytes = 0;
  private dirtyBytes = 0;
  private writebackBytes = 0;
  private evictions = 0;
  private overshoot = 0;
  private throttled = 0;
  private backgroundStarts = 0;
  private uncachedReadBytes = 0;
  /** CLOCK ring: iteration order is the hand; scanned folios move to the tail. */
  private readonly clock = new Set<Folio>();
  /** Address spaces with dirty folios, oldest-dirtied first. */
  private readonly dirtyMappings = new Set<AddressSpace<unknown>>();
  /** Woken whenever writeback of a folio ends or a flush finishes. */
  private readonly progress = new WaitList();
  private flushing: Promise<number> | undefined = undefined;
  /**
   * Memory of evicted folios, reused for new ones of the same size: a fresh
   * 1 MiB Uint8Array costs a zero-fill, a page fault per 4 KiB on first
   * write and later a GC, which together measured ~0.8 ms per MiB written
   * through ext2-lite, more than the rest of its write path. Bounded by the
   * budget itself (see {@link takeBuffer}), not by a fraction of it: a
   * streaming writer recycles its whole cache, folio by folio.
   */
  private readonly pool = new Map<number, Uint8Array[]>();
  private pooledBytes = 0;
  private poolHits = 0;
  private poolMisses = 0;

  constructor(options: PageCacheOptions = {}) {
    this.budget = options.budget ?? DEFAULT_BUDGET;
    checkOffset(this.budget, 'budget', 'PageCache');
    const ratio = options.dirtyRatio ?? 0.5;
    if (!(ratio > 0 && ratio <= 1)) throw new FsError('EINVAL', `dirtyRatio must be in (0, 1], got ${ratio}`);
    this.dirtyLimit = Math.max(1, Math.floor(this.budget * ratio));
    const background = options.dirtyBackgroundRatio ?? ratio / 2;
    if (!(background > 0 && background <= ratio)) {
      throw new FsError('EINVAL', `dirtyBackgroundRatio must be in (0, dirtyRatio = ${ratio}], got ${background}`);
    }
    this.backgroundDirtyLimit = Math.max(1, Math.floor(this.budget * background));
    const ra = Math.min(options.maxReadahead ?? 1 << 20, Math.floor(this.budget / 4));
    this.maxReadahead = Math.max(PAGE_SIZE, Math.floor(ra / PAGE_SIZE) * PAGE_SIZE);
    this.maxIoSize = options.maxIoSize ?? 8 << 20;
    this.uncachedReadMin = options.uncachedReadMin ?? DEFAULT_UNCACHED_READ_MIN;
    if (!(this.uncachedReadMin >= 1)) throw new FsError('EINVAL', `uncachedReadMin must be at least 1, got ${this.uncachedReadMin}`);
    checkOffset(this.maxIoSize, 'maxIoSize', 'PageCache');
  }

  /** Creates the address space (page cache) of one file. */
  createAddressSpace<I>(options: AddressSpaceOptions<I>): AddressSpace<I> {
    return new AddressSpace<I>(this, options);
  }

  /** Current counters. */
  get stats(): PageCacheStats {
    return {
      used: this.usedBytes,
      pooled: this.pooledBytes,
      poolHits: this.poolHits,
      poolMisses: this.poolMisses,
      peakUsed: this.peak,
      dirty: this.dirtyBytes,
      writeback: this.writebackBytes,
      folios: this.clock.size,
      evictions: this.evictions,
      maxOvershoot: this.overshoot,
      throttled: this.throttled,
      backgroundWriteback: this.backgroundStarts,
      uncachedRead: this.uncachedReadBytes,
    };
  }

  /** Internal: accounts bytes an uncached read delivered. */
  accountUncachedRead(bytes: number): void {
    this.uncachedReadBytes += bytes;
  }

  /** Whether writers should wait for writeback now. */
  get overDirtyLimit(): boolean {
    return this.dirtyBytes + this.writebackBytes > this.dirtyLimit;
  }

  /** Whether a writer should start background writeback now: dirty bytes past the background limit and no flush running. */
  get overBackgroundLimit(): boolean {
    return this.dirtyBytes > this.backgroundDirtyLimit && this.flushing === undefined;
  }

  /**
   * A writer's per-step dirty check (BUF-12), without waiting: past the
   * background limit it starts writeback of the oldest dirty data — every
   * dirty byte, in ioends of up to `maxIoSize` — and returns at once. The
   * writer then copies its next steps while the device writes. Call
   * {@link balanceDirty} instead when {@link overDirtyLimit} says so.
   */
  startBackgroundWriteback(): void {
    if (!this.overBackgroundLimit) return;
    this.backgroundStarts++;
    // writebackPass records errors on the address spaces (fsync reports them); nothing to handle here.
    this.flush(this.dirtyBytes).catch(() => undefined);
  }

  /** Internal: a folio entered the cache. */
  charge(folio: Folio): void {
    this.clock.add(folio);
    this.usedBytes += folio.size;
    if (this.usedBytes > this.peak) this.peak = this.usedBytes;
  }

  /** Internal: a folio left the cache; its memory may be reused. */
  uncharge(folio: Folio): void {
    if (!this.clock.delete(folio)) return;
    this.usedBytes -= folio.size;
    this.recycle(folio.data);
    if (!this.progress.empty) this.progress.wake(); // memory came free
  }

  /**
   * Internal: memory for a new folio of `size` bytes (already reserved with
   * {@link makeRoom}), recycled when possible. Its contents are stale. Before
   * allocating, pooled buffers of other sizes are released until
   * `used + reserved + pooled` fits the budget again, so the pool never
   * makes the cache hold more memory than the budget allows.
   */
  takeBuffer(size: number): Uint8Array {
    const buffer = this.pool.get(size)?.pop();
    if (buffer !== undefined) {
      this.pooledBytes -= size;
      this.poolHits++;
      return buffer;
    }
    this.trimPool(this.budget - this.usedBytes - this.reservedBytes);
    const spare = takeSpare(size);
    if (spare !== undefined) {
      this.poolHits++;
      return spare;
    }
    this.poolMisses++;
    return new Uint8Array(size);
  }

  /**
   * Call when the cache will not be used any more (a filesystem's unmount,
   * after writing everything back): evicts every clean, idle folio and
   * leaves their memory, with the pool's, to the next PageCache created in
   * this process, which takes it instead of allocating. That memory is held
   * for a few seconds at most (see `releaseSpareFolioMemory`). Dirty,
   * locked or pinned folios stay. The cache still works afterwards; it
   * merely starts cold.
   *
   * @example
   * ```ts
   * await cache.syncAll();
   * cache.close();
   * const next = new PageCache(); // reuses that memory for its first folios
   * ```
   */
  close(): void {
    this.sweep(Number.MAX_SAFE_INTEGER);
    const buffers: Uint8Array[] = [];
    for (const list of this.pool.values()) buffers.push(...list);
    this.pool.clear();
    this.pooledBytes = 0;
    depositSpare(buffers);
  }

  /** Drops pooled buffers (to the garbage collector) until at most `keep` bytes stay pooled. */
  private trimPool(keep: number): void {
    for (const [size, list] of this.pool) {
      while (this.pooledBytes > keep && list.length > 0) {
        list.pop();
        this.pooledBytes -= size;
      }
      if (list.length === 0) this.pool.delete(size);
      if (this.pooledBytes <= keep) return;
    }
  }

  private recycle(data: Uint8Array): void {
    // Only while the memory fits the budget: it may be over after an overshoot.
    if (this.usedBytes + this.reservedBytes + this.pooledBytes + data.length > this.budget) return;
    let list = this.pool.get(data.length);
    if (list === undefined) this.pool.set(data.length, (list = []));
    list.push(data);
    this.pooledBytes += data.length;
  }

  /** Internal: dirty accounting from address spaces. */
  accountDirty(mapping: AddressSpace<unknown>, bytes: number): void {
    this.dirtyBytes += bytes;
    if (mapping.dirtyFolios.size === 0) this.dirtyMappings.delete(mapping);
    else if (!this.dirtyMappings.has(mapping)) this.dirtyMappings.add(mapping);
  }

  /** Internal: writeback accounting from address spaces. */
  accountWriteback(bytes: number): void {
    this.writebackBytes += bytes;
    if (bytes < 0) this.progress.wake();
  }

  /**
   * Reserves room for `bytes` of new folios (release what is left unused
   * with {@link unreserve}). Evicts clean folios; then writes dirty ones
   * back and waits for writeback, or for folios locked by in-flight
   * operations to be released. Only when nothing at all can be reclaimed —
   * every folio pinned — does the reservation go over budget, by this one
   * batch. `nowait`: `EAGAIN` instead of waiting. `nofs` (allocations made
   * while a filesystem may hold its own locks, like metadata reads from
   * inside its callbacks): never writes back or waits, only evicts clean
   * folios, else goes over budget. The caller must hold no folio lock.
   */
  async makeRoom(bytes: number, options: { nowait?: boolean; nofs?: boolean } = {}): Promise<void> {
    let tryFlush = true;
    for (;;) {
      const over = this.usedBytes + this.reservedBytes + bytes - this.budget;
      if (over <= 0) break;
      const { freed, busy } = this.sweep(over);
      if (freed >= over) break;
      if (options.nofs) {
        this.noteOvershoot(bytes);
        break;
      }
      if (options.nowait) throw new FsError('EAGAIN', 'the page cache is full and NOWAIT forbids waiting for writeback');
      if (tryFlush && this.dirtyBytes > 0) {
        tryFlush = (await this.flush(Math.max(over, this.budget / 8))) > 0;
        continue; // sweep again: the world changed while we waited
      }
      tryFlush = true;
      // Decided on this very sweep, with no await in between: a wake cannot be missed.
      if (this.writebackBytes > 0 || busy) {
        await this.progress.wait();
        continue;
      }
      this.noteOvershoot(bytes);
      break;
    }
    this.reservedBytes += bytes;
  }

  /** Returns the unused part of a {@link makeRoom} reservation. */
  unreserve(bytes: number): void {
    this.reservedBytes -= bytes;
  }

  /** Internal: a folio lock was released; someone waiting for memory may proceed. */
  folioUnlocked(): void {
    if (!this.progress.empty) this.progress.wake();
  }

  private noteOvershoot(bytes: number): void {
    this.overshoot = Math.max(this.overshoot, this.usedBytes + this.reservedBytes + bytes - this.budget);
  }

  /**
   * Dirty throttling (BUF-12's per-step hook): while dirty + writeback bytes
   * exceed the dirty limit, starts writeback and waits for it. The caller
   * must hold no folio lock.
   */
  async balanceDirty(): Promise<void> {
    if (!this.overDirtyLimit) return;
    this.throttled++;
    while (this.overDirtyLimit) {
      const submitted = this.dirtyBytes > 0 ? await this.flush(this.dirtyBytes + this.writebackBytes - this.dirtyLimit / 2) : 0;
      if (!this.overDirtyLimit) return;
      if (this.writebackBytes > 0) await this.progress.wait();
      else if (submitted === 0) return;
    }
  }

  /** Writes back every dirty folio of every address space and waits for it. */
  async syncAll(): Promise<void> {
    for (const mapping of [...this.dirtyMappings]) await mapping.writeAndWaitRange(0, Number.MAX_SAFE_INTEGER);
  }

  /**
   * Evicts up to `bytes` of clean, unlocked, idle folios in CLOCK order:
   * a referenced folio gets a second chance. Returns the bytes freed.
   */
  evictClean(bytes: number): number {
    return this.sweep(bytes).freed;
  }

  /** One CLOCK sweep; `busy` says whether locked folios were passed over (they will come free). */
  private sweep(bytes: number): { freed: number; busy: boolean } {
    let freed = 0;
    let busy = false;
    let budget = this.clock.size * 2;
    for (const folio of this.clock) {
      if (freed >= bytes || budget-- <= 0) break;
      this.clock.delete(folio);
      const owner = folio.owner as AddressSpace<unknown> | undefined;
      if (folio.lock.locked) busy = true;
      const idle = !folio.dirty && !folio.writeback && !folio.lock.locked && folio.pins === 0;
      if (idle && !folio.referenced && owner !== undefined) {
        this.usedBytes -= folio.size;
        owner.forgetFolio(folio);
        this.recycle(folio.data);
        freed += folio.size;
        this.evictions++;
        continue;
      }
      folio.referenced = false;
      this.clock.add(folio);
    }
    return { freed, busy };
  }

  /**
   * Starts (or joins) one flush of about `bytes` of dirty data, oldest-dirtied
   * files first. Resolves with the bytes submitted, before the I/O completes.
   */
  private flush(bytes: number): Promise<number> {
    if (this.flushing === undefined) {
      this.flushing = this.flushOldest(bytes).finally(() => {
        this.flushing = undefined;
        this.progress.wake();
      });
    }
    return this.flushing;
  }

  private async flushOldest(bytes: number): Promise<number> {
    let submitted = 0;
    for (const mapping of [...this.dirtyMappings]) {
      if (submitted >= bytes) break;
      const result = await writebackPass(mapping, { start: 0, end: Number.MAX_SAFE_INTEGER, sync: false, maxBytes: bytes - submitted });
      submitted += result.submitted;
    }
    return submitted;
  }
}
