// The per-write hooks of the page-cache write paths (the newer kernel's
// `iomap_write_ops`): core's `iomapValid` plus folio get/put and the
// read-modify-write read (BUF-13, BUF-14, BUF-15).
import type { IomapIter, IomapWriteOps } from '@iomap/core';
import type { AddressSpace } from './address-space.js';
import type { Folio } from './folio.js';

/**
 * Hooks for buffered writes, zeroing and unshare, passed as the address
 * space's `writeOps`.
 *
 * - `iomapValid(inode, iomap)` (core, CORE-24): asked after the target folio
 *   is locked; `false` makes the mapping STALE and the write re-maps at the
 *   same position without losing bytes (BUF-14).
 * - `getFolio(iter, mapping, pos, len)`: returns a *locked* folio of
 *   `mapping` holding `pos` (default: `mapping.grabFolio(pos, len, nowait)`).
 * - `putFolio(inode, pos, copied, folio)`: called once for every folio
 *   `getFolio` returned, with the folio still locked and `copied` the bytes
 *   credited in that step; the engine unlocks it afterwards (BUF-13).
 * - `readFolioRange(iter, folio, pos, len)`: fills `[pos, pos + len)` of
 *   the folio from the source map for a read-modify-write (default: a
 *   device read from `iter.readMap()`, BUF-15).
 *
 * @example
 * ```ts
 * const writeOps: BufferedWriteOps<MyInode> = {
 *   iomapValid: (inode, map) => map.validityCookie === inode.extentSeq,
 *   putFolio: (inode, pos, copied) => { inode.stats.written += copied; },
 * };
 * ```
 */
export interface BufferedWriteOps<I = unknown> extends IomapWriteOps<I> {
  getFolio?(iter: IomapIter<I>, mapping: AddressSpace<I>, pos: number, len: number): Promise<Folio>;
  putFolio?(inode: I, pos: number, copied: number, folio: Folio): void | Promise<void>;
  readFolioRange?(iter: IomapIter<I>, folio: Folio, pos: number, len: number): Promise<void>;
}
