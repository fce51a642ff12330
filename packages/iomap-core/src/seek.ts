// SEEK_HOLE and SEEK_DATA (CORE-19, CORE-20, CORE-21): walk [pos, EOF) with
// REPORT mappings. Inside UNWRITTEN extents the page cache decides: cached
// uptodate blocks are data, the rest is hole.
import { FsError } from './errors.js';
import { IomapOp, IomapType } from './iomap.js';
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
  checkSeekStart(pos, size, 'lseek(SEEK_HOLE)');
  let found = size;
  const iter = new IomapIter({ inode, pos, length: size - pos, op: IomapOp.Report });
  await iomapLoop(iter, ops, (it) => {
    const length = it.iomapLength();
    switch (it.iomap.type) {
      case IomapType.Hole:
        found = it.pos;
        return;
      case IomapType.Unwritten: {
        const end = it.pos + length;
        const hole = cache === undefined ? it.pos : (cache.seekHoleData(it.pos, end, 'hole') ?? end);
        if (hole < end) {
          found = hole;
          return;
        }
        it.advance(length);
        return;
      }
      default:
        it.advance(length);
    }
  });
  return iter.len > 0 ? found : size;
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
  checkSeekStart(pos, size, 'lseek(SEEK_DATA)');
  let found = size;
  const iter = new IomapIter({ inode, pos, length: size - pos, op: IomapOp.Report });
  await iomapLoop(iter, ops, (it) => {
    const length = it.iomapLength();
    switch (it.iomap.type) {
      case IomapType.Hole:
        it.advance(length);
        return;
      case IomapType.Unwritten: {
        const data = cache?.seekHoleData(it.pos, it.pos + length, 'data');
        if (data === undefined) {
          it.advance(length);
          return;
        }
        found = data;
        return;
      }
      default:
        found = it.pos;
    }
  });
  if (iter.len > 0) return found;
  throw new FsError('ENXIO', `no data at or after position ${pos} (size ${size})`, { syscall: 'lseek(SEEK_DATA)' });
}
