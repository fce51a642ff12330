// The mounted filesystem: @iomap/vfs's Filesystem contract (super, inode and
// file operations) over one MountContext, plus `.promises` (Node's
// fs/promises subset from createFsPromises), statfs, sync and unmount.
// File data writes, truncate, fallocate and fsync live in inode/ and sync/;
// namespace changes (create, mkdir, unlink, rename, setattr, xattrs) in
// namespace/, dir/ and xattr/, each method here one delegating line. On a
// read-only mount every change answers EROFS.
import { FsError, fiemap, seekData, seekHole, type FiemapRequest, type FiemapResult } from '@iomap/core';
import {
  constants,
  createFsPromises,
  resolvePath,
  type AttributeChanges,
  type ContentRemovalPolicy,
  type DirEntry,
  type Filesystem,
  type WritableFsPromises,
  type FsStatistics,
  type InodeAttributes,
  type NewInodeAttributes,
  type RenameOptions,
  type XattrSetOptions,
} from '@iomap/vfs';
import { maxFileSize } from '../format/block-map.js';
import { describeFeatures } from '../format/features.js';
import { EXT2_SUPER_MAGIC, FS_STATE, featureWordsOf, formatUuid, hasSuperblockBackup, volumeLabel } from '../format/superblock.js';
import { readDirectory } from '../dir/dir-read.js';
import { lookupName } from '../dir/lookup.js';
import { cachedAttributes } from '../inode/attributes.js';
import type { Ext2Inode } from '../inode/ext2-inode.js';
import { readFileData } from '../inode/file-read.js';
import { fallocateFile, truncateFile } from '../inode/file-truncate.js';
import { openFile, releaseFile, writeFileData } from '../inode/file-write.js';
import { evictInode } from '../inode/inode-write.js';
import { readSymlink } from '../inode/symlink-read.js';
import { fsyncFile } from '../sync/file-sync.js';
import { syncAll, syncMetadata } from '../sync/metadata-sync.js';
import type { MountContext } from './mount-context.js';
import { createFile, makeDirectory, makeSpecialNode, makeSymlink } from '../namespace/create.js';
import { linkEntry } from '../namespace/link.js';
import { removeDirectory, unlinkEntry } from '../namespace/remove.js';
import { removeContents } from '../namespace/remove-contents.js';
import { renameEntry } from '../namespace/rename.js';
import { setAttributes } from '../namespace/setattr.js';
import { getXattrLocked, listXattrsLocked } from '../xattr/xattr-get.js';
import { removeXattr, setXattr } from '../xattr/xattr-set.js';

// Node 20 defines Symbol.asyncDispose; older runtimes get Node's registered name.
const asyncDispose: typeof Symbol.asyncDispose = Symbol.asyncDispose ?? (Symbol.for('nodejs.asyncDispose') as typeof Symbol.asyncDispose);

/**
 * What a mount found out about the filesystem.
 *
 * @example
 * ```ts
 * const { blockSize, features, warnings } = fs.info;
 * ```
 */
export interface Ext2MountInfo {
  readonly blockSize: number;
  readonly inodeSize: number;
  readonly blocksCount: number;
  readonly inodesCount: number;
  /** Feature names as dumpe2fs prints them. */
  readonly features: readonly string[];
  /** s_volume_name */
  readonly label: string;
  /** s_uuid, 8-4-4-4-12 */
  readonly uuid: string;
  /** Why the filesystem could not be mounted writable even by a writing ext2-lite (EXT2.md 1.3); empty when it could. */
  readonly readOnlyReasons: readonly string[];
  /** Things worth knowing that did not stop the mount (e.g. not cleanly unmounted). */
  readonly warnings: readonly string[];
}

/**
 * A mounted ext2 filesystem. Use `.promises` like `node:fs/promises`,
 * or the `Filesystem` methods on inode handles.
 *
 * @example
 * ```ts
 * await using fs = await mount(device);
 * const root = fs.root;
 * const text = await fs.promises.readFile('/hello.txt', 'utf8');
 * const { bfree, bsize } = await fs.statfs();
 * await fs.sync();
 * ```
 */
export class Ext2Filesystem implements Filesystem<Ext2Inode> {
  readonly readOnly: boolean;
  /** Node's fs/promises API over this filesystem. */
  readonly promises: WritableFsPromises;
  readonly info: Ext2MountInfo;
  private mounted = true;
  private unmounting: Promise<void> | undefined = undefined;

  constructor(
    private readonly ctx: MountContext,
    readonly root: Ext2Inode,
    /** s_state as found at mount, restored (with VALID_FS) by a clean unmount. */
    private readonly stateAtMount: number,
  ) {
    this.readOnly = ctx.readOnly;
    const { sb, geometry: g, policy } = ctx.vol;
    this.info = {
      blockSize: g.blockSize,
      inodeSize: g.inodeSize,
      blocksCount: g.blocksCount,
      inodesCount: g.inodesCount,
      features: describeFeatures(featureWordsOf(sb)),
      label: volumeLabel(sb),
      uuid: formatUuid(sb.uuid),
      readOnlyReasons: policy.reasons,
      warnings: policy.warnings,
    };
    // Every write call's operations exist on a writable ext2 mount (a read-only one answers EROFS).
    // The calls stamp times from the mount's clock, like the filesystem's own operations.
    this.promises = createFsPromises(this as Ext2Filesystem, { now: ctx.now }) as WritableFsPromises;
  }

