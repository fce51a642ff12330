// Writeback (BUF-32 … BUF-38, BUF-42): walk the dirty folios of a range in
// file order, ask the filesystem where each run of dirty blocks goes, build
// ioends and submit them as large device writes.
//
// Per folio (locked):
//   wholly past EOF → just clean it (truncate in progress)          BUF-33
//   straddling EOF  → zero everything past EOF, write up to EOF      BUF-33
//   start writeback with a 1-byte bias                               BUF-36
//   each dirty run → writebackRange → HOLE: skip; else add to ioend  BUF-34, BUF-37, BUF-42
//   clear every dirty bit, even after an error; record the error     BUF-35
//   drop the bias (ends writeback at once if nothing was submitted)  BUF-36
// Before blocking on a folio lock the open ioend is submitted, so a task
// holding that lock and waiting for writeback of an earlier folio can go on.
import {
  FsError,
  IomapContractError,
  IomapFlags,
  IomapType,
  IoendFlags,
  iomapAddress,
  validateMappingAt,
  type Iomap,
  type WritebackOps,
} from '@iomap/core';
import type { AddressSpace } from './address-space.js';
import type { Folio } from './folio.js';
import { IoendBuilder, ioendDone, splitIoend } from './ioend.js';
import { asFsError } from './read-request.js';

/**
 * What to write back (the kernel's writeback_control).
 *
 * @example
 * ```ts
 * const wbc: WritebackControl = { start: 0, end: file.size, sync: false, maxBytes: 4 << 20 };
 * ```
 */
export interface WritebackControl {
  /** First file byte. */
  start: number;
  /** One past the last file byte. */
  end: number;
  /** Data integrity (fsync): wait for locks and for folios already under writeback, then write them too. */
  sync: boolean;
  /** Stop after submitting about this many bytes (memory-pressure and throttling passes). */
  maxBytes?: number;
  /**
   * BUF-41: split every ioend into device writes of at most this many bytes
   * (rounded down to whole blocks, at least one block); each ioend still
   * completes once, after all of its writes. Default: no splitting (ioends
   * are capped at the cache's `maxIoSize` when built).
   */
  maxRequestBytes?: number;
}

/**
 * What a writeback pass did.
 *
 * @example
 * ```ts
 * const { submitted, requests } = await writebackPass(file, wbc);
 * ```
 */
export interface WritebackResult {
  /** Bytes of folio data submitted for writing. */
  submitted: number;
  /** Folios written back (or cleaned). */
  folios: number;
  /** Device requests submitted. */
  requests: number;
}

/** The writeback context of one pass (the kernel's `struct iomap_writepage_ctx`). */
class WritebackContext {
  cached: Iomap | undefined = undefined;
  ioend: IoendBuilder | undefined = undefined;
  readonly result: WritebackResult = { submitted: 0, folios: 0, requests: 0 };

  constructor(
    readonly mapping: AddressSpace<unknown>,
    readonly ops: WritebackOps<unknown>,
    readonly maxRequestBytes?: number,
  ) {}

  /** The mapping for writeback at `pos`: the cached one while the filesystem says it is valid, else a new one (BUF-42). */
  async mapFor(pos: number, len: number, endPos: number): Promise<Iomap> {
    const c = this.cached;
    const { ops, mapping } = this;
    if (c !== undefined && c.offset <= pos && pos < c.offset + c.length && ops.mappingValid?.(mapping.inode, c) === true) return c;
    this.cached = undefined;
    const map = await ops.writebackRange(mapping.inode, pos, len, endPos);
    checkWritebackMapping(map, pos, mapping);
    if (ops.mappingValid !== undefined) this.cached = map;
    return map;
  }

  /** Adds `[pos, pos + len)` of `folio` to the open ioend or a new one (BUF-37). */
  addToIoend(folio: Folio, pos: number, len: number, map: Iomap, eof: number): void {
    const device = map.device as NonNullable<Iomap['device']>;
    let flags = 0;
    if (map.type === IomapType.Unwritten) flags |= IoendFlags.Unwritten;
    if (map.flags & IomapFlags.Shared) flags |= IoendFlags.Shared;
    if (folio.dropBehind) flags |= IoendFlags.DontCache;
    if (map.flags & IomapFlags.Boundary && pos === map.offset) flags |= IoendFlags.Boundary;
    const addr = iomapAddress(map, pos);
    const maxIo = this.mapping.cache.maxIoSize;
    if (this.ioend === undefined || !this.ioend.canAppend(device, pos, addr, flags, len, maxIo)) {
      this.submit();
      this.ioend = new IoendBuilder(device, pos, addr, flags);
    }
    this.ioend.append(folio, pos - folio.pos, len, pos, eof);
    folio.addWritePending(len);
    this.result.submitted += len;
  }

