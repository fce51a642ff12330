// The mapping record (CORE-1) and its vocabulary: types (CORE-2), flags set
// by the filesystem (CORE-3) and by iomap (CORE-4), and operation flags
// (CORE-5). Bit values are ours, not the kernel's ABI.
import type { BlockDevice, DaxDevice } from './block-device.js';

/** What a mapped range of a file is backed by (CORE-2). */
export const IomapType = {
  /** Nothing allocated: reads see zeros. Never valid for a write. */
  Hole: 0,
  /** Space reserved but not yet allocated (`addr` is {@link NULL_ADDR}). */
  Delalloc: 1,
  /** Allocated and initialised at `addr`. */
  Mapped: 2,
  /** Allocated at `addr` but not initialised: reads see zeros; converted after a write completes. */
  Unwritten: 3,
  /** Data lives in memory (`inlineData`) and is persisted by the filesystem in `iomapEnd`. */
  Inline: 4,
} as const;
export type IomapType = (typeof IomapType)[keyof typeof IomapType];

/** Mapping flags (CORE-3, CORE-4). A 16-bit field; bits 12..15 belong to the filesystem. */
export const IomapFlags = {
  /** fs: freshly allocated or reserved; parts not written must be zeroed. */
  New: 1 << 0,
  /** fs: metadata needed to reach the data is not yet persisted; fdatasync must commit it. */
  Dirty: 1 << 1,
  /** fs: blocks are shared (reflinked); writes copy on write through the source map. */
  Shared: 1 << 2,
  /** fs: several block maps were merged into this mapping (FIEMAP only). */
  Merged: 1 << 3,
  /** fs: the mapping describes extended-attribute storage (FIEMAP only). */
  Xattr: 1 << 4,
  /** fs: never merge I/O or completions with the previous mapping. */
  Boundary: 1 << 5,
  /** fs: no address yet; the filesystem assigns one at submission. */
  AnonWrite: 1 << 6,
  /** fs: issue the I/O as one untorn device write. */
  AtomicBio: 1 << 7,
  /** iomap: a buffered write moved EOF using this mapping. */
  SizeChanged: 1 << 8,
  /** iomap: the mapping went stale; it is ended and requested again at the same position. */
  Stale: 1 << 9,
  /** iomap helper: the filesystem supplied a batch of dirty folios to zero (BUF-25). */
  FolioBatch: 1 << 10,
  /** First of the bits the filesystem may use for itself (bits 12..15). */
  Private: 1 << 12,
} as const;
export type IomapFlags = number;

/** Flags only iomap may set; a filesystem returning them from `iomapBegin` breaks CORE-4. */
export const IOMAP_FLAGS_SET_BY_IOMAP = IomapFlags.SizeChanged | IomapFlags.Stale | IomapFlags.FolioBatch;
/** All 16 flag bits. */
export const IOMAP_FLAGS_MASK = 0xffff;

/** Operation flags passed to `iomapBegin`/`iomapEnd` (CORE-5). No flag means "read". */
export const IomapOp = {
  /** A read: the absence of every other flag. */
  Read: 0,
  /** Must allocate (or reserve) space. */
  Write: 1 << 0,
  /** Zeroing: holes may be skipped. */
  Zero: 1 << 1,
  /** Report only (FIEMAP, seek, bmap, swapfile): never allocate. */
  Report: 1 << 2,
  /** A page fault (userspace: a mapped-region write). */
  Fault: 1 << 3,
  /** Direct I/O. */
  Direct: 1 << 4,
  /** Do not block: try-locks only; answer `EAGAIN` instead of waiting. */
  NoWait: 1 << 5,
  /** Only overwrite existing mapped blocks; `EAGAIN` otherwise. */
  OverwriteOnly: 1 << 6,
  /** Unshare (copy shared blocks to private ones). */
  Unshare: 1 << 7,
  /** DAX access. */
  Dax: 1 << 8,
  /** An untorn (atomic) write. */
  Atomic: 1 << 9,
  /** Do not keep the data cached after the write. */
  DontCache: 1 << 10,
} as const;
export type IomapOp = number;

/** The `addr` of a mapping that has no device address (HOLE, DELALLOC, INLINE). */
export const NULL_ADDR = -1;

/**
 * One mapping of a byte range of a file to storage (CORE-1).
 *
 * `offset`/`length` are file bytes; `addr` is the device byte address of
 * `offset`, or {@link NULL_ADDR} for HOLE, DELALLOC and INLINE.
 */
export interface Iomap {
  /** File offset where the mapping starts. */
  offset: number;
  /** Length in bytes (> 0). May be longer or shorter than was asked for. */
  length: number;
  /** Device byte address of `offset`, or {@link NULL_ADDR}. */
  addr: number;
  type: IomapType;
  /** {@link IomapFlags} bits. */
  flags: number;
  /** The block device holding the data (MAPPED/UNWRITTEN). */
  device?: BlockDevice;
  /** The DAX device, for DAX operations. */
  daxDevice?: DaxDevice;
  /** INLINE only: the file's bytes from `offset`. */
  inlineData?: Uint8Array;
  /** Opaque filesystem state, handed back unchanged to `iomapEnd` (CORE-15). */
  private?: unknown;
  /** Opaque freshness token compared by `iomapValid` (CORE-24). */
  validityCookie?: number;
}

/** Human-readable name of a mapping type, for messages. */
export function iomapTypeName(type: IomapType): string {
  switch (type) {
    case IomapType.Hole:
      return 'HOLE';
    case IomapType.Delalloc:
      return 'DELALLOC';
    case IomapType.Mapped:
      return 'MAPPED';
    case IomapType.Unwritten:
      return 'UNWRITTEN';
    case IomapType.Inline:
      return 'INLINE';
    default:
      return `type ${String(type)}`;
  }
}

/** Describes a mapping for error messages: `MAPPED [4096, +8192) @ 65536`. */
export function describeIomap(map: Iomap): string {
  const at = map.addr === NULL_ADDR ? '' : ` @ ${map.addr}`;
  return `${iomapTypeName(map.type)} [${map.offset}, +${map.length})${at}`;
}
