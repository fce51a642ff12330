// Live views and layout breaking (DAX-11). A view returned by daxMap points
// straight at device memory; as long as someone holds it, the blocks under it
// must not be freed or reused — the userspace form of a DAX page pinned for
// DMA (get_user_pages). Before removing blocks (truncate, hole punch) the
// filesystem calls awaitLayoutIdle: it revokes the views over the range (so
// their holders know to let go) and resolves once none of them pins device
// memory there any more (the kernel's dax_layout_busy_page + wait).
//
// Views are also revoked, without waiting, when the blocks under them change
// for another reason: a NEW allocation replacing a zero-page view (DAX-3,
// DAX-5), copy on write or unshare moving the file to new blocks (DAX-4,
// DAX-8) — the kernel's unmap_mapping_pages / invalidate_inode_pages2_range.
import { PAGE_SIZE } from '@iomap/core';

/** Internal: what a live view tells the pin table about itself. */
export interface Pin {
  /** File range the view covers, page-aligned: `[start, end)`. */
  readonly start: number;
  readonly end: number;
  /** Whether stores through the view are allowed (a write fault). */
  readonly writable: boolean;
  /** The parts of `[start, end)` backed by device memory (not the zero page). */
  readonly deviceRanges: readonly (readonly [number, number])[];
  /** Marks the view invalid: its holder must stop using it and map again. */
  revoke(): void;
}

interface Waiter {
  start: number;
  end: number;
  resolve: () => void;
}

function meets(aStart: number, aEnd: number, bStart: number, bEnd: number): boolean {
  return aStart < bEnd && bStart < aEnd;
}

function pinsDeviceIn(pin: Pin, start: number, end: number): boolean {
  return pin.deviceRanges.some(([s, e]) => meets(s, e, start, end));
}

/** Internal: the live views of one DAX file. */
export class LayoutPins {
  readonly #live = new Set<Pin>();
  #waiters: Waiter[] = [];

  /** Views currently alive. */
  get count(): number {
    return this.#live.size;
  }

  add(pin: Pin): void {
    this.#live.add(pin);
  }

  /** Drops a released view and wakes the waiters whose range became idle. */
  remove(pin: Pin): void {
    if (!this.#live.delete(pin)) return;
    const still: Waiter[] = [];
    for (const w of this.#waiters) {
      if (this.busy(w.start, w.end)) still.push(w);
      else w.resolve();
    }
    this.#waiters = still;
  }

  /** Revokes every live view meeting `[start, end)`, except `keep`. */
  revokeOverlapping(start: number, end: number, keep?: Pin): void {
    for (const pin of this.#live) {
      if (pin !== keep && meets(pin.start, pin.end, start, end)) pin.revoke();
    }
  }

  /** Whether a live view pins device memory inside `[start, end)`. */
  busy(start: number, end: number): boolean {
    for (const pin of this.#live) if (pinsDeviceIn(pin, start, end)) return true;
    return false;
  }

  /** Whether a live writable view covers the page at `pagePos`. */
  writableCovers(pagePos: number): boolean {
    for (const pin of this.#live) {
      if (pin.writable && meets(pin.start, pin.end, pagePos, pagePos + PAGE_SIZE)) return true;
    }
    return false;
  }

  /** Resolves once no live view pins device memory inside `[start, end)`. */
  waitIdle(start: number, end: number): Promise<void> {
    if (!this.busy(start, end)) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ start, end, resolve }));
  }
}
