import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { IntervalSet } from '../src/interval-set.js';

describe('IntervalSet', () => {
  it('coalesces overlapping and adjacent intervals', () => {
    const set = new IntervalSet();
    set.add(10, 20);
    set.add(30, 40);
    set.add(0, 5);
    expect(set.toArray()).toEqual([[0, 5], [10, 20], [30, 40]]);
    set.add(20, 30); // touches both neighbours
    expect(set.toArray()).toEqual([[0, 5], [10, 40]]);
    set.add(3, 12);
    expect(set.toArray()).toEqual([[0, 40]]);
    set.add(50, 50); // empty
    expect(set.count).toBe(1);
  });

  it('answers membership and clipped overlaps', () => {
    const set = new IntervalSet();
    set.add(2, 4);
    set.add(8, 10);
    expect([1, 2, 3, 4, 7, 8, 9, 10].map((v) => set.has(v))).toEqual([false, true, true, false, false, true, true, false]);
    expect([...set.overlapping(3, 9)]).toEqual([[3, 4], [8, 9]]);
    expect([...set.overlapping(4, 8)]).toEqual([]);
    expect([...set.overlapping(0, 100)]).toEqual([[2, 4], [8, 10]]);
  });

  it('matches a set of numbers (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 30 }))), (adds) => {
        const set = new IntervalSet();
        const model = new Set<number>();
        for (const [start, len] of adds) {
          set.add(start, start + len);
          for (let i = start; i < start + len; i++) model.add(i);
        }
        for (let v = 0; v < 240; v++) expect(set.has(v)).toBe(model.has(v));
        const list = set.toArray();
        for (let i = 1; i < list.length; i++) expect(list[i]![0]).toBeGreaterThan(list[i - 1]![1]); // sorted, not adjacent
        expect(list.reduce((n, [s, e]) => n + e - s, 0)).toBe(model.size);
      }),
    );
  });
});
