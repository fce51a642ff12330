// mount(): from a block device to a mounted, read-only ext2 filesystem.
//
//   1. superblock at byte 1024 through the block-device cache, validated
//      (format/superblock.ts), feature policy of EXT2.md 1.3 (mountPolicy):
//      unknown/unsupported incompat or needs_recovery -> UnsupportedFeatureError
//   2. the device must hold s_blocks_count blocks
//   3. the group descriptor table, every descriptor validated
//   4. the root inode (2), which must be a directory
//
// Part 1 of ext2-lite is read-only, and says so: mount refuses a request
// that does not ask for { readOnly: true } with EROFS, instead of silently
// handing out a read-only filesystem to a caller that expected to write.
// Every device access goes through ReadOnlyDevice, which refuses writes.
import { CorruptFilesystemError, FsError, type BlockDevice, type DaxDevice } from '@iomap/core';
import { BlockDeviceCache, PageCache } from '@iomap/buffered';
import { checkDaxGeometry } from '@iomap/dax';
import { INCOMPAT } from '../format/features.js';
import { descriptorBlockLocation, geometryOf, type Geometry } from '../format/geometry.js';
import { decodeGroupDescriptorTable, type GroupDescriptor } from '../format/group-descriptor.js';
import { ROOT_INO } from '../format/inode.js';
import { SUPERBLOCK_OFFSET, SUPERBLOCK_SIZE, decodeSuperblock, mountPolicy } from '../format/superblock.js';
import { InodeTable } from '../inode/inode-table.js';
import { ext2IomapOps } from '../inode/iomap-ops.js';
import { Ext2Filesystem } from './ext2-filesystem.js';
import type { MountContext } from './mount-context.js';
import { ReadOnlyDevice } from './read-only-device.js';
import { metaBgDescriptorBlocks, type Volume } from './volume.js';

/** How to mount. */
export interface MountOptions {
  /** Must be `true` in this release (writes arrive with ext2-lite part 2); otherwise mount fails with EROFS. */
  readOnly?: boolean;
  /** Memory budget of the page cache (file data, directories and metadata together). Default 64 MiB. */
  cacheBytes?: number;
  /** Aligned file reads go straight from the device into the caller's buffer (@iomap/direct). */
  direct?: boolean;
  /** File reads copy from device memory (@iomap/dax); the device must offer `directAccess` and blocks must be 4 KiB. */
  dax?: boolean;
}

const DEFAULT_CACHE_BYTES = 64 << 20;

function checkOptions(device: BlockDevice, options: MountOptions): DaxDevice | undefined {
  if (options.readOnly !== true) {
    throw new FsError('EROFS', 'ext2-lite mounts read-only for now; writing arrives with part 2 - pass { readOnly: true }', { syscall: 'mount' });
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
async function openVolume(device: BlockDevice, cacheBytes: number): Promise<Volume> {
  if (device.size < SUPERBLOCK_OFFSET + SUPERBLOCK_SIZE) {
    throw new CorruptFilesystemError({ structure: 'superblock', location: `byte ${SUPERBLOCK_OFFSET}` }, `the device has only ${device.size} bytes, too few for an ext2 superblock`);
  }
  const cache = new PageCache({ budget: cacheBytes });
  const boot = new BlockDeviceCache(cache, device, { blockSize: 1024, name: 'ext2 superblock' });
  const raw = new Uint8Array(SUPERBLOCK_SIZE);
  await boot.read(SUPERBLOCK_OFFSET, raw);
  const sb = decodeSuperblock(raw);
  const policy = mountPolicy(sb);
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
  return { device, sb, geometry, descriptors, cache, bdev, filetype, policy, metaBgDescriptorBlocks: metaBgDescriptorBlocks(geometry) };
}

/**
 * Mounts the ext2 (or clean ext3) filesystem on `device`, read-only.
 *
 * Feature policy (EXT2.md 1.3): incompatible features other than filetype
 * and meta_bg — including needs_recovery — refuse the mount with
 * `UnsupportedFeatureError` (EOPNOTSUPP) naming them; unknown ro_compat or
 * compat features would force read-only (the mount is read-only anyway; see
 * `fs.info.readOnlyReasons`). Corrupt metadata fails with
 * `CorruptFilesystemError` (EUCLEAN). Nothing is ever written to `device`.
 *
 * @example
 * ```ts
 * import { mount } from '@iomap/ext2-lite';
 * import { FileDevice } from '@iomap/blockdev-node';
 *
 * const device = await FileDevice.open('disk.img', { readOnly: true });
 * await using fs = await mount(device, { readOnly: true });
 * console.log(await fs.promises.readdir('/'));
 * console.log(await fs.promises.readFile('/etc/hostname', 'utf8'));
 * ```
 */
export async function mount(device: BlockDevice, options: MountOptions = {}): Promise<Ext2Filesystem> {
  const daxDevice = checkOptions(device, options);
  const vol = await openVolume(new ReadOnlyDevice(device), options.cacheBytes ?? DEFAULT_CACHE_BYTES);
  if (daxDevice !== undefined) checkDaxGeometry(vol.geometry.blockSize);
  const inodes = new InodeTable(vol);
  const ctx: MountContext = { vol, inodes, ops: ext2IomapOps(vol, daxDevice), direct: options.direct === true, daxDevice };
  const root = await inodes.get(ROOT_INO, 'the superblock (root directory)');
  if (!root.isDirectory) {
    throw new CorruptFilesystemError({ structure: `inode ${ROOT_INO}` }, `the root inode has mode 0${root.mode.toString(8)}, not a directory`);
  }
  return new Ext2Filesystem(ctx, root);
}