  private live(syscall: string): MountContext {
    if (!this.mounted) throw new FsError('EIO', 'the filesystem was unmounted', { syscall });
    return this.ctx;
  }

  private writable(syscall: string): MountContext {
    const ctx = this.live(syscall);
    if (ctx.readOnly) throw new FsError('EROFS', 'the filesystem is mounted read-only', { syscall });
    return ctx;
  }

  /**
   * statfs(2): blocks exclude the metadata overhead, as Linux ext2 reports
   * them; free blocks exclude delayed-allocation reservations. Blocks and
   * inodes freed since the last sync count as free (as Linux counts them at
   * once), although they are handed out again only after that sync.
   */
  async statfs(): Promise<FsStatistics> {
    const ctx = this.live('statfs');
    const { geometry: g, sb } = ctx.vol;
    const a = ctx.alloc;
    const bfree = Math.max(0, a.freeBlocks + a.pendingFreeBlocks - a.reservedBlocks);
    const ffree = a.freeInodes + a.pendingFreeInodes.length;
    let overhead = g.firstDataBlock;
    for (let group = 0; group < g.groupCount; group++) {
      overhead += 2 + g.inodeTableBlocks;
      if (hasSuperblockBackup(sb, group)) overhead += 1 + g.descriptorBlocks + g.reservedGdtBlocks;
    }
    return {
      type: EXT2_SUPER_MAGIC,
      bsize: g.blockSize,
      blocks: g.blocksCount - overhead,
      bfree,
      bavail: Math.max(0, bfree - sb.rBlocksCount),
      files: g.inodesCount,
      ffree,
      nameMax: 255,
    };
  }

  /** sync(2): every file's data, then all metadata, then device flushes. A read-only mount resolves at once. */
  async sync(): Promise<void> {
    const ctx = this.live('sync');
    if (!ctx.readOnly) await syncAll(ctx);
  }

  /**
   * Writes everything back, frees inodes that were unlinked while open,
   * marks the filesystem clean (VALID_FS, s_wtime) and closes the page cache
   * (its memory is left for the next mount's for a few seconds; see
   * `releaseSpareFolioMemory` in @iomap/buffered).
   * The caller closes the device. Idempotent.
   */
  async unmount(): Promise<void> {
    this.unmounting ??= this.finishUnmount();
    await this.unmounting;
  }

  private async finishUnmount(): Promise<void> {
    const ctx = this.live('umount');
    if (!ctx.readOnly) {
      await syncAll(ctx);
      for (const inode of ctx.inodes.loaded()) {
        if (inode.disk.linksCount === 0 && !inode.evicted) await evictInode(ctx, inode);
      }
      ctx.vol.sb.state = this.stateAtMount | FS_STATE.VALID_FS;
      ctx.alloc.superblockDirty = true;
      await syncMetadata(ctx);
      await ctx.alloc.releaseBitmaps();
    }
    this.mounted = false;
    // Everything is written back: the cache's memory goes to the next mount's cache instead of the GC.
    ctx.vol.cache.close();
  }

  async [asyncDispose](): Promise<void> {
    await this.unmount();
  }

  lookup(dir: Ext2Inode, name: Uint8Array): Promise<Ext2Inode | undefined> {
    return lookupName(this.live('lookup'), dir, name);
  }

  async getattr(inode: Ext2Inode): Promise<InodeAttributes> {
    const { vol } = this.live('stat');
    // Cached until the next markInodeDirty; size and st_blocks follow the
    // page cache and delayed allocations, which change without it.
    const found = cachedAttributes(vol, inode);
    const base = found instanceof Promise ? await found : found;
    const size = inode.size;
    const pending = inode.delallocBlocks;
    if (size === base.size && pending === 0) return base;
    return { ...base, size, blocks: base.blocks + pending * (vol.geometry.blockSize / 512) };
  }

  readdir(dir: Ext2Inode): AsyncIterable<DirEntry> {
    return readDirectory(this.live('scandir'), dir);
  }

  readlink(inode: Ext2Inode): Promise<Uint8Array> {
    return readSymlink(this.live('readlink').vol, inode);
  }

  getxattr(inode: Ext2Inode, name: string): Promise<Uint8Array> {
    return getXattrLocked(this.live('getxattr'), inode, name);
  }

  listxattr(inode: Ext2Inode): Promise<string[]> {
    return listXattrsLocked(this.live('listxattr'), inode);
  }

  read(inode: Ext2Inode, pos: number, buffer: Uint8Array, flags = 0): Promise<number> {
    return readFileData(this.live('read'), inode, pos, buffer, (flags & constants.O_DIRECT) !== 0);
  }

