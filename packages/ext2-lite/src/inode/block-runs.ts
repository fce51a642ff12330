// A sorted set of disjoint runs of logical blocks, each optionally tied to a
// physical start: the in-memory maps of delayed allocation (reserved ranges,
// and blocks allocated by writeback but not yet in the block map).
//
//   runs: [lblk 0, +4 @ 900] [lblk 10, +2 @ 0 (no address)] ...
//
// Neighbours merge when they continue each other logically and (for runs
// with an address) physically. Lookups are binary searches; edits splice.

/** One run: logical blocks [lblk, lblk + count) at physical + i (0 = no address). */
export interface BlockRunEntry {
  readonly lblk: number;
  readonly count: number;
  readonly physical: number;
}

/** The sorted runs of one inode. Not thread-safe: the caller holds the inode's mapLock. */
export class BlockRuns {
  private runs: BlockRunEntry[] = [];
  /** Total blocks covered. */
  blocks = 0;

  get empty(): boolean {
    return this.runs.length === 0;
  }

  /** All runs in logical order (a copy). */
  list(): BlockRunEntry[] {
    return this.runs.slice();
  }

  /** Index of the first run ending after `lblk`. */
  private firstEndingAfter(lblk: number): number {
    let lo = 0;
    let hi = this.runs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const r = this.runs[mid] as BlockRunEntry;
      if (r.lblk + r.count <= lblk) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The part of the run containing `lblk` from `lblk` on, or undefined. */
  lookup(lblk: number): BlockRunEntry | undefined {
    const r = this.runs[this.firstEndingAfter(lblk)];
    if (r === undefined || r.lblk > lblk) return undefined;
    const skip = lblk - r.lblk;
    return { lblk, count: r.count - skip, physical: r.physical === 0 ? 0 : r.physical + skip };
  }

  /** First logical block >= `lblk` covered by a run, or Infinity. */
  nextCovered(lblk: number): number {
    const r = this.runs[this.firstEndingAfter(lblk)];
    if (r === undefined) return Infinity;
    return Math.max(r.lblk, lblk);
  }

  /** Adds a run. Precondition: it overlaps no existing run. */
  add(run: BlockRunEntry): void {
    if (run.count <= 0) return;
    const i = this.firstEndingAfter(run.lblk);
    const next = this.runs[i];
    if (next !== undefined && next.lblk < run.lblk + run.count) {
      throw new RangeError(`block run [${run.lblk}, +${run.count}) overlaps [${next.lblk}, +${next.count})`);
    }
    let merged = run;
    let from = i;
    let to = i;
    const prev = this.runs[i - 1];
    if (prev !== undefined && continues(prev, merged)) {
      merged = { lblk: prev.lblk, count: prev.count + merged.count, physical: prev.physical };
      from = i - 1;
    }
    if (next !== undefined && continues(merged, next)) {
      merged = { lblk: merged.lblk, count: merged.count + next.count, physical: merged.physical };
      to = i + 1;
    }
    this.runs.splice(from, to - from, merged);
    this.blocks += run.count;
  }

  /** Removes and returns the parts of runs inside [start, end), in order. */
  take(start: number, end: number): BlockRunEntry[] {
    const out: BlockRunEntry[] = [];
    if (end <= start) return out;
    const i = this.firstEndingAfter(start);
    const replace: BlockRunEntry[] = [];
    let j = i;
    for (; j < this.runs.length; j++) {
      const r = this.runs[j] as BlockRunEntry;
      if (r.lblk >= end) break;
      const a = Math.max(r.lblk, start);
      const b = Math.min(r.lblk + r.count, end);
      out.push({ lblk: a, count: b - a, physical: r.physical === 0 ? 0 : r.physical + (a - r.lblk) });
      if (r.lblk < a) replace.push({ lblk: r.lblk, count: a - r.lblk, physical: r.physical });
      if (b < r.lblk + r.count) replace.push({ lblk: b, count: r.lblk + r.count - b, physical: r.physical === 0 ? 0 : r.physical + (b - r.lblk) });
    }
    this.runs.splice(i, j - i, ...replace);
    for (const piece of out) this.blocks -= piece.count;
    return out;
  }

  /** Blocks covered inside [start, end). */
  countIn(start: number, end: number): number {
    let n = 0;
    for (let i = this.firstEndingAfter(start); i < this.runs.length; i++) {
      const r = this.runs[i] as BlockRunEntry;
      if (r.lblk >= end) break;
      n += Math.min(r.lblk + r.count, end) - Math.max(r.lblk, start);
    }
    return n;
  }
}

function continues(a: BlockRunEntry, b: BlockRunEntry): boolean {
  if (a.lblk + a.count !== b.lblk) return false;
  if (a.physical === 0 || b.physical === 0) return a.physical === b.physical;
  return a.physical + a.count === b.physical;
}
