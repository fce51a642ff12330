// Swapfile activation (CORE-23): check that a file is fully allocated,
// committed and unshared on one device, and collect its page-aligned
// physical runs — what a swap area (or any "pin this file's extents" user,
// such as a boot loader or VM disk) needs.
import type { BlockDevice } from './block-device.js';
import { PAGE_SIZE } from './constants.js';
import { FsError } from './errors.js';
import { IomapFlags, IomapOp, IomapType, type Iomap } from './iomap.js';
import type { IomapOps } from './iomap-ops.js';
import { IomapIter, iomapLoop } from './iter.js';

/** One run of swap pages. */
export interface SwapExtent {
  /** First page index in the swap area. */
  startPage: number;
  /** Number of pages. */
  pages: number;
  /** First physical page (device byte address / PAGE_SIZE). */
  startPhysicalPage: number;
}

/** What activation needs to know. */
export interface SwapfileContext {
  /** In-core file size. */
  size: number;
  /** Commits the file (fsync), so no mapping may still be DIRTY. */
  fsync?: () => Promise<void>;
  /** The device the swap area must live on; mappings on another device are refused. */
  device?: BlockDevice;
  /** Most pages to use (the swap header's limit). Default: unlimited. */
  maxPages?: number;
}

/** The result of a successful activation. */
export interface SwapfileActivation {
  extents: SwapExtent[];
  /** Pages in the area, header page included (`sis->max`). */
  maxPages: number;
  /** Usable pages (`sis->pages` = maxPages − 1: the first page is the header). */
  usablePages: number;
  /** Highest − lowest usable physical page + 1. */
  pageSpan: number;
}

/** Accumulates physically contiguous mappings into page-aligned swap extents. */
class SwapExtentBuilder {
  readonly extents: SwapExtent[] = [];
  pages = 0;
  lowest = Number.POSITIVE_INFINITY;
  highest = -1;
  private run: { offset: number; addr: number; length: number } | undefined;

  constructor(private readonly maxPages: number) {}

  add(offset: number, addr: number, length: number): void {
    if (this.run === undefined) {
      this.run = { offset, addr, length };
    } else if (this.run.addr + this.run.length === addr) {
      this.run.length += length;
    } else {
      this.flush();
      this.run = { offset, addr, length };
    }
  }

  /** Trims the pending run inward to page boundaries and records it. */
  flush(): void {
    const run = this.run;
    this.run = undefined;
    if (run === undefined || this.pages >= this.maxPages) return;
    const first = Math.ceil(run.addr / PAGE_SIZE);
    const next = Math.floor((run.addr + run.length) / PAGE_SIZE);
    if (first >= next) return; // shorter than a page once aligned
    const pages = Math.min(next - first, this.maxPages - this.pages);
    const firstReported = run.offset === 0 ? first + 1 : first; // page 0 of the file is the header
    this.lowest = Math.min(this.lowest, firstReported);
    this.highest = Math.max(this.highest, next - 1);
    const last = this.extents[this.extents.length - 1];
    if (last !== undefined && last.startPhysicalPage + last.pages === first) {
      last.pages += pages;
    } else {
      this.extents.push({ startPage: this.pages, pages, startPhysicalPage: first });
    }
    this.pages += pages;
  }
}

function refuse(detail: string): never {
  throw new FsError('EINVAL', `swapfile ${detail}`, { syscall: 'swapon' });
}

function checkSwapMapping(map: Iomap, device: BlockDevice | undefined): void {
  if (map.type === IomapType.Inline) refuse('is inline');
  if (map.type !== IomapType.Mapped && map.type !== IomapType.Unwritten) {
    refuse('has unallocated extents (holes or delayed allocation); write it fully first');
  }
  if (map.flags & IomapFlags.Dirty) refuse('is not committed; fsync it first');
  if (map.flags & IomapFlags.Shared) refuse('has shared extents; unshare it first');
  if (device !== undefined && map.device !== device) refuse('has extents on more than one device');
}

/**
 * Activates a swapfile (CORE-23): fsyncs it, then walks
 * `[0, round_down(size, PAGE_SIZE))` with REPORT mappings. Holes, delalloc,
 * inline data, DIRTY or SHARED mappings, or another device → `EINVAL`. Runs
 * are trimmed inward to page boundaries; the file's first page is the header.
 *
 * @example
 * ```ts
 * const { extents, usablePages } = await swapfileActivate(inode, ops, { size, fsync });
 * ```
 */
export async function swapfileActivate<I>(
  inode: I,
  ops: IomapOps<I>,
  context: SwapfileContext,
): Promise<SwapfileActivation> {
  await context.fsync?.();
  const length = Math.floor(context.size / PAGE_SIZE) * PAGE_SIZE;
  const builder = new SwapExtentBuilder(context.maxPages ?? Number.POSITIVE_INFINITY);
  if (length > 0) {
    const iter = new IomapIter({ inode, pos: 0, length, op: IomapOp.Report });
    // Without a named swap device, the first mapping's device is the one all must share.
    let device = context.device;
    await iomapLoop(iter, ops, (it) => {
      checkSwapMapping(it.iomap, device);
      device ??= it.iomap.device;
      const n = it.iomapLength();
      builder.add(it.pos, it.iomap.addr + (it.pos - it.iomap.offset), n);
      it.advance(n);
    });
  }
  builder.flush();
  if (builder.pages === 0) refuse('does not contain a single usable page-aligned run of blocks');
  return {
    extents: builder.extents,
    maxPages: builder.pages,
    usablePages: builder.pages - 1,
    pageSpan: 1 + builder.highest - builder.lowest,
  };
}
