// What the operations of one mount share: the volume, the in-core inode
// table, ext2's IomapOps and writeback callbacks, the data paths chosen at
// mount (page cache, direct I/O for aligned requests, or DAX), and for a
// writable mount the allocators' state, the dirty-inode list, the clock and
// the filesystem-wide locks.
import type { DaxDevice, Iomap, IomapOps, Mutex, WritebackOps } from '@iomap/core';
import type { AddressSpace } from '@iomap/buffered';
import type { AllocState } from '../alloc/alloc-state.js';
import type { Ext2Inode } from '../inode/ext2-inode.js';
import type { InodeTable } from '../inode/inode-table.js';
import type { FlushBehind } from '../sync/flush-behind.js';
import type { MetadataBarrier } from '../sync/metadata-barrier.js';
import type { Volume } from './volume.js';

/** The shared state of one mount. */
export interface MountContext {
  readonly vol: Volume;
  readonly inodes: InodeTable;
  readonly ops: IomapOps<Ext2Inode>;
  /** Writeback of file data: allocates delayed allocations, publishes block pointers at ioend completion. */
  readonly writebackOps: WritebackOps<Ext2Inode>;
  /** Aligned file reads and writes bypass the page cache (mount option `direct`). */
  readonly direct: boolean;
  /** File reads and writes copy straight to and from device memory (mount option `dax`). */
  readonly daxDevice: DaxDevice | undefined;
  /** Mounted read-only: nothing may change. */
  readonly readOnly: boolean;
  /** Allocator state (free counts, reservations, pending frees, pinned bitmaps). */
  readonly alloc: AllocState;
  /** Inodes changed since the last metadata sync, by number (markInodeDirty). */
  readonly dirtyInodes: Map<number, Ext2Inode>;
  /** The clock: nanoseconds since the epoch (mount option `now`). */
  readonly now: () => bigint;
  /** Held by cross-directory renames (the kernel's s_vfs_rename_mutex). */
  readonly renameMutex: Mutex;
  /** Serializes metadata syncs (sync/metadata-sync.ts). */
  readonly syncMutex: Mutex;
  /** Multi-step metadata changes enter it; a metadata sync freezes it (sync/metadata-barrier.ts). */
  readonly barrier: MetadataBarrier;
  /** Device flushes started in the background as file data is written back (sync/flush-behind.ts). */
  readonly flushBehind: FlushBehind;
}

/** Largest folio of a file's page cache: 1 MiB folios halve the per-byte cost of streaming writes (measured against 64 KiB); small files and random reads still get small folios. */
const DATA_FOLIO_BYTES = 1024 * 1024;

/**
 * The page cache of `inode`'s data, created on first use. On a writable
 * mount it carries ext2's writeback callbacks and revalidates a write's
 * mapping once the folio is locked (writeback may have allocated or
 * published the range meanwhile, CORE-24); on a read-only mount it has
 * none, so nothing can dirty it.
 * Precondition: inode is a regular file, directory or slow symlink.
 */
export function dataMapping(ctx: MountContext, inode: Ext2Inode): AddressSpace<Ext2Inode> {
  if (inode.mapping === undefined) {
    inode.mapping = ctx.vol.cache.createAddressSpace<Ext2Inode>({
      inode,
      ops: ctx.ops,
      ...(ctx.readOnly ? {} : { writebackOps: ctx.writebackOps, writeOps: { iomapValid: (file: Ext2Inode, map: Iomap) => map.validityCookie === file.mappingCookie } }),
      blockSize: ctx.vol.geometry.blockSize,
      size: inode.disk.size,
      maxFolioSize: DATA_FOLIO_BYTES,
      name: `inode ${inode.ino}`,
    });
  }
  return inode.mapping;
}
