// mount(): from a block device to a mounted ext2 filesystem.
//
//   1. superblock at byte 1024 through the block-device cache, validated
//      (format/superblock.ts), feature policy of EXT2.md 1.3 (mountPolicy):
//      unknown/unsupported incompat or needs_recovery -> UnsupportedFeatureError
//   2. the device must hold s_blocks_count blocks
//   3. the group descriptor table, every descriptor validated
//   4. writable: refuse (EROFS) what we cannot maintain (policy reasons, a
//      non-empty ext3 journal, a read-only device); then like the kernel:
//      s_state loses VALID_FS on disk at once, s_mnt_count + 1, s_mtime = now
//   5. the root inode (2), which must be a directory
//
// A read-only mount goes through ReadOnlyDevice, which refuses every write,
// so "a read-only mount writes nothing, ever" does not depend on every code
// path remembering it.
import { CorruptFilesystemError, FsError, Mutex, type BlockDevice, type DaxDevice } from '@iomap/core';
import { BlockDeviceCache, PageCache } from '@iomap/buffered';
import { checkDaxGeometry } from '@iomap/dax';
import { AllocState } from '../alloc/alloc-state.js';
import { COMPAT, INCOMPAT } from '../format/features.js';
import { descriptorBlockLocation, geometryOf, type Geometry } from '../format/geometry.js';
import { decodeGroupDescriptorTable, type GroupDescriptor } from '../format/group-descriptor.js';
import { ROOT_INO } from '../format/inode.js';
import { DEFAULT_MOUNT_OPTS, FS_STATE, SUPERBLOCK_OFFSET, SUPERBLOCK_SIZE, decodeSuperblock, mountPolicy, type MountPolicy } from '../format/superblock.js';
import { InodeTable } from '../inode/inode-table.js';
import { ext2IomapOps } from '../inode/iomap-ops.js';
import { ext2WritebackOps } from '../inode/writeback-ops.js';
import { FLUSH_BEHIND_BYTES, FlushBehind } from '../sync/flush-behind.js';
import { MetadataBarrier } from '../sync/metadata-barrier.js';
import { syncMetadata } from '../sync/metadata-sync.js';
import { clockSeconds, writeSuperblock } from '../sync/superblock-write.js';
import { Ext2Filesystem } from './ext2-filesystem.js';
import { requireEmptyJournal } from './journal-check.js';
import type { MountContext } from './mount-context.js';
import { ReadOnlyDevice } from './read-only-device.js';
import { metaBgDescriptorBlocks, type Mutable, type Volume } from './volume.js';

/** How to mount. */
export interface MountOptions {
  /** Mount read-only: nothing is ever written to the device. Default false (writable). */
  readOnly?: boolean;
  /** Memory budget of the page cache (file data, directories and metadata together). Default 64 MiB. */
  cacheBytes?: number;
  /** Aligned file reads go straight from the device into the caller's buffer (@iomap/direct). */
  direct?: boolean;
  /** File reads and writes copy to and from device memory (@iomap/dax); the device must offer `directAccess` and blocks must be 4 KiB. */
  dax?: boolean;
  /** The clock for every timestamp written (inode and superblock times), in ns since the epoch. Default: Date.now(). */
  now?: () => bigint;
  /**
   * Bytes of file data written back after which a device flush starts in the
   * background, so fsync of a large file waits for little (sync/flush-behind.ts).
   * 0 turns it off. Default 32 MiB.
   */
  flushBehindBytes?: number;
  /**
   * POSIX ACLs in force, as the kernel's `-o acl` / `-o noacl`: getxattr and
   * setxattr serve system.posix_acl_access/_default, chmod updates an access
   * ACL, and new inodes inherit their directory's default ACL. Without it
   * those names give EOPNOTSUPP. Default: the acl bit of s_default_mount_opts
   * (mke2fs sets it) on a filesystem with the ext_attr feature.
   */
  acl?: boolean;
}

const DEFAULT_CACHE_BYTES = 64 << 20;

function checkOptions(device: BlockDevice, options: MountOptions): DaxDevice | undefined {
  if (options.readOnly !== true && device.readOnly) {
    throw new FsError('EROFS', 'the device is read-only; mount with { readOnly: true }', { syscall: 'mount' });
  }
  const flushBehind = options.flushBehindBytes;
  if (flushBehind !== undefined && !(Number.isSafeInteger(flushBehind) && flushBehind >= 0)) {
    throw new FsError('EINVAL', `mount option flushBehindBytes must be a non-negative integer, got ${flushBehind}`, { syscall: 'mount' });
  }
  if (options.direct === true && options.dax === true) {
    throw new FsError('EINVAL', 'mount options direct and dax exclude each other', { syscall: 'mount' });
  }
  if (options.dax !== true) return undefined;
  const dax = device as Partial<DaxDevice>;
  if (typeof dax.directAccess !== 'function') {
    throw new FsError('EINVAL', 'mount option dax needs a device with directAccess (a DAX device)', { syscall: 'mount' });
  }
  return device as BlockDevice & DaxDevice;
}

