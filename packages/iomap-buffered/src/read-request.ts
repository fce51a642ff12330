// Device reads for the page cache (BUF-8, BUF-9).
//
// A FolioRead tracks one locked folio being filled: it starts with a 1-byte
// bias, every submitted range adds its length, every completion subtracts
// it, and the walk drops the bias when it moves past the folio. Whoever
// brings the count to zero ends the read — marks nothing (the ranges already
// marked themselves uptodate), unlocks the folio, resolves `ended` — exactly
// once, even when the device completes inside the submit call.
//
// A ReadBatcher (the default read ops, read-ops.ts) turns ranges into device requests: a range that continues
// the current request on the same device (next byte address) is appended as
// one more buffer of a readv; anything else submits the current request and
// starts a new one. Submitted requests run concurrently.
import { FsError, IomapContractError, isFsError, type BlockDevice } from '@iomap/core';
import type { Folio } from './folio.js';

/** Wraps anything thrown by a device as an FsError (EIO unless it already is one). */
export function asFsError(err: unknown, what: string): FsError {
  if (isFsError(err)) return err;
  return new FsError('EIO', `${what} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

/**
 * One folio being read. The folio is locked by whoever created this; the
 * end of the read unlocks it (BUF-9).
 *
 * @example
 * ```ts
 * const read = new FolioRead(folio);  // folio locked, bias taken
 * read.add(4096);                   // a range submitted...
 * read.complete(0, 4096, undefined); // ...and finished
 * read.walkDone();                    // drop the bias
 * await read.ended;                   // folio unlocked; check folio.uptodate
 * ```
 */
export class FolioRead {
  /** The first error seen for this folio. */
  error: FsError | undefined = undefined;
  readonly ended: Promise<void>;
  private pending = 1;
  private endCount = 0;
  private biasDropped = false;
  private resolveEnded!: () => void;

  constructor(readonly folio: Folio) {
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
  }

  /** Accounts a range about to be submitted. */
  add(bytes: number): void {
    this.pending += bytes;
  }

  /** A submitted range finished: uptodate on success, remembered error otherwise. */
  complete(off: number, len: number, err: FsError | undefined): void {
    if (err === undefined) this.folio.setRangeUptodate(off, len);
    else this.error ??= err;
    this.put(len);
  }

  /** Records an error that kept part of the folio from being read. */
  fail(err: FsError): void {
    this.error ??= err;
  }

  /** The walk moved past the folio: drop the bias (once). */
  walkDone(): void {
    if (this.biasDropped) return;
    this.biasDropped = true;
    this.put(1);
  }

  private put(bytes: number): void {
    this.pending -= bytes;
    if (this.pending > 0) return;
    if (++this.endCount !== 1 || this.pending < 0) {
      throw new IomapContractError('BUF-9', 'a folio read ends exactly once', `folio at ${this.folio.pos}`);
    }
    this.folio.lock.unlock();
    this.resolveEnded();
  }
}

interface Request {
  device: BlockDevice;
  addr: number;
  length: number;
  buffers: Uint8Array[];
  finishers: ((err?: FsError) => void)[];
}

/**
 * Builds device read requests from folio ranges, merging physically
 * contiguous ones (BUF-8): the default `readFolioRange`/`submitRead`.
 *
 * @example
 * ```ts
 * const batcher = new ReadBatcher(8 << 20);
 * batcher.add(device, 65536, bufA, finishA);
 * batcher.add(device, 69632, bufB, finishB); // same request (readv of 2 buffers)
 * batcher.submit();
 * ```
 */
export class ReadBatcher {
  private current: Request | undefined = undefined;
  /** Device requests submitted so far. */
  requests = 0;

  constructor(private readonly maxIoSize: number) {}

  /** Reads `buffer.length` bytes at device byte `addr` into `buffer`; `finish` is called once when the request settles. */
  add(device: BlockDevice, addr: number, buffer: Uint8Array, finish: (err?: FsError) => void): void {
    const cur = this.current;
    const len = buffer.length;
    if (cur !== undefined && cur.device === device && cur.addr + cur.length === addr && cur.length + len <= this.maxIoSize) {
      cur.length += len;
      cur.buffers.push(buffer);
      cur.finishers.push(finish);
      return;
    }
    this.submit();
    this.current = { device, addr, length: len, buffers: [buffer], finishers: [finish] };
  }

  /** Submits the request being built, without waiting for it; its ranges finish when it settles. */
  submit(): void {
    const req = this.current;
    if (req === undefined) return;
    this.current = undefined;
    this.requests++;
    let io: Promise<void>;
    try {
      io = req.buffers.length === 1 ? req.device.read(req.addr, req.buffers[0] as Uint8Array) : req.device.readv(req.addr, req.buffers);
    } catch (err) {
      io = Promise.reject(err);
    }
    const done = (err: FsError | undefined) => {
      for (const finish of req.finishers) finish(err);
    };
    void io.then(() => done(undefined), (err: unknown) => done(asFsError(err, `read of ${req.length} bytes at device byte ${req.addr}`)));
  }
}
