// bmap / FIBMAP (CORE-22, deprecated in Linux but used by boot loaders):
// the device block behind one file block.
import { FsError, IomapContractError } from './errors.js';
import { IomapOp, IomapType } from './iomap.js';
import type { IomapOps } from './iomap-ops.js';
import { IomapIter, iomapLoop } from './iter.js';
import { checkOffset } from './range-checks.js';

/** What bmap needs to know about the file. */
export interface BmapContext {
  /** The filesystem block size in bytes. */
  blockSize: number;
  /** Writes back the file's dirty cache first, so delalloc blocks get addresses. */
  sync?: () => Promise<void>;
}

/**
 * The device block number (in filesystem blocks) holding file block `block`,
 * or 0 when it is not MAPPED (hole, unwritten, delalloc, inline) or anything
 * failed — 0 is FIBMAP's error value too.
 *
 * @example
 * ```ts
 * const physical = await bmap(inode, ops, 0, { blockSize: 4096 });
 * ```
 */
export async function bmap<I>(inode: I, ops: IomapOps<I>, block: number, context: BmapContext): Promise<number> {
  checkOffset(block, 'block', 'bmap');
  const { blockSize } = context;
  if (!Number.isSafeInteger(blockSize) || blockSize <= 0 || (blockSize & (blockSize - 1)) !== 0) {
    throw new FsError('EINVAL', `blockSize must be a power of two, got ${String(blockSize)}`, { syscall: 'bmap' });
  }
  try {
    await context.sync?.();
    let physical = 0;
    const iter = new IomapIter({ inode, pos: block * blockSize, length: blockSize, op: IomapOp.Report });
    // The body never advances: one mapping is all bmap needs.
    await iomapLoop(iter, ops, (it) => {
      if (it.iomap.type === IomapType.Mapped) {
        physical = Math.floor((it.iomap.addr + (it.pos - it.iomap.offset)) / blockSize);
      }
    });
    return physical;
  } catch (err) {
    // FIBMAP reports failure as block 0; a broken filesystem contract is a
    // bug, not a failure, and is not hidden.
    if (err instanceof IomapContractError) throw err;
    return 0;
  }
}
