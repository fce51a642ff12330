// The block-device cache: an address space over a block device itself
// (identity mapping: file byte n is device byte n), so a filesystem keeps
// its metadata — bitmaps, inode tables, indirect and directory blocks — in
// the same page cache, under the same budget and writeback path as file
// data (the kernel's buffer cache over the bdev mapping).
//
//   const blk = await bdev.getBlock(12);    // sb_bread: cached, pinned
//   await blk.modify((d) => d[0] = 1);      // lock, wait writeback, change, mark dirty
//   blk.release();                          // brelse
//   await bdev.syncBlocks();                // sync_blockdev + flush
import { FsError, IomapType, checkOffset, checkRange, type BlockDevice, type Iomap, type WritebackOps } from '@iomap/core';
import type { AddressSpace } from './address-space.js';
import { bufferedRead } from './buffered-read.js';
import type { Folio } from './folio.js';
import { readFolios } from './read.js';
import type { PageCache } from './page-cache.js';
import { bufferedWrite } from './write.js';

/**
 * Options for {@link BlockDeviceCache}.
 *
 * @example
 * ```ts
 * new BlockDeviceCache(cache, device, { blockSize: 1024, maxFolioSize: 64 << 10 });
 * ```
 */
export interface BlockDeviceCacheOptions {
  /** Block size of getBlock (the filesystem's block size): a power of two from 512. */
  blockSize: number;
  /** Largest folio in bytes (large folios make big metadata scans cheaper). Default one page. */
  maxFolioSize?: number;
  /** Name for error messages. */
  name?: string;
}

/** The identity mapping: the whole device, mapped at itself. */
function identity(device: BlockDevice): Iomap {
  return { offset: 0, length: device.size, addr: 0, type: IomapType.Mapped, flags: 0, device };
}

/**
 * One block of the device held in the cache; pinned (never evicted) until
 * {@link release}d.
 *
 * @example
 * ```ts
 * const blk = await bdev.getBlock(5);
 * console.log(blk.data[0]);
 * blk.release();
 * ```
 */
export class CachedBlock {
  private released = false;

  constructor(
    readonly block: number,
    /** The block's bytes: a view of the cached folio. */
    readonly data: Uint8Array,
    private readonly folio: Folio,
    private readonly offset: number,
  ) {}

  /** Marks the block dirty after `data` was changed (mark_buffer_dirty). */
  markDirty(): void {
    this.check();
    this.folio.setRangeDirty(this.offset, this.data.length);
  }

  /**
   * Changes the block safely: takes the folio lock and waits for its
   * writeback (so a device write never sees a half-made change), runs `fn`,
   * marks the block dirty.
   */
  async modify(fn: (data: Uint8Array) => void): Promise<void> {
    this.check();
    await this.folio.lock.lock();
    try {
      await this.folio.waitWriteback();
      fn(this.data);
      this.folio.setRangeDirty(this.offset, this.data.length);
    } finally {
      this.folio.lock.unlock();
    }
  }

  /** Unpins the block (brelse). Using it afterwards is a bug. */
  release(): void {
    this.check();
    this.released = true;
    this.folio.pins--;
  }

  private check(): void {
    if (this.released) throw new FsError('EINVAL', `block ${this.block} was already released`);
  }
}

/**
 * A page-cache view of a whole block device.
 *
 * @example
 * ```ts
 * const bdev = new BlockDeviceCache(cache, device, { blockSize: 1024 });
 * const sb = await bdev.getBlock(1);
 * ```
 */
export class BlockDeviceCache {
  readonly mapping: AddressSpace<BlockDevice>;
  readonly blockSize: number;

  constructor(
    cache: PageCache,
    readonly device: BlockDevice,
    options: BlockDeviceCacheOptions,
  ) {
    const map = identity(device);
    const writebackOps: WritebackOps<BlockDevice> = {
      writebackRange: async () => map,
      mappingValid: () => true,
    };
    this.mapping = cache.createAddressSpace({
      inode: device,
      ops: { iomapBegin: async () => ({ ...map }) },
      writebackOps,
      blockSize: options.blockSize,
      size: device.size,
      maxFolioSize: options.maxFolioSize,
      name: options.name ?? 'block device',
      noFsReclaim: true,
    });
    this.blockSize = options.blockSize;
  }

  /** Reads `buffer.length` bytes at device byte `pos` through the cache; `EIO` past the end. */
  async read(pos: number, buffer: Uint8Array): Promise<void> {
    this.checkAccess(pos, buffer.length, 'read');
    const n = await bufferedRead(this.mapping, pos, buffer);
    if (n !== buffer.length) throw new FsError('EIO', `short read of ${n} of ${buffer.length} bytes at ${pos}`, { syscall: 'read' });
  }

  /** Writes `data` at device byte `pos` through the cache (on the device after writeback). */
  async write(pos: number, data: Uint8Array): Promise<void> {
    this.checkAccess(pos, data.length, 'write');
    const n = await bufferedWrite(this.mapping, pos, data);
    if (n !== data.length) throw new FsError('EIO', `short write of ${n} of ${data.length} bytes at ${pos}`, { syscall: 'write' });
  }

  /** Block number `block` (of `blockSize` bytes), read if needed and pinned (sb_bread). */
  async getBlock(block: number): Promise<CachedBlock> {
    checkOffset(block, 'block', 'getBlock');
    const pos = block * this.blockSize;
    this.checkAccess(pos, this.blockSize, 'getBlock');
    const mapping = this.mapping as AddressSpace<unknown>;
    let folio = mapping.lookup(pos);
    if (folio?.uptodate === true) {
      folio.pins++;
    } else {
      // Pinned before the read is awaited: under a tiny budget an unpinned
      // folio could be evicted before its reader resumed, again and again
      // (a livelock found with a 64 KiB cache on a memory device).
      folio = await mapping.grabFolio(pos, this.blockSize); // locked
      folio.pins++;
      if (folio.uptodate) {
        folio.lock.unlock();
      } else {
        const err = (await readFolios(mapping, [folio])).get(folio); // unlocks at the end
        if (err !== undefined || !folio.uptodate) {
          folio.pins--;
          throw err ?? new FsError('EIO', `block ${block} could not be read`, { syscall: 'read' });
        }
      }
    }
    const off = pos - folio.pos;
    return new CachedBlock(block, folio.data.subarray(off, off + this.blockSize), folio, off);
  }

  /** Writes every dirty block back, waits, and flushes the device (sync_blockdev); throws a writeback error once. */
  async syncBlocks(): Promise<void> {
    await this.mapping.writeAndWaitRange(0, this.device.size);
    await this.device.flush();
  }

  private checkAccess(pos: number, length: number, syscall: string): void {
    checkRange(pos, length, syscall);
    if (pos + length > this.device.size) {
      throw new FsError('EIO', `${syscall} of ${length} bytes at ${pos} reaches past the end of the device (${this.device.size})`, { syscall });
    }
  }
}
