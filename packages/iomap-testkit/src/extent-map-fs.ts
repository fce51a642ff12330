// ExtentMapFs: an in-memory filesystem built to test iomap engines against.
// Files have a size and an extent map over a BlockDevice the filesystem
// allocates from; its IomapOps produce every mapping type and flag on demand.
// Behaviour per operation: extent-begin.ts (table), extent-end.ts,
// extent-edit.ts, extent-inline.ts, extent-reflink.ts.
import {
  checkRange,
  checkOffset,
  type BlockDevice,
  type DaxDevice,
  type DirectIoOps,
  type Iomap,
  type IomapMapping,
  type IomapOps,
  type IomapWriteOps,
} from '@iomap/core';
import { beginMapping } from './extent-begin.js';
import { convertUnwritten, preallocate, punchFile, truncateFile, writebackConvert } from './extent-edit.js';
import { endMapping } from './extent-end.js';
import {
  extentDirectIoOps,
  extentWritebackOps,
  type ExtentDirectIoOptions,
  type ExtentWritebackOps,
  type ExtentWritebackOptions,
} from './extent-engine-ops.js';
import { packTail } from './extent-inline.js';
import { listExtents, readContents, verifyConsistency } from './extent-inspect.js';
import type { ExtentInfo, ExtentMapFsOptions, ExtentMapFsStats, ExtentMapInode } from './extent-map-fs-types.js';
import { reflinkRange } from './extent-reflink.js';
import { FsContext } from './fs-context.js';

/**
 * An in-memory extent-map filesystem whose `IomapOps` can produce every
 * mapping type (HOLE, DELALLOC, MAPPED, UNWRITTEN, INLINE, SHARED with a
 * srcmap) and flag (NEW, DIRTY, SHARED, MERGED, BOUNDARY), with validity
 * cookies, configurable mapping sizes and allocation patterns. It is the
 * reference the buffered, direct and DAX engines are tested against.
 *
 * Every method takes the filesystem's mapping lock for its own duration
 * only. All positions are bytes; invalid numbers are `EINVAL`.
 *
 * @example
 * ```ts
 * const fs = new ExtentMapFs({ blockSize: 1024, delalloc: true });
 * const file = await fs.create('a');
 * const map = await fs.iomapBegin(file, 0, 100, IomapOp.Write); // DELALLOC|NEW
 * await fs.iomapEnd(file, 0, 100, 100, IomapOp.Write, map);     // size is now 100
 * ```
 */
export class ExtentMapFs implements IomapOps<ExtentMapInode>, IomapWriteOps<ExtentMapInode> {
  readonly #ctx: FsContext;

  constructor(options: ExtentMapFsOptions = {}) {
    this.#ctx = new FsContext(options);
  }

  /** The device blocks are allocated from. */
  get device(): BlockDevice {
    return this.#ctx.device;
  }

  /** The DAX device put on mappings of DAX operations, if any. */
  get daxDevice(): DaxDevice | undefined {
    return this.#ctx.daxDevice;
  }

  get blockSize(): number {
    return this.#ctx.blockSize;
  }

  /** Creates an empty file (inline when `inlineCapacity` > 0). `EEXIST` if the name is taken. */
  async create(name: string): Promise<ExtentMapInode> {
    return this.#ctx.lock.runExclusive(() => this.#ctx.createInode(name));
  }

  /** The file with this name, if any. */
  lookup(name: string): ExtentMapInode | undefined {
    return this.#ctx.inodes.get(name);
  }

