// A set of integers kept as sorted, disjoint, non-adjacent half-open
// intervals [start, end). Adding merges with every interval it touches, so
// the set is always coalesced: add [0,2) then [2,5) holds the single [0,5).
// Memory grows with the number of separate runs, not with their lengths.

/** A half-open interval of integers `[start, end)`. */
export type Interval = readonly [start: number, end: number];

export class IntervalSet {
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];

  /** Number of separate intervals. */
  get count(): number {
    return this.starts.length;
  }

  /** Adds `[start, end)`; empty intervals are ignored. */
  add(start: number, end: number): void {
    if (end <= start) return;
    const first = this.firstEndingAtOrAfter(start); // first interval that touches or follows
    let last = first; // one past the last interval that touches
    while (last < this.starts.length && this.starts[last]! <= end) last++;
    const newStart = first < last ? Math.min(start, this.starts[first]!) : start;
    const newEnd = first < last ? Math.max(end, this.ends[last - 1]!) : end;
    this.starts.splice(first, last - first, newStart);
    this.ends.splice(first, last - first, newEnd);
  }

  /** True when `value` is in the set. */
  has(value: number): boolean {
    const i = this.firstEndingAtOrAfter(value + 1);
    return i < this.starts.length && this.starts[i]! <= value;
  }

  /** The parts of the set within `[start, end)`, in order, clipped to it. */
  *overlapping(start: number, end: number): Generator<Interval> {
    for (let i = this.firstEndingAtOrAfter(start + 1); i < this.starts.length && this.starts[i]! < end; i++) {
      yield [Math.max(start, this.starts[i]!), Math.min(end, this.ends[i]!)];
    }
  }

  /** Every interval, in order. */
  toArray(): Interval[] {
    return this.starts.map((s, i) => [s, this.ends[i]!] as const);
  }

  /** Index of the first interval whose end is ≥ `value` (binary search). */
  private firstEndingAtOrAfter(value: number): number {
    let lo = 0;
    let hi = this.ends.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ends[mid]! < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
