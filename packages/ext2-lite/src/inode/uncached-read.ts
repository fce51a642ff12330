// Uncached reads (the kernel's uncached buffered I/O, RWF_UNCACHED): file
// data goes straight from the device into the caller's buffer, no folios.
// Coherent because a read-only mount has no dirty page cache to honour.
//
// ext2's allocator puts each indirect block inline, right before the data
// it maps, so a sequential file's data is split into runs by single metadata
// blocks:
//
//   | data run A | IND | data run B |        (physical blocks)
//
// fillFromDevice reads such neighbours as ONE vectored request: readv into
// [dst for A, scratch for the gap, dst for B]. The gap bytes (the indirect
// block, or any short stretch between two runs of the same file, always
// inside the device) land in a scratch buffer and are never looked at. So a
// 1 MiB read is one device request even where it crosses an indirect block.
import { IomapIter, IomapOp, IomapType, iomapLoop } from '@iomap/core';
import type { MountContext } from '../mount/mount-context.js';
import { mapBlockRun } from './block-map-walk.js';
import type { Ext2Inode } from './ext2-inode.js';
import { checkMappable } from './iomap-ops.js';

/** Largest single device request of an uncached read. */
const UNCACHED_CHUNK = 8 << 20;
/** Device requests an uncached read keeps in flight. */
const UNCACHED_QUEUE = 8;
/** Largest gap between two runs that is read through (into scratch) instead of split. */
const MAX_GAP = 64 * 1024;
/** Where gap bytes go; shared, only ever written by the device and never read. */
const gapScratch = new Uint8Array(MAX_GAP);

/** One vectored device request being built: consecutive device bytes from `addr`. */
interface Vector {
  addr: number;
  end: number;
  buffers: Uint8Array[];
}

/**
 * Fills `dst` (file bytes [pos, pos + dst.length), inside EOF) straight from
 * the device, one iomap run at a time, neighbouring runs joined across short
 * gaps, several requests in flight.
 * Precondition: the mount is read-only; caller holds inode.lock shared.
 */
export async function fillFromDevice(ctx: MountContext, inode: Ext2Inode, pos: number, dst: Uint8Array): Promise<number> {
  const device = ctx.vol.device;
  let inflight: Promise<void>[] = [];
  let vector: Vector | undefined;
  const submit = async (): Promise<void> => {
    if (vector === undefined) return;
    const { addr, buffers } = vector;
    vector = undefined;
    inflight.push(buffers.length === 1 ? device.read(addr, buffers[0] as Uint8Array) : device.readv(addr, buffers));
    if (inflight.length >= UNCACHED_QUEUE) {
      const batch = inflight;
      inflight = [];
      await Promise.all(batch);
    }
  };
  const add = async (addr: number, piece: Uint8Array): Promise<void> => {
    const gap = vector === undefined ? -1 : addr - vector.end;
    if (vector !== undefined && gap >= 0 && gap <= MAX_GAP && vector.end - vector.addr + gap + piece.length <= UNCACHED_CHUNK) {
      if (gap > 0) vector.buffers.push(gapScratch.subarray(0, gap));
      vector.buffers.push(piece);
      vector.end = addr + piece.length;
      return;
    }
    await submit();
    vector = { addr, end: addr + piece.length, buffers: [piece] };
  };
  const iter = new IomapIter({ inode, pos, length: dst.length, op: IomapOp.Read });
  try {
    await iomapLoop(iter, ctx.ops, async (it) => {
      const len = it.iomapLength();
      const at = it.pos - pos;
      if (it.iomap.type === IomapType.Mapped) {
        const addr = it.iomap.addr + (it.pos - it.iomap.offset);
        for (let done = 0; done < len; done += UNCACHED_CHUNK) {
          const piece = Math.min(UNCACHED_CHUNK, len - done);
          await add(addr + done, dst.subarray(at + done, at + done + piece));
        }
      } else {
        dst.fill(0, at, at + len);
      }
      it.advance(len);
    });
    await submit();
  } finally {
    // Never leave a request running into the caller's buffer after we return (or throw).
    await Promise.allSettled(inflight);
  }
  await Promise.all(inflight);
  return dst.length;
}

/**
 * readFile of a small file (direct blocks only) that was never cached: the
 * block map runs straight from i_block, one device request per run into the
 * caller's buffer, all in flight together; no iterator, no folios.
 * Precondition: dst.length === inode.size <= 12 blocks; caller holds inode.lock shared.
 */
export async function readSmallFile(ctx: MountContext, inode: Ext2Inode, dst: Uint8Array): Promise<number> {
  checkMappable(inode); // what iomapBegin would refuse (extents, inline data)
  const bs = ctx.vol.geometry.blockSize;
  const blocks = Math.ceil(dst.length / bs);
  const reads: Promise<void>[] = [];
  try {
    for (let lblk = 0; lblk < blocks; ) {
      const run = await mapBlockRun(ctx.vol, inode, lblk, blocks - lblk);
      const at = lblk * bs;
      const end = Math.min(dst.length, (lblk + run.count) * bs);
      if (run.physical === 0) dst.fill(0, at, end);
      else reads.push(ctx.vol.device.read(run.physical * bs, dst.subarray(at, end)));
      lblk += run.count;
    }
  } finally {
    await Promise.allSettled(reads);
  }
  await Promise.all(reads);
  return dst.length;
}
