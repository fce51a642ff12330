// Small helpers over a mapping (CORE-14).
import { IomapContractError } from './errors.js';
import { IomapFlags, IomapType, type Iomap } from './iomap.js';
import type { IomapIter } from './iter.js';
import { PAGE_SIZE, SECTOR_SIZE } from './constants.js';

/**
 * The 512-byte device sector holding file position `pos` of a mapping.
 *
 * @example
 * ```ts
 * iomapSector({ addr: 8192, offset: 4096, ... }, 5000); // 17
 * ```
 */
export function iomapSector(map: Iomap, pos: number): number {
  return Math.floor((map.addr + pos - map.offset) / SECTOR_SIZE);
}

/** The device byte address of file position `pos` inside a MAPPED/UNWRITTEN mapping. */
export function iomapAddress(map: Iomap, pos: number): number {
  return map.addr + (pos - map.offset);
}

/** The inline bytes from file position `pos` on (an INLINE mapping). */
export function iomapInlineData(map: Iomap, pos: number): Uint8Array {
  if (map.inlineData === undefined) {
    throw new IomapContractError('CORE-14', 'inline data is only available on INLINE mappings', `pos ${pos}`);
  }
  return map.inlineData.subarray(pos - map.offset);
}

/** Whether an INLINE mapping's data fits in one page, as the engines require (CORE-14). */
export function iomapInlineDataValid(map: Iomap): boolean {
  return map.inlineData !== undefined && map.length <= PAGE_SIZE && map.inlineData.length >= map.length;
}

/**
 * The first block boundary not touched by a write of `written` bytes at `pos`:
 * `pos` rounded down when nothing was written, else the end rounded up
 * (CORE-14). Filesystems use it to release reservations after a short write.
 */
export function iomapLastWrittenBlock(blockSize: number, pos: number, written: number): number {
  if (written === 0) return Math.floor(pos / blockSize) * blockSize;
  return Math.ceil((pos + written) / blockSize) * blockSize;
}

/** Whether an unshare must copy this mapping: SHARED with a MAPPED source (CORE-14). */
export function iomapWantUnshare(iter: IomapIter): boolean {
  return (iter.iomap.flags & IomapFlags.Shared) !== 0 && iter.srcmap?.type === IomapType.Mapped;
}
