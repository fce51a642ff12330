// The writeback contract (IOMAP-SPEC 2.5, BUF-32 … BUF-42): what a filesystem
// implements so the page cache (@iomap/buffered) can write its dirty data.
//
// The engine walks dirty folios in file order and, for each run of dirty
// blocks, asks the filesystem where the run lives (`writebackRange`). It
// builds ioends — runs contiguous in the file and on the device — submits one
// device write per ioend, and tells the filesystem when each ioend finished
// (`ioendComplete`), so it can convert unwritten extents and persist the size.
//
// This is the newer kernel API (`writeback_range`) reshaped for TypeScript:
// the filesystem returns a mapping and the engine adds it to an ioend itself
// (what a kernel block filesystem does with `iomap_add_to_ioend`).
import type { FsError } from './errors.js';
import type { Iomap } from './iomap.js';

/**
 * Properties of an ioend that decide whether two ioends may be merged
 * (BUF-37, BUF-40). Bit values are ours, not the kernel's.
 */
export const IoendFlags = {
  /** The range was UNWRITTEN when it was mapped: convert it after the write succeeds. */
  Unwritten: 1 << 0,
  /** The range was mapped with `IomapFlags.Shared` (a copy-on-write destination): remap it at completion. */
  Shared: 1 << 1,
  /** The first mapping carried `IomapFlags.Boundary`: never merged into the previous ioend. */
  Boundary: 1 << 2,
  /** The data was written with `IomapOp.DontCache`: the folios are dropped after completion (BUF-21). */
  DontCache: 1 << 3,
} as const;
export type IoendFlags = number;

/**
 * One finished writeback I/O as the filesystem sees it (the kernel's
 * `struct iomap_ioend`, read-only): file bytes `[offset, offset + size)`
 * were written to the device at `addr`.
 *
 * `size` is clamped to the EOF seen when the folios were written back, so a
 * size update at completion is byte-exact (BUF-38); the device write itself
 * covers whole blocks.
 */
export interface Ioend {
  /** File offset of the first byte. */
  readonly offset: number;
  /** File bytes covered, clamped to EOF (BUF-38). */
  readonly size: number;
  /** Device byte address of `offset`. */
  readonly addr: number;
  /** {@link IoendFlags} bits. */
  readonly flags: number;
  /** Why the device write failed, or `undefined` when it succeeded. */
  readonly error: FsError | undefined;
}

/**
 * The writeback callbacks a filesystem implements (IOMAP-SPEC 2.5).
 *
 * **`writebackRange(inode, pos, length, endPos)`** maps file bytes
 * `[pos, pos + length)` — a run of dirty blocks — for writeback. It returns
 * one mapping that contains `pos` (BUF-34, BUF-42):
 * - MAPPED or UNWRITTEN space: the engine writes there (UNWRITTEN ranges are
 *   converted by the filesystem in `ioendComplete`);
 * - HOLE: the bytes are skipped without I/O (the data was truncated or
 *   punched away meanwhile);
 * - never DELALLOC or INLINE: delayed allocations are allocated *here*
 *   (preferably the whole reservation, not just `length`), inline data is
 *   persisted by `iomapEnd`. Returning either fails the range with `EIO`.
 *
 * `endPos` is where the file's dirty data ends in this pass (at most EOF),
 * a hint for how far it is worth allocating. It is called with the folio
 * locked and under writeback; no upper lock (inode rwsem, invalidate lock)
 * is held, so the filesystem takes its own mapping lock inside and must not
 * lock folios. On failure it throws, after dropping any reservation of the
 * range: the engine clears the folio's dirty state anyway and records the
 * error for the next `fsync` (BUF-35).
 *
 * **`mappingValid(inode, iomap)`**, optional: whether a mapping returned by
 * an earlier `writebackRange` call is still true (typically by comparing
 * `iomap.validityCookie` with the filesystem's extent sequence number). When
 * present the engine reuses a valid mapping for the following dirty runs
 * instead of calling `writebackRange` again (BUF-42); without it every run is
 * mapped afresh.
 *
 * **`ioendComplete(inode, ioend)`**, optional: called once per (possibly
 * merged, BUF-40) ioend after its device write finished, *before* its folios
 * leave writeback, so a reader never sees a range whose conversion has not
 * happened yet (BUF-39). On success convert `IoendFlags.Unwritten` ranges to
 * MAPPED, remap `Shared` ones, and persist the size up to
 * `ioend.offset + ioend.size`. When `ioend.error` is set, do **not** convert
 * (IOMAP-SPEC §3.10). Throwing records the error for `fsync`.
 *
 * @example
 * ```ts
 * const writebackOps: WritebackOps<MyInode> = {
 *   async writebackRange(inode, pos, length, endPos) {
 *     return inode.lock.runExclusive(() => inode.allocateDelalloc(pos, endPos)); // MAPPED/UNWRITTEN/HOLE
 *   },
 *   mappingValid: (inode, map) => map.validityCookie === inode.extentSeq,
 *   async ioendComplete(inode, ioend) {
 *     if (ioend.error) return;
 *     if (ioend.flags & IoendFlags.Unwritten) await inode.convertUnwritten(ioend.offset, ioend.size);
 *     await inode.persistSize(ioend.offset + ioend.size);
 *   },
 * };
 * ```
 */
export interface WritebackOps<I = unknown> {
  writebackRange(inode: I, pos: number, length: number, endPos: number): Promise<Iomap>;
  mappingValid?(inode: I, iomap: Iomap): boolean;
  ioendComplete?(inode: I, ioend: Ioend): Promise<void>;
}
