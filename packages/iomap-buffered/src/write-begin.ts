// Preparing a folio for a write step and finishing it (the kernel's
// iomap_write_begin / iomap_write_end / __iomap_put_folio), shared by
// buffered writes, zero range and unshare.
//
// write begin: get the locked folio (BUF-13) → wait for its writeback (our
//   pages are stable: writeback devices read folio memory asynchronously) →
//   revalidate the mapping (BUF-14) → make the partially covered blocks
//   uptodate: zero them when they need zeroing, else read them from the
//   source map (BUF-15, BUF-16); inline data is loaded instead (BUF-22).
// write end: a short copy into a folio that is not uptodate credits nothing
//   (BUF-17); otherwise the copied range becomes uptodate and dirty.
import {
  FsError,
  IomapContractError,
  IomapOp,
  IomapType,
  iomapAddress,
  iomapInlineData,
  iomapInlineDataValid,
  type IomapIter,
} from '@iomap/core';
import type { AddressSpace } from './address-space.js';
import type { Folio } from './folio.js';
import { adjustReadRange, blockNeedsZeroing } from './read-range.js';

/** A folio ready for a write step. */
export interface PreparedFolio {
  folio: Folio;
  /** Bytes of the step that fit in the folio. */
  len: number;
  /** Folio ranges this step made uptodate (zeroed or read): forgotten again if the step is credited nothing. */
  prepared: [number, number][];
}

/**
 * Locks and prepares the folio for writing `[pos, pos + len)`. Resolves
 * undefined when the mapping turned out stale (it is marked STALE and the
 * folio released). On error the folio is released and the error thrown.
 */
export async function writeBegin(it: IomapIter<unknown>, mapping: AddressSpace<unknown>, pos: number, len: number): Promise<PreparedFolio | undefined> {
  const nowait = (it.op & IomapOp.NoWait) !== 0;
  const folio = await getFolio(it, mapping, pos, len, nowait);
  try {
    if (folio.writeback) {
      if (nowait) throw new FsError('EAGAIN', `folio at ${folio.pos} is under writeback and NOWAIT forbids waiting`, { path: mapping.name });
      await folio.waitWriteback();
    }
    const valid = mapping.writeOps?.iomapValid;
    if (valid !== undefined && !valid.call(mapping.writeOps, mapping.inode, it.iomap)) {
      it.markStale();
      await putFolio(mapping, folio, pos, 0);
      return undefined;
    }
    const stepLen = Math.min(len, folio.end - pos);
    const srcmap = it.readMap();
    if (srcmap.type === IomapType.Inline) {
      writeBeginInline(it, mapping, folio);
      return { folio, len: stepLen, prepared: [] };
    }
    const prepared = await blockWriteBegin(it, mapping, folio, pos, stepLen);
    return { folio, len: stepLen, prepared };
  } catch (err) {
    if (folio.lock.locked) await putFolio(mapping, folio, pos, 0);
    throw err;
  }
}

async function getFolio(it: IomapIter<unknown>, mapping: AddressSpace<unknown>, pos: number, len: number, nowait: boolean): Promise<Folio> {
  const hook = mapping.writeOps?.getFolio;
  const folio = hook !== undefined ? await hook.call(mapping.writeOps, it, mapping, pos, len) : await mapping.grabFolio(pos, len, nowait);
  if (folio.owner !== mapping || pos < folio.pos || pos >= folio.end || !folio.lock.locked) {
    throw new IomapContractError('BUF-13', 'getFolio returns a locked folio of the mapping holding pos', `pos ${pos}, folio at ${folio.pos}`);
  }
  folio.dropBehind = (it.op & IomapOp.DontCache) !== 0 && (folio.dropBehind || !folio.dirty);
  return folio;
}

/** Releases a folio from getFolio: the putFolio hook (folio still locked), then unlock (BUF-13). */
export async function putFolio(mapping: AddressSpace<unknown>, folio: Folio, pos: number, copied: number): Promise<void> {
  try {
    await mapping.writeOps?.putFolio?.(mapping.inode, pos, copied, folio);
  } finally {
    folio.lock.unlock();
  }
}

/**
 * Makes the blocks of `[pos, pos + len)` that the write only partially
 * covers uptodate (BUF-15, BUF-16): zeroed when they need zeroing (srcmap
 * not MAPPED, NEW, or at/after EOF), else read from the source map. Fully
 * covered blocks are left alone; a folio the write covers entirely needs no
 * work. UNSHARE reads every non-uptodate block and may never zero (BUF-27).
 */
