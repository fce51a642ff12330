// ExtentMapFs's iomapBegin (CORE-6, IOMAP-SPEC 2.2): what each operation
// gets for each kind of extent. Caller holds the filesystem mapping lock.
//
//   extent ↓ / op →   read, REPORT   WRITE (buffered)        WRITE+DIRECT        WRITE+DAX            ZERO / UNSHARE
//   hole              HOLE           DELALLOC|NEW or alloc   alloc (NEW)         alloc zeroed (NEW)   HOLE
//   delalloc          DELALLOC       DELALLOC                convert (NEW)       convert zeroed (NEW) DELALLOC
//   unwritten         UNWRITTEN      UNWRITTEN               UNWRITTEN           zero+convert (NEW)   UNWRITTEN
//   mapped            MAPPED         MAPPED                  MAPPED              MAPPED               MAPPED
//   shared            MAPPED|SHARED  COW: MAPPED|NEW|SHARED + srcmap (DIRECT unaligned: ENOTBLK)
//   inline            INLINE         INLINE (staged, persisted by iomapEnd) if it fits, else unpacked
//
// "alloc" makes MAPPED or UNWRITTEN blocks (option writeAllocation), NEW.
// REPORT never allocates; NOWAIT refuses every change with EAGAIN; DIRTY is
// set when metadata is unsynced or a write may move EOF.
import { FsError, IomapFlags, IomapOp, IomapType, NULL_ADDR, type IomapMapping } from '@iomap/core';
import type { ExtentKind } from './extent-map.js';
import { findRun, freshRun, runToIomap, type Run } from './extent-run.js';
import { unpackInline } from './extent-inline.js';
import type { FsContext, InodeState } from './fs-context.js';

/** Internal: blocks a begin call created, undone by iomapEnd beyond what was written. */
export interface FreshRange {
  how: 'alloc' | 'reserve' | 'cow';
  start: number;
  blocks: number;
  devBlock: number;
  /** COW only: what the range pointed to before. */
  old?: { kind: ExtentKind; devBlock: number };
}

/** Internal: what iomapBegin hands to iomapEnd through `iomap.private`. */
export class BeginState {
  constructor(
    readonly fresh: FreshRange | undefined,
    readonly staging: Uint8Array | undefined,
  ) {}
}

/** One begin request, decoded. */
interface Request {
  ctx: FsContext;
  inode: InodeState;
  pos: number;
  length: number;
  op: number;
  posBlock: number;
  reqEndBlock: number;
  write: boolean;
  dirty: boolean;
}

function refuse(req: Request, what: string): void {
  req.ctx.refuseUnderNowait((req.op & IomapOp.NoWait) !== 0, what, req.inode.name);
}

function enospc(req: Request): never {
  throw new FsError('ENOSPC', 'no free blocks left on the ExtentMapFs device', {
    syscall: 'iomap_begin',
    path: req.inode.name,
  });
}

/** Maps `[pos, pos + length)` for `op`. Caller holds the mapping lock. */
export async function beginMapping(
  ctx: FsContext,
  inode: InodeState,
  pos: number,
  length: number,
  op: number,
): Promise<IomapMapping> {
  const bs = ctx.blockSize;
  const write = (op & IomapOp.Write) !== 0 && (op & IomapOp.Report) === 0;
  const req: Request = {
    ctx,
    inode,
    pos,
    length,
    op,
    posBlock: Math.floor(pos / bs),
    reqEndBlock: Math.ceil((pos + Math.max(length, 1)) / bs),
    write,
    dirty: write && pos + length > inode.size,
  };
  if (write && op & IomapOp.OverwriteOnly) return overwriteOnly(req);
  const inline = inode.inline;
  if (inline !== undefined && pos >= inline.offset) {
    const mapping = inlineMapping(req);
    if (mapping !== undefined) return mapping;
    refuse(req, 'moving inline data to blocks');
    await unpackInline(ctx, inode);
  }
  return blockMapping(req, findRun(ctx, inode, req.posBlock, req.reqEndBlock));
}

