// The in-core inode: the decoded on-disk inode (format/inode.ts) plus what a
// mounted filesystem keeps beside it — the inode's rwsem (i_rwsem), its
// mapping lock (held only inside iomap callbacks), its page cache (created
// on first data access), for directories the name index built on the first
// lookup, and for regular files the delayed-allocation state.
//
// States: loaded by the inode table on first use (or made by createInode);
// changed in memory and queued with markInodeDirty; encoded into its
// inode-table block by the next metadata sync (write_inode); freed by
// evictInode when its links reach 0 and nobody has it open.
//
//   disk.size    the size as it goes to disk (raised at ioend completion)
//   size         the in-core size (the page cache's EOF when one exists)
import { Mutex, RwSemaphore } from '@iomap/core';
import type { AddressSpace, ErrseqCursor } from '@iomap/buffered';
import type { DaxFile } from '@iomap/dax';
import type { InodeAttributes } from '@iomap/vfs';
import { isDirectory, isRegular, isSymlink, type Inode } from '../format/inode.js';
import { DelallocState } from './delalloc-state.js';

/** One name of a directory, as the lookup index keeps it. */
export interface IndexedName {
  readonly ino: number;
  /** The dirent's file_type byte (0 without the filetype feature). */
  readonly fileType: number;
}

/**
 * The decoded on-disk inode, writable: callers change fields here, then call
 * markInodeDirty. `block` is the live i_block array; `raw` the bytes last
 * read or written (encodeInode starts from a copy, so unknown bytes survive).
 */
export type MutableInode = { -readonly [K in keyof Inode]: Inode[K] } & { block: number[] };

/**
 * An ext2 inode in memory — the handle ext2-lite gives to @iomap/vfs. Opaque
 * to callers: use the filesystem's `getattr`, `read`, `readdir`, … on it.
 */
export class Ext2Inode {
  // The locks and the delayed-allocation state are made on first use: most
  // inodes a tree walk or a tree delete meets never take the mapping lock or
  // reserve a block, and a 10,000-file tree then allocates 10,000 fewer of each.
  private rwsem: RwSemaphore | undefined = undefined;
  private mapMutex: Mutex | undefined = undefined;
  private delallocState: DelallocState | undefined = undefined;

  /** i_rwsem: shared for reads; exclusive for changes of data or entries. */
  get lock(): RwSemaphore {
    return (this.rwsem ??= new RwSemaphore());
  }

  /**
   * The mapping lock: held only inside iomapBegin/iomapEnd, writeback and
   * completion callbacks while they read or change the block map and the
   * delayed-allocation state; never across an await on user data.
   */
  get mapLock(): Mutex {
    return (this.mapMutex ??= new Mutex());
  }
  /** The page cache of the inode's data (regular files, directories), created on first use. */
  mapping: AddressSpace<Ext2Inode> | undefined = undefined;
  /** DAX access object, created on first DAX access. */
  dax: DaxFile<Ext2Inode> | undefined = undefined;
  /** Directories: name (latin1 of its bytes) -> entry, built on the first lookup. */
  names: Map<string, IndexedName> | undefined = undefined;
  /** getattr's answer (with the access ACL), cached until the next markInodeDirty; see cachedAttributes. */
  attributes: InodeAttributes | undefined = undefined;
  /** Counts forgetAttributes calls: an answer computed across an await is cached only if none came in between. */
  attributesEpoch = 0;

  /** Drops the cached attributes (the inode changed). */
  forgetAttributes(): void {
    this.attributes = undefined;
    this.attributesEpoch++;
  }
  /**
   * The run of the block map found last (ext4's extent status cache, one
   * entry): sequential reads map each indirect block's worth once. Every
   * change of the block map clears it.
   */
  lastRun: { readonly lblk: number; readonly physical: number; readonly count: number } | undefined = undefined;
  /** Reserved (delalloc) and allocated-but-not-yet-published blocks of a regular file. */
  get delalloc(): DelallocState {
    return (this.delallocState ??= new DelallocState());
  }

  /**
   * Neither lock is held or waited for (without creating them): a change
   * made synchronously from here on cannot meet a holder of either (a tree
   * delete frees thousands of inodes nobody else ever locked).
   */
  get locksIdle(): boolean {
    const rw = this.rwsem;
    const map = this.mapMutex;
    return (rw === undefined || (!rw.heldExclusive && rw.sharedHolders === 0 && !rw.contended)) && (map === undefined || !map.locked);
  }

  /** Whether the mapping lock is held (without creating it). */
  get mapLockHeld(): boolean {
    return this.mapMutex !== undefined && this.mapMutex.locked;
  }

  /** Nothing reserved, in flight or held for delayed allocation (without creating the state). */
  get delallocIdle(): boolean {
    const state = this.delallocState;
    return state === undefined || (state.idle && state.heldBlocks === 0);
  }

  /** Data blocks reserved or in flight, not yet in the block map (0 without a state). */
  get delallocBlocks(): number {
    const state = this.delallocState;
    return state === undefined ? 0 : state.reserved.blocks + state.inflight.blocks;
  }
  /** What fsync has seen of the page cache's writeback errors (each error is reported once). */
  fsyncCursor: ErrseqCursor | undefined = undefined;
  /** Open file handles (FileOperations open/release): an unlinked inode lives while this is > 0. */
  openers = 0;
  /** Set once evictInode freed the inode: any later use is a bug. */
  evicted = false;

  constructor(
    /** The inode number. */
    readonly ino: number,
    /** The decoded on-disk inode (mutable: change, then markInodeDirty). */
    readonly disk: MutableInode,
  ) {}

  /** i_mode */
  get mode(): number {
    return this.disk.mode;
  }

  /** The in-core size in bytes: the page cache's EOF when one exists, else i_size (+ i_size_high). */
  get size(): number {
    return this.mapping?.size ?? this.disk.size;
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

  /**
   * Bumped whenever blocks leave the file (truncate, punch, eviction): a
   * writeback mapping made before is stale (WritebackOps.mappingValid).
   */
  removalSeq = 0;
  /** Bumped by every change of the block map. */
  private mapSeq = 0;

  /**
   * Changes whenever any mapping of the file may have changed (block map,
   * reservations, writeback allocations): a write's mapping carrying an
   * older cookie is stale (CORE-24, checked with the folio locked).
   */
  get mappingCookie(): number {
    return this.mapSeq + (this.delallocState?.changes ?? 0);
  }

  /** Forgets cached block-map answers after the block map changed. Caller holds mapLock. */
  blockMapChanged(): void {
    this.lastRun = undefined;
    this.mapSeq++;
  }

  /** Blocks left the file: cached answers and earlier writeback mappings are stale. Caller holds mapLock. */
  blocksRemoved(): void {
    this.lastRun = undefined;
    this.removalSeq++;
    this.mapSeq++;
  }
}