async function readDescriptors(bdev: BlockDeviceCache, g: Geometry): Promise<GroupDescriptor[]> {
  const out: GroupDescriptor[] = [];
  for (let i = 0; i < g.descriptorBlocks; i++) {
    const block = descriptorBlockLocation(g, i);
    if (block >= g.blocksCount) {
      throw new CorruptFilesystemError({ structure: 'group descriptor table', location: `block ${block}` }, `descriptor block ${i} lies past s_blocks_count ${g.blocksCount}`);
    }
    const first = i * g.descriptorsPerBlock;
    const count = Math.min(g.descriptorsPerBlock, g.groupCount - first);
    const blk = await bdev.getBlock(block);
    try {
      out.push(...decodeGroupDescriptorTable(blk.data, g, first, count));
    } finally {
      blk.release();
    }
  }
  return out;
}

/** Reads and checks everything up to the group descriptors. Precondition: device is readable. */
async function openVolume(device: BlockDevice, options: MountOptions, readOnly: boolean): Promise<Volume> {
  const cacheBytes = options.cacheBytes ?? DEFAULT_CACHE_BYTES;
  if (device.size < SUPERBLOCK_OFFSET + SUPERBLOCK_SIZE) {
    throw new CorruptFilesystemError({ structure: 'superblock', location: `byte ${SUPERBLOCK_OFFSET}` }, `the device has only ${device.size} bytes, too few for an ext2 superblock`);
  }
  const cache = new PageCache({ budget: cacheBytes });
  const boot = new BlockDeviceCache(cache, device, { blockSize: 1024, name: 'ext2 superblock' });
  const raw = new Uint8Array(SUPERBLOCK_SIZE);
  await boot.read(SUPERBLOCK_OFFSET, raw);
  const sb = decodeSuperblock(raw);
  const policy = readOnly ? mountPolicy(sb) : writablePolicy(mountPolicy(sb), sb);
  const geometry = geometryOf(sb);
  const needed = geometry.blocksCount * geometry.blockSize;
  if (needed > device.size) {
    throw new CorruptFilesystemError({ structure: 'superblock', location: `byte ${SUPERBLOCK_OFFSET}` }, `s_blocks_count ${geometry.blocksCount} x ${geometry.blockSize} bytes exceeds the device's ${device.size} bytes (truncated image?)`);
  }
  let bdev = boot;
  if (geometry.blockSize !== 1024) {
    // BlockDeviceCache's block size is fixed at construction; drop the bootstrap folio (clean, nothing is written).
    await boot.mapping.evictAll();
    bdev = new BlockDeviceCache(cache, device, { blockSize: geometry.blockSize, name: 'ext2 metadata' });
  }
  const descriptors = await readDescriptors(bdev, geometry);
  const filetype = (geometry.featureIncompat & INCOMPAT.filetype) !== 0;
  const posixAcl = options.acl ?? ((geometry.featureCompat & COMPAT.ext_attr) !== 0 && (sb.defaultMountOpts & DEFAULT_MOUNT_OPTS.acl) !== 0);
  return { device, sb, geometry, descriptors, cache, bdev, filetype, policy, metaBgDescriptorBlocks: metaBgDescriptorBlocks(geometry), posixAcl };
}

const ERROR_FS_REASON = 's_state has ERROR_FS';

/**
 * The policy of a writable mount: like the kernel, errors recorded in s_state
 * do not block writing but are warned about, as are an unchecked filesystem
 * and a reached maximal mount count.
 */
function writablePolicy(policy: MountPolicy, sb: Volume['sb']): MountPolicy {
  const reasons = policy.reasons.filter((r) => !r.startsWith(ERROR_FS_REASON));
  const warnings = [...policy.warnings];
  if ((sb.state & FS_STATE.ERROR_FS) !== 0) warnings.push('mounting fs with errors (s_state has ERROR_FS), running e2fsck is recommended');
  if ((sb.state & FS_STATE.VALID_FS) === 0) warnings.push('mounting unchecked fs, running e2fsck is recommended');
  if (sb.maxMntCount > 0 && sb.mntCount >= sb.maxMntCount) warnings.push('maximal mount count reached, running e2fsck is recommended');
  return { ...policy, readOnly: reasons.length > 0, reasons, warnings };
}

