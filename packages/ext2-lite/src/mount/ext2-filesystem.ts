// The mounted filesystem: @iomap/vfs's Filesystem contract (super, inode and
// file operations) over one MountContext, plus `.promises` (Node's
// fs/promises subset from createFsPromises), statfs and unmount.
// Read-only: the optional write methods are absent, so the VFS answers EROFS.
import { FsError, fiemap, seekData, seekHole, type FiemapRequest, type FiemapResult } from '@iomap/core';
import { createFsPromises, resolvePath, type DirEntry, type Filesystem, type FsPromises, type FsStatistics, type InodeAttributes } from '@iomap/vfs';
import { maxFileSize } from '../format/block-map.js';
import { describeFeatures } from '../format/features.js';
import { EXT2_SUPER_MAGIC, featureWordsOf, formatUuid, hasSuperblockBackup, volumeLabel } from '../format/superblock.js';
import { readDirectory } from '../dir/dir-read.js';
import { lookupName } from '../dir/lookup.js';
import { inodeAttributes } from '../inode/attributes.js';
import type { Ext2Inode } from '../inode/ext2-inode.js';
import { readFileData } from '../inode/file-read.js';
import { readSymlink } from '../inode/symlink-read.js';
import { getXattr, listXattrs } from '../inode/xattr-read.js';
import type { MountContext } from './mount-context.js';

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
 * A mounted, read-only ext2 filesystem. Use `.promises` like `node:fs/promises`,
 * or the `Filesystem` methods on inode handles.
 *
 * @example
 * ```ts
 * await using fs = await mount(device, { readOnly: true });
 * const text = await fs.promises.readFile('/hello.txt', 'utf8');
 * const { bfree, bsize } = await fs.statfs();
 * ```
 */
export class Ext2Filesystem implements Filesystem<Ext2Inode> {
  readonly readOnly = true;
  /** Node's fs/promises API over this filesystem. */
  readonly promises: FsPromises;
  readonly info: Ext2MountInfo;
  private mounted = true;

  constructor(
    private readonly ctx: MountContext,
    readonly root: Ext2Inode,
  ) {
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
    this.promises = createFsPromises(this);
  }

  private live(syscall: string): MountContext {
    if (!this.mounted) throw new FsError('EIO', 'the filesystem was unmounted', { syscall });
    return this.ctx;
  }

  /** statfs(2): blocks exclude the metadata overhead, as Linux ext2 reports them. */
  async statfs(): Promise<FsStatistics> {
    const { geometry: g, descriptors, sb } = this.live('statfs').vol;
    let bfree = 0;
    let ffree = 0;
    for (const gd of descriptors) {
      bfree += gd.freeBlocksCount;
      ffree += gd.freeInodesCount;
    }
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

  /** Nothing is ever dirty on a read-only mount. */
  async sync(): Promise<void> {
    this.live('sync');
  }

  /** Releases the cache. Writes nothing; the caller closes the device. Idempotent. */
  async unmount(): Promise<void> {
    this.mounted = false;
  }

  async [asyncDispose](): Promise<void> {
    await this.unmount();
  }

  lookup(dir: Ext2Inode, name: Uint8Array): Promise<Ext2Inode | undefined> {
    return lookupName(this.live('lookup'), dir, name);
  }

  async getattr(inode: Ext2Inode): Promise<InodeAttributes> {
    const { vol } = this.live('stat');
    // Immutable on a read-only mount: computed once per in-core inode.
    inode.attributes ??= inodeAttributes(vol, inode);
    return inode.attributes;
  }

  readdir(dir: Ext2Inode): AsyncIterable<DirEntry> {
    return readDirectory(this.live('scandir'), dir);
  }

  readlink(inode: Ext2Inode): Promise<Uint8Array> {
    return readSymlink(this.live('readlink').vol, inode);
  }

  getxattr(inode: Ext2Inode, name: string): Promise<Uint8Array> {
    return getXattr(this.live('getxattr').vol, inode, name);
  }

  listxattr(inode: Ext2Inode): Promise<string[]> {
    return listXattrs(this.live('listxattr').vol, inode);
  }

  read(inode: Ext2Inode, pos: number, buffer: Uint8Array): Promise<number> {
    return readFileData(this.live('read'), inode, pos, buffer);
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
}
