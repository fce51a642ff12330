// The in-core inode: the decoded on-disk inode (format/inode.ts) plus what a
// mounted filesystem keeps beside it — the inode's rwsem (i_rwsem), its page
// cache (created on first data access), and for directories the name index
// built on the first lookup.
//
// States: created by the inode table on first use; never written back (this
// part is read-only); dropped with the mount.
import { RwSemaphore } from '@iomap/core';
import type { AddressSpace } from '@iomap/buffered';
import type { DaxFile } from '@iomap/dax';
import type { InodeAttributes } from '@iomap/vfs';
import { isDirectory, isRegular, isSymlink, type Inode } from '../format/inode.js';

/** One name of a directory, as the lookup index keeps it. */
export interface IndexedName {
  readonly ino: number;
  /** The dirent's file_type byte (0 without the filetype feature). */
  readonly fileType: number;
}

/**
 * An ext2 inode in memory — the handle ext2-lite gives to @iomap/vfs. Opaque
 * to callers: use the filesystem's `getattr`, `read`, `readdir`, … on it.
 */
export class Ext2Inode {
  /** i_rwsem: shared for reads; exclusive for changes (part 2). */
  readonly lock = new RwSemaphore();
  /** The page cache of the inode's data (regular files, directories), created on first use. */
  mapping: AddressSpace<Ext2Inode> | undefined = undefined;
  /** DAX access object, created on first DAX read. */
  dax: DaxFile<Ext2Inode> | undefined = undefined;
  /** Directories: name (latin1 of its bytes) -> entry, built on the first lookup. */
  names: Map<string, IndexedName> | undefined = undefined;
  /** getattr's answer, computed on first use (nothing changes it on a read-only mount). */
  attributes: InodeAttributes | undefined = undefined;
  /**
   * The run of the block map found last (ext4's extent status cache, one
   * entry): sequential reads map each indirect block's worth once. Valid for
   * the life of the mount: a read-only mount never changes the block map.
   */
  lastRun: { readonly lblk: number; readonly physical: number; readonly count: number } | undefined = undefined;

  constructor(
    /** The inode number. */
    readonly ino: number,
    /** The decoded on-disk inode. */
    readonly disk: Inode,
  ) {}

  /** i_mode */
  get mode(): number {
    return this.disk.mode;
  }

  /** The size in bytes (i_size, plus i_size_high for regular files). */
  get size(): number {
    return this.disk.size;
  }

  get isDirectory(): boolean {
    return isDirectory(this.disk.mode);
  }

  get isRegular(): boolean {
    return isRegular(this.disk.mode);
  }

  get isSymlink(): boolean {
    return isSymlink(this.disk.mode);
  }
}
