// ImageBuilder: makes a filesystem and fills it in one pass, the way
// `mke2fs -d` does, without mounting: mkfs's layout and initial tree
// (mkfs/), then entries parents-first, each written straight into place:
//
//   inodes   numbered in order from 12, records kept in in-memory inode
//            tables (inode-store.ts)
//   blocks   handed out by one cursor moving up the device (block-cursor.ts);
//            file data goes to the device as it arrives, in large
//            sequential writes (block-stream.ts), followed by the file's
//            indirect blocks (block-map-build.ts)
//   dirs     entries collected in memory, packed into blocks at the end
//            (directory-contents.ts)
//   xattrs   in the inode when they fit, else a shared block (xattr-placement.ts)
//
// finish() writes the directories, then every group's metadata, the inode
// tables and the superblock with exact counts through mkfs's writer
// (mkfs/image-writer.ts): superblock last, flushes around it, so an
// interrupted build never leaves a superblock over unwritten tables.
import { FsError, type BlockDevice } from '@iomap/core';
import { COMPAT, INCOMPAT, RO_COMPAT, describeFeatures, type FeatureWords } from '../format/features.js';
import { FILE_TYPE, fileTypeFromMode } from '../format/dir-entry.js';
import { encodeDeviceNumber, maxBlockMappedBytes, N_BLOCKS, NDIR_BLOCKS, ROOT_INO, S_IF, S_IFMT } from '../format/inode.js';
import { encodeFastSymlink, encodeSlowSymlinkBlock } from '../format/symlink.js';
import { encodeUtf8 } from '../format/fields.js';
import { GOOD_OLD_INODE_SIZE, SUPERBLOCK_OFFSET } from '../format/superblock.js';
import { encodeDescriptorTable } from '../mkfs/descriptor-table.js';
import { prepareDevice, writePlan, type PreparedDevice } from '../mkfs/image-writer.js';
import { LOST_AND_FOUND_INO, MKFS_EXTRA_ISIZE } from '../mkfs/initial-tree.js';
import type { Layout } from '../mkfs/layout.js';
import { planImage, type ImagePlan, type MkfsResult } from '../mkfs/mkfs.js';
import { resolveMkfsOptions, type MkfsOptions, type MkfsParameters } from '../mkfs/mkfs-options.js';
import { encodePrimarySuperblock } from '../mkfs/superblock-record.js';
import { isAllZero } from '../mkfs/zero-scan.js';
import { splitRdev } from '../namespace/device-number.js';
import { symlinkStorageFor } from '../namespace/symlink-target.js';
import { BlockCursor } from './block-cursor.js';
import { buildBlockMap } from './block-map-build.js';
import { BlockStream } from './block-stream.js';
import type { BuildAttributes, BuildFileData, SpecialFileKind } from './build-attributes.js';
import { DirectoryContents } from './directory-contents.js';
import { AT, InodeStore, type InodeRecord } from './inode-store.js';
import { inodeTimeWords } from './inode-time-fields.js';
import { parseXattrs, XattrPlacement } from './xattr-placement.js';

/** What finish() made: mkfs's numbers with the free counts after the build. */
export type BuildResult = MkfsResult;

/** The most links an ext2 inode takes (EXT2_LINK_MAX). */
const LINK_MAX = 32000;
const SPECIAL_MODE: Record<SpecialFileKind, number> = { char: S_IF.CHR, block: S_IF.BLK, fifo: S_IF.FIFO, socket: S_IF.SOCK };
/** Inodes mkfs marks in use (1..10 reserved, 11 lost+found). */
const MKFS_USED_INODES = Array.from({ length: LOST_AND_FOUND_INO }, (_, i) => i + 1);
const LARGE_FILE_BYTES = 2 ** 31;
/** A file given as one buffer is staged this much at a time. */
const FILL_SLICE_BYTES = 1024 * 1024;

function nameBytes(name: string | Uint8Array): Uint8Array {
  return typeof name === 'string' ? encodeUtf8(name) : name;
}

function checkOwner(value: number | undefined, what: string): number {
  const v = value ?? 0;
  if (!Number.isInteger(v) || v < 0 || v >= 2 ** 32) throw new FsError('EINVAL', `${what} ${v} does not fit ext2's 32-bit ${what}`, { syscall: 'mkfs' });
  return v;
}

