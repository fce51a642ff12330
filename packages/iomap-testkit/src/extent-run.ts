// Turning an extent map into mappings. A "run" is the largest range around a
// block that one mapping may describe: same kind, physically contiguous, the
// same shared-ness, inside the mapping-size window, not across a BOUNDARY
// multiple and not into the inline region.
//
//   window (maxMappingBlocks = 4):  |0 1 2 3|4 5 6 7|8 ...
//   records:                        [mapped@10 ][mapped@14]
//   run at block 5:                         [4 5] -> MAPPED [4,6) @ 14-ish
import { IomapFlags, IomapOp, IomapType, NULL_ADDR, type IomapMapping } from '@iomap/core';
import type { ExtentKind, ExtentRecord } from './extent-map.js';
import type { FsContext, InodeState } from './fs-context.js';

/** Internal: a range of file blocks one mapping can describe. */
export interface Run {
  start: number;
  end: number;
  kind: 'hole' | ExtentKind;
  /** Device block of `start`, or -1. */
  devBlock: number;
  shared: boolean;
  /** Extent records coalesced into the run. */
  records: number;
}

/** The block window a mapping at `posBlock` must stay inside. */
function limits(ctx: FsContext, inode: InodeState, posBlock: number): [number, number] {
  const { maxMappingBlocks: m, boundaryEvery: b } = ctx.opts;
  let lo = 0;
  let hi = Infinity;
  if (m !== Infinity) {
    lo = Math.floor(posBlock / m) * m;
    hi = lo + m;
  }
  if (b > 0) {
    const bs = Math.floor(posBlock / b) * b;
    lo = Math.max(lo, bs);
    hi = Math.min(hi, bs + b);
  }
  if (inode.inline !== undefined) hi = Math.min(hi, inode.inline.offset / ctx.blockSize);
  return [lo, hi];
}

function devAt(rec: ExtentRecord, block: number): number {
  return rec.devBlock < 0 ? -1 : rec.devBlock + (block - rec.fileBlock);
}

/**
 * The run containing `posBlock`. Holes run from `posBlock` to the next extent
 * or the end of the request, whichever is first; extents are not clipped to
 * the request (callers get the largest valid mapping).
 */
export function findRun(ctx: FsContext, inode: InodeState, posBlock: number, reqEndBlock: number): Run {
  const [lo, hi] = limits(ctx, inode, posBlock);
  const first = inode.map.find(posBlock);
  if (first === undefined) {
    const end = Math.min(hi, inode.map.nextCovered(posBlock), Math.max(reqEndBlock, posBlock + 1));
    return { start: posBlock, end, kind: 'hole', devBlock: -1, shared: false, records: 0 };
  }
  const shared = ctx.isShared(devAt(first, posBlock));
  const seen = new Set<ExtentRecord>([first]);
  const fits = (rec: ExtentRecord | undefined, block: number, expectDev: number): rec is ExtentRecord =>
    rec !== undefined &&
    rec.kind === first.kind &&
    ctx.isShared(devAt(rec, block)) === shared &&
    (rec.kind === 'delalloc' || devAt(rec, block) === expectDev);
  let end = posBlock + 1;
  let rec = first;
  while (end < hi) {
    const next = end < rec.fileBlock + rec.blocks ? rec : inode.map.find(end);
    if (!fits(next, end, devAt(first, posBlock) + (end - posBlock))) break;
    rec = next;
    seen.add(rec);
    end++;
  }
  let start = posBlock;
  rec = first;
  while (start > lo) {
    const prev = start - 1 >= rec.fileBlock ? rec : inode.map.find(start - 1);
    if (!fits(prev, start - 1, devAt(first, posBlock) - (posBlock - start + 1))) break;
    rec = prev;
    seen.add(rec);
    start--;
  }
  const devBlock = first.kind === 'delalloc' ? -1 : devAt(first, start);
  return { start, end, kind: first.kind, devBlock, shared, records: seen.size };
}

const TYPE_OF: Record<Run['kind'], number> = {
  hole: IomapType.Hole,
  delalloc: IomapType.Delalloc,
  mapped: IomapType.Mapped,
  unwritten: IomapType.Unwritten,
};

/** Flags every mapping of `run` gets: DIRTY, SHARED, MERGED, BOUNDARY. */
function runFlags(ctx: FsContext, inode: InodeState, run: Run, dirty: boolean): number {
  let flags = 0;
  if (dirty || inode.metadataDirty) flags |= IomapFlags.Dirty;
  if (run.shared) flags |= IomapFlags.Shared;
  if (ctx.opts.mergedFlag && run.records > 1) flags |= IomapFlags.Merged;
  if (ctx.opts.boundaryEvery > 0 && run.start % ctx.opts.boundaryEvery === 0) flags |= IomapFlags.Boundary;
  return flags;
}

/**
 * The mapping describing `run`. `dirty` adds DIRTY (a write that may move
 * EOF); `extraFlags` adds NEW and the like. Every mapping carries the inode's
 * current validity cookie.
 */
export function runToIomap(
  ctx: FsContext,
  inode: InodeState,
  run: Run,
  op: number,
  dirty: boolean,
  extraFlags = 0,
): IomapMapping {
  const bs = ctx.blockSize;
  const hasAddr = run.kind === 'mapped' || run.kind === 'unwritten';
  const map: IomapMapping = {
    offset: run.start * bs,
    length: (run.end - run.start) * bs,
    addr: hasAddr ? run.devBlock * bs : NULL_ADDR,
    type: TYPE_OF[run.kind] as IomapMapping['type'],
    flags: runFlags(ctx, inode, run, dirty) | extraFlags,
    validityCookie: inode.seq,
  };
  if (hasAddr) map.device = ctx.device;
  if (op & IomapOp.Dax && ctx.daxDevice !== undefined) map.daxDevice = ctx.daxDevice;
  return map;
}

/** A run of `count` blocks at `start` just created as `kind` at `devBlock` (one record, not coalesced). */
export function freshRun(start: number, count: number, kind: ExtentKind, devBlock: number, shared = false): Run {
  return { start, end: start + count, kind, devBlock, shared, records: 1 };
}
