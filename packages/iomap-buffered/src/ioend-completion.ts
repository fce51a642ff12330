// Completing writeback I/O (BUF-39, BUF-40, BUF-21).
//
// Finished ioends of one address space queue up here; a single worker per
// address space drains the queue: it sorts and merges neighbours, calls the
// filesystem's `ioendComplete` once per merged ioend (unwritten conversion,
// size update) and only then ends writeback on the folio ranges — so nobody
// can read a converted range before the conversion happened. Errors, from
// the device or from the hook, are recorded for fsync (BUF-35). Nothing
// here ever rejects: a failure is recorded on the address space instead.
// DONTCACHE folios leave the cache once clean and idle (BUF-21).
import type { Ioend } from '@iomap/core';
import type { AddressSpace } from './address-space.js';
import { mergeIoends, mergedView, type IoendBuilder } from './ioend.js';
import { asFsError } from './read-request.js';

/**
 * The completion worker of one address space.
 *
 * @example
 * ```ts
 * mapping.completions.push(ioend); // after its device write settled
 * ```
 */
export class IoendCompletionQueue {
  private readonly queue: IoendBuilder[] = [];
  private running = false;
  /** Completion calls made to the filesystem (after merging). */
  completedGroups = 0;
  /** Ioends completed. */
  completedIoends = 0;

  constructor(private readonly mapping: AddressSpace<unknown>) {}

  /** Queues a finished ioend and starts the worker if it is idle. */
  push(ioend: IoendBuilder): void {
    this.queue.push(ioend);
    if (this.running) return;
    this.running = true;
    // Start on a later microtask, so ioends finishing together complete (and merge) together.
    void Promise.resolve().then(() => this.drain());
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0);
        for (const group of mergeIoends(batch)) await this.completeGroup(group);
      }
    } catch (err) {
      this.mapping.recordWritebackError(asFsError(err, 'ioend completion'));
    } finally {
      this.running = false;
    }
  }

  private async completeGroup(group: IoendBuilder[]): Promise<void> {
    const mapping = this.mapping;
    const view: Ioend = mergedView(group);
    let error = view.error;
    const hook = mapping.writebackOps?.ioendComplete;
    if (hook !== undefined) {
      try {
        await hook.call(mapping.writebackOps, mapping.inode, view);
      } catch (err) {
        error ??= asFsError(err, 'ioend completion');
      }
    }
    if (error !== undefined) mapping.recordWritebackError(error);
    this.completedGroups++;
    for (const io of group) {
      this.completedIoends++;
      for (const r of io.ranges) {
        try {
          r.folio.finishWrite(r.len);
          if (r.folio.dropBehind) dropIfIdle(mapping, r.folio);
        } catch (err) {
          mapping.recordWritebackError(asFsError(err, 'ending writeback'));
        }
      }
    }
  }
}

/** DONTCACHE (BUF-21): a written-back folio nobody uses leaves the cache. */
function dropIfIdle(mapping: AddressSpace<unknown>, folio: IoendBuilder['ranges'][number]['folio']): void {
  if (folio.writeback || folio.dirty || folio.pins > 0 || folio.owner !== mapping || !folio.lock.tryLock()) return;
  try {
    mapping.deleteFolio(folio);
  } finally {
    folio.lock.unlock();
  }
}