/**
 * Builds a new ext2 filesystem with its content, like `mke2fs -d`.
 * Entries are added parents first; names are bytes or UTF-8 strings.
 *
 * @example
 * ```ts
 * import { MemoryBlockDevice } from '@iomap/core';
 * import { ImageBuilder, mount } from '@iomap/ext2-lite';
 *
 * const device = new MemoryBlockDevice({ size: 64 << 20 });
 * const b = await ImageBuilder.create(device, { blockSize: 4096 });
 * const etc = b.mkdir(b.rootIno, 'etc', { perm: 0o755 });
 * await b.addFile(etc, 'hostname', { perm: 0o644 }, new TextEncoder().encode('box\n'));
 * await b.symlink(b.rootIno, 'config', 'etc/hostname');
 * await b.finish();
 * const fs = await mount(device, { readOnly: true });
 * console.log(await fs.promises.readFile('/config', 'utf8')); // 'box\n'
 * ```
 */
export class ImageBuilder {
  /** Inode number of the root directory. */
  readonly rootIno = ROOT_INO;
  private readonly layout: Layout;
  private readonly cursor: BlockCursor;
  private readonly inodes: InodeStore;
  private readonly stream: BlockStream;
  private readonly xattrs: XattrPlacement;
  private readonly dirs = new Map<number, DirectoryContents>();
  private readonly large: boolean;
  private readonly filetype: boolean;
  private readonly defaultTimeNs: bigint;
  /** One block's worth of a file's bytes not yet complete (chunks of any size). */
  private readonly partial: Uint8Array;
  /** The file being filled (one at a time; reused). */
  private readonly file: FileFill;
  private largeFile = false;
  /** The last time encoded for each time field (by its offset). */
  private readonly timeCache = new Map<number, { ns: bigint; seconds: number; extra: number }>();
  /** Set while addFile runs: the partial-block buffer is shared, so file fills must not overlap. */
  private filling = false;
  private state: 'open' | 'finishing' | 'done' = 'open';

  private constructor(
    private readonly device: BlockDevice,
    private readonly params: MkfsParameters,
    private readonly plan: ImagePlan,
    private readonly made: MkfsResult,
    private readonly prepared: PreparedDevice,
  ) {
    const layout = plan.layout;
    this.layout = layout;
    this.cursor = new BlockCursor(layout, plan.blocks.keys());
    this.inodes = new InodeStore(layout, plan.inodes, MKFS_USED_INODES, LOST_AND_FOUND_INO + 1);
    this.inodes.countDirectory(ROOT_INO);
    this.inodes.countDirectory(LOST_AND_FOUND_INO);
    this.stream = new BlockStream(device, layout.blockSize);
    this.xattrs = new XattrPlacement(layout.blockSize);
    this.large = layout.inodeSize > GOOD_OLD_INODE_SIZE;
    this.filetype = (plan.features.incompat & INCOMPAT.filetype) !== 0;
    this.defaultTimeNs = BigInt(params.time) * 1_000_000_000n;
    this.partial = new Uint8Array(layout.blockSize);
    this.file = new FileFill(layout.blockSize);
    const root = new DirectoryContents(ROOT_INO, ROOT_INO);
    root.add(encodeUtf8('lost+found'), LOST_AND_FOUND_INO, FILE_TYPE.DIR);
    this.dirs.set(ROOT_INO, root);
  }

  /**
   * Lays out a new filesystem on `device` (mkfs's options and checks; EINVAL
   * for impossible requests) and prepares the device (discard, or wipe of
   * the old superblock). Nothing is valid on the device until finish().
   */
  static async create(device: BlockDevice, options: MkfsOptions = {}): Promise<ImageBuilder> {
    if (device.readOnly) throw new FsError('EROFS', 'the device is read-only; open it for writing to build a filesystem', { syscall: 'mkfs' });
    if (device.size < SUPERBLOCK_OFFSET * 2) throw new FsError('EINVAL', `the device's ${device.size} bytes are too small for a filesystem`, { syscall: 'mkfs' });
    const params = resolveMkfsOptions(device, options);
    const { plan, result } = planImage(params);
    const prepared = await prepareDevice(device, plan, { discard: params.discard, assumeZeroed: params.assumeZeroed });
    return new ImageBuilder(device, params, plan, result, prepared);
  }

