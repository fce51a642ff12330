// Pluggable device reads for the page cache (BUF-8, BUF-9): the newer
// kernel's `iomap_read_ops` {read_folio_range, submit_read}.
//
// The read walk (read.ts) decides, block by block, what must come from the
// device; every such range of a folio is handed to `readFolioRange`, which
// starts the device read and must call `finish` exactly once when it is
// over — synchronously inside the call or any time later. `submitRead` is
// called once after the walk, to flush whatever the filesystem batched.
// Without `readOps` on the address space the default below is used: it
// coalesces physically contiguous ranges into one `readv` and starts a new
// request on a discontiguity or at the size limit (ReadBatcher).
import type { BlockDevice, Iomap } from '@iomap/core';
import type { Folio } from './folio.js';
import { ReadBatcher } from './read-request.js';

/**
 * One range of a locked folio to be read from the device (BUF-8): fill
 * `buffer` (the folio's bytes `[offset, offset + length)`) with `length`
 * bytes of `device` from byte `addr`.
 *
 * @example
 * ```ts
 * await range.device.read(range.addr, range.buffer);
 * ```
 */
export interface FolioReadRange<I = unknown> {
  readonly inode: I;
  /** The folio being read: locked until every range of it finished. */
  readonly folio: Folio;
  /** Byte offset of the range in the folio. */
  readonly offset: number;
  readonly length: number;
  /** File position of the first byte. */
  readonly pos: number;
  /** The device and device byte address of `pos`, from the read mapping. */
  readonly device: BlockDevice;
  readonly addr: number;
  /** The mapping the data is read from (the source map when there is one). */
  readonly map: Readonly<Iomap>;
  /** `folio.data.subarray(offset, offset + length)`: where the bytes go. */
  readonly buffer: Uint8Array;
}

/**
 * Ends one range (the kernel's `iomap_finish_folio_read`): no argument or
 * `undefined` for success (the range becomes uptodate), anything else is
 * the error (`EIO` unless it is an `FsError`; the folio stays not uptodate
 * and the read fails). Call it exactly once per range (BUF-9): a second call
 * throws an `IomapContractError`.
 */
export type FinishFolioRead = (error?: unknown) => void;

/** Per read operation state handed to every call of one walk (the kernel's `iomap_read_folio_ctx`). */
export interface ReadOpsContext {
  /** The filesystem's own state for this read (batching); starts undefined. */
  private: unknown;
}

/**
 * How the page cache starts device reads (BUF-8). Set it as
 * `AddressSpaceOptions.readOps`; the default coalesces contiguous ranges.
 *
 * @example
 * ```ts
 * const readOps: BufferedReadOps<Inode> = {
 *   readFolioRange(range, finish) {
 *     range.device.read(range.addr, range.buffer).then(() => decrypt(range.buffer)).then(() => finish(), finish);
 *   },
 * };
 * cache.createAddressSpace({ inode, ops, blockSize, readOps });
 * ```
 */
export interface BufferedReadOps<I = unknown> {
  /**
   * Starts reading one range; must call `finish` exactly once, synchronously
   * or later. Throwing (or a returned promise rejecting) before `finish` was
   * called finishes the range with that error.
   */
  readFolioRange(range: FolioReadRange<I>, finish: FinishFolioRead, ctx: ReadOpsContext): void | Promise<void>;
  /** Submits what `readFolioRange` batched; called once after each read walk (also after a failed one). */
  submitRead?(ctx: ReadOpsContext): void;
}

/** Creates the default read ops: contiguous ranges of one walk become one request, up to `maxIoSize` bytes (BUF-8). */
export function defaultReadOps(maxIoSize: number): BufferedReadOps {
  const batcher = (ctx: ReadOpsContext): ReadBatcher => (ctx.private ??= new ReadBatcher(maxIoSize)) as ReadBatcher;
  return {
    readFolioRange(range, finish, ctx) {
      batcher(ctx).add(range.device, range.addr, range.buffer, finish);
    },
    submitRead(ctx) {
      batcher(ctx).submit();
    },
  };
}
