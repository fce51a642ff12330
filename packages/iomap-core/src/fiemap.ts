// FIEMAP (CORE-17, CORE-18): report a file's extents by walking it with
// REPORT mappings. Holes are skipped; one extent is kept pending so the last
// one emitted can carry FIEMAP_EXTENT_LAST.
import { FsError } from './errors.js';
import { IomapFlags, IomapOp, IomapType, NULL_ADDR, type Iomap } from './iomap.js';
import type { IomapOps } from './iomap-ops.js';
import { IomapIter, iomapLoop } from './iter.js';
import { checkOffset } from './range-checks.js';

/** Request flags (`fm_flags`). */
export const FiemapFlag = {
  /** Write back dirty cached data before mapping. */
  Sync: 0x1,
  /** Map extended-attribute storage instead of data (not supported by iomap: EBADR). */
  Xattr: 0x2,
} as const;

/** Extent flags (`fe_flags`), with the kernel's values. */
export const FiemapExtentFlag = {
  Last: 0x1,
  Unknown: 0x2,
  Delalloc: 0x4,
  Encoded: 0x8,
  DataEncrypted: 0x80,
  NotAligned: 0x100,
  DataInline: 0x200,
  DataTail: 0x400,
  Unwritten: 0x800,
  Merged: 0x1000,
  Shared: 0x2000,
} as const;

/** One reported extent. */
export interface FiemapExtent {
  /** File offset (`fe_logical`). */
  logical: number;
  /** Device byte address (`fe_physical`), 0 when there is none. */
  physical: number;
  /** Length in bytes (`fe_length`). */
  length: number;
  /** {@link FiemapExtentFlag} bits (`fe_flags`). */
  flags: number;
}

/** A FIEMAP request. */
export interface FiemapRequest {
  /** First file byte to report (`fm_start`). */
  start: number;
  /** Bytes to report (`fm_length`); must be > 0. */
  length: number;
  /** {@link FiemapFlag} bits (`fm_flags`). */
  flags?: number;
  /**
   * Room for extents (`fm_extent_count`). 0 only counts them
   * (`mappedExtents`) without returning any. Default: unlimited.
   */
  maxExtents?: number;
}

/** What the filesystem tells FIEMAP about the file. */
export interface FiemapContext {
  /** Largest file size the filesystem supports (`s_maxbytes`). */
  maxBytes: number;
  /** Writes back the file's dirty cache; called for {@link FiemapFlag.Sync}. */
  sync?: () => Promise<void>;
}

/** The answer to a FIEMAP request. */
export interface FiemapResult {
  extents: FiemapExtent[];
  /** Extents found (`fm_mapped_extents`); equals `extents.length` unless `maxExtents` was 0. */
  mappedExtents: number;
}

/** `EBADR`: the request asked for flags iomap does not support; `incompatibleFlags` names them (CORE-18). */
export class FiemapFlagsError extends FsError {
  /** The unsupported request flags (the kernel hands them back in `fm_flags`). */
  readonly incompatibleFlags: number;

  constructor(incompatibleFlags: number) {
    super(
      'EBADR',
      `unsupported FIEMAP flags 0x${incompatibleFlags.toString(16)}; only FIEMAP_FLAG_SYNC (0x1) is supported`,
      { syscall: 'fiemap' },
    );
    this.name = 'FiemapFlagsError';
    this.incompatibleFlags = incompatibleFlags;
  }
}

/** FIEMAP extent flags for a mapping (the kernel's `iomap_to_fiemap`). */
function extentFlagsOf(map: Iomap): number {
  let flags = 0;
  switch (map.type) {
    case IomapType.Delalloc:
      flags |= FiemapExtentFlag.Delalloc | FiemapExtentFlag.Unknown;
      break;
    case IomapType.Unwritten:
      flags |= FiemapExtentFlag.Unwritten;
      break;
    case IomapType.Inline:
      // Inline data is never block-aligned on the device.
      flags |= FiemapExtentFlag.DataInline | FiemapExtentFlag.NotAligned;
      break;
  }
  if (map.flags & IomapFlags.Merged) flags |= FiemapExtentFlag.Merged;
  if (map.flags & IomapFlags.Shared) flags |= FiemapExtentFlag.Shared;
  return flags;
}

