// The folios of one file, indexed by the page index of their first page.
//
// Folios are naturally aligned powers of two (BUF-1), so the folio holding
// page `i` can only start at `i` rounded down to one of the few folio sizes
// the file allows: a lookup probes those starts, smallest first.
//
//   sizes 1..4 pages, lookup(6): probe 6 (1 page), 6 (2 pages), 4 (4 pages)
import { PAGE_SIZE } from '@iomap/core';
import type { Folio } from './folio.js';

/**
 * Page-index → folio map of one address space.
 *
 * @example
 * ```ts
 * const index = new FolioIndex(1, 16);
 * index.lookup(7); // the folio holding page 7, if cached
 * ```
 */
export class FolioIndex {
  private readonly byStart = new Map<number, Folio>();

  /** `minPages`/`maxPages`: the smallest and largest folio sizes, in pages (powers of two). */
  constructor(
    readonly minPages: number,
    readonly maxPages: number,
  ) {}

  /** Number of cached folios. */
  get count(): number {
    return this.byStart.size;
  }

  /** Every cached folio, in no particular order. */
  values(): IterableIterator<Folio> {
    return this.byStart.values();
  }

  /** The folio holding page `index`, if cached. */
  lookup(index: number): Folio | undefined {
    for (let n = this.minPages; n <= this.maxPages; n *= 2) {
      const folio = this.byStart.get(index - (index % n));
      if (folio !== undefined && folio.index + folio.size / PAGE_SIZE > index) return folio;
    }
    return undefined;
  }

  /** Whether no cached folio overlaps pages `[index, index + pages)`; `index` is aligned to `pages`. */
  isFree(index: number, pages: number): boolean {
    if (this.lookup(index) !== undefined) return false;
    for (let i = index + this.minPages; i < index + pages; i += this.minPages) {
      if (this.byStart.has(i)) return false;
    }
    return true;
  }

  insert(folio: Folio): void {
    this.byStart.set(folio.index, folio);
  }

  /** Removes `folio` if it is the one cached at its index. */
  remove(folio: Folio): void {
    if (this.byStart.get(folio.index) === folio) this.byStart.delete(folio.index);
  }

  /** Cached folios overlapping pages `[start, end)`, in file order. */
  range(start: number, end: number): Folio[] {
    const out: Folio[] = [];
    if (end <= start || this.byStart.size === 0) return out;
    if ((end - start) / this.minPages <= this.byStart.size * 2) {
      let i = start - (start % this.minPages);
      while (i < end) {
        const folio = this.lookup(i);
        if (folio === undefined) {
          i += this.minPages;
          continue;
        }
        out.push(folio);
        i = folio.index + folio.size / PAGE_SIZE;
      }
      return out;
    }
    for (const folio of this.byStart.values()) {
      if (folio.index < end && folio.index + folio.size / PAGE_SIZE > start) out.push(folio);
    }
    return out.sort((a, b) => a.index - b.index);
  }
}
