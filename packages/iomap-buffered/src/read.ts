// Filling folios from storage: read_folio and the body of readahead
// (BUF-3, BUF-4, BUF-5, BUF-6, BUF-7, BUF-9).
//
// One iomap iteration with op Read (0) covers a run of locked, contiguous
// folios. For each mapping the body walks the folios it overlaps; in each
// folio it skips uptodate blocks, zero-fills blocks that need zeroing and
// queues device reads for the rest, merging physically contiguous ranges
// into one request. A folio's read ends — and the folio is unlocked — when
// the walk has moved past it and all its I/O completed, exactly once.
import {
  FsError,
  IomapContractError,
  IomapIter,
  IomapOp,
  IomapType,
  iomapAddress,
  iomapLoop,
  type Iomap,
} from '@iomap/core';
import type { AddressSpace } from './address-space.js';
import type { Folio } from './folio.js';
import { adjustReadRange, blockNeedsZeroing } from './read-range.js';
import { defaultReadOps, type BufferedReadOps, type FolioReadRange, type ReadOpsContext } from './read-ops.js';
import { FolioRead, asFsError } from './read-request.js';

/** Walk state of one read iteration. */
interface ReadWalk {
  mapping: AddressSpace<unknown>;
  reads: FolioRead[];
  /** Index into `reads` of the folio the walk is in. */
  cur: number;
  /** How device reads are started (BUF-8): the address space's `readOps` or the coalescing default. */
  readOps: BufferedReadOps;
  ctx: ReadOpsContext;
}

/** A started read: the mapping is done and every request submitted; `done` resolves when all folios ended. */
export interface StartedRead {
  /** Folios that could not be filled, with why (BUF-3: errors go through the folio state). */
  done: Promise<Map<Folio, FsError>>;
}

/**
 * Starts reading every block that is not uptodate of `folios` — locked,
 * sorted and contiguous in the file. Resolves once the iomap iteration is
 * over and all device requests are submitted: the filesystem is never
 * called after that, so a caller holding the inode lock may return while
 * the I/O completes. Each folio is unlocked when its read ends.
 */
export async function startRead(mapping: AddressSpace<unknown>, folios: Folio[]): Promise<StartedRead> {
  const reads = folios.map((f) => {
    f.ensureState();
    return new FolioRead(f);
  });
  const first = folios[0];
  const last = folios[folios.length - 1];
  if (first === undefined || last === undefined) return { done: Promise.resolve(new Map()) };
  const readOps = mapping.readOps ?? defaultReadOps(mapping.cache.maxIoSize);
  const walk: ReadWalk = { mapping, reads, cur: 0, readOps, ctx: { private: undefined } };
  const iter = new IomapIter({ inode: mapping.inode, pos: first.pos, length: last.end - first.pos, op: IomapOp.Read });
  let iterError: FsError | undefined;
  try {
    await iomapLoop(iter, mapping.ops, (it) => readMapping(it, walk));
  } catch (err) {
    iterError = asFsError(err, 'mapping the read');
  }
  try {
    walk.readOps.submitRead?.(walk.ctx);
  } catch (err) {
    iterError ??= asFsError(err, 'submitting the read');
  }
  for (const read of reads) {
    if (iterError !== undefined && !read.folio.uptodate) read.fail(iterError);
    read.walkDone();
  }
  return { done: finishRead(mapping, walk) };
}

async function finishRead(mapping: AddressSpace<unknown>, walk: ReadWalk): Promise<Map<Folio, FsError>> {
  await Promise.all(walk.reads.map((r) => r.ended));
  const errors = new Map<Folio, FsError>();
  for (const read of walk.reads) {
    if (!read.folio.uptodate) errors.set(read.folio, read.error ?? incomplete(read.folio, mapping));
  }
  return errors;
}

/**
 * Reads every block that is not uptodate of `folios` (see {@link startRead})
 * and waits until all have ended; a folio that could not be filled stays
 * not uptodate and its error is returned in the map.
 */
export async function readFolios(mapping: AddressSpace<unknown>, folios: Folio[]): Promise<Map<Folio, FsError>> {
  return (await startRead(mapping, folios)).done;
}

