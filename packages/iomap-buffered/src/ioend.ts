// Ioends (BUF-37, BUF-38, BUF-40): runs of folio data that are contiguous
// in the file *and* on the device, written with one device request
// (a writev of folio buffers) and completed together.
//
//   folio A [0,4K) @dev 64K | folio B [4K,8K) @dev 68K  -> one ioend, writev([A, B]) at 64K
//   folio C [8K,12K) @dev 200K                         -> new ioend (not device-contiguous)
//
// Merging rules: same device, next file byte and next device byte, the
// same no-merge flags (UNWRITTEN, SHARED, DONTCACHE), not a BOUNDARY start,
// fewer than 4096 folios and within the request size limit. The recorded
// size is clamped to EOF so completion-time size updates are byte-exact;
// the device write itself covers whole blocks.
import { FsError, IoendFlags, IomapContractError, type BlockDevice, type Ioend } from '@iomap/core';
import type { Folio } from './folio.js';

/** Most folios in one ioend (the kernel's IOEND_BATCH_SIZE). */
export const IOEND_BATCH_FOLIOS = 4096;

/** Flags that must be equal for two ranges to share an ioend. */
export const IOEND_NOMERGE_FLAGS = IoendFlags.Unwritten | IoendFlags.Shared | IoendFlags.DontCache;

/** Bytes `[off, off + len)` of a folio that an ioend writes. */
export interface IoendRange {
  folio: Folio;
  off: number;
  len: number;
}

/**
 * An ioend being built and then completed (the kernel's `struct iomap_ioend`).
 *
 * @example
 * ```ts
 * const io = new IoendBuilder(device, 0, 65536, 0);
 * io.append(folio, 0, 4096, 0, fileSize);
 * await device.writev(io.addr, io.buffers());
 * ```
 */
export class IoendBuilder implements Ioend {
  /** File bytes covered, clamped to EOF (BUF-38). */
  size = 0;
  /** Bytes of the device write (whole blocks). */
  deviceBytes = 0;
  error: FsError | undefined = undefined;
  ranges: IoendRange[] = [];
  /** BUF-41: the ioend this one was split off; its completion counts towards the parent's. */
  parent: IoendBuilder | undefined = undefined;
  /** BUF-41: device writes still to finish before this (parent) ioend completes: itself plus unfinished children. */
  remaining = 1;
  /** BUF-41: what split-off children took (their ranges and bytes), given back when the parent completes. */
  private split: { offset: number; addr: number; size: number; deviceBytes: number; ranges: IoendRange[] } | undefined = undefined;
  private folioCount = 0;

  constructor(
    readonly device: BlockDevice,
    public offset: number,
    public addr: number,
    readonly flags: number,
  ) {}

  /** BUF-41: records a child split off the front; the parent now covers only what follows it. */
  recordSplit(child: IoendBuilder): void {
    this.split ??= { offset: this.offset, addr: this.addr, size: 0, deviceBytes: 0, ranges: [] };
    this.split.ranges.push(...child.ranges);
    this.split.size += child.size;
    this.split.deviceBytes += child.deviceBytes;
    this.remaining++;
  }

  /** BUF-41: when every part finished, the parent again covers the whole original range for its completion. */
  rejoin(): void {
    const split = this.split;
    if (split === undefined) return;
    this.split = undefined;
    this.offset = split.offset;
    this.addr = split.addr;
    this.size += split.size;
    this.deviceBytes += split.deviceBytes;
    this.ranges = [...split.ranges, ...this.ranges];
  }

  /** Whether `len` bytes at file `pos` / device `addr` with `flags` may be appended (BUF-37). */
  canAppend(device: BlockDevice, pos: number, addr: number, flags: number, len: number, maxIoSize: number): boolean {
    if (flags & IoendFlags.Boundary) return false;
    if ((flags & IOEND_NOMERGE_FLAGS) !== (this.flags & IOEND_NOMERGE_FLAGS)) return false;
    if (device !== this.device || pos !== this.offset + this.size || addr !== this.addr + this.deviceBytes) return false;
    if (this.folioCount >= IOEND_BATCH_FOLIOS) return false;
    return this.deviceBytes + len <= maxIoSize;
  }

  /** Appends `[off, off + len)` of `folio` (file position `pos`); `eof` clamps the size (BUF-38). */
  append(folio: Folio, off: number, len: number, pos: number, eof: number): void {
    const last = this.ranges[this.ranges.length - 1];
    if (last !== undefined && last.folio === folio && last.off + last.len === off) {
      last.len += len;
    } else {
      if (last?.folio !== folio) this.folioCount++;
      this.ranges.push({ folio, off, len });
    }
    this.deviceBytes += len;
    this.size = Math.min(pos + len, eof) - this.offset;
  }

  /** The folio buffers of the device write, in order. */
  buffers(): Uint8Array[] {
    return this.ranges.map((r) => r.folio.data.subarray(r.off, r.off + r.len));
  }
}