  /** The layout's numbers (block size, counts, ...) as mkfs reports them, before the build. */
  get mkfsResult(): MkfsResult {
    return this.made;
  }

  /** Makes directory `name` in directory `parent`; returns its inode number. */
  mkdir(parent: number, name: string | Uint8Array, attrs: BuildAttributes = {}): number {
    const { dir, bytes, xattrs } = this.prepareEntry(parent, name, attrs);
    const rec = this.newInode(S_IF.DIR | (attrs.perm ?? 0o755), attrs, true);
    rec.view.setUint16(rec.at + AT.linksCount, 2, true);
    this.dirs.set(rec.ino, new DirectoryContents(rec.ino, parent));
    dir.add(bytes, rec.ino, FILE_TYPE.DIR);
    this.applyXattrs(rec, xattrs);
    return rec.ino;
  }

  /**
   * Makes regular file `name` in `parent` with `data` (chunks are written
   * as they come; all-zero blocks become holes). Returns its inode number.
   * If reading `data` fails, the file keeps the bytes read so far.
   */
  async addFile(parent: number, name: string | Uint8Array, attrs: BuildAttributes = {}, data?: BuildFileData): Promise<number> {
    if (data instanceof Uint8Array && data.length <= FILL_SLICE_BYTES) {
      const ino = this.addFileSync(parent, name, attrs, data);
      if (this.stream.full) await this.stream.throttle();
      return ino;
    }
    const { rec, file } = this.startFile(parent, name, attrs);
    this.filling = true;
    try {
      if (data instanceof Uint8Array) {
        // A large buffer goes in slices, so the staging buffers stay bounded.
        for (let at = 0; at < data.length; at += FILL_SLICE_BYTES) {
          this.fill(file, data.subarray(at, Math.min(data.length, at + FILL_SLICE_BYTES)));
          if (this.stream.full) await this.stream.throttle();
        }
      } else if (data !== undefined) {
        for await (const chunk of data as AsyncIterable<Uint8Array>) {
          this.fill(file, chunk);
          if (this.stream.full) await this.stream.throttle();
        }
      }
    } finally {
      this.filling = false;
      this.endFile(rec, file);
    }
    if (this.stream.full) await this.stream.throttle();
    return rec.ino;
  }

  /**
   * addFile for bytes already in memory (at most 1 MiB), without waiting:
   * the blocks are queued for writing and the inode number returned at once.
   * A caller adding many files checks {@link writesBacklogged} between them
   * and awaits {@link throttle} when it is true, which lets the queued writes
   * start and keeps the memory they hold bounded; it spares a tree of small
   * files a promise per file.
   */
  addFileSync(parent: number, name: string | Uint8Array, attrs: BuildAttributes, data: Uint8Array): number {
    if (data.length > FILL_SLICE_BYTES) throw new FsError('EINVAL', `addFileSync takes at most ${FILL_SLICE_BYTES} bytes, got ${data.length}: use addFile`, { syscall: 'write' });
    const { rec, file } = this.startFile(parent, name, attrs);
    try {
      this.fill(file, data);
    } finally {
      this.endFile(rec, file);
    }
    return rec.ino;
  }

  /**
   * True when the caller should `await throttle()` before adding more: the
   * write buffers are full, or writes were queued that the device may start
   * only once the caller yields (about once per MiB of data).
   */
  get writesBacklogged(): boolean {
    return this.stream.wantsYield;
  }

  /** Yields, and waits until the queued writes are down to what the write buffers hold; rethrows a failed write. */
  throttle(): Promise<void> {
    return this.stream.throttle();
  }

  /** The inode and directory entry of a new regular file, its fill state reset. */
  private startFile(parent: number, name: string | Uint8Array, attrs: BuildAttributes): { rec: InodeRecord; file: FileFill } {
    if (this.filling) throw new FsError('EBUSY', 'another addFile is still running: await each addFile before the next', { syscall: 'write' });
    const { dir, bytes, xattrs } = this.prepareEntry(parent, name, attrs);
    const rec = this.newInode(S_IF.REG | (attrs.perm ?? 0o644), attrs, false);
    dir.add(bytes, rec.ino, FILE_TYPE.REG_FILE);
    this.applyXattrs(rec, xattrs);
    const file = this.file;
    file.reset();
    return { rec, file };
  }