  /** Submits the open ioend (split into several device writes with `maxRequestBytes`, BUF-41); its completion is queued when all its writes settled. */
  submit(): void {
    const io = this.ioend;
    if (io === undefined) return;
    this.ioend = undefined;
    if (this.maxRequestBytes !== undefined) {
      for (let child = splitIoend(io, this.maxRequestBytes, this.mapping.blockSize); child !== undefined; child = splitIoend(io, this.maxRequestBytes, this.mapping.blockSize)) {
        this.write(child);
      }
    }
    this.write(io);
  }

  /** One device write of an ioend or split-off part; `ioendDone` decides when the (parent) ioend completes. */
  private write(io: IoendBuilder): void {
    this.result.requests++;
    const buffers = io.buffers();
    let write: Promise<void>;
    try {
      write = buffers.length === 1 ? io.device.write(io.addr, buffers[0] as Uint8Array) : io.device.writev(io.addr, buffers);
    } catch (err) {
      write = Promise.reject(err);
    }
    const mapping = this.mapping;
    const settle = (err: FsError | undefined) => {
      try {
        const done = ioendDone(io, err);
        if (done !== undefined) mapping.completions.push(done);
      } catch (e) {
        mapping.recordWritebackError(asFsError(e, 'ending an ioend'));
      }
    };
    write.then(
      () => settle(undefined),
      (err: unknown) => settle(asFsError(err, `writeback of ${io.deviceBytes} bytes at device byte ${io.addr}`)),
    );
  }
}

/** BUF-42: writeback needs allocated space at a device address containing `pos`. */
function checkWritebackMapping(map: Iomap, pos: number, mapping: AddressSpace<unknown>): void {
  validateMappingAt(map, pos, 'writebackRange');
  if (map.type === IomapType.Delalloc || map.type === IomapType.Inline) {
    throw new IomapContractError('BUF-42', 'writeback mappings are never DELALLOC or INLINE', `writebackRange returned type ${map.type} at ${pos}`);
  }
  if (map.type !== IomapType.Hole && (map.device === undefined || map.addr < 0)) {
    throw new FsError('EIO', `writeback mapping at ${map.offset} has no device address`, { syscall: 'writeback', path: mapping.name });
  }
}

/**
 * One writeback pass over the dirty folios of `[start, end)` (BUF-32).
 * Resolves once everything is submitted; completion runs as the device
 * writes finish. Errors are recorded on the address space, never thrown.
 *
 * @example
 * ```ts
 * const { submitted } = await writebackPass(file, { start: 0, end: file.size, sync: false });
 * ```
 */
export async function writebackPass(mapping: AddressSpace<unknown>, wbc: WritebackControl): Promise<WritebackResult> {
  const ops = mapping.writebackOps;
  if (wbc.maxRequestBytes !== undefined && !(wbc.maxRequestBytes >= mapping.blockSize)) {
    throw new FsError('EINVAL', `maxRequestBytes must be at least one block (${mapping.blockSize}), got ${wbc.maxRequestBytes}`);
  }
  const ctx = new WritebackContext(mapping, ops ?? noWritebackOps, wbc.maxRequestBytes);
  const folios = dirtyFoliosIn(mapping, wbc.start, wbc.end);
  const reach = dirtyReachAfter(folios);
  for (let i = 0; i < folios.length; i++) {
    if (wbc.maxBytes !== undefined && ctx.result.submitted >= wbc.maxBytes) break;
    const folio = folios[i] as Folio;
    if (!folio.lock.tryLock()) {
      ctx.submit();
      await folio.lock.lock();
    }
    try {
      if (folio.owner !== mapping || !folio.dirty) continue;
      if (folio.writeback) {
        if (!wbc.sync) continue;
        ctx.submit();
        await folio.waitWriteback();
        if (folio.owner !== mapping || !folio.dirty) continue;
      }
      await writebackFolio(ctx, folio, reach[i] as number);
    } finally {
      folio.lock.unlock();
    }
  }
  ctx.submit();
  return ctx.result;
}

const noWritebackOps: WritebackOps<unknown> = {
  writebackRange() {
    return Promise.reject(new FsError('EROFS', 'the address space has no writeback ops'));
  },
};