  write(inode: Ext2Inode, pos: number, data: Uint8Array, flags = 0): Promise<number> {
    return writeFileData(this.writable('write'), inode, pos, data, (flags & constants.O_DIRECT) !== 0);
  }

  truncate(inode: Ext2Inode, size: number): Promise<void> {
    return truncateFile(this.writable('truncate'), inode, size);
  }

  fallocate(inode: Ext2Inode, pos: number, length: number, mode: number): Promise<void> {
    return fallocateFile(this.writable('fallocate'), inode, pos, length, mode);
  }

  fsync(inode: Ext2Inode, datasync: boolean): Promise<void> {
    return fsyncFile(this.live('fsync'), inode, datasync);
  }

  async open(inode: Ext2Inode, _flags: number): Promise<void> {
    this.live('open');
    await openFile(inode);
  }

  release(inode: Ext2Inode, _flags: number): Promise<void> {
    return releaseFile(this.live('close'), inode);
  }

  seekHole(inode: Ext2Inode, pos: number): Promise<number> {
    return seekHole(inode, this.live('lseek').ops, pos, { size: inode.size });
  }

  seekData(inode: Ext2Inode, pos: number): Promise<number> {
    return seekData(inode, this.live('lseek').ops, pos, { size: inode.size });
  }

  /** FIEMAP, clamped to the file size like kernel ext2 (holes are never reported). */
  async fiemap(inode: Ext2Inode, request: FiemapRequest): Promise<FiemapResult> {
    const ctx = this.live('fiemap');
    const maxBytes = maxFileSize(ctx.vol.geometry.blockSize);
    if (request.start >= inode.size && request.length > 0 && Number.isSafeInteger(request.start)) return { extents: [], mappedExtents: 0 };
    const length = Math.min(request.length, Math.max(1, inode.size - request.start));
    return fiemap(inode, ctx.ops, { ...request, length }, { maxBytes });
  }

  /**
   * The inode at `path` (symlinks followed unless `followFinal` is false), for
   * the inode-level methods such as `getxattr`.
   *
   * @example
   * ```ts
   * const inode = await fs.inodeAt('/etc/hosts');
   * console.log(await fs.listxattr(inode));
   * ```
   */
  async inodeAt(path: string | Uint8Array, options: { followFinal?: boolean } = {}): Promise<Ext2Inode> {
    const resolved = await resolvePath(this, path, { followFinal: options.followFinal ?? true, syscall: 'stat' });
    return resolved.inode;
  }

  // Namespace changes (namespace/, xattr/): each re-checks under the directory lock.

  async create(dir: Ext2Inode, name: Uint8Array, init: NewInodeAttributes): Promise<Ext2Inode> {
    return createFile(this.writable('open'), dir, name, init);
  }

  async mkdir(dir: Ext2Inode, name: Uint8Array, init: NewInodeAttributes): Promise<Ext2Inode> {
    return makeDirectory(this.writable('mkdir'), dir, name, init);
  }

  async mknod(dir: Ext2Inode, name: Uint8Array, init: NewInodeAttributes): Promise<Ext2Inode> {
    return makeSpecialNode(this.writable('mknod'), dir, name, init);
  }

  async symlink(dir: Ext2Inode, name: Uint8Array, target: Uint8Array, init: NewInodeAttributes): Promise<Ext2Inode> {
    return makeSymlink(this.writable('symlink'), dir, name, target, init);
  }

  async link(inode: Ext2Inode, dir: Ext2Inode, name: Uint8Array): Promise<void> {
    return linkEntry(this.writable('link'), inode, dir, name);
  }

  async unlink(dir: Ext2Inode, name: Uint8Array): Promise<void> {
    return unlinkEntry(this.writable('unlink'), dir, name);
  }

  async rmdir(dir: Ext2Inode, name: Uint8Array): Promise<void> {
    return removeDirectory(this.writable('rmdir'), dir, name);
  }

  /** rm -r's inner loop in one call (namespace/remove-contents.ts). */
  async removeContents(dir: Ext2Inode, policy: ContentRemovalPolicy): Promise<boolean> {
    return removeContents(this.writable('rmdir'), dir, policy);
  }

  async rename(oldDir: Ext2Inode, oldName: Uint8Array, newDir: Ext2Inode, newName: Uint8Array, options?: RenameOptions): Promise<void> {
    return renameEntry(this.writable('rename'), oldDir, oldName, newDir, newName, options);
  }

  async setattr(inode: Ext2Inode, changes: AttributeChanges): Promise<void> {
    return setAttributes(this.writable('setattr'), inode, changes);
  }

  async setxattr(inode: Ext2Inode, name: string, value: Uint8Array, options?: XattrSetOptions): Promise<void> {
    return setXattr(this.writable('setxattr'), inode, name, value, options);
  }

  async removexattr(inode: Ext2Inode, name: string): Promise<void> {
    return removeXattr(this.writable('removexattr'), inode, name);
  }
}
