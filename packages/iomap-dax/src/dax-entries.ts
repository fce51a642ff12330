// Which pages of a DAX file were dirtied through writable views (the dirty
// DAX entries of the kernel's address space, DAX-10), and which devices were
// stored to since the last sync.
//
// A write fault records every page it maps writable together with the device
// address behind it, as dax_insert_entry(..., dirty) stores the pfn in the
// entry: daxSync later flushes exactly those addresses without asking the
// filesystem again. Flushing an address whose block was freed meanwhile is
// harmless (a cache write-back, never a data write).
//
//   page index:  0    1    2    3
//   dirty:       -    @8K  -    @40K      daxSync(0, 16K) flushes [8K,+4K) and [40K,+4K)
import { PAGE_SIZE, type DaxDevice } from '@iomap/core';

/** Internal: where a dirty page lives. */
export interface DirtyPage {
  /** File page index (file position / PAGE_SIZE). */
  index: number;
  device: DaxDevice;
  /** Device byte address of the page. */
  addr: number;
}

/** Internal: the dirty-page table of one DAX file. */
export class DaxEntries {
  readonly #dirty = new Map<number, DirtyPage>();
  /** Devices stored to since the last daxSync: each gets a device flush then. */
  readonly #written = new Set<DaxDevice>();

  /** Pages now dirty. */
  get dirtyCount(): number {
    return this.#dirty.size;
  }

  /** Marks the pages of `[pos, pos + length)` (page-aligned) dirty, mapped at `addr` on `device`. */
  markDirty(pos: number, length: number, device: DaxDevice, addr: number): void {
    for (let off = 0; off < length; off += PAGE_SIZE) {
      const index = (pos + off) / PAGE_SIZE;
      this.#dirty.set(index, { index, device, addr: addr + off });
    }
    this.#written.add(device);
  }

  /** Records a store to `device` that needs no page tracking (a daxRw write, zeroing, unshare). */
  noteWrite(device: DaxDevice): void {
    this.#written.add(device);
  }

  /**
   * Forgets the dirty pages of `[start, end)`: copy on write moved the file
   * to new blocks, so the old addresses no longer hold its data (the
   * kernel's `__dax_clear_dirty_range`).
   */
  clearRange(start: number, end: number): void {
    for (const index of this.#dirty.keys()) {
      const pos = index * PAGE_SIZE;
      if (pos < end && pos + PAGE_SIZE > start) this.#dirty.delete(index);
    }
  }

  /** The dirty pages whose file range meets `[start, end)`, in file order. */
  dirtyIn(start: number, end: number): DirtyPage[] {
    const pages: DirtyPage[] = [];
    for (const page of this.#dirty.values()) {
      const pos = page.index * PAGE_SIZE;
      if (pos < end && pos + PAGE_SIZE > start) pages.push(page);
    }
    return pages.sort((a, b) => a.index - b.index);
  }

  /** Marks one page clean (after it was flushed and no writable view covers it). */
  clean(index: number): void {
    this.#dirty.delete(index);
  }

  /** The devices stored to since the last call, forgotten by this call. */
  takeWrittenDevices(): DaxDevice[] {
    const devices = [...this.#written];
    this.#written.clear();
    return devices;
  }
}
