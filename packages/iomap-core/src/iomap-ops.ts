// The contract between a filesystem and the iomap engines (CORE-6, CORE-11,
// CORE-24; IOMAP-SPEC.md sections 2.2 and 2.3).
import type { Iomap } from './iomap.js';

/** What `iomapBegin` returns: the mapping, plus a source map for copy-on-write (CORE-10). */
export interface IomapMapping extends Iomap {
  /**
   * Where data must be *read* from when it differs from where it will be
   * written (reflink/COW). Leave it undefined otherwise; only the page cache
   * and DAX paths honour it.
   */
  srcmap?: Iomap;
}

/**
 * The filesystem's mapping callbacks (CORE-6).
 *
 * `iomapBegin` returns one mapping containing `pos`. It may be shorter or
 * longer than `length`; return the *largest* mapping valid for the operation.
 * Errors are thrown as `FsError` (`ENOSPC`, `EAGAIN` under NOWAIT, `ENOTBLK`
 * for a direct write that must fall back to buffered I/O, …).
 *
 * `iomapEnd`, if present, is called once per successful `iomapBegin` with the
 * position the mapping's work began at, the mapping's length clipped to the
 * request (and to the source map), the bytes actually done (`written`, often
 * 0), the same `op` flags and the whole mapping record. It
 * commits what was written and releases what was reserved but unused.
 * Rules: IOMAP-SPEC.md 2.2 and 2.3. Neither callback may keep the
 * filesystem's mapping lock held after returning.
 *
 * @example
 * ```ts
 * const ops: IomapOps<MyInode> = {
 *   async iomapBegin(inode, pos, length, op) {
 *     const extent = inode.findExtent(pos);
 *     return { offset: extent.start, length: extent.length, addr: extent.addr,
 *              type: IomapType.Mapped, flags: 0, device: inode.device };
 *   },
 * };
 * ```
 */
export interface IomapOps<I = unknown> {
  iomapBegin(inode: I, pos: number, length: number, op: number): Promise<IomapMapping>;
  iomapEnd?(inode: I, pos: number, length: number, written: number, op: number, iomap: Iomap): Promise<void>;
}

/**
 * Per-write hooks passed beside `IomapOps` to page-cache writes, zeroing and
 * unshare (the newer kernel's `iomap_write_ops`). Engines extend this with
 * their own hooks.
 */
export interface IomapWriteOps<I = unknown> {
  /**
   * CORE-24: answers whether a mapping returned earlier is still current,
   * usually by comparing `iomap.validityCookie` with a counter the filesystem
   * bumps on every extent-map change. Called with the target folio locked.
   */
  iomapValid?(inode: I, iomap: Iomap): boolean;
}
