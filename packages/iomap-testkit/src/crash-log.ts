// The record a CrashDevice keeps of each device operation, and how an entry
// is replayed onto a device image.

/**
 * One recorded device operation.
 *
 * @example
 * ```ts
 * const writes = dev.log.filter((e) => e.kind === 'write').map((e) => [e.seq, e.pos, e.length]);
 * ```
 */
export interface CrashLogEntry {
  /** 1-based position in the log. */
  readonly seq: number;
  readonly kind: 'write' | 'flush' | 'discard';
  /** Byte position (0 for a flush). */
  readonly pos: number;
  /** Bytes written or discarded (0 for a flush). */
  readonly length: number;
  /** A copy of the written bytes (writes only). */
  readonly data?: Uint8Array;
  /** Flush only: entries `1..covers` are durable once this flush completed. */
  readonly covers?: number;
}

/** Applies one log entry to an image (a discard reads back as zeros). */
export function applyEntry(image: Uint8Array, entry: CrashLogEntry, from = entry.pos, to = entry.pos + entry.length): void {
  if (entry.kind === 'write' && entry.data !== undefined) {
    image.set(entry.data.subarray(from - entry.pos, to - entry.pos), from);
  } else if (entry.kind === 'discard') {
    image.fill(0, from, to);
  }
}
