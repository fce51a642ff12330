// Device I/O for one MAPPED (read or write) or UNWRITTEN (write) mapping —
// the kernel's `iomap_dio_bio_iter`:
//
//   1. the segment must be aligned (DIO-5, DIO-21)           -> else EINVAL
//   2. a write decides what the mapping needs: zeroing (NEW, UNWRITTEN;
//      DIO-7), end-io work (UNWRITTEN, SHARED; DIO-8), one untorn request
//      (ATOMIC_BIO; DIO-16), FUA for O_DSYNC overwrites (DIO-11)
//   3. head zeroing, then requests of at most maxRequestBytes straight from
//      the caller's buffer, never past the mapping (DIO-20)
//   4. tail zeroing for NEW/UNWRITTEN space or at/after EOF (DIO-7)
//
// A failure part way (EFAULT on the buffer, an error recorded by a finished
// request) still zeroes the tail, then advances over what was submitted; the
// next step meets the failure again with no progress, which ends the loop.
//
// The common case — no zeroing possible, a free queue slot for every request
// — runs without a promise (dioBioIterNow): a 1 MiB read costs one request
// and no await of ours between iomapBegin and the device.
import {
  DioEndIoFlags,
  DioRequestFlags,
  FsError,
  IomapContractError,
  IomapFlags,
  IomapType,
  NULL_ADDR,
  describeIomap,
  iomapAddress,
  type BlockDevice,
  type Iomap,
  type IomapIter,
} from '@iomap/core';
import type { DirectIo } from './direct-io.js';
import { dioZero, headPad, tailPad } from './dio-zero.js';
import { deviceCanWriteThrough } from './submit-request.js';

/** What a write needs for one mapping. */
interface WritePlan {
  /** DioRequestFlags for the data requests. */
  requestFlags: number;
  /** Zero the partial blocks around the write (NEW or UNWRITTEN space). */
  zero: boolean;
}

/** Reads need no flags and no zeroing: one shared, frozen plan. */
const READ_PLAN: WritePlan = Object.freeze({ requestFlags: 0, zero: false });

/** The device a mapping's I/O goes to: its own, else the iocb's. */
function mappingDevice<I>(dio: DirectIo<I>, iomap: Iomap): BlockDevice {
  const device = iomap.device ?? dio.iocb.device;
  if (device === undefined) {
    throw new IomapContractError('DIO-20', 'a MAPPED or UNWRITTEN mapping needs a device (on the mapping or the iocb)', describeIomap(iomap));
  }
  return device;
}

/** DIO-6, DIO-8, DIO-11, DIO-16: what writing into this mapping takes. */
function planWrite<I>(dio: DirectIo<I>, iter: IomapIter<I>, device: BlockDevice, length: number): WritePlan {
  const iomap = iter.iomap;
  let requestFlags = 0;
  let zero = false;
  let completionWork = true;
  if (iomap.type === IomapType.Mapped) completionWork = false;
  if (iomap.type === IomapType.Unwritten) {
    dio.endIoFlags |= DioEndIoFlags.Unwritten;
    zero = true;
  }
  if (iomap.flags & IomapFlags.AtomicBio) {
    // DIO-16: one untorn request must carry the whole rest of the write.
    if (length !== iter.len || length > dio.maxRequestBytes) {
      throw new FsError('EINVAL', `an atomic write needs one request for all ${iter.len} bytes; the mapping gives ${length} (limit ${dio.maxRequestBytes})`, {
        syscall: 'pwrite',
      });
    }
    requestFlags |= DioRequestFlags.Atomic;
  }
  if (iomap.flags & IomapFlags.Shared) {
    completionWork = true;
    dio.endIoFlags |= DioEndIoFlags.Cow;
  }
  if (iomap.flags & IomapFlags.New) {
    completionWork = true;
    zero = true;
  }
  if (dio.writeThrough) {
    // DIO-11: a pure overwrite needing no metadata goes out FUA; anything else means a flush later.
    if (!completionWork && (iomap.flags & IomapFlags.Dirty) === 0 && deviceCanWriteThrough(device)) requestFlags |= DioRequestFlags.Fua;
    else dio.writeThrough = false;
  }
  return { requestFlags, zero };
}

/** Largest request: the limit rounded down to the alignment, at least one unit. */
function chunkLimit(max: number, alignment: number): number {
  return Math.max(alignment, max - (max % alignment));
}

/** One mapping's I/O, decided before any request is built. */
interface Segment {
  iomap: Iomap;
  device: BlockDevice;
  anon: boolean;
  plan: WritePlan;
  /** Bytes of the mapping this step covers. */
  length: number;
  /** Largest request. */
  chunk: number;
}