/** Refuses a writable mount of what ext2-lite cannot keep consistent. */
async function checkWritable(vol: Volume, inodes: InodeTable): Promise<void> {
  if (vol.policy.reasons.length > 0) {
    throw new FsError('EROFS', `cannot mount writable: ${vol.policy.reasons.join('; ')}; mount with { readOnly: true }`, { syscall: 'mount' });
  }
  if ((vol.geometry.featureCompat & COMPAT.has_journal) !== 0) await requireEmptyJournal(vol, inodes);
}

/**
 * What the kernel does to the superblock at a writable mount (EXT2.md 1.4):
 * VALID_FS cleared on disk at once (so a crash leaves "not clean"),
 * s_mnt_count + 1 (s_max_mnt_count 0 becomes 20), s_mtime = now.
 * Returns s_state as found, which unmount restores.
 */
async function markMounted(ctx: MountContext): Promise<number> {
  const sb = ctx.vol.sb;
  const found = sb.state;
  sb.state = found & ~FS_STATE.VALID_FS;
  sb.mntCount = (sb.mntCount + 1) & 0xffff;
  if (sb.maxMntCount === 0) sb.maxMntCount = 20;
  sb.mtime = clockSeconds(ctx);
  await writeSuperblock(ctx);
  await ctx.vol.bdev.syncBlocks();
  return found;
}

/** The shared state of the mount, with its IomapOps and writeback callbacks bound to it. */
function mountContext(vol: Volume, options: MountOptions, daxDevice: DaxDevice | undefined, readOnly: boolean): MountContext {
  const ctx = {
    vol,
    inodes: new InodeTable(vol),
    direct: options.direct === true,
    daxDevice,
    readOnly,
    alloc: new AllocState(vol),
    dirtyInodes: new Map(),
    now: options.now ?? (() => BigInt(Date.now()) * 1_000_000n),
    renameMutex: new Mutex(),
    syncMutex: new Mutex(),
    barrier: new MetadataBarrier(),
    flushBehind: new FlushBehind(vol.device, options.flushBehindBytes ?? FLUSH_BEHIND_BYTES),
  } as Mutable<MountContext>;
  ctx.ops = ext2IomapOps(ctx);
  ctx.writebackOps = ext2WritebackOps(ctx);
  ctx.alloc.commit = () => syncMetadata(ctx);
  return ctx;
}

/**
 * Mounts the ext2 (or clean ext3) filesystem on `device`, writable unless
 * `readOnly` is set.
 *
 * Feature policy (EXT2.md 1.3): incompatible features other than filetype
 * and meta_bg — including needs_recovery — refuse the mount with
 * `UnsupportedFeatureError` (EOPNOTSUPP) naming them; ro_compat or compat
 * features ext2-lite cannot maintain, a pending orphan list or a journal
 * with transactions refuse a writable mount with EROFS (see
 * `fs.info.readOnlyReasons`; mount read-only instead). A filesystem not
 * cleanly unmounted, or with recorded errors, mounts with a warning in
 * `fs.info.warnings`. Corrupt metadata fails with `CorruptFilesystemError`
 * (EUCLEAN). A read-only mount never writes to `device`; a writable one
 * clears VALID_FS on disk at once and sets it again at unmount.
 *
 * @example
 * ```ts
 * import { mount } from '@iomap/ext2-lite';
 * import { FileDevice } from '@iomap/blockdev-node';
 *
 * const device = await FileDevice.open('disk.img');
 * await using fs = await mount(device);
 * console.log(await fs.promises.readdir('/'));
 * console.log(await fs.promises.readFile('/etc/hostname', 'utf8'));
 * ```
 */
export async function mount(device: BlockDevice, options: MountOptions = {}): Promise<Ext2Filesystem> {
  const readOnly = options.readOnly === true;
  const daxDevice = checkOptions(device, options);
  const vol = await openVolume(readOnly ? new ReadOnlyDevice(device) : device, options, readOnly);
  if (daxDevice !== undefined) checkDaxGeometry(vol.geometry.blockSize);
  const ctx = mountContext(vol, options, daxDevice, readOnly);
  if (!readOnly) await checkWritable(vol, ctx.inodes);
  const root = await ctx.inodes.get(ROOT_INO, 'the superblock (root directory)');
  if (!root.isDirectory) {
    throw new CorruptFilesystemError({ structure: `inode ${ROOT_INO}` }, `the root inode has mode 0${root.mode.toString(8)}, not a directory`);
  }
  const stateAtMount = readOnly ? vol.sb.state : await markMounted(ctx);
  return new Ext2Filesystem(ctx, root, stateAtMount);
}