/**
 * Splits the first `maxLen` bytes, rounded down to whole blocks, off an
 * ioend that is not yet submitted (BUF-41, iomap_split_ioend): returns the
 * child covering them — same device, flags and start — while `ioend` (the
 * parent) moves on to the rest. Call it repeatedly on the parent to cut it
 * into requests of at most `maxLen` (a split-off child is not split again). Returns undefined when the ioend is no
 * longer than `maxLen`. Both are submitted as their own device writes;
 * each reports its end through {@link ioendDone}, and the parent completes —
 * once, for the whole original range, carrying the first error — only after
 * all of them finished. `EINVAL` when `maxLen` is less than one block.
 *
 * @example
 * ```ts
 * for (let child; (child = splitIoend(io, 256 << 10, blockSize)); ) submit(child);
 * submit(io);
 * ```
 */
export function splitIoend(ioend: IoendBuilder, maxLen: number, blockSize: number): IoendBuilder | undefined {
  const len = Math.floor(maxLen / blockSize) * blockSize;
  if (!Number.isSafeInteger(len) || len < blockSize) throw new FsError('EINVAL', `cannot split an ioend at ${maxLen} bytes with ${blockSize}-byte blocks`);
  if (ioend.deviceBytes <= len) return undefined;
  if (ioend.parent !== undefined) throw new IomapContractError('BUF-41', 'only a parent ioend is split', `ioend at ${ioend.offset} is a split-off part`);
  const child = new IoendBuilder(ioend.device, ioend.offset, ioend.addr, ioend.flags);
  child.parent = ioend;
  let taken = 0;
  while (taken < len) {
    const r = ioend.ranges[0] as IoendRange;
    const n = Math.min(r.len, len - taken);
    child.ranges.push({ folio: r.folio, off: r.off, len: n });
    if (n === r.len) ioend.ranges.shift();
    else ioend.ranges[0] = { folio: r.folio, off: r.off + n, len: r.len - n };
    taken += n;
  }
  child.deviceBytes = len;
  child.size = Math.min(len, ioend.size); // the EOF clamp (BUF-38) lies in the parent's last block
  ioend.recordSplit(child); // before moving on: the first split remembers where the parent started
  ioend.offset += len;
  ioend.addr += len;
  ioend.size -= child.size;
  ioend.deviceBytes -= len;
  return child;
}

/**
 * A device write of `io` settled (with `error` when it failed): returns the
 * ioend to complete now, or undefined while parts of a split ioend are still
 * in flight (BUF-41). The first error of any part is the parent's error.
 */
export function ioendDone(io: IoendBuilder, error: FsError | undefined): IoendBuilder | undefined {
  const root = io.parent ?? io;
  if (error !== undefined) {
    io.error ??= error;
    root.error ??= error;
  }
  if (root.remaining <= 0) throw new IomapContractError('BUF-41', 'a split ioend completes once, after all its parts', `ioend at ${root.offset}`);
  if (--root.remaining > 0) return undefined;
  root.rejoin();
  return root;
}

/**
 * Orders ioends by file offset, in place (the kernel's iomap_sort_ioends).
 *
 * @example
 * ```ts
 * sortIoends(finished);
 * ```
 */
export function sortIoends<T extends Ioend>(ioends: T[]): T[] {
  return ioends.sort((a, b) => a.offset - b.offset);
}

/**
 * Whether `next` may be completed together with `prev` (BUF-40,
 * iomap_ioend_can_merge): same outcome, same no-merge flags, `next` not a
 * BOUNDARY, contiguous in the file and on the device.
 *
 * @example
 * ```ts
 * ioendCanMerge(a, b); // false when b starts a BOUNDARY mapping
 * ```
 */
export function ioendCanMerge(prev: Ioend, next: Ioend): boolean {
  if (prev.error?.code !== next.error?.code) return false;
  if (next.flags & IoendFlags.Boundary) return false;
  if ((prev.flags & IOEND_NOMERGE_FLAGS) !== (next.flags & IOEND_NOMERGE_FLAGS)) return false;
  return prev.offset + prev.size === next.offset && prev.addr + prev.size === next.addr;
}

/**
 * Sorts ioends and groups the mergeable neighbours (BUF-40): each group is
 * completed as one ioend covering all of its bytes.
 *
 * @example
 * ```ts
 * mergeIoends([c, a, b]); // [[a, b, c]] when the three are contiguous
 * ```
 */
export function mergeIoends<T extends Ioend>(ioends: T[]): T[][] {
  const groups: T[][] = [];
  let view: Ioend | undefined;
  for (const io of sortIoends(ioends)) {
    const group = groups[groups.length - 1];
    if (group !== undefined && view !== undefined && ioendCanMerge(view, io)) {
      group.push(io);
      view = { ...view, size: view.size + io.size };
    } else {
      groups.push([io]);
      view = { offset: io.offset, size: io.size, addr: io.addr, flags: io.flags, error: io.error };
    }
  }
  return groups;
}

/** The single ioend a group is completed as. */
export function mergedView(group: readonly Ioend[]): Ioend {
  const first = group[0] as Ioend;
  const size = group.reduce((n, io) => n + io.size, 0);
  return { offset: first.offset, size, addr: first.addr, flags: first.flags & ~IoendFlags.Boundary, error: first.error };
}