/** The checks and decisions for the current mapping (DIO-5, DIO-17, and planWrite). */
function prepareSegment<I>(iter: IomapIter<I>, dio: DirectIo<I>): Segment {
  const iomap = iter.iomap;
  const length = iter.iomapLength();
  const device = mappingDevice(dio, iomap);
  const alignment = dio.alignmentFor(device);
  if (iter.pos % alignment !== 0 || length % alignment !== 0) {
    throw new FsError('EINVAL', `direct I/O segment ${iter.pos}+${length} is not aligned to ${alignment} bytes (DIO-5)`, {
      syscall: dio.write ? 'pwrite' : 'pread',
    });
  }
  const anon = (iomap.flags & IomapFlags.AnonWrite) !== 0;
  if (anon && dio.dioOps.submitIo === undefined) {
    throw new IomapContractError('DIO-17', 'an ANON_WRITE mapping needs a submitIo hook', describeIomap(iomap));
  }
  const plan = dio.write ? planWrite(dio, iter, device, length) : READ_PLAN;
  return { iomap, device, anon, plan, length, chunk: chunkLimit(dio.maxRequestBytes, alignment) };
}

/** Submits the data request for `[pos, pos + n)`; see DirectIo.submit for the result. */
function submitData<I>(dio: DirectIo<I>, seg: Segment, pos: number, n: number): boolean | Promise<boolean> {
  const addr = seg.anon ? NULL_ADDR : iomapAddress(seg.iomap, pos);
  return dio.submit(dio.request(seg.iomap, seg.device, addr, pos, dio.view(pos, n), seg.plan.requestFlags));
}

/** Advances over what was submitted; with nothing submitted, the failure ends the step. */
function finishSegment<I>(iter: IomapIter<I>, copied: number, failure: unknown): void {
  if (copied > 0) iter.advance(copied);
  else if (failure !== undefined) throw failure;
}

/** The general case: zeroing around the data, or waits for queue slots. */
async function dioBioIterAsync<I>(iter: IomapIter<I>, dio: DirectIo<I>, seg: Segment): Promise<void> {
  const bs = dio.blockSize;
  let pos = iter.pos;
  if (seg.plan.zero) await dioZero(dio, seg.iomap, seg.device, pos - headPad(pos, bs), headPad(pos, bs));
  let copied = 0;
  let failure: unknown;
  try {
    while (copied < seg.length && dio.error === undefined) {
      const n = Math.min(seg.chunk, seg.length - copied);
      const sent = submitData(dio, seg, pos, n);
      if (!(typeof sent === 'boolean' ? sent : await sent)) break;
      dio.size += n;
      copied += n;
      pos += n;
    }
  } catch (err) {
    failure = err;
  }
  if (dio.write && (seg.plan.zero || pos >= dio.iocb.size())) await dioZero(dio, seg.iomap, seg.device, pos, tailPad(pos, bs));
  finishSegment(iter, copied, failure);
}

/**
 * The hot path: no zeroing can be needed and every request finds a free
 * queue slot, so all of it happens now, without a promise.
 */
function dioBioIterNow<I>(iter: IomapIter<I>, dio: DirectIo<I>, seg: Segment): void {
  let pos = iter.pos;
  let copied = 0;
  let failure: unknown;
  try {
    while (copied < seg.length && dio.error === undefined) {
      const n = Math.min(seg.chunk, seg.length - copied);
      // dioBioIter checked that a slot is free for every request: submit never waits here
      if (submitData(dio, seg, pos, n) !== true) break;
      dio.size += n;
      copied += n;
      pos += n;
    }
  } catch (err) {
    failure = err;
  }
  finishSegment(iter, copied, failure);
}

/**
 * Submits the requests for the current mapping and advances over them.
 * Caller: dioIter, for MAPPED mappings and UNWRITTEN writes. Returns a
 * promise only when it has to wait (zeroing, a full queue).
 */
export function dioBioIter<I>(iter: IomapIter<I>, dio: DirectIo<I>): Promise<void> | void {
  const seg = prepareSegment(iter, dio);
  const mayZero = seg.plan.zero || (dio.write && iter.pos + seg.length >= dio.iocb.size());
  const requests = Math.ceil(seg.length / seg.chunk);
  if (mayZero || requests > dio.slots.depth - dio.slots.inFlight) return dioBioIterAsync(iter, dio, seg);
  dioBioIterNow(iter, dio, seg);
}
