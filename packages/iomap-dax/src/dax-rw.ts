// DAX read and write (DAX-1 … DAX-4): the kernel's dax_iomap_rw. Data is
// copied straight between the caller's buffer and device memory, one mapping
// at a time, with no page cache in between:
//
//   daxRw(file, { pos, write }, buffer)
//     -> iomapBegin(DAX [+WRITE] [+NOWAIT])  one call per mapping
//     -> directAccess(addr, n)               a view of device memory
//     -> copy                                 (COW: fill the page edges from srcmap first)
//     -> iomapEnd(written = n)
//
// Reads (DAX-2) stop at EOF; HOLE and UNWRITTEN read as zeros, MAPPED from
// the device. Writes (DAX-3) need MAPPED space — or SHARED space, copied on
// write through the source map (DAX-4) — and never zero anything: blocks the
// filesystem allocates must already be zero (IOMAP-SPEC 2.2 rule 7). The size
// is never changed here (DAX-1): a write past EOF returns `newSize`, and the
// filesystem sets i_size (and marks the inode dirty) after the call.
//
// Caller holds the inode lock: shared for reads, exclusive for writes.
import {
  IomapFlags,
  IomapIter,
  IomapOp,
  IomapType,
  checkRange,
  iomapAddress,
  iomapProcess,
  type Iomap,
} from '@iomap/core';
import {
  checkPageAligned,
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
import { daxState } from './dax-state.js';

/**
 * Where and how {@link daxRw} transfers: the parts of a kernel `kiocb` DAX
 * uses.
 *
 * @example
 * ```ts
 * const iocb: DaxIocb = { pos: 4090, write: true, nowait: false };
 * ```
 */
export interface DaxIocb {
  /** File position of the first byte. */
  pos: number;
  /** Store `buffer` into the file (default: load the file into `buffer`). */
  write?: boolean;
  /** IOCB_NOWAIT: pass `IomapOp.NoWait`, so the filesystem answers `EAGAIN` instead of blocking. */
  nowait?: boolean;
}

/**
 * What {@link daxRw} did.
 *
 * @example
 * ```ts
 * const { bytes, pos, newSize } = await daxRw(file, { pos: 0, write: true }, data);
 * if (newSize !== undefined) await fs.setSize(inode, newSize);
 * ```
 */
export interface DaxRwResult {
  /** Bytes copied: the whole request, fewer (a read at EOF, or an error after progress), never 0 on error. */
  bytes: number;
  /** The position after the transfer (the kernel's advanced `ki_pos`). */
  pos: number;
  /**
   * For a write that ended past EOF: the size the filesystem must now set
   * (DAX-1; IOMAP-SPEC §3 item 23). Undefined otherwise, including when the
   * filesystem already extended the size itself.
   */
  newSize: number | undefined;
}

/**
 * Reads or writes a DAX file straight from or to device memory (DAX-1).
 * Reads are clipped to EOF, HOLE and UNWRITTEN read as zeros (DAX-2); writes
 * need MAPPED space (or SHARED, copied on write through the source map) and
 * fail with `EIO` (`IomapContractError`) on anything else (DAX-3, DAX-4).
 * Resolves with the bytes done if any were done, else rejects with the error
 * (CORE-25). Never changes the file size: see `newSize`.
 *
 * Operation flags: `Dax` (+`Write`) (+`NoWait`). Caller holds the inode lock,
 * exclusive for writes.
 *
 * @example
 * ```ts
 * const written = await daxRw(file, { pos: 4090, write: true }, new TextEncoder().encode('hello DAX!'));
 * if (written.newSize !== undefined) await fs.setSize(inode, written.newSize); // the fs extends i_size
 * const back = new Uint8Array(10);
 * await daxRw(file, { pos: 4090 }, back);
 * ```
 */
export async function daxRw<I>(file: DaxFile<I>, iocb: DaxIocb, buffer: Uint8Array): Promise<DaxRwResult> {
  const write = iocb.write === true;
  const syscall = write ? 'write' : 'read';
  checkRange(iocb.pos, buffer.length, syscall);
  const start = iocb.pos;
  const length = write ? buffer.length : Math.max(0, Math.min(buffer.length, file.size - start));
  if (length === 0) return { bytes: 0, pos: start, newSize: undefined };
  const op = IomapOp.Dax | (write ? IomapOp.Write : 0) | (iocb.nowait ? IomapOp.NoWait : 0);
  const iter = new IomapIter<I>({ inode: file.inode, pos: start, length, op });
  const bytes = await iomapProcess(iter, file.ops, (it) =>
    write ? writeStep(file, it, buffer.subarray(it.pos - start)) : readStep(file, it, buffer.subarray(it.pos - start)),
  );
  const end = start + bytes;
  return { bytes, pos: end, newSize: write && end > file.size ? end : undefined };
}

/** DAX-2: copies one mapping's worth into `out` (which starts at `it.pos`), clipped to EOF again. */
function readStep<I>(file: DaxFile<I>, it: IomapIter<I>, out: Uint8Array): void {
  const n = Math.min(it.iomapLength(), file.size - it.pos);
  if (n <= 0) return; // the file shrank under us: a short read
  const map = it.iomap;
  if (map.type === IomapType.Hole || map.type === IomapType.Unwritten) {
    out.fill(0, 0, n);
  } else if (map.type === IomapType.Mapped) {
    out.set(deviceView(file, map, it.pos, n, false, 'read'));
  } else {
    rejectMapping(file, map, 'DAX-2', 'DAX reads take HOLE, UNWRITTEN or MAPPED mappings', 'read');
  }
  it.advance(n);
}

/** Whether a write may store into `map`: MAPPED, or SHARED (COW into UNWRITTEN included). */
function writable(map: Iomap): boolean {
  return map.type === IomapType.Mapped || ((map.flags & IomapFlags.Shared) !== 0 && map.type === IomapType.Unwritten);
}

/** DAX-3/DAX-4: stores one mapping's worth of `data` (which starts at `it.pos`). */
async function writeStep<I>(file: DaxFile<I>, it: IomapIter<I>, data: Uint8Array): Promise<void> {
  const map = it.iomap;
  if (!writable(map)) {
    rejectMapping(file, map, 'DAX-3', 'a DAX write needs a MAPPED (or SHARED, copy-on-write) mapping', 'write');
  }
  const n = it.iomapLength();
  const cow = (map.flags & IomapFlags.Shared) !== 0;
  const fresh = (map.flags & IomapFlags.New) !== 0;
  const device = daxDeviceOf(file, map, 'write');
  const state = daxState(file);
  const pgStart = pageDown(it.pos);
  const pgEnd = pageUp(it.pos + n);
  if (fresh || cow) {
    checkPageAligned(file, map, 'write');
    // DAX-3: views of the old contents (zero pages, or the shared blocks) must not outlive the change.
    state.pins.revokeOverlapping(pgStart, pgEnd);
    if (cow) state.entries.clearRange(pgStart, pgEnd);
  }
  if (fresh && !cow && file.verifyZeroedAllocations) {
    verifyZeroed(file, map, pgStart, deviceView(file, map, pgStart, pgEnd - pgStart, false, 'write', device), 'write');
  }
  if (cow) {
    const dest = deviceView(file, map, pgStart, pgEnd - pgStart, true, 'write', device);
    copyAround(file, it.srcmap, dest, pgStart, it.pos, it.pos + n, device, 'write');
    dest.set(data.subarray(0, n), it.pos - pgStart);
    await flushStored(file, device, iomapAddress(map, pgStart), pgEnd - pgStart);
  } else {
    deviceView(file, map, it.pos, n, true, 'write', device).set(data.subarray(0, n));
    await flushStored(file, device, iomapAddress(map, it.pos), n);
  }
  state.entries.noteWrite(device);
  it.advance(n);
}