/** The mapping of an inline file at or after its inline offset, or undefined when it must be unpacked. */
function inlineMapping(req: Request): IomapMapping | undefined {
  const { inode, pos, length, op } = req;
  const inline = inode.inline as NonNullable<InodeState['inline']>;
  const capacity = inline.data.length;
  const staged = (mappingLength: number): IomapMapping => {
    const staging = inline.data.slice();
    return {
      offset: inline.offset,
      length: mappingLength,
      addr: NULL_ADDR,
      type: IomapType.Inline,
      flags: req.dirty || inode.metadataDirty ? IomapFlags.Dirty : 0,
      inlineData: staging,
      private: new BeginState(undefined, staging),
      validityCookie: inode.seq,
    };
  };
  const unshare = (op & IomapOp.Unshare) !== 0;
  if (req.write && !unshare) {
    if (op & IomapOp.Dax || pos + length > inline.offset + capacity) return undefined;
    return staged(capacity);
  }
  if (pos >= inode.size) {
    return { offset: pos, length: Math.max(length, 1), addr: NULL_ADDR, type: IomapType.Hole, flags: 0, validityCookie: inode.seq };
  }
  if (op & IomapOp.Zero && !unshare) return staged(inode.size - inline.offset);
  return {
    offset: inline.offset,
    length: inode.size - inline.offset,
    addr: NULL_ADDR,
    type: IomapType.Inline,
    flags: inode.metadataDirty ? IomapFlags.Dirty : 0,
    inlineData: inline.data.slice(0, inode.size - inline.offset),
    validityCookie: inode.seq,
  };
}

/** OVERWRITE_ONLY (2.2 rule 5): one MAPPED (or block-aligned UNWRITTEN) mapping covering everything, else EAGAIN. */
function overwriteOnly(req: Request): IomapMapping {
  const { ctx, inode, pos, length } = req;
  const bs = ctx.blockSize;
  const inline = inode.inline;
  const covered = inline === undefined || pos + length <= inline.offset;
  const run = findRun(ctx, inode, req.posBlock, req.reqEndBlock);
  const aligned = pos % bs === 0 && (pos + length) % bs === 0;
  const ok =
    covered &&
    !run.shared &&
    run.end * bs >= pos + length &&
    (run.kind === 'mapped' || (run.kind === 'unwritten' && aligned));
  if (!ok) {
    throw new FsError('EAGAIN', `OVERWRITE_ONLY: [${pos}, +${length}) is not one allocated, unshared extent`, {
      syscall: 'iomap_begin',
      path: inode.name,
    });
  }
  return runToIomap(ctx, inode, run, req.op, req.dirty);
}

async function blockMapping(req: Request, run: Run): Promise<IomapMapping> {
  const { ctx, inode, op } = req;
  const plain = (): IomapMapping => runToIomap(ctx, inode, run, op, req.dirty);
  const zeroOrUnshare = (op & (IomapOp.Zero | IomapOp.Unshare)) !== 0;
  if (!req.write && (op & IomapOp.Zero) === 0) return plain();
  if (op & IomapOp.Report) return plain();
  if (run.shared) return copyOnWrite(req, run);
  if (zeroOrUnshare) return plain();
  const direct = (op & IomapOp.Direct) !== 0;
  const dax = (op & IomapOp.Dax) !== 0;
  switch (run.kind) {
    case 'hole':
      return direct || dax || !ctx.opts.delalloc ? allocate(req, run) : reserve(req, run);
    case 'delalloc':
      return direct || dax ? convertInPlace(req, run) : plain();
    case 'unwritten':
      return dax ? convertInPlace(req, run) : plain();
    case 'mapped':
      return plain();
  }
}

/** Blocks of `run` from the request's first block to the end of the request. */
function wanted(req: Request, run: Run): number {
  return Math.min(run.end, Math.max(req.reqEndBlock, req.posBlock + 1)) - req.posBlock;
}

async function allocate(req: Request, run: Run): Promise<IomapMapping> {
  const { ctx, inode } = req;
  refuse(req, 'allocating blocks');
  const got = ctx.allocator.allocateRun(wanted(req, run));
  if (got === undefined) enospc(req);
  const dax = (req.op & IomapOp.Dax) !== 0;
  const kind: ExtentKind = dax ? 'mapped' : ctx.opts.writeAllocation;
  try {
    await ctx.initFresh(got, dax);
  } catch (err) {
    ctx.allocator.unref(got);
    throw err;
  }
  inode.map.insert({ fileBlock: req.posBlock, blocks: got.count, kind, devBlock: got.start });
  inode.changed();
  const mapping = runToIomap(ctx, inode, freshRun(req.posBlock, got.count, kind, got.start), req.op, req.dirty, IomapFlags.New);
  mapping.private = new BeginState({ how: 'alloc', start: req.posBlock, blocks: got.count, devBlock: got.start }, undefined);
  return mapping;
}