/** Dirty folios overlapping `[start, end)`, in file order. */
function dirtyFoliosIn(mapping: AddressSpace<unknown>, start: number, end: number): Folio[] {
  const out: Folio[] = [];
  for (const f of mapping.dirtyFolios) if (f.pos < end && f.end > start) out.push(f);
  return out.sort((a, b) => a.index - b.index);
}

/** Bytes of dirty blocks at the start of a folio, without a break. */
function leadingDirty(folio: Folio): number {
  const state = folio.state;
  if (state === undefined) return folio.dirty ? folio.size : 0;
  const run = state.nextDirtyRun(0, state.blocks);
  return run === undefined || run[0] !== 0 ? 0 : run[1] * folio.blockSize;
}

/**
 * For each folio, where the dirty bytes continuing from its end stop: the
 * allocation hint for a run reaching the folio's end. Only dirty blocks
 * count — a clean block in between may be a racing writer's fresh
 * reservation, which must not be allocated (and exposed) from here.
 */
function dirtyReachAfter(folios: Folio[]): number[] {
  const reach = new Array<number>(folios.length);
  let next = -1;
  for (let i = folios.length - 1; i >= 0; i--) {
    const f = folios[i] as Folio;
    const following = folios[i + 1];
    const after = following !== undefined && following.pos === f.end ? next : f.end;
    reach[i] = after;
    const lead = leadingDirty(f);
    next = lead === f.size ? after : f.pos + lead;
  }
  return reach;
}

/** Writes back one locked folio (the kernel's iomap_writeback_folio). */
async function writebackFolio(ctx: WritebackContext, folio: Folio, reach: number): Promise<void> {
  const isize = ctx.mapping.size;
  ctx.result.folios++;
  if (folio.pos >= isize) {
    folio.clearDirty(); // BUF-33: wholly past EOF, truncate is removing it
    return;
  }
  let endPos = folio.end;
  if (endPos > isize) {
    folio.zero(isize - folio.pos, folio.size); // BUF-33: on every writeback
    endPos = isize;
  }
  const bs = folio.blockSize;
  const endAligned = Math.ceil((endPos - folio.pos) / bs) * bs;
  folio.startWriteback();
  try {
    for (const [off, len] of dirtyRuns(folio, endAligned)) {
      const hint = off + len === folio.size ? reach : folio.pos + off + len;
      await writebackRun(ctx, folio, folio.pos + off, len, endPos, Math.min(hint, isize));
    }
  } catch (err) {
    ctx.mapping.recordWritebackError(asFsError(err, 'writeback'));
  } finally {
    folio.clearDirty(); // BUF-35: even after a failure
    folio.finishWrite(1); // BUF-36: drop the bias
  }
}

/** Runs of dirty blocks in `[0, limit)` of a folio, as `[offset, length]` (BUF-34). */
function dirtyRuns(folio: Folio, limit: number): [number, number][] {
  const state = folio.state;
  if (state === undefined) return [[0, limit]];
  const bs = folio.blockSize;
  const runs: [number, number][] = [];
  const endBlock = limit / bs;
  for (let b = 0; b < endBlock; ) {
    const run = state.nextDirtyRun(b, endBlock);
    if (run === undefined) break;
    runs.push([run[0] * bs, (run[1] - run[0]) * bs]);
    b = run[1];
  }
  return runs;
}

/** Maps and queues one run of dirty blocks; HOLE ranges are consumed without I/O (BUF-34). */
async function writebackRun(ctx: WritebackContext, folio: Folio, pos: number, len: number, eof: number, hint: number): Promise<void> {
  while (len > 0) {
    const map = await ctx.mapFor(pos, len, Math.max(hint, pos + len));
    const n = Math.min(len, map.offset + map.length - pos);
    if (map.type !== IomapType.Hole) ctx.addToIoend(folio, pos, n, map, eof);
    pos += n;
    len -= n;
  }
}

/**
 * Writes back `[start, end)` and waits until no folio there is under
 * writeback (filemap_write_and_wait_range without the error check).
 */
export async function writeAndWait(mapping: AddressSpace<unknown>, start: number, end: number): Promise<void> {
  await writebackPass(mapping, { start, end, sync: true });
  const waits: Promise<void>[] = [];
  for (const f of mapping.writebackFolios) if (f.pos < end && f.end > start) waits.push(f.waitWriteback());
  await Promise.all(waits);
}
