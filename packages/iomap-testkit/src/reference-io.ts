// The simplest correct I/O path through an ExtentMapFs's mappings: no page
// cache, whole blocks written with read-modify-write. It gives the exerciser
// a real target today and shows, in one screen, what an engine must do with
// each mapping type:
//
//   HOLE         read zeros; never handed to a write (IOMAP-SPEC 2.8) -> EIO
//   DELALLOC     read zeros; a write is written back at once (writebackMap)
//   MAPPED       device I/O; partial blocks read-modify-write, or zero-filled
//                when NEW, or filled from the srcmap when copying on write
//   UNWRITTEN    read zeros; a write zero-fills partial blocks, then the
//                range is converted at completion (completeUnwritten)
//   INLINE       copy to/from inlineData; iomapEnd persists it
import { FsError, IomapFlags, IomapIter, IomapOp, IomapType, iomapLoop, iomapTypeName, type Iomap } from '@iomap/core';
import type { ExtentMapFs } from './extent-map-fs.js';
import type { ExtentMapInode } from './extent-map-fs-types.js';

/**
 * How a reference I/O call goes through the mappings.
 *
 * @example
 * ```ts
 * await referenceWrite(fs, file, 0, data, { direct: true }); // IomapOp.Write | IomapOp.Direct
 * ```
 */
export interface ReferenceIoOptions {
  /** Direct I/O: op flag DIRECT, positions and lengths aligned to the device's logical block size. */
  direct?: boolean;
}

function checkDirectAlignment(fs: ExtentMapFs, pos: number, length: number, syscall: string): void {
  const lbs = fs.device.logicalBlockSize;
  if (pos % lbs !== 0 || length % lbs !== 0) {
    throw new FsError('EINVAL', `direct I/O must be aligned to ${lbs} bytes (DIO-5), got ${pos}+${length}`, { syscall });
  }
}

/** Reads `[from, to)` (file bytes) as a mapping's backing holds them: zeros unless MAPPED or INLINE. */
async function readThrough(fs: ExtentMapFs, map: Iomap, from: number, out: Uint8Array): Promise<void> {
  if (map.type === IomapType.Mapped) await fs.device.read(map.addr + (from - map.offset), out);
  else if (map.type === IomapType.Inline && map.inlineData) out.set(map.inlineData.subarray(from - map.offset, from - map.offset + out.length));
  else out.fill(0);
}

/**
 * Builds whole blocks around `chunk` (written at file position `at`) inside
 * `map`: partial edges come from the srcmap (copy on write), zeros (NEW or
 * UNWRITTEN), or the current device contents (overwrite).
 */
async function blockImage(fs: ExtentMapFs, map: Iomap, srcmap: Iomap | undefined, at: number, chunk: Uint8Array) {
  const bs = fs.blockSize;
  const start = Math.max(map.offset, Math.floor(at / bs) * bs);
  const end = Math.min(map.offset + map.length, Math.ceil((at + chunk.length) / bs) * bs);
  const image = new Uint8Array(end - start);
  const fresh = (map.flags & IomapFlags.New) !== 0 || map.type === IomapType.Unwritten;
  const source = srcmap ?? (fresh ? undefined : map);
  for (const edge of new Set([start, end - bs])) {
    const inside = at <= edge && at + chunk.length >= edge + bs;
    if (inside || source === undefined) continue;
    await readThrough(fs, source, edge, image.subarray(edge - start, edge - start + bs));
  }
  image.set(chunk, at - start);
  return { start, image };
}

/** A buffered write over DELALLOC: allocate now (writebackMap) and write, like an immediate writeback. */
async function writeDelalloc(fs: ExtentMapFs, inode: ExtentMapInode, map: Iomap, at: number, chunk: Uint8Array) {
  const { start, image } = await blockImage(fs, map, undefined, at, chunk);
  for (let done = start; done < start + image.length; ) {
    const wb = await fs.writebackMap(inode, done, start + image.length - done);
    if (wb.type !== IomapType.Mapped && wb.type !== IomapType.Unwritten) {
      throw new FsError('EIO', `writebackMap returned ${iomapTypeName(wb.type)} for dirty data`);
    }
    const n = Math.min(start + image.length, wb.offset + wb.length) - done;
    await fs.device.write(wb.addr + (done - wb.offset), image.subarray(done - start, done - start + n));
    if (wb.type === IomapType.Unwritten) await fs.completeUnwritten(inode, done, n);
    done += n;
  }
}

