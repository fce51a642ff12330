// Counters a FileDevice keeps about the requests it was given and the I/O it
// made of them, so merging and the queue-depth bound can be observed.

/**
 * A snapshot of a {@link FileDevice}'s counters since it was opened (or since
 * `resetStats()`).
 *
 * `requests - operations` (when no retries happened) is how many requests were
 * merged away; `peakInFlight` never exceeds the device's `queueDepth`.
 *
 * @example
 * ```ts
 * await Promise.all([dev.write(0, a), dev.write(a.length, b)]);
 * const { requests, operations, merged } = dev.stats(); // 2, 1, 1
 * ```
 */
export interface FileDeviceStats {
  /** Read and write requests accepted (zero-length ones excluded; a discard that writes zeros adds its chunks). */
  requests: number;
  /** Transfers started after merging; one may take several system calls when the OS returns short counts. */
  operations: number;
  /** Requests that joined a transfer started for the request queued before them. */
  merged: number;
  /** Transfers done with synchronous calls on the descriptor (small requests). */
  syncOperations: number;
  /** Transfers done with async fs calls on libuv's thread pool. */
  asyncOperations: number;
  /** Async transfers running right now. */
  inFlight: number;
  /** The most async transfers that ran at once. */
  peakInFlight: number;
  /** Requests waiting in the queue right now. */
  pending: number;
  bytesRead: number;
  bytesWritten: number;
  /** `flush()` calls that reached the file (`fdatasync`). */
  flushes: number;
  /** `discard()` calls. */
  discards: number;
}

/** The counters the request queue maintains (everything but the live gauges). */
export type FileDeviceCounters = Omit<FileDeviceStats, 'inFlight' | 'pending'>;

/** Fresh all-zero counters. */
export function zeroCounters(): FileDeviceCounters {
  return {
    requests: 0,
    operations: 0,
    merged: 0,
    syncOperations: 0,
    asyncOperations: 0,
    peakInFlight: 0,
    bytesRead: 0,
    bytesWritten: 0,
    flushes: 0,
    discards: 0,
  };
}