  /** Removes a file and frees its blocks. */
  async remove(inode: ExtentMapInode): Promise<void> {
    await this.#locked(inode, 'unlink', async (ino) => {
      for (const rec of ino.map.remove(0, Infinity)) this.#ctx.release(rec);
      ino.removed = true;
      this.#ctx.inodes.delete(ino.name);
    });
  }

  /** CORE-6: maps `pos` for `op`; see the table in extent-begin.ts for what each op gets. */
  async iomapBegin(inode: ExtentMapInode, pos: number, length: number, op: number): Promise<IomapMapping> {
    checkRange(pos, length, 'iomap_begin');
    return this.#locked(inode, 'iomap_begin', (ino) => beginMapping(this.#ctx, ino, pos, length, op));
  }

  /** CORE-11: persists inline data, releases what was not written, extends the size of a write. */
  async iomapEnd(
    inode: ExtentMapInode,
    pos: number,
    length: number,
    written: number,
    op: number,
    iomap: Iomap,
  ): Promise<void> {
    checkRange(pos, length, 'iomap_end');
    await this.#locked(inode, 'iomap_end', (ino) => endMapping(this.#ctx, ino, pos, written, op, iomap));
  }

  /** CORE-24: whether `iomap` was returned after the file's last extent change. */
  iomapValid(inode: ExtentMapInode, iomap: Iomap): boolean {
    return iomap.validityCookie === this.#ctx.own(inode, 'iomap_valid').seq;
  }

  /**
   * The writeback mapping (2.5): allocates the DELALLOC blocks of
   * `[pos, pos + length)` and returns the MAPPED (or UNWRITTEN) mapping at
   * `pos`, or a HOLE. `EIO` for an INLINE range (never written back).
   */
  async writebackMap(inode: ExtentMapInode, pos: number, length: number): Promise<IomapMapping> {
    checkRange(pos, length, 'writeback');
    return this.#locked(inode, 'writeback', (ino) => writebackConvert(this.#ctx, ino, pos, length));
  }

  /**
   * Ready-made `WritebackOps` for `@iomap/buffered`: `writebackRange` maps
   * (allocating delalloc up to the engine's hint) with {@link writebackMap},
   * `mappingValid` checks the cookie, `ioendComplete` converts UNWRITTEN
   * blocks of successful ioends. `{ record: true }` keeps the calls and
   * completions for tests.
   */
  writebackOps(options: ExtentWritebackOptions = {}): ExtentWritebackOps {
    return extentWritebackOps(this, options);
  }

  /**
   * Ready-made `DirectIoOps` for `@iomap/direct`: `endIo` converts
   * UNWRITTEN blocks of successful I/O and raises the size after a write
   * (then calls `onWriteEnd`, for an in-core size kept by a page cache).
   */
  directIoOps(options: ExtentDirectIoOptions = {}): DirectIoOps<ExtentMapInode> {
    return extentDirectIoOps(this, options);
  }

  /** I/O completion (DIO-8, ioend): converts UNWRITTEN blocks touching the range to MAPPED. */
  async completeUnwritten(inode: ExtentMapInode, pos: number, length: number): Promise<void> {
    checkRange(pos, length, 'end_io');
    await this.#locked(inode, 'end_io', (ino) => convertUnwritten(this.#ctx, ino, pos, length));
  }

  /** Preallocates UNWRITTEN blocks over the holes of the range; extends the size unless `keepSize`. */
  async fallocate(inode: ExtentMapInode, pos: number, length: number, options: { keepSize?: boolean } = {}): Promise<void> {
    checkRange(pos, length, 'fallocate', false);
    await this.#locked(inode, 'fallocate', (ino) => preallocate(this.#ctx, ino, pos, length, options.keepSize ?? false));
  }

  /**
   * Shares `[srcPos, srcPos + length)` of `src` into `dst` at `dstPos`
   * (block-aligned; `length` may end unaligned at the source's EOF). Both
   * sides then map SHARED blocks and copy on write.
   */
  async reflink(src: ExtentMapInode, srcPos: number, dst: ExtentMapInode, dstPos: number, length: number): Promise<void> {
    checkRange(srcPos, length, 'reflink');
    checkRange(dstPos, length, 'reflink');
    const to = this.#ctx.own(dst, 'reflink');
    await this.#locked(src, 'reflink', (from) => reflinkRange(this.#ctx, from, srcPos, to, dstPos, length));
  }

  /** Creates `name` as a reflinked copy of all of `src` (like `cp --reflink`). */
  async clone(src: ExtentMapInode, name: string): Promise<ExtentMapInode> {
    const copy = await this.create(name);
    if (src.size > 0) await this.reflink(src, 0, copy, 0, src.size);
    return copy;
  }

  /** Sets the size, freeing blocks past it and zeroing the tail of the EOF block on the device. */
  async truncate(inode: ExtentMapInode, size: number): Promise<void> {
    checkOffset(size, 'size', 'truncate');
    await this.#locked(inode, 'truncate', (ino) => truncateFile(this.#ctx, ino, size));
  }

  /** Sets the size without touching blocks, for engines that manage EOF themselves. */
  async setSize(inode: ExtentMapInode, size: number): Promise<void> {
    checkOffset(size, 'size', 'setSize');
    await this.#locked(inode, 'setSize', (ino) => {
      ino.size = size;
      ino.metadataDirty = true;
    });
  }

  /** Frees the whole blocks of the range and zeroes partial ones; the size does not change. */
  async punchHole(inode: ExtentMapInode, pos: number, length: number): Promise<void> {
    checkRange(pos, length, 'punch_hole', false);
    await this.#locked(inode, 'punch_hole', (ino) => punchFile(this.#ctx, ino, pos, length));
  }

  /** Moves the file's last partial block (or last block) inline, giving an INLINE tail mapping. */
  async packTail(inode: ExtentMapInode): Promise<void> {
    await this.#locked(inode, 'packTail', (ino) => packTail(this.#ctx, ino));
  }

  /** Flushes the device and marks the file's metadata clean (mappings stop carrying DIRTY). */
  async fsync(inode: ExtentMapInode): Promise<void> {
    const ino = this.#ctx.own(inode, 'fsync');
    await this.#ctx.device.flush();
    ino.metadataDirty = false;
  }

  /** The file's bytes per its extents, clipped to EOF (holes, UNWRITTEN and DELALLOC read as zeros). */
  async readRaw(inode: ExtentMapInode, pos: number, length: number): Promise<Uint8Array> {
    checkRange(pos, length, 'read');
    return this.#locked(inode, 'read', (ino) => readContents(this.#ctx, ino, pos, length));
  }

  /** The file's extents in file order (holes are the gaps). */
  extents(inode: ExtentMapInode): ExtentInfo[] {
    return listExtents(this.#ctx, this.#ctx.own(inode, 'extents'));
  }

  /** The extent-map validity cookie of the file now (CORE-24). */
  cookie(inode: ExtentMapInode): number {
    return this.#ctx.own(inode, 'cookie').seq;
  }

  statfs(): ExtentMapFsStats {
    const a = this.#ctx.allocator;
    return {
      blockSize: this.blockSize,
      totalBlocks: a.endBlock - a.firstBlock,
      freeBlocks: a.available,
      reservedBlocks: a.reserved,
    };
  }

  /**
   * Throws `EUCLEAN` when block references or reservations do not match the
   * extents (leaks, double frees). Checks the state as it is right now: call
   * it only when no operation of this filesystem is in flight, or use
   * {@link verifyWhenIdle}.
   */
  verify(): void {
    verifyConsistency(this.#ctx);
  }

  /**
   * {@link verify} under the mapping lock: waits until the operation in
   * flight (a background writeback allocating blocks, say) has finished its
   * step, so a half-done allocation is not reported as a leak.
   */
  async verifyWhenIdle(): Promise<void> {
    await this.#ctx.lock.runExclusive(() => verifyConsistency(this.#ctx));
  }

  #locked<T>(inode: ExtentMapInode, syscall: string, fn: (ino: ReturnType<FsContext['own']>) => T | Promise<T>): Promise<T> {
    const ino = this.#ctx.own(inode, syscall);
    return this.#ctx.lock.runExclusive(() => fn(this.#ctx.own(ino, syscall)));
  }
}