  /** Makes symlink `name` in `parent` pointing at `target` (fast in i_block below 60 bytes, else one block). */
  async symlink(parent: number, name: string | Uint8Array, target: string | Uint8Array, attrs: BuildAttributes = {}): Promise<number> {
    const t = nameBytes(target);
    if (t.length === 0 || t.length >= this.layout.blockSize || t.includes(0)) {
      throw new FsError(t.length === 0 || t.includes(0) ? 'EINVAL' : 'ENAMETOOLONG', `a symlink target must be 1..${this.layout.blockSize - 1} bytes without NUL, got ${t.length}`, { syscall: 'symlink' });
    }
    const { dir, bytes, xattrs } = this.prepareEntry(parent, name, attrs);
    const rec = this.newInode(S_IF.LNK | (attrs.perm ?? 0o777), attrs, false);
    dir.add(bytes, rec.ino, FILE_TYPE.SYMLINK);
    rec.view.setUint32(rec.at + AT.sizeLow, t.length, true);
    if (symlinkStorageFor(t.length) === 'fast') {
      this.setBlockWords(rec, encodeFastSymlink(t));
    } else {
      const block = this.cursor.allocate('a symlink target');
      this.stream.put(block, encodeSlowSymlinkBlock(t, this.layout.blockSize));
      rec.view.setUint32(rec.at + AT.block, block, true);
      this.addSectors(rec, 1);
      if (this.stream.full) await this.stream.throttle();
    }
    this.applyXattrs(rec, xattrs);
    return rec.ino;
  }

  /** Makes a device node, FIFO or socket `name` in `parent`; `rdev` in Linux's makedev encoding for devices. */
  mknod(parent: number, name: string | Uint8Array, kind: SpecialFileKind, attrs: BuildAttributes = {}, rdev = 0): number {
    const type = SPECIAL_MODE[kind];
    if (type === undefined) throw new FsError('EINVAL', `unknown special file kind '${String(kind)}'`, { syscall: 'mknod' });
    const words = type === S_IF.CHR || type === S_IF.BLK ? encodeDeviceNumber(splitRdev(rdev)) : undefined;
    const { dir, bytes, xattrs } = this.prepareEntry(parent, name, attrs);
    const rec = this.newInode(type | (attrs.perm ?? 0o644), attrs, false);
    dir.add(bytes, rec.ino, fileTypeFromMode(type));
    if (words !== undefined) this.setBlockWords(rec, words);
    this.applyXattrs(rec, xattrs);
    return rec.ino;
  }

  /** Adds `name` in `parent` as another link to `ino` (not a directory). */
  link(parent: number, name: string | Uint8Array, ino: number): void {
    const rec = this.existing(ino, 'link');
    const mode = rec.view.getUint16(rec.at + AT.mode, true);
    if ((mode & S_IFMT) === S_IF.DIR) throw new FsError('EPERM', 'a directory cannot get another link', { syscall: 'link' });
    const links = rec.view.getUint16(rec.at + AT.linksCount, true);
    if (links >= LINK_MAX) throw new FsError('EMLINK', `inode ${ino} has ${links} links already`, { syscall: 'link' });
    const dir = this.directory(parent);
    const bytes = nameBytes(name);
    dir.checkNew(bytes);
    dir.add(bytes, ino, fileTypeFromMode(mode));
    rec.view.setUint16(rec.at + AT.linksCount, links + 1, true);
  }

