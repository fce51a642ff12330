// SEEK_HOLE and SEEK_DATA (CORE-19, CORE-20, CORE-21): walk [pos, EOF) with
// REPORT mappings. Inside UNWRITTEN extents the page cache decides: cached
// uptodate blocks are data, the rest is hole.
import { FsError } from './errors.js';
import { IomapOp, IomapType, type Iomap } from './iomap.js';
import type { IomapOps } from './iomap-ops.js';
import type { PageCacheSeek } from './cache-coherency.js';
import { IomapIter, iomapLoop } from './iter.js';
import { checkOffset } from './range-checks.js';

/** What seeking needs to know about the file. */
export interface SeekContext {
  /** In-core file size (EOF). */
  size: number;
  /** The file's page cache, consulted inside UNWRITTEN extents. Without one, unwritten space is hole. */
  cache?: PageCacheSeek;
}

function checkSeekStart(pos: number, size: number, syscall: string): void {
  checkOffset(size, 'size', syscall);
  if (!Number.isSafeInteger(pos)) checkOffset(pos, 'position', syscall);
  if (pos < 0 || pos >= size) {
    throw new FsError('ENXIO', `position ${String(pos)} is not inside the file (size ${size})`, { syscall });
  }
}

/**
 * Walks `[pos, EOF)` with REPORT mappings, asking `findIn` for the answer
 * inside each mapping's `[start, end)`; returns the first answer, or
 * undefined when the walk reached EOF without one.
 */
async function seekWalk<I>(
  inode: I,
  ops: IomapOps<I>,
  pos: number,
  size: number,
  syscall: string,
  findIn: (map: Iomap, start: number, end: number) => number | undefined,
): Promise<number | undefined> {
  checkSeekStart(pos, size, syscall);
  let found: number | undefined;
  const iter = new IomapIter({ inode, pos, length: size - pos, op: IomapOp.Report });
  await iomapLoop(iter, ops, (it) => {
    const length = it.iomapLength();
    found = findIn(it.iomap, it.pos, it.pos + length);
    if (found === undefined) it.advance(length);
  });
  return found;
}

/**
 * The first hole at or after `pos` (CORE-19). EOF counts as a hole, so a
 * file with no holes answers its size. `ENXIO` when `pos` is negative or at
 * or past EOF.
 *
 * @example
 * ```ts
 * const hole = await seekHole(inode, ops, 0, { size }); // first hole, or size
 * ```
 */
export async function seekHole<I>(inode: I, ops: IomapOps<I>, pos: number, context: SeekContext): Promise<number> {
  const { size, cache } = context;
  const hole = await seekWalk(inode, ops, pos, size, 'lseek(SEEK_HOLE)', (map, start, end) => {
    if (map.type === IomapType.Hole) return start;
    if (map.type !== IomapType.Unwritten) return undefined;
    // Inside unwritten space the page cache decides (CORE-21).
    const first = cache === undefined ? start : (cache.seekHoleData(start, end, 'hole') ?? end);
    return first < end ? first : undefined;
  });
  return hole ?? size;
}

/**
 * The first data at or after `pos` (CORE-20). `ENXIO` when `pos` is negative,
 * at or past EOF, or when only holes follow.
 *
 * @example
 * ```ts
 * const data = await seekData(inode, ops, 0, { size });
 * ```
 */
export async function seekData<I>(inode: I, ops: IomapOps<I>, pos: number, context: SeekContext): Promise<number> {
  const { size, cache } = context;
  const data = await seekWalk(inode, ops, pos, size, 'lseek(SEEK_DATA)', (map, start, end) => {
    if (map.type === IomapType.Hole) return undefined;
    if (map.type === IomapType.Unwritten) return cache?.seekHoleData(start, end, 'data');
    return start;
  });
  if (data !== undefined) return data;
  throw new FsError('ENXIO', `no data at or after position ${pos} (size ${size})`, { syscall: 'lseek(SEEK_DATA)' });
}
