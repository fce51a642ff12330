// Writeback error reporting with Linux errseq semantics (lib/errseq.c,
// BUF-35): a failed writeback records its error on the address space; every
// "file handle" keeps a cursor, and fsync through that cursor reports each
// new error exactly once.
//
// The value packs a counter, a SEEN bit and the errno:
//   value = counter * 8192 + (seen ? 4096 : 0) + errno
// Setting an error bumps the counter only when the previous error was seen,
// so an error nobody has looked at yet is not counted twice; sampling an
// unseen error returns 0, so a handle opened after a failure that nobody has
// reported yet still gets it.
import { ERRNO, FsError } from '@iomap/core';

const SEEN = 4096;
const COUNTER = 8192;

/**
 * One file handle's position in an {@link Errseq}: what it has already seen.
 * Create it with {@link Errseq.sample} when the file is opened.
 *
 * @example
 * ```ts
 * const cursor: ErrseqCursor = mapping.errseq.sample();
 * ```
 */
export interface ErrseqCursor {
  /** The errseq value this handle last reported (0 = nothing yet). */
  since: number;
}

/**
 * A writeback-error sequence (the kernel's `errseq_t` on `mapping->wb_err`).
 *
 * @example
 * ```ts
 * const cursor = mapping.errseq.sample();        // at open
 * mapping.errseq.set(new FsError('EIO', 'writeback failed'));
 * mapping.errseq.checkAndAdvance(cursor);        // the EIO, once
 * mapping.errseq.checkAndAdvance(cursor);        // undefined
 * ```
 */
export class Errseq {
  private value = 0;
  private latest: FsError | undefined = undefined;

  /** Records an error (errseq_set). */
  set(err: FsError): void {
    const errno = Math.min(-err.errno, SEEN - 1);
    let counter = Math.floor(this.value / COUNTER);
    if (this.value % COUNTER >= SEEN) counter++;
    this.value = counter * COUNTER + errno;
    this.latest = err;
  }

  /** A cursor for a newly opened handle (errseq_sample): unseen errors stay visible to it. */
  sample(): ErrseqCursor {
    return { since: this.value % COUNTER >= SEEN ? this.value : 0 };
  }

  /** The error recorded since `cursor` without consuming it (errseq_check). */
  check(cursor: ErrseqCursor): FsError | undefined {
    if (this.value === 0 || this.sameAs(cursor.since)) return undefined;
    return this.currentError();
  }

  /**
   * Reports the error recorded since `cursor`, once: marks it seen and moves
   * the cursor past it (errseq_check_and_advance). `undefined` when none.
   */
  checkAndAdvance(cursor: ErrseqCursor): FsError | undefined {
    if (this.value === 0 || this.sameAs(cursor.since)) return undefined;
    if (this.value % COUNTER < SEEN) this.value += SEEN;
    cursor.since = this.value;
    return this.currentError();
  }

  /** Whether any error was ever recorded. */
  get hasError(): boolean {
    return this.value !== 0;
  }

  private sameAs(since: number): boolean {
    // The SEEN bit does not make a value new: compare without it.
    return this.strip(this.value) === this.strip(since);
  }

  private strip(v: number): number {
    return v % COUNTER >= SEEN ? v - SEEN : v;
  }

  private currentError(): FsError {
    const errno = this.value % SEEN;
    if (this.latest !== undefined && -this.latest.errno === errno) return this.latest;
    const code = (Object.keys(ERRNO) as (keyof typeof ERRNO)[]).find((k) => ERRNO[k] === errno) ?? 'EIO';
    return new FsError(code, 'an earlier writeback of this file failed; its data may not be on storage', {
      syscall: 'fsync',
    });
  }
}
