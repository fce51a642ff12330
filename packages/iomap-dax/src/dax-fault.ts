// DAX page faults (DAX-5, DAX-6): the kernel's dax_iomap_fault, in the form
// userspace can use. daxMap(file, pos, len) faults in every page of the range
// and returns views of device memory, as if a process had touched each page
// of a shared mapping:
//
//   read fault   iomapBegin(DAX|FAULT)        HOLE/UNWRITTEN -> the shared zero page
//                                             MAPPED         -> a read-only device view
//   write fault  iomapBegin(DAX|FAULT|WRITE)  the fs allocates (pre-zeroed!) -> a writable view;
//                                             SHARED -> the page is copied from srcmap first
//
// The whole page-aligned range is walked in as few mapping calls as the
// filesystem's mappings allow, and each iomapEnd sees written = the bytes
// faulted under that mapping (whole pages). A page starting at or past EOF is
// the SIGBUS of a real mapping: daxMap fails with EFAULT before asking the
// filesystem for anything.
//
// Caller holds the invalidate lock shared (IOMAP-SPEC 2.7), so no truncate
// removes blocks while the fault maps them.
import {
  FsError,
  IomapContractError,
  IomapFlags,
  IomapIter,
  IomapOp,
  IomapType,
  NULL_ADDR,
  PAGE_SIZE,
  checkRange,
  describeIomap,
  iomapAddress,
  iomapLoop,
} from '@iomap/core';
import {
  context,
  daxDeviceOf,
  deviceView,
  flushStored,
  pageDown,
  pageUp,
  rejectMapping,
  verifyZeroed,
} from './dax-access.js';
import { copyAround } from './dax-cow.js';
import type { DaxFile } from './dax-file.js';
import { DaxMapping, type DaxSegment } from './dax-mapping.js';
import { daxState } from './dax-state.js';

/**
 * How {@link daxMap} faults the range in.
 *
 * @example
 * ```ts
 * const options: DaxMapOptions = { write: true, sync: true }; // a MAP_SYNC write fault
 * ```
 */
export interface DaxMapOptions {
  /** A write fault: allocate holes, copy shared pages, return writable views. Default false. */
  write?: boolean;
  /**
   * MAP_SYNC semantics (DAX-6): when a write fault meets a mapping with
   * `IomapFlags.Dirty`, the result's `needsSync` tells the caller to persist
   * the metadata (`finishSyncFault`) before relying on the data.
   */
  sync?: boolean;
}

/** What the fault walk collects before the mapping is built. */
interface FaultResult {
  segments: DaxSegment[];
  dirty: { pos: number; length: number; device: DaxSegment['device']; addr: number }[];
  major: boolean;
  needsSync: boolean;
}

/**
 * Maps `[pos, pos + length)` of a DAX file — the userspace form of DAX page
 * faults (DAX-5). Every page of the page-aligned range is faulted in with
 * op flags `Dax | Fault` (+`Write`): read faults map HOLE and UNWRITTEN pages
 * to the shared zero page and MAPPED pages read-only; write faults let the
 * filesystem allocate (its blocks must already be zero, IOMAP-SPEC 2.2 rule
 * 7), copy SHARED pages from the source map first (DAX-4), revoke zero-page
 * views of the range, and mark the pages dirty for `daxSync` (DAX-10).
 *
 * Fails with `EFAULT` (the SIGBUS of a real mapping) when a page of the range
 * starts at or past EOF; with `IomapContractError` (`EIO`) when the
 * filesystem answers a write fault without MAPPED or SHARED space. Call
 * `release()` on the result when done.
 *
 * @example
 * ```ts
 * const w = await daxMap(file, 0, 4096, { write: true }); // allocates the block
 * w.store(0, new TextEncoder().encode('mapped'));
 * w.release();
 * await daxSync(file);                                    // flushes exactly that page
 * ```
 */
