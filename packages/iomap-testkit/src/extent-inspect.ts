// Looking at an ExtentMapFs from outside the iomap path: a file's contents as
// its extents define them, its extent list, and a consistency check of the
// block reference counts that catches leaked or doubly freed blocks (for
// example an engine that skipped iomapEnd). Caller holds the mapping lock.
import { FsError, IomapType, NULL_ADDR } from '@iomap/core';
import type { ExtentRecord } from './extent-map.js';
import type { ExtentInfo } from './extent-map-fs-types.js';
import type { FsContext, InodeState } from './fs-context.js';

/**
 * The bytes `[pos, pos + length)` clipped to EOF: holes, UNWRITTEN and
 * DELALLOC read as zeros, MAPPED from the device, INLINE from memory.
 */
export async function readContents(ctx: FsContext, inode: InodeState, pos: number, length: number): Promise<Uint8Array> {
  const bs = ctx.blockSize;
  const end = Math.min(pos + length, inode.size);
  if (end <= pos) return new Uint8Array(0);
  const out = new Uint8Array(end - pos);
  for (const piece of inode.map.slice(Math.floor(pos / bs), Math.ceil(end / bs))) {
    if (piece.kind !== 'mapped') continue;
    const s = Math.max(pos, piece.fileBlock * bs);
    const e = Math.min(end, (piece.fileBlock + piece.blocks) * bs);
    await ctx.device.read(piece.devBlock * bs + (s - piece.fileBlock * bs), out.subarray(s - pos, e - pos));
  }
  const inline = inode.inline;
  if (inline !== undefined && end > inline.offset) {
    const s = Math.max(pos, inline.offset);
    out.set(inline.data.subarray(s - inline.offset, end - inline.offset), s - pos);
  }
  return out;
}

const TYPE_OF = { delalloc: IomapType.Delalloc, mapped: IomapType.Mapped, unwritten: IomapType.Unwritten } as const;

/** The file's extents in file order, split where shared-ness changes. */
export function listExtents(ctx: FsContext, inode: InodeState): ExtentInfo[] {
  const bs = ctx.blockSize;
  const out: ExtentInfo[] = [];
  for (const rec of inode.map.all) {
    for (let i = 0; i < rec.blocks; ) {
      const shared = ctx.isShared(rec.devBlock < 0 ? -1 : rec.devBlock + i);
      let n = 1;
      while (i + n < rec.blocks && ctx.isShared(rec.devBlock < 0 ? -1 : rec.devBlock + i + n) === shared) n++;
      out.push({
        offset: (rec.fileBlock + i) * bs,
        length: n * bs,
        type: TYPE_OF[rec.kind],
        addr: rec.devBlock < 0 ? NULL_ADDR : (rec.devBlock + i) * bs,
        shared,
      });
      i += n;
    }
  }
  const inline = inode.inline;
  if (inline !== undefined && inode.size > inline.offset) {
    out.push({ offset: inline.offset, length: inode.size - inline.offset, type: IomapType.Inline, addr: NULL_ADDR, shared: false });
  }
  return out;
}

function corrupt(detail: string, path?: string): never {
  throw new FsError('EUCLEAN', `ExtentMapFs is inconsistent: ${detail}`, { syscall: 'verify', ...(path ? { path } : {}) });
}

function checkInode(ctx: FsContext, inode: InodeState, refs: Map<number, number>): number {
  let reserved = 0;
  let prevEnd = 0;
  const addRefs = (rec: ExtentRecord): void => {
    for (let b = rec.devBlock; b < rec.devBlock + rec.blocks; b++) refs.set(b, (refs.get(b) ?? 0) + 1);
  };
  for (const rec of inode.map.all) {
    if (rec.fileBlock < prevEnd || rec.blocks <= 0) corrupt(`overlapping or empty extent at block ${rec.fileBlock}`, inode.name);
    prevEnd = rec.fileBlock + rec.blocks;
    if (rec.kind === 'delalloc') reserved += rec.blocks;
    else addRefs(rec);
  }
  const inline = inode.inline;
  if (inline !== undefined) {
    if (prevEnd * ctx.blockSize > inline.offset) corrupt('blocks overlap the inline region', inode.name);
    if (inode.size - inline.offset > inline.data.length) corrupt('the inline region is larger than its capacity', inode.name);
    if (inline.data.subarray(Math.max(0, inode.size - inline.offset)).some((b) => b !== 0)) {
      corrupt('inline bytes past EOF are not zero', inode.name);
    }
  }
  return reserved;
}

/**
 * Checks that every block's reference count equals the number of extents
 * using it and that reservations equal the DELALLOC blocks. Call it when no
 * mapping is in flight (between iomapBegin and iomapEnd a copy on write still
 * holds a reference to the old blocks).
 */
export function verifyConsistency(ctx: FsContext): void {
  const refs = new Map<number, number>();
  let reserved = 0;
  for (const inode of ctx.inodes.values()) reserved += checkInode(ctx, inode, refs);
  const alloc = ctx.allocator;
  for (let b = 0; b < alloc.endBlock; b++) {
    const want = refs.get(b) ?? 0;
    if (alloc.refcount(b) !== want) {
      corrupt(`device block ${b} has ${alloc.refcount(b)} references but ${want} extents use it (leaked or freed twice)`);
    }
    if (want > 0 && b < alloc.firstBlock) corrupt(`reserved device block ${b} is used by a file`);
  }
  if (alloc.reserved !== reserved) {
    corrupt(`${alloc.reserved} blocks are reserved but ${reserved} DELALLOC blocks exist (a reservation leaked)`);
  }
}