async function blockWriteBegin(it: IomapIter<unknown>, mapping: AddressSpace<unknown>, folio: Folio, pos: number, len: number): Promise<[number, number][]> {
  const unshare = (it.op & IomapOp.Unshare) !== 0;
  const prepared: [number, number][] = [];
  if (folio.uptodate) return prepared;
  if (!unshare && pos <= folio.pos && pos + len >= folio.end) return prepared;
  folio.ensureState();
  const bs = folio.blockSize;
  const from = pos - folio.pos;
  const to = from + len;
  const isize = mapping.size;
  const srcmap = it.readMap();
  const reads: Promise<void>[] = [];
  const readRuns: [number, number][] = [];
  let off = Math.floor(from / bs) * bs;
  const end = Math.ceil(to / bs) * bs;
  while (off < end) {
    const { skip, length } = adjustReadRange(folio, off, end - off, isize);
    if (length === 0) break;
    const poff = off + skip;
    off = poff + length;
    const partial = (from > poff && from < poff + length) || (to > poff && to < poff + length);
    if (!unshare && !partial) continue;
    if (blockNeedsZeroing(srcmap, folio.pos + poff, isize)) {
      if (unshare) throw new IomapContractError('BUF-27', 'unshare never zeroes: the source must be MAPPED', `pos ${folio.pos + poff}`);
      folio.zero(poff, poff + length);
      folio.setRangeUptodate(poff, length);
      prepared.push([poff, length]);
    } else {
      if ((it.op & IomapOp.NoWait) !== 0) {
        throw new FsError('EAGAIN', 'a read-modify-write read is needed and NOWAIT forbids it (BUF-20)', { path: mapping.name });
      }
      reads.push(readForWrite(it, mapping, folio, folio.pos + poff, length));
      readRuns.push([poff, length]);
    }
  }
  await Promise.all(reads);
  for (const [poff, length] of readRuns) {
    folio.setRangeUptodate(poff, length);
    prepared.push([poff, length]);
  }
  return prepared;
}

/** Reads `[pos, pos + len)` of the file from the source map into the folio (BUF-15). */
async function readForWrite(it: IomapIter<unknown>, mapping: AddressSpace<unknown>, folio: Folio, pos: number, len: number): Promise<void> {
  const hook = mapping.writeOps?.readFolioRange;
  if (hook !== undefined) return hook.call(mapping.writeOps, it, folio, pos, len);
  const srcmap = it.readMap();
  if (srcmap.device === undefined) throw new FsError('EIO', `source mapping at ${srcmap.offset} has no device`, { path: mapping.name });
  await srcmap.device.read(iomapAddress(srcmap, pos), folio.data.subarray(pos - folio.pos, pos - folio.pos + len));
}

/** Loads inline data into the folio (BUF-22): only an inline mapping at offset 0 is supported. */
function writeBeginInline(it: IomapIter<unknown>, mapping: AddressSpace<unknown>, folio: Folio): void {
  const srcmap = it.readMap();
  if (srcmap.offset !== 0 || folio.pos !== 0) {
    throw new FsError('EIO', `inline writes need the inline data at offset 0, got ${srcmap.offset}`, { path: mapping.name });
  }
  if (folio.uptodate) return;
  const data = srcmap.inlineData;
  const size = Math.max(0, Math.min(mapping.size, srcmap.length));
  if (data === undefined || data.length < size || size > folio.size) {
    throw new FsError('EIO', `inline data of ${size} bytes does not fit its mapping`, { path: mapping.name });
  }
  folio.data.set(data.subarray(0, size), 0);
  folio.zero(size, folio.size);
  folio.markUptodate();
}

/**
 * Finishes a write step of `len` bytes at `pos` of which `copied` were
 * copied into the folio; returns the bytes credited (BUF-17). Inline data is
 * copied back into the mapping's `inlineData` and the folio is not dirtied
 * (the filesystem persists it in iomapEnd, BUF-22).
 */
export function writeEnd(it: IomapIter<unknown>, step: PreparedFolio, pos: number, copied: number): number {
  const { folio, len } = step;
  const off = pos - folio.pos;
  if (it.readMap().type === IomapType.Inline) {
    if (!iomapInlineDataValid(it.iomap) || pos + copied > it.iomap.offset + it.iomap.length) {
      throw new FsError('EIO', `inline write at ${pos} does not fit the inline mapping`, { syscall: 'write' });
    }
    iomapInlineData(it.iomap, pos).set(folio.data.subarray(off, off + copied));
    return copied;
  }
  if (copied < len && !folio.uptodate) {
    for (const [poff, plen] of step.prepared) folio.clearRangeUptodate(poff, plen);
    return 0;
  }
  folio.setRangeUptodate(off, copied);
  folio.setRangeDirty(off, copied);
  return copied;
}