/** Collects extents up to the caller's limit (the kernel's `fiemap_fill_next_extent`). */
class ExtentSink {
  readonly extents: FiemapExtent[] = [];
  mapped = 0;

  constructor(private readonly max: number) {}

  /** Adds an extent; returns true when the caller should stop (array full, or LAST). */
  add(map: Iomap, extraFlags: number): boolean {
    const flags = extentFlagsOf(map) | extraFlags;
    if (this.max === 0) {
      this.mapped++;
      return (flags & FiemapExtentFlag.Last) !== 0;
    }
    if (this.mapped >= this.max) return true;
    this.extents.push({
      logical: map.offset,
      physical: map.addr === NULL_ADDR ? 0 : map.addr,
      length: map.length,
      flags,
    });
    this.mapped++;
    return this.mapped === this.max || (flags & FiemapExtentFlag.Last) !== 0;
  }
}

/**
 * Validates a request and returns the length to walk (the kernel's
 * `fiemap_prep`, CORE-18).
 */
async function prepare(request: FiemapRequest, context: FiemapContext): Promise<number> {
  const { start, length } = request;
  const flags = request.flags ?? 0;
  checkOffset(start, 'start', 'fiemap');
  checkOffset(length, 'length', 'fiemap');
  if (request.maxExtents !== undefined) checkOffset(request.maxExtents, 'maxExtents', 'fiemap');
  checkOffset(context.maxBytes, 'maxBytes', 'fiemap');
  if (length === 0) throw new FsError('EINVAL', 'FIEMAP length must be greater than 0', { syscall: 'fiemap' });
  if (start >= context.maxBytes) {
    throw new FsError('EFBIG', `start ${start} is at or past the largest file size ${context.maxBytes}`, {
      syscall: 'fiemap',
    });
  }
  const incompatible = flags & ~FiemapFlag.Sync;
  if (incompatible) {
    throw new FiemapFlagsError(incompatible);
  }
  if (flags & FiemapFlag.Sync) await context.sync?.();
  return Math.min(length, context.maxBytes - start);
}

/**
 * Reports the extents of `[start, start + length)` (CORE-17). Holes are not
 * reported; DELALLOC extents carry DELALLOC|UNKNOWN and physical 0; the last
 * extent carries LAST unless the result filled `maxExtents` first. A
 * filesystem answering `ENOENT` from `iomapBegin` (nothing to map) ends the
 * walk without error.
 *
 * @example
 * ```ts
 * const { extents } = await fiemap(inode, ops, { start: 0, length: size }, { maxBytes: 2 ** 40 });
 * ```
 */
export async function fiemap<I>(
  inode: I,
  ops: IomapOps<I>,
  request: FiemapRequest,
  context: FiemapContext,
): Promise<FiemapResult> {
  const length = await prepare(request, context);
  const sink = new ExtentSink(request.maxExtents ?? Number.POSITIVE_INFINITY);
  let pending: Iomap | undefined;
  const iter = new IomapIter({ inode, pos: request.start, length, op: IomapOp.Report });
  try {
    await iomapLoop(iter, ops, (it) => {
      if (it.iomap.type !== IomapType.Hole) {
        const full = pending !== undefined && sink.add(pending, 0);
        pending = { ...it.iomap };
        if (full) return; // no advance: the walk ends here
      }
      it.advanceFull();
    });
  } catch (err) {
    if (!(err instanceof FsError && err.code === 'ENOENT')) throw err;
  }
  if (pending !== undefined) sink.add(pending, FiemapExtentFlag.Last);
  return { extents: sink.extents, mappedExtents: sink.mapped };
}