function incomplete(folio: Folio, mapping: AddressSpace<unknown>): FsError {
  return new FsError('EIO', `folio at ${folio.pos} could not be read completely`, { syscall: 'read', path: mapping.name });
}

/** The loop body: one mapping. */
function readMapping(it: IomapIter<unknown>, walk: ReadWalk): void {
  const map = it.readMap();
  if (map.type === IomapType.Inline) {
    readInline(it, walk, map);
    return;
  }
  const isize = walk.mapping.size;
  while (it.iomapLength() > 0) {
    const read = folioAt(walk, it.pos);
    const folio = read.folio;
    const off = it.pos - folio.pos;
    const plen = Math.min(it.iomapLength(), folio.end - it.pos);
    const { skip, length } = adjustReadRange(folio, off, plen, isize);
    if (length === 0) {
      it.advance(plen);
      continue;
    }
    const runPos = it.pos + skip;
    if (blockNeedsZeroing(map, runPos, isize)) {
      folio.zero(off + skip, off + skip + length);
      folio.setRangeUptodate(off + skip, length);
    } else {
      startRange(walk, read, map, runPos, off + skip, length);
    }
    it.advance(skip + length);
  }
}

/**
 * Hands `[off, off + len)` of the read's folio to the read ops (BUF-8) with
 * a finish callback that accounts it exactly once (BUF-9): a second call is
 * a contract error; a throw or rejection before finishing finishes it with
 * that error.
 */
function startRange(walk: ReadWalk, read: FolioRead, map: Iomap, pos: number, off: number, len: number): void {
  const device = map.device;
  if (device === undefined) throw new FsError('EIO', `a MAPPED mapping at ${map.offset} has no device`);
  read.add(len);
  let finished = false;
  const finish = (error?: unknown): void => {
    if (finished) throw new IomapContractError('BUF-9', 'readFolioRange finishes each range exactly once', `range ${off}+${len} of folio at ${read.folio.pos}`);
    finished = true;
    read.complete(off, len, error === undefined ? undefined : asFsError(error, `read of ${len} bytes at file position ${pos}`));
  };
  const range: FolioReadRange = {
    inode: walk.mapping.inode,
    folio: read.folio,
    offset: off,
    length: len,
    pos,
    device,
    addr: iomapAddress(map, pos),
    map,
    buffer: read.folio.data.subarray(off, off + len),
  };
  const failEarly = (err: unknown): void => {
    if (!finished) finish(err);
  };
  try {
    const started = walk.readOps.readFolioRange(range, finish, walk.ctx);
    if (started !== undefined) started.then(undefined, failEarly);
  } catch (err) {
    if (err instanceof IomapContractError) throw err; // e.g. finished twice: ends the walk
    failEarly(err);
  }
}

/** The read of the folio holding `pos`; ends the walk over folios before it. */
function folioAt(walk: ReadWalk, pos: number): FolioRead {
  for (;;) {
    const read = walk.reads[walk.cur] as FolioRead;
    if (pos < read.folio.end) return read;
    read.walkDone();
    walk.cur++;
  }
}

/**
 * INLINE (BUF-7): copies `EOF - map.offset` bytes of inline data into the
 * folio and zeroes the rest of it. More inline bytes than the mapping holds
 * is `EIO`.
 */
function readInline(it: IomapIter<unknown>, walk: ReadWalk, map: Iomap): void {
  const read = folioAt(walk, it.pos);
  const folio = read.folio;
  const size = Math.max(0, walk.mapping.size - map.offset);
  const data = map.inlineData;
  if (data === undefined || size > map.length || size > data.length || map.offset + size > folio.end || map.offset < folio.pos) {
    throw new FsError('EIO', `inline data of ${size} bytes does not fit its mapping ${map.offset}+${map.length}`, {
      syscall: 'read',
      path: walk.mapping.name,
    });
  }
  if (!folio.uptodate) {
    const off = map.offset - folio.pos;
    folio.data.set(data.subarray(0, size), off);
    folio.zero(off + size, folio.size);
    folio.setRangeUptodate(off, folio.size - off);
  }
  it.advance(Math.min(it.iomapLength(), folio.end - it.pos));
}
