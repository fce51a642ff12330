// One file's extent map: records sorted by file block, never overlapping.
// Gaps between records are holes. Records are kept as they were made (one
// per allocation) and are only coalesced when a mapping is built, so the
// MERGED flag can say "several records were merged into this mapping".
//
//   file blocks:  0 1 2 3 4 5 6 7 8
//   records:     [mapped@100 ][hole][unwritten@40][delalloc]
import { FsError } from '@iomap/core';

/** What backs a record: allocated data, allocated-but-uninitialised, or a reservation. */
export type ExtentKind = 'mapped' | 'unwritten' | 'delalloc';

/** Internal: one extent record, in blocks. `devBlock` is -1 for delalloc. */
export interface ExtentRecord {
  readonly fileBlock: number;
  readonly blocks: number;
  readonly kind: ExtentKind;
  readonly devBlock: number;
}

/** The part of `rec` inside `[start, end)` (file blocks). */
export function clipRecord(rec: ExtentRecord, start: number, end: number): ExtentRecord {
  const s = Math.max(start, rec.fileBlock);
  const e = Math.min(end, rec.fileBlock + rec.blocks);
  const devBlock = rec.devBlock < 0 ? -1 : rec.devBlock + (s - rec.fileBlock);
  return { fileBlock: s, blocks: e - s, kind: rec.kind, devBlock };
}

/** Internal: the sorted record list of one inode. */
export class ExtentMap {
  private records: ExtentRecord[] = [];

  /** Every record, in file order. */
  get all(): readonly ExtentRecord[] {
    return this.records;
  }

  /** One past the last mapped file block (0 for an empty map). */
  get endBlock(): number {
    const last = this.records[this.records.length - 1];
    return last === undefined ? 0 : last.fileBlock + last.blocks;
  }

  /** Index of the first record ending after `block`. */
  private firstEndingAfter(block: number): number {
    let lo = 0;
    let hi = this.records.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const r = this.records[mid] as ExtentRecord;
      if (r.fileBlock + r.blocks <= block) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The record containing `block`, if any. */
  find(block: number): ExtentRecord | undefined {
    const r = this.records[this.firstEndingAfter(block)];
    return r !== undefined && r.fileBlock <= block ? r : undefined;
  }

  /** First file block at or after `block` covered by a record (Infinity if none). */
  nextCovered(block: number): number {
    const r = this.records[this.firstEndingAfter(block)];
    return r === undefined ? Infinity : Math.max(block, r.fileBlock);
  }

  /** The records overlapping `[start, end)`, clipped to it. */
  slice(start: number, end: number): ExtentRecord[] {
    const out: ExtentRecord[] = [];
    for (let i = this.firstEndingAfter(start); i < this.records.length; i++) {
      const r = this.records[i] as ExtentRecord;
      if (r.fileBlock >= end) break;
      out.push(clipRecord(r, start, end));
    }
    return out;
  }

  /** Removes everything in `[start, end)`, splitting records at the edges; returns the removed pieces. */
  remove(start: number, end: number): ExtentRecord[] {
    if (end <= start) return [];
    const first = this.firstEndingAfter(start);
    let last = first;
    const kept: ExtentRecord[] = [];
    const removed: ExtentRecord[] = [];
    while (last < this.records.length) {
      const r = this.records[last] as ExtentRecord;
      if (r.fileBlock >= end) break;
      if (r.fileBlock < start) kept.push(clipRecord(r, r.fileBlock, start));
      removed.push(clipRecord(r, start, end));
      if (r.fileBlock + r.blocks > end) kept.push(clipRecord(r, end, r.fileBlock + r.blocks));
      last++;
    }
    this.records.splice(first, last - first, ...kept);
    return removed;
  }

  /** Inserts a record over a range that must be a hole. */
  insert(rec: ExtentRecord): void {
    if (rec.blocks <= 0) return;
    const at = this.firstEndingAfter(rec.fileBlock);
    const next = this.records[at];
    if (next !== undefined && next.fileBlock < rec.fileBlock + rec.blocks) {
      throw new FsError('EIO', `testkit bug: extent at block ${rec.fileBlock} overlaps one at ${next.fileBlock}`);
    }
    this.records.splice(at, 0, rec);
  }

  /** Replaces `[rec.fileBlock, +blocks)` with `rec`; returns what was there. */
  replace(rec: ExtentRecord): ExtentRecord[] {
    const removed = this.remove(rec.fileBlock, rec.fileBlock + rec.blocks);
    this.insert(rec);
    return removed;
  }
}