export async function daxMap<I>(file: DaxFile<I>, pos: number, length: number, options: DaxMapOptions = {}): Promise<DaxMapping> {
  checkRange(pos, length, 'mmap', false);
  const state = daxState(file);
  state.zeroPage.check(file.name);
  const write = options.write === true;
  const start = pageDown(pos);
  const end = pageUp(pos + length);
  const size = file.size;
  if (end - PAGE_SIZE >= size) {
    throw new FsError(
      'EFAULT',
      `${write ? 'write' : 'read'} fault on the page at ${end - PAGE_SIZE}, at or past EOF (${size}): the SIGBUS of a mapping; ` +
        'extend the file first',
      context(file, 'dax_fault'),
    );
  }
  const op = IomapOp.Dax | IomapOp.Fault | (write ? IomapOp.Write : 0);
  const result: FaultResult = { segments: [], dirty: [], major: false, needsSync: false };
  const iter = new IomapIter<I>({ inode: file.inode, pos: start, length: end - start, op });
  await iomapLoop(iter, file.ops, (it) =>
    write ? writeFault(file, it, options.sync === true, result) : readFault(file, it, result),
  );
  if (iter.pos !== end) {
    throw new FsError('EIO', `the fault stopped at ${iter.pos} of [${start}, ${end})`, context(file, 'dax_fault'));
  }
  for (const d of result.dirty) if (d.device !== undefined) state.entries.markDirty(d.pos, d.length, d.device, d.addr);
  return new DaxMapping({
    pos: start,
    length: end - start,
    write,
    segments: result.segments,
    major: result.major,
    needsSync: result.needsSync,
    path: file.name,
    pins: state.pins,
    checkZeroPage: () => state.zeroPage.check(file.name),
  });
}

/** Bytes of this mapping to fault: whole pages, or the mapping breaks DAX-12. */
function faultLength<I>(file: DaxFile<I>, it: IomapIter<I>): number {
  const n = it.iomapLength();
  if ((it.pos + n) % PAGE_SIZE !== 0) {
    throw new IomapContractError(
      'DAX-12',
      'DAX mappings cover whole pages (the block size equals the page size)',
      `the mapping ${describeIomap(it.iomap)}${it.srcmap ? ` (source ${describeIomap(it.srcmap)})` : ''} ends inside the page at ${pageDown(it.pos + n)}`,
      context(file, 'dax_fault'),
    );
  }
  return n;
}

/** A read fault over one mapping: zero pages for HOLE/UNWRITTEN, read-only device views for MAPPED. */
function readFault<I>(file: DaxFile<I>, it: IomapIter<I>, result: FaultResult): void {
  const map = it.iomap;
  const n = faultLength(file, it);
  if (map.type === IomapType.Hole || map.type === IomapType.Unwritten) {
    const zero = daxState(file).zeroPage.view();
    for (let at = it.pos; at < it.pos + n; at += PAGE_SIZE) {
      result.segments.push({ pos: at, length: PAGE_SIZE, kind: 'zero', view: zero, writable: false, device: undefined, addr: NULL_ADDR });
    }
  } else if (map.type === IomapType.Mapped) {
    const device = daxDeviceOf(file, map, 'dax_fault');
    const view = deviceView(file, map, it.pos, n, false, 'dax_fault', device);
    result.segments.push({ pos: it.pos, length: n, kind: 'device', view, writable: false, device, addr: iomapAddress(map, it.pos) });
  } else {
    rejectMapping(file, map, 'DAX-5', 'a DAX read fault takes HOLE, UNWRITTEN or MAPPED mappings', 'dax_fault');
  }
  if (map.flags & IomapFlags.New) result.major = true;
  it.advance(n);
}

/** A write fault over one mapping: a writable device view, copied from srcmap when SHARED. */
async function writeFault<I>(file: DaxFile<I>, it: IomapIter<I>, sync: boolean, result: FaultResult): Promise<void> {
  const map = it.iomap;
  const cow = (map.flags & IomapFlags.Shared) !== 0;
  if (map.type !== IomapType.Mapped && !cow) {
    rejectMapping(file, map, 'DAX-5', 'a DAX write fault needs a MAPPED (or SHARED, copy-on-write) mapping', 'dax_fault');
  }
  const n = faultLength(file, it);
  const fresh = (map.flags & IomapFlags.New) !== 0;
  const device = daxDeviceOf(file, map, 'dax_fault');
  const state = daxState(file);
  if (fresh || cow) {
    // The zero pages (or shared blocks) other views show here are no longer the file's.
    state.pins.revokeOverlapping(it.pos, it.pos + n);
    if (cow) state.entries.clearRange(it.pos, it.pos + n);
  }
  const view = deviceView(file, map, it.pos, n, true, 'dax_fault', device);
  if (fresh && !cow && file.verifyZeroedAllocations) verifyZeroed(file, map, it.pos, view, 'dax_fault');
  const addr = iomapAddress(map, it.pos);
  if (cow) {
    copyAround(file, it.srcmap, view, it.pos, it.pos, it.pos, device, 'dax_fault');
    await flushStored(file, device, addr, n);
  }
  result.segments.push({ pos: it.pos, length: n, kind: 'device', view, writable: true, device, addr });
  result.dirty.push({ pos: it.pos, length: n, device, addr });
  if (fresh) result.major = true;
  if (sync && map.flags & IomapFlags.Dirty) result.needsSync = true;
  it.advance(n);
}