/**
 * Writes `data` at `pos` through `iomapBegin(WRITE)` / `iomapEnd`, converting
 * UNWRITTEN space at completion. Resolves to the bytes written (short only
 * when a later mapping failed after progress, CORE-25).
 *
 * @example
 * ```ts
 * const fs = new ExtentMapFs();
 * const file = await fs.create('a');
 * await referenceWrite(fs, file, 4000, new Uint8Array(200).fill(7));
 * ```
 */
export async function referenceWrite(
  fs: ExtentMapFs,
  inode: ExtentMapInode,
  pos: number,
  data: Uint8Array,
  options: ReferenceIoOptions = {},
): Promise<number> {
  if (options.direct) checkDirectAlignment(fs, pos, data.length, 'write');
  if (data.length === 0) return 0;
  const op = IomapOp.Write | (options.direct ? IomapOp.Direct : 0);
  const it = new IomapIter({ inode, pos, length: data.length, op });
  const unwritten: [number, number][] = [];
  let error: unknown;
  await iomapLoop(it, fs, async (iter) => {
    const map = iter.iomap;
    const n = iter.iomapLength();
    const chunk = data.subarray(iter.pos - pos, iter.pos - pos + n);
    if (map.type === IomapType.Hole || (options.direct && map.type === IomapType.Delalloc)) {
      throw new FsError('EIO', `iomapBegin returned ${map.type === IomapType.Hole ? 'HOLE' : 'DELALLOC'} for a write`);
    }
    if (map.type === IomapType.Inline) {
      (map.inlineData as Uint8Array).set(chunk, iter.pos - map.offset);
    } else if (map.type === IomapType.Delalloc) {
      await writeDelalloc(fs, inode, map, iter.pos, chunk);
    } else {
      const { start, image } = await blockImage(fs, map, iter.srcmap, iter.pos, chunk);
      await fs.device.write(map.addr + (start - map.offset), image);
      if (map.type === IomapType.Unwritten) unwritten.push([iter.pos, n]);
    }
    iter.advance(n);
  }).catch((err: unknown) => {
    error = err;
  });
  for (const [at, n] of unwritten) await fs.completeUnwritten(inode, at, n);
  if (error !== undefined && it.pos === pos) throw error;
  return it.pos - pos;
}

/**
 * Reads through `iomapBegin` (flags 0, or DIRECT), clipped to EOF: HOLE,
 * UNWRITTEN and DELALLOC give zeros, MAPPED the device, INLINE the inline data.
 *
 * @example
 * ```ts
 * const bytes = await referenceRead(fs, file, 0, 4096, { direct: true });
 * ```
 */
export async function referenceRead(
  fs: ExtentMapFs,
  inode: ExtentMapInode,
  pos: number,
  length: number,
  options: ReferenceIoOptions = {},
): Promise<Uint8Array> {
  if (options.direct) checkDirectAlignment(fs, pos, length, 'read');
  const out = new Uint8Array(Math.max(0, Math.min(length, inode.size - pos)));
  if (out.length === 0) return out;
  const it = new IomapIter({ inode, pos, length: out.length, op: options.direct ? IomapOp.Direct : IomapOp.Read });
  await iomapLoop(it, fs, async (iter) => {
    const n = iter.iomapLength();
    await readThrough(fs, iter.iomap, iter.pos, out.subarray(iter.pos - pos, iter.pos - pos + n));
    iter.advance(n);
  });
  return out;
}

/**
 * Zeroes `[pos, pos + length)` inside EOF through `iomapBegin(ZERO)`: holes,
 * UNWRITTEN and DELALLOC are skipped (they read as zeros already), MAPPED
 * blocks are written (copying on write when shared), INLINE data is cleared.
 *
 * @example
 * ```ts
 * await referenceZeroRange(fs, file, 100, 5000);
 * ```
 */
export async function referenceZeroRange(fs: ExtentMapFs, inode: ExtentMapInode, pos: number, length: number): Promise<void> {
  const end = Math.min(pos + length, inode.size);
  if (end <= pos) return;
  const it = new IomapIter({ inode, pos, length: end - pos, op: IomapOp.Zero });
  await iomapLoop(it, fs, async (iter) => {
    const map = iter.iomap;
    const n = iter.iomapLength();
    if (map.type === IomapType.Inline) {
      (map.inlineData as Uint8Array).fill(0, iter.pos - map.offset, iter.pos - map.offset + n);
    } else if (map.type === IomapType.Mapped) {
      const { start, image } = await blockImage(fs, map, iter.srcmap, iter.pos, new Uint8Array(n));
      await fs.device.write(map.addr + (start - map.offset), image);
    }
    iter.advance(n);
  });
}
