// The in-memory state of one ExtentMapFs: geometry, the block allocator, the
// inodes, and the filesystem mapping lock (the "lower" lock of IOMAP-SPEC
// 2.7: held only inside the filesystem's own calls, never returned with).
//
// An inode holds its size, its extent map, an optional inline region and a
// sequence number bumped on every extent change; the sequence number is the
// validity cookie handed out with every mapping (CORE-24).
import {
  FsError,
  MemoryBlockDevice,
  Mutex,
  PAGE_SIZE,
  checkOffset,
  type BlockDevice,
  type DaxDevice,
} from '@iomap/core';
import { BlockAllocator, type BlockRun } from './block-allocator.js';
import { ExtentMap, type ExtentRecord } from './extent-map.js';
import type { ExtentMapFsOptions, ExtentMapInode } from './extent-map-fs-types.js';
import { SeededRandom } from './seeded-random.js';

/** Internal: an inline region `[offset, size)`; `data` has `inlineCapacity` bytes from `offset`. */
export interface InlineRegion {
  offset: number;
  data: Uint8Array;
}

/** Internal: the state behind an {@link ExtentMapInode} handle. */
export class InodeState implements ExtentMapInode {
  size = 0;
  readonly map = new ExtentMap();
  inline: InlineRegion | undefined = undefined;
  /** Validity cookie: bumped on every extent-map change. */
  seq = 0;
  /** Metadata changed since the last fsync (mappings carry DIRTY). */
  metadataDirty = false;
  removed = false;

  constructor(
    readonly owner: FsContext,
    readonly ino: number,
    readonly name: string,
  ) {}

  /** Records an extent-map change. */
  changed(): void {
    this.seq++;
    this.metadataDirty = true;
  }
}

/** Internal: resolved options. */
export interface ResolvedOptions {
  blockSize: number;
  maxMappingBlocks: number;
  delalloc: boolean;
  writeAllocation: 'mapped' | 'unwritten';
  inlineCapacity: number;
  boundaryEvery: number;
  mergedFlag: boolean;
  nowaitRefuses: boolean;
  poison: number | undefined;
  extendSizeOnEnd: boolean;
}

function resolveOptions(options: ExtentMapFsOptions, device: BlockDevice): ResolvedOptions {
  const blockSize = options.blockSize ?? 4096;
  const lbs = device.logicalBlockSize;
  if (!Number.isSafeInteger(blockSize) || blockSize < lbs || (blockSize & (blockSize - 1)) !== 0) {
    throw new FsError('EINVAL', `blockSize must be a power of two ≥ the device's ${lbs}, got ${blockSize}`);
  }
  const inlineCapacity = options.inlineCapacity ?? 0;
  if (!Number.isSafeInteger(inlineCapacity) || inlineCapacity < 0 || inlineCapacity > PAGE_SIZE) {
    throw new FsError('EINVAL', `inlineCapacity must be 0..${PAGE_SIZE} (inline data must fit one page, CORE-14)`);
  }
  const maxLen = options.maxMappingLength ?? Infinity;
  if (!(maxLen > 0)) throw new FsError('EINVAL', `maxMappingLength must be positive, got ${maxLen}`);
  const boundaryEvery = options.boundaryEvery ?? 0;
  checkOffset(boundaryEvery, 'boundaryEvery', 'mount');
  return {
    blockSize,
    maxMappingBlocks: maxLen === Infinity ? Infinity : Math.max(1, Math.floor(maxLen / blockSize)),
    delalloc: options.delalloc ?? false,
    writeAllocation: options.writeAllocation ?? 'mapped',
    inlineCapacity,
    boundaryEvery,
    mergedFlag: options.mergedFlag ?? false,
    nowaitRefuses: (options.nowait ?? 'eagain') === 'eagain',
    poison: options.poison,
    extendSizeOnEnd: options.extendSizeOnEnd ?? true,
  };
}

function defaultDax(device: BlockDevice): DaxDevice | undefined {
  return device instanceof MemoryBlockDevice ? device : undefined;
}

/** Internal: everything an ExtentMapFs operation works on. */
export class FsContext {
  readonly device: BlockDevice;
  readonly daxDevice: DaxDevice | undefined;
  readonly opts: ResolvedOptions;
  readonly allocator: BlockAllocator;
  readonly lock = new Mutex();
  readonly inodes = new Map<string, InodeState>();
  private nextIno = 1;

  constructor(options: ExtentMapFsOptions) {
    this.device = options.device ?? new MemoryBlockDevice({ size: options.deviceSize ?? 16 * 1024 * 1024 });
    this.daxDevice = options.daxDevice ?? defaultDax(this.device);
    this.opts = resolveOptions(options, this.device);
    const endBlock = Math.floor(this.device.size / this.opts.blockSize);
    const first = options.reservedBlocks ?? 1;
    if (!Number.isSafeInteger(first) || first < 0 || first >= endBlock) {
      throw new FsError('EINVAL', `reservedBlocks must leave room on a ${endBlock}-block device, got ${first}`);
    }
    this.allocator = new BlockAllocator(first, endBlock, options.allocation ?? 'contiguous', new SeededRandom(options.seed ?? 1));
  }

  get blockSize(): number {
    return this.opts.blockSize;
  }

  /** Creates an inode; names are unique. */
  createInode(name: string): InodeState {
    if (this.inodes.has(name)) throw new FsError('EEXIST', 'a file with this name exists', { syscall: 'create', path: name });
    const inode = new InodeState(this, this.nextIno++, name);
    if (this.opts.inlineCapacity > 0) inode.inline = { offset: 0, data: new Uint8Array(this.opts.inlineCapacity) };
    this.inodes.set(name, inode);
    return inode;
  }

  /** Checks that `inode` is a live file of this filesystem. */
  own(inode: ExtentMapInode, syscall: string): InodeState {
    if (!(inode instanceof InodeState) || inode.owner !== this || inode.removed) {
      throw new FsError('EBADF', 'not a live file of this ExtentMapFs', { syscall, path: String(inode?.name) });
    }
    return inode;
  }

  /** Drops one reference to each device block of a removed record (or its reservation). */
  release(rec: ExtentRecord): void {
    if (rec.kind === 'delalloc') this.allocator.unreserve(rec.blocks);
    else this.allocator.unref({ start: rec.devBlock, count: rec.blocks });
  }

  /** Whether the device block is shared by more than one extent. */
  isShared(devBlock: number): boolean {
    return devBlock >= 0 && this.allocator.refcount(devBlock) > 1;
  }

  /** Prepares freshly allocated blocks: zeroed for DAX, poisoned if configured. */
  async initFresh(run: BlockRun, zero: boolean): Promise<void> {
    const fill = zero ? 0 : this.opts.poison;
    if (fill === undefined) return;
    const bytes = new Uint8Array(run.count * this.blockSize).fill(fill);
    await this.device.write(run.start * this.blockSize, bytes);
  }

  /** Throws EAGAIN when NOWAIT forbids a change to the extent map (CORE-16). */
  refuseUnderNowait(nowait: boolean, what: string, path: string): void {
    if (nowait && this.opts.nowaitRefuses) {
      throw new FsError('EAGAIN', `NOWAIT: ${what} would have to wait; retry without NOWAIT`, {
        syscall: 'iomap_begin',
        path,
      });
    }
  }
}
