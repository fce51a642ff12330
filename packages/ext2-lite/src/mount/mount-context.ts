// What the operations of one mount share: the volume, the in-core inode
// table, ext2's IomapOps, and the data paths chosen at mount (page cache,
// direct I/O for aligned reads, or DAX).
import type { DaxDevice, IomapOps } from '@iomap/core';
import type { AddressSpace } from '@iomap/buffered';
import type { Ext2Inode } from '../inode/ext2-inode.js';
import type { InodeTable } from '../inode/inode-table.js';
import type { Volume } from './volume.js';

/** The shared state of one mount. */
export interface MountContext {
  readonly vol: Volume;
  readonly inodes: InodeTable;
  readonly ops: IomapOps<Ext2Inode>;
  /** Aligned file reads bypass the page cache (mount option `direct`). */
  readonly direct: boolean;
  /** File reads copy straight from device memory (mount option `dax`). */
  readonly daxDevice: DaxDevice | undefined;
}

/** Largest folio of a file's page cache: large folios keep big sequential reads cheap. */
const DATA_FOLIO_BYTES = 64 * 1024;

/**
 * The page cache of `inode`'s data, created on first use; it has no
 * writeback callbacks, so nothing can dirty it (read-only).
 * Precondition: inode is a regular file, directory or slow symlink.
 */
export function dataMapping(ctx: MountContext, inode: Ext2Inode): AddressSpace<Ext2Inode> {
  if (inode.mapping === undefined) {
    inode.mapping = ctx.vol.cache.createAddressSpace<Ext2Inode>({
      inode,
      ops: ctx.ops,
      blockSize: ctx.vol.geometry.blockSize,
      size: inode.size,
      maxFolioSize: DATA_FOLIO_BYTES,
      name: `inode ${inode.ino}`,
    });
  }
  return inode.mapping;
}
