// Reflink (FICLONERANGE): make a range of one file share the blocks of a
// range of another. Afterwards both see the same data; the blocks have a
// reference count above one, their mappings carry SHARED, and the first write
// to either side copies on write (see extent-begin.ts).
// Caller holds the mapping lock.
import { FsError } from '@iomap/core';
import type { FsContext, InodeState } from './fs-context.js';

/** Shares `[srcPos, srcPos + length)` of `src` into `dst` at `dstPos`. */
export function reflinkRange(
  ctx: FsContext,
  src: InodeState,
  srcPos: number,
  dst: InodeState,
  dstPos: number,
  length: number,
): void {
  const bs = ctx.blockSize;
  const fail = (detail: string): never => {
    throw new FsError('EINVAL', detail, { syscall: 'reflink', path: `${src.name} -> ${dst.name}` });
  };
  if (srcPos % bs !== 0 || dstPos % bs !== 0) fail(`positions must be multiples of the ${bs}-byte block`);
  const toEof = srcPos + length >= src.size;
  if (length % bs !== 0 && !toEof) fail(`length must be a multiple of ${bs} unless the range reaches EOF`);
  if (src.inline !== undefined || dst.inline !== undefined) fail('inline files cannot share blocks');
  const srcBlock = srcPos / bs;
  const dstBlock = dstPos / bs;
  const blocks = Math.ceil(length / bs);
  if (src === dst && srcBlock < dstBlock + blocks && dstBlock < srcBlock + blocks) fail('the ranges overlap');
  const pieces = src.map.slice(srcBlock, srcBlock + blocks);
  if (pieces.some((p) => p.kind === 'delalloc')) fail('the source range has delayed allocations; write it back first');
  for (const removed of dst.map.remove(dstBlock, dstBlock + blocks)) ctx.release(removed);
  for (const p of pieces) {
    ctx.allocator.ref({ start: p.devBlock, count: p.blocks });
    dst.map.insert({ ...p, fileBlock: p.fileBlock - srcBlock + dstBlock });
  }
  const dataEnd = dstPos + Math.min(length, Math.max(0, src.size - srcPos));
  if (dataEnd > dst.size) dst.size = dataEnd;
  src.changed();
  dst.changed();
}