  /**
   * Removes the entry `name` (not a directory) from `parent`, as unlink(2):
   * the inode loses a link, and with its last one its number, data blocks,
   * indirect blocks and xattr block reference are freed (an archive listing a
   * path twice: the later entry replaces the first). ENOENT when absent.
   */
  async unlink(parent: number, name: string | Uint8Array): Promise<void> {
    const dir = this.directory(parent);
    const bytes = nameBytes(name);
    if (this.filling) throw new FsError('EBUSY', 'an addFile is still running: await it before unlink', { syscall: 'unlink' });
    const removed = dir.remove(bytes);
    if (removed === undefined) throw new FsError('ENOENT', 'no such entry', { syscall: 'unlink' });
    if (removed.fileType === FILE_TYPE.DIR || removed.ino === LOST_AND_FOUND_INO) {
      // Put it back: directories are not removed by the builder.
      dir.checkNew(bytes);
      dir.add(bytes, removed.ino, removed.fileType);
      throw new FsError('EISDIR', 'a directory cannot be unlinked while building', { syscall: 'unlink' });
    }
    const rec = this.inodes.record(removed.ino);
    const links = rec.view.getUint16(rec.at + AT.linksCount, true);
    if (links > 1) {
      rec.view.setUint16(rec.at + AT.linksCount, links - 1, true);
      return;
    }
    await this.releaseInodeBlocks(rec);
    this.inodes.free(removed.ino);
  }

  /** Frees every block an inode about to be freed holds. */
  private async releaseInodeBlocks(rec: InodeRecord): Promise<void> {
    const v = rec.view;
    const type = v.getUint16(rec.at + AT.mode, true) & S_IFMT;
    const xattrBlock = v.getUint32(rec.at + AT.fileAcl, true);
    if (xattrBlock !== 0 && this.xattrs.release(xattrBlock)) this.cursor.release(xattrBlock);
    const dataSectors = v.getUint32(rec.at + AT.blocks, true) - (xattrBlock === 0 ? 0 : this.layout.blockSize / 512);
    // Device numbers and fast symlink targets live in i_block too: only inodes with blocks have pointers there.
    if ((type !== S_IF.REG && type !== S_IF.LNK) || dataSectors === 0) return;
    const words = Array.from({ length: N_BLOCKS }, (_, i) => v.getUint32(rec.at + AT.block + 4 * i, true));
    for (let i = 0; i < NDIR_BLOCKS; i++) if (words[i] !== 0) this.cursor.release(words[i] as number);
    if (words.slice(NDIR_BLOCKS).some((w) => w !== 0)) await this.stream.drain(); // indirect blocks are read back from the device
    for (let depth = 1; depth <= 3; depth++) await this.releaseTree(words[NDIR_BLOCKS + depth - 1] as number, depth);
  }

