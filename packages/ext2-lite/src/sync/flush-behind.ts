// Flush-behind: device flushes started during streaming writeback, so the
// device's volatile cache drains while the writer is still copying.
//
// A FileDevice writes into the host's page cache; without this, every byte
// of a large write reaches stable storage only in fsync's first flush, which
// then waits for all of it at once (most of fsync's time for a 256 MiB
// file). Once FLUSH_BEHIND_BYTES of file data completed writeback since the
// last flush started, one flush is started in the background (never two at
// once); the final flush of fsync then finds little left to do. Devices that
// offer `flushWritten` (FileDevice) flush without holding back the writes
// that follow, so copying, writeback and the flush all overlap.
//
// Crash safety is unaffected: a flush only makes writes that already
// completed durable, and every ordering rule of the metadata sync
// (metadata-sync.ts) is kept by its own flushes; an extra one in between
// removes crash states, it never adds any. Errors cannot be lost: a
// background flush that fails is reported by the next metadata sync (fsync,
// sync, unmount), which fails with it, since an fdatasync error is reported
// only once and a later flush would succeed without the lost data.
import type { BlockDevice } from '@iomap/core';

/** Completed writeback (bytes) after which a background flush starts; measured with bench/write.bench.ts. */
export const FLUSH_BEHIND_BYTES = 32 << 20;

/** The flush-behind state of one mount. */
export class FlushBehind {
  private written = 0;
  private running: Promise<void> | undefined;
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly device: BlockDevice,
    /** Completed writeback that starts a flush; 0 turns flush-behind off. */
    readonly thresholdBytes: number = FLUSH_BEHIND_BYTES,
  ) {}

  /** Notes `bytes` of file data whose device write completed; may start a background flush. */
  noteWritten(bytes: number): void {
    if (this.thresholdBytes <= 0) return;
    this.written += bytes;
    if (this.written < this.thresholdBytes || this.running !== undefined) return;
    this.written = 0;
    // A device with a background flush keeps writing meanwhile; others hold writes back for it.
    const flush = this.device.flushWritten?.() ?? this.device.flush();
    this.running = flush.then(
      () => {
        this.running = undefined;
      },
      (error: unknown) => {
        this.running = undefined;
        this.failure ??= { error };
      },
    );
  }

  /**
   * Waits for a background flush still running, then throws the error of
   * the first background flush that failed since the last call (once).
   */
  async settle(): Promise<void> {
    if (this.running !== undefined) await this.running;
    const failure = this.failure;
    this.failure = undefined;
    if (failure !== undefined) throw failure.error;
  }
}
