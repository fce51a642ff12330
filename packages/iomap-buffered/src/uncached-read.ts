// Uncached large reads (the kernel's uncached buffered I/O, RWF_UNCACHED,
// done the way ext2-lite's fillFromDevice does it): a large read of a range
// with no folio cached at all is filled straight from the device into the
// caller's buffer — one vectored request per physically contiguous run,
// several in flight — without instantiating folios.
//
//   request        [pos ............................ end)
//   blocks     |head|  block  |  block  | ... |  block |tail|
//   readv        [scratch, dst ..................., scratch]
//
// Coherence: the caller holds the inode lock shared, so no write, truncate,
// hole punch or zeroing runs (they take it exclusively) and the mappings we
// ask for stay true while we use them. The only data newer than the device
// lives in dirty folios or folios under writeback, and those are cached:
// a range with no folio at all has nothing newer than the device (a folio
// leaves the cache only clean, after its writeback and completion hook —
// UNWRITTEN conversion included — BUF-39). Every mapping is asked for and
// every request completes before the read returns (no background work that
// could outlive the caller's lock, see readahead.ts). As a last line of
// defence against a caller breaking the lock rule (or a mapped store
// dirtying a folio meanwhile), a folio dirtied in the range while we read
// makes the caller redo the range through the cache.
import { FsError, IomapIter, IomapOp, IomapType, PAGE_SIZE, iomapAddress, iomapLoop, type BlockDevice } from '@iomap/core';
import type { AddressSpace } from './address-space.js';
import { blockNeedsZeroing } from './read-range.js';
import { asFsError } from './read-request.js';

/** Device requests an uncached read keeps in flight. */
const UNCACHED_QUEUE = 4;

/** One vectored device request being built: consecutive device bytes from `addr`. */
interface Vector {
  device: BlockDevice;
  addr: number;
  length: number;
  buffers: Uint8Array[];
}

/**
 * Where the run of bytes from `at` (before `end`) without any cached folio
 * ends: `end`, or the start of the first cached folio after `at`; `at` when
 * the folio slot holding `at` is cached. Never instantiates or references
 * folios.
 */
export function uncachedRunEnd(mapping: AddressSpace<unknown>, at: number, end: number): number {
  const slot = mapping.minFolioSize;
  const first = mapping.folios.range(Math.floor(at / slot) * (slot / PAGE_SIZE), Math.ceil(end / slot) * (slot / PAGE_SIZE))[0];
  if (first === undefined) return end;
  return Math.max(at, Math.min(end, first.pos));
}

/**
 * Fills `dst` with file bytes `[pos, pos + dst.length)` (inside EOF, no
 * folio cached over its blocks) straight from the device. Resolves with the
 * bytes filled from `pos`: all of them, fewer when an INLINE mapping stops
 * the walk (the cache handles the rest), or 0 when a folio was dirtied in
 * the range meanwhile (the caller reads it through the cache instead).
 * Device errors reject (`EIO`) after every request has ended: nothing is
 * left running into the caller's buffer.
 * Precondition: caller holds the inode lock shared.
 */
export async function fillUncached(mapping: AddressSpace<unknown>, pos: number, dst: Uint8Array): Promise<number> {
  const bs = mapping.blockSize;
  const isize = mapping.size;
  const end = pos + dst.length;
  const start = Math.floor(pos / bs) * bs;
  const aligned = Math.ceil(end / bs) * bs; // the block holding EOF is read whole, like the cached path does
  const dirtied = mapping.dirtyGeneration;
  const maxIo = mapping.cache.maxIoSize;
  const inflight: Promise<void>[] = [];
  let vector: Vector | undefined;
  let failure: FsError | undefined;

  const submit = async (): Promise<void> => {
    const req = vector;
    if (req === undefined) return;
    vector = undefined;
    let io: Promise<void>;
    try {
      io = req.buffers.length === 1 ? req.device.read(req.addr, req.buffers[0] as Uint8Array) : req.device.readv(req.addr, req.buffers);
    } catch (err) {
      io = Promise.reject(err);
    }
    inflight.push(
      io.catch((err: unknown) => {
        failure ??= asFsError(err, `uncached read of ${req.length} bytes at device byte ${req.addr}`);
      }),
    );
    if (inflight.length >= UNCACHED_QUEUE) await inflight.shift();
  };
  const add = async (device: BlockDevice, addr: number, buffer: Uint8Array): Promise<void> => {
    const cur = vector;
    if (cur !== undefined && cur.device === device && cur.addr + cur.length === addr && cur.length + buffer.length <= maxIo) {
      cur.buffers.push(buffer);
      cur.length += buffer.length;
      return;
    }
    await submit();
    vector = { device, addr, length: buffer.length, buffers: [buffer] };
  };

  const iter = new IomapIter({ inode: mapping.inode, pos: start, length: aligned - start, op: IomapOp.Read });
  try {
    await iomapLoop(iter, mapping.ops, async (it) => {
      const map = it.readMap();
      if (map.type === IomapType.Inline) return; // not advancing ends the walk: the cache reads inline data
      const len = it.iomapLength();
      const from = it.pos;
      const to = from + len;
      // The part of [from, to) the caller wants, as offsets in dst.
      const lo = Math.max(from, pos) - pos;
      const hi = Math.min(to, end) - pos;
      if (blockNeedsZeroing(map, from, isize)) {
        if (hi > lo) dst.fill(0, lo, hi);
      } else {
        const device = map.device;
        if (device === undefined) throw new FsError('EIO', `a MAPPED mapping at ${map.offset} has no device`);
        const addr = iomapAddress(map, from);
        let at = from;
        // Head of a partially wanted block, the wanted bytes in maxIo pieces, tail of the last block.
        if (from < pos) {
          const n = Math.min(pos, to) - from;
          await add(device, addr, new Uint8Array(n));
          at += n;
        }
        while (at < Math.min(to, end)) {
          const n = Math.min(Math.min(to, end) - at, maxIo);
          await add(device, addr + (at - from), dst.subarray(at - pos, at - pos + n));
          at += n;
        }
        if (at < to) await add(device, addr + (at - from), new Uint8Array(to - at));
      }
      it.advance(len);
    });
    await submit();
  } finally {
    // Never leave a request running into the caller's buffer after we return (or throw).
    await Promise.all(inflight);
  }
  if (failure !== undefined) throw failure;
  if (mapping.dirtyGeneration !== dirtied && mapping.folios.range(Math.floor(start / PAGE_SIZE), Math.ceil(aligned / PAGE_SIZE)).length > 0) {
    return 0;
  }
  return Math.max(0, Math.min(end, iter.pos) - pos);
}