  /** Frees indirect block `block` (`depth` levels above data) and everything under it. */
  private async releaseTree(block: number, depth: number): Promise<void> {
    if (block === 0) return;
    const bytes = new Uint8Array(this.layout.blockSize);
    await this.device.read(block * this.layout.blockSize, bytes);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < bytes.length; i += 4) {
      const child = view.getUint32(i, true);
      if (child === 0) continue;
      if (depth === 1) this.cursor.release(child);
      else await this.releaseTree(child, depth - 1);
    }
    this.cursor.release(block);
  }

  /**
   * Sets the metadata of an inode already built (or the root's): the given
   * fields change, the file type stays. Xattrs may be given only once per inode.
   */
  setAttributes(ino: number, attrs: BuildAttributes): void {
    const rec = this.existing(ino, 'setattr');
    const xattrs = attrs.xattrs === undefined || attrs.xattrs.length === 0 ? undefined : this.parseXattrsFor(attrs.xattrs);
    if (xattrs !== undefined && (rec.view.getUint32(rec.at + AT.fileAcl, true) !== 0 || (this.large && rec.view.getUint32(rec.at + GOOD_OLD_INODE_SIZE + MKFS_EXTRA_ISIZE, true) !== 0))) {
      throw new FsError('EEXIST', `inode ${ino} has extended attributes already`, { syscall: 'setxattr' });
    }
    if (attrs.perm !== undefined) rec.view.setUint16(rec.at + AT.mode, (rec.view.getUint16(rec.at + AT.mode, true) & S_IFMT) | (attrs.perm & 0o7777), true);
    if (attrs.uid !== undefined) this.setOwner(rec, AT.uidLow, AT.uidHigh, checkOwner(attrs.uid, 'uid'));
    if (attrs.gid !== undefined) this.setOwner(rec, AT.gidLow, AT.gidHigh, checkOwner(attrs.gid, 'gid'));
    if (attrs.atimeNs !== undefined) this.setTime(rec, AT.atime, AT.atimeExtra, attrs.atimeNs);
    if (attrs.mtimeNs !== undefined) this.setTime(rec, AT.mtime, AT.mtimeExtra, attrs.mtimeNs);
    if (attrs.ctimeNs !== undefined) this.setTime(rec, AT.ctime, AT.ctimeExtra, attrs.ctimeNs);
    if (xattrs !== undefined) this.applyXattrs(rec, xattrs);
  }

  /**
   * Writes the directories, inode tables, bitmaps, group descriptors and
   * the superblock (free counts exact, state clean), and flushes. The
   * builder cannot be used afterwards.
   */
  async finish(): Promise<BuildResult> {
    this.checkOpen();
    this.state = 'finishing';
    const { layout, plan } = this;
    const bs = layout.blockSize;
    const root = this.inodes.record(ROOT_INO);
    const rootBlock = root.view.getUint32(root.at + AT.block, true);
    for (const [ino, dir] of this.dirs) {
      const packed = dir.pack(bs, this.filetype);
      const count = packed.length / bs;
      const physical = new Uint32Array(count);
      for (let i = 0; i < count; i++) {
        const bytes = packed.subarray(i * bs, (i + 1) * bs);
        if (ino === ROOT_INO && i === 0) {
          // The root keeps the block mkfs gave it (mkfs's plan writes it).
          physical[0] = rootBlock;
          plan.blocks.set(rootBlock, bytes);
          continue;
        }
        physical[i] = this.cursor.allocate('a directory block');
        this.stream.put(physical[i] as number, bytes);
      }
      const map = buildBlockMap(physical, count, bs, () => this.cursor.allocate('an indirect block'));
      for (const m of map.mapBlocks) this.stream.put(m.block, m.bytes);
      const rec = this.inodes.record(ino);
      rec.view.setUint32(rec.at + AT.sizeLow, count * bs, true);
      rec.view.setUint16(rec.at + AT.linksCount, 2 + dir.subdirs, true);
      rec.view.setUint32(rec.at + AT.blocks, (rec.view.getUint32(rec.at + AT.fileAcl, true) === 0 ? 0 : bs / 512) + (count + map.mapBlocks.length) * (bs / 512), true);
      this.setBlockWords(rec, map.iBlock);
      if (this.stream.full) await this.stream.throttle();
    }
    for (const x of this.xattrs.finalBlocks()) this.stream.put(x.block, x.bytes);
    await this.stream.drain();
    const result = await this.writeMetadata();
    this.state = 'done';
    return result;
  }

  private async writeMetadata(): Promise<BuildResult> {
    const { layout, plan, params } = this;
    const groups = layout.groups.map((g) => g.group);
    const counts = {
      freeBlocks: groups.map((g) => this.cursor.freeIn(g)),
      freeInodes: groups.map((g) => this.inodes.freeIn(g)),
      usedDirs: groups.map((g) => this.inodes.dirsIn(g)),
    };
    const freeBlocks = counts.freeBlocks.reduce((a, b) => a + b, 0);
    const freeInodes = counts.freeInodes.reduce((a, b) => a + b, 0);
    let features: FeatureWords = plan.features;
    if (this.largeFile) features = { ...features, roCompat: features.roCompat | RO_COMPAT.large_file };
    const superblock = encodePrimarySuperblock(layout, {
      features,
      reservedBlocks: layout.reservedBlocks,
      freeBlocks,
      freeInodes,
      uuid: params.uuid,
      hashSeed: params.hashSeed,
      volumeName: params.volumeName,
      time: params.time,
      errors: params.errors,
      overheadBlocks: this.made.overheadBlocks,
    });
    const built: ImagePlan = {
      ...plan,
      superblock,
      descriptorTable: encodeDescriptorTable(layout, counts),
      bitmaps: { blockBitmap: (g) => this.cursor.bitmap(g), inodeBitmap: (g) => this.inodes.bitmap(g) },
      inodeTableHead: (g) => this.inodes.tableHead(g),
      features,
    };
    await writePlan(this.device, built, this.prepared);
    return { ...this.made, freeBlocks, freeInodes, features: describeFeatures(features) };
  }

  private checkOpen(): void {
    if (this.state !== 'open') throw new FsError('EINVAL', 'the image builder has finished; make a new one', { syscall: 'mkfs' });
  }

  private directory(ino: number): DirectoryContents {
    this.checkOpen();
    const dir = this.dirs.get(ino);
    if (dir === undefined) throw new FsError(ino === LOST_AND_FOUND_INO ? 'EPERM' : 'ENOTDIR', `inode ${ino} is not a directory this builder made`, { syscall: 'link' });
    return dir;
  }

  private existing(ino: number, syscall: string): InodeRecord {
    this.checkOpen();
    if (!Number.isInteger(ino) || ino < 1 || ino > this.layout.inodesCount || (ino !== ROOT_INO && ino <= LOST_AND_FOUND_INO)) {
      throw new FsError('EINVAL', `inode ${ino} is not one this builder made`, { syscall });
    }
    const rec = this.inodes.record(ino);
    if (rec.view.getUint16(rec.at + AT.linksCount, true) === 0) throw new FsError('ENOENT', `inode ${ino} is not in use`, { syscall });
    return rec;
  }

  /** The attributes to store, or undefined when there are none (an ACL without entries stores nothing). */
  private parseXattrsFor(attrs: readonly (readonly [string, Uint8Array])[]): ReturnType<typeof parseXattrs> | undefined {
    if ((this.plan.features.compat & COMPAT.ext_attr) === 0) throw new FsError('EOPNOTSUPP', 'the filesystem has no ext_attr feature: extended attributes cannot be stored', { syscall: 'setxattr' });
    const parsed = parseXattrs(attrs, this.layout.blockSize);
    return parsed.length === 0 ? undefined : parsed;
  }

  /** Everything that can fail about a new entry, checked before anything is allocated. */
  private prepareEntry(parent: number, name: string | Uint8Array, attrs: BuildAttributes): { dir: DirectoryContents; bytes: Uint8Array; xattrs: ReturnType<typeof parseXattrs> | undefined } {
    const dir = this.directory(parent);
    const bytes = nameBytes(name);
    dir.checkNew(bytes);
    checkOwner(attrs.uid, 'uid');
    checkOwner(attrs.gid, 'gid');
    const xattrs = attrs.xattrs === undefined || attrs.xattrs.length === 0 ? undefined : this.parseXattrsFor(attrs.xattrs);
    return { dir, bytes, xattrs };
  }

  private newInode(mode: number, attrs: BuildAttributes, directory: boolean): InodeRecord {
    const rec = this.inodes.allocate(directory);
    const v = rec.view;
    v.setUint16(rec.at + AT.mode, mode & 0xffff, true);
    v.setUint16(rec.at + AT.linksCount, 1, true);
    this.setOwner(rec, AT.uidLow, AT.uidHigh, attrs.uid ?? 0);
    this.setOwner(rec, AT.gidLow, AT.gidHigh, attrs.gid ?? 0);
    if (this.large) v.setUint16(rec.at + AT.extraIsize, MKFS_EXTRA_ISIZE, true);
    const ctime = attrs.ctimeNs ?? this.defaultTimeNs;
    this.setTime(rec, AT.atime, AT.atimeExtra, attrs.atimeNs ?? this.defaultTimeNs);
    this.setTime(rec, AT.mtime, AT.mtimeExtra, attrs.mtimeNs ?? this.defaultTimeNs);
    this.setTime(rec, AT.ctime, AT.ctimeExtra, ctime);
    if (this.large) this.setTime(rec, AT.crtime, AT.crtimeExtra, ctime);
    return rec;
  }

  private setOwner(rec: InodeRecord, low: number, high: number, id: number): void {
    rec.view.setUint16(rec.at + low, id % 65536, true);
    rec.view.setUint16(rec.at + high, Math.floor(id / 65536), true);
  }

  private setTime(rec: InodeRecord, at: number, extraAt: number, ns: bigint): void {
    // Entries of one build share few distinct times (the build's clock, clamped
    // times): remember the last encoding per field instead of BigInt math per inode.
    let words = this.timeCache.get(at);
    if (words === undefined || words.ns !== ns) {
      const encoded = inodeTimeWords(ns, this.large);
      words = { ns, seconds: encoded.seconds, extra: encoded.extra };
      this.timeCache.set(at, words);
    }
    const { seconds, extra } = words;
    rec.view.setInt32(rec.at + at, seconds, true);
    if (this.large) rec.view.setUint32(rec.at + extraAt, extra, true);
  }

  private setBlockWords(rec: InodeRecord, words: readonly number[]): void {
    for (let i = 0; i < N_BLOCKS; i++) rec.view.setUint32(rec.at + AT.block + 4 * i, words[i] ?? 0, true);
  }

  /** i_blocks += `blocks` file-system blocks (in 512-byte sectors). */
  private addSectors(rec: InodeRecord, blocks: number): void {
    rec.view.setUint32(rec.at + AT.blocks, rec.view.getUint32(rec.at + AT.blocks, true) + blocks * (this.layout.blockSize / 512), true);
  }

  private applyXattrs(rec: InodeRecord, xattrs: ReturnType<typeof parseXattrs> | undefined): void {
    if (xattrs === undefined) return;
    const areaStart = GOOD_OLD_INODE_SIZE + MKFS_EXTRA_ISIZE;
    const areaLength = this.large ? this.layout.inodeSize - areaStart : 0;
    const place = this.xattrs.place(xattrs, areaLength, () => this.cursor.allocate('an extended attribute block'));
    if ('inodeArea' in place) rec.table.set(place.inodeArea, rec.at + areaStart);
    else {
      rec.view.setUint32(rec.at + AT.fileAcl, place.block, true);
      this.addSectors(rec, 1);
    }
  }

  /** Takes the next chunk of a file: whole blocks go out (or become holes), a partial one waits in `partial`. */
  private fill(file: FileFill, chunk: Uint8Array): void {
    const bs = this.layout.blockSize;
    let at = 0;
    if (file.partialLength > 0) {
      const take = Math.min(bs - file.partialLength, chunk.length);
      this.partial.set(chunk.subarray(0, take), file.partialLength);
      file.partialLength += take;
      at = take;
      if (file.partialLength < bs) return;
      this.emit(file, this.partial);
      file.partialLength = 0;
    }
    for (; at + bs <= chunk.length; at += bs) this.emit(file, chunk.subarray(at, at + bs));
    if (at < chunk.length) {
      this.partial.set(chunk.subarray(at), 0);
      file.partialLength = chunk.length - at;
    }
  }

  private emit(file: FileFill, bytes: Uint8Array): void {
    file.size += bytes.length;
    if (file.size > file.maxSize) throw new FsError('EFBIG', `a file larger than ${file.maxSize} bytes does not fit ext2's block map with ${this.layout.blockSize}-byte blocks`, { syscall: 'write' });
    if (isAllZero(bytes)) {
      file.push(0);
      return;
    }
    const block = this.cursor.allocate('file data');
    this.stream.put(block, bytes);
    file.push(block);
  }

  /** Completes a file: its last partial block, block map, size and i_blocks. */
  private endFile(rec: InodeRecord, file: FileFill): void {
    if (file.partialLength > 0) {
      this.emit(file, this.partial.subarray(0, file.partialLength));
      file.partialLength = 0;
    }
    const map = buildBlockMap(file.physical, file.count, this.layout.blockSize, () => this.cursor.allocate('an indirect block'));
    for (const m of map.mapBlocks) this.stream.put(m.block, m.bytes);
    this.setBlockWords(rec, map.iBlock);
    rec.view.setUint32(rec.at + AT.sizeLow, file.size % 2 ** 32, true);
    rec.view.setUint32(rec.at + AT.sizeHigh, Math.floor(file.size / 2 ** 32), true);
    this.addSectors(rec, file.mapped + map.mapBlocks.length);
    if (file.size >= LARGE_FILE_BYTES) this.largeFile = true;
  }
}

/** The state of one file being filled. */
class FileFill {
  size = 0;
  count = 0;
  /** Data blocks (not holes). */
  mapped = 0;
  partialLength = 0;
  physical = new Uint32Array(16);
  readonly maxSize: number;

  constructor(blockSize: number) {
    this.maxSize = maxBlockMappedBytes(blockSize);
  }

  reset(): void {
    this.size = 0;
    this.count = 0;
    this.mapped = 0;
    this.partialLength = 0;
  }

  push(block: number): void {
    if (this.count === this.physical.length) {
      const grown = new Uint32Array(this.physical.length * 2);
      grown.set(this.physical);
      this.physical = grown;
    }
    this.physical[this.count++] = block;
    if (block !== 0) this.mapped++;
  }
}