async function reserve(req: Request, run: Run): Promise<IomapMapping> {
  const { ctx, inode } = req;
  refuse(req, 'reserving space');
  const count = ctx.allocator.reserve(wanted(req, run));
  if (count === 0) enospc(req);
  inode.map.insert({ fileBlock: req.posBlock, blocks: count, kind: 'delalloc', devBlock: -1 });
  inode.changed();
  const mapping = runToIomap(ctx, inode, freshRun(req.posBlock, count, 'delalloc', -1), req.op, req.dirty, IomapFlags.New);
  mapping.private = new BeginState({ how: 'reserve', start: req.posBlock, blocks: count, devBlock: -1 }, undefined);
  return mapping;
}

/**
 * A direct or DAX write over DELALLOC (allocate it now) or a DAX write over
 * UNWRITTEN (zero and convert it now): the result is NEW allocated space.
 */
async function convertInPlace(req: Request, run: Run): Promise<IomapMapping> {
  const { ctx, inode } = req;
  const dax = (req.op & IomapOp.Dax) !== 0;
  refuse(req, run.kind === 'delalloc' ? 'allocating delayed-allocation space' : 'converting unwritten blocks');
  const count = wanted(req, run);
  let devBlock = run.devBlock + (req.posBlock - run.start);
  let kind: ExtentKind = 'mapped';
  let got = { start: devBlock, count };
  if (run.kind === 'delalloc') {
    const fromReservation = ctx.allocator.allocateRun(count, true);
    if (fromReservation === undefined) enospc(req);
    got = fromReservation;
    devBlock = got.start;
    if (!dax) kind = ctx.opts.writeAllocation;
  }
  try {
    await ctx.initFresh(got, dax || run.kind === 'unwritten');
  } catch (err) {
    if (run.kind === 'delalloc') {
      ctx.allocator.unref(got);
      ctx.allocator.reserve(got.count);
    }
    throw err;
  }
  inode.map.replace({ fileBlock: req.posBlock, blocks: got.count, kind, devBlock });
  inode.changed();
  return runToIomap(ctx, inode, freshRun(req.posBlock, got.count, kind, devBlock), req.op, req.dirty, IomapFlags.New);
}

/**
 * Copy on write over shared blocks (CORE-10): new blocks replace the shared
 * ones in the file now; the mapping is MAPPED|NEW|SHARED with a srcmap at the
 * old location. iomapEnd drops the old references for what was written and
 * puts the old blocks back for what was not.
 */
async function copyOnWrite(req: Request, run: Run): Promise<IomapMapping> {
  const { ctx, inode, pos, length, op } = req;
  const bs = ctx.blockSize;
  if (op & IomapOp.Direct && (pos % bs !== 0 || ((pos + length) % bs !== 0 && pos + length < run.end * bs))) {
    throw new FsError('ENOTBLK', 'an unaligned direct write to shared blocks must go through the page cache', {
      syscall: 'iomap_begin',
      path: inode.name,
    });
  }
  refuse(req, 'copy on write');
  const got = ctx.allocator.allocateRun(wanted(req, run));
  if (got === undefined) enospc(req);
  try {
    await ctx.initFresh(got, (op & IomapOp.Dax) !== 0);
  } catch (err) {
    ctx.allocator.unref(got);
    throw err;
  }
  const oldDev = run.devBlock + (req.posBlock - run.start);
  inode.map.replace({ fileBlock: req.posBlock, blocks: got.count, kind: 'mapped', devBlock: got.start });
  inode.changed();
  const fresh = freshRun(req.posBlock, got.count, 'mapped', got.start, true);
  const mapping = runToIomap(ctx, inode, fresh, op, req.dirty, IomapFlags.New);
  mapping.srcmap = {
    offset: req.posBlock * bs,
    length: got.count * bs,
    addr: oldDev * bs,
    type: run.kind === 'unwritten' ? IomapType.Unwritten : IomapType.Mapped,
    flags: IomapFlags.Shared,
    device: ctx.device,
  };
  // DAX reads the source through the DAX device too.
  if (op & IomapOp.Dax && ctx.daxDevice !== undefined) mapping.srcmap.daxDevice = ctx.daxDevice;
  const old = { kind: run.kind as ExtentKind, devBlock: oldDev };
  mapping.private = new BeginState({ how: 'cow', start: req.posBlock, blocks: got.count, devBlock: got.start, old }, undefined);
  return mapping;
}
