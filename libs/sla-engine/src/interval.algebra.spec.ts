import fc from 'fast-check';
import { clipIntervals, dropShorterThan, subtractIntervals, totalLength, unionIntervals, type Interval } from './interval.algebra';

const span = (start: number, end: number): Interval => ({ start, end });
const intervals = fc.array(
  fc.tuple(fc.integer({ min: 0, max: 1_000 }), fc.integer({ min: 0, max: 200 })).map(([start, length]) => span(start, start + length)),
  { maxLength: 12 },
);

describe('interval algebra', () => {
  it('merges overlapping and touching intervals into a sorted union and drops empty ones', () => {
    expect(unionIntervals([span(30, 40), span(0, 10), span(5, 20), span(20, 25), span(50, 50), span(60, 55)])).toEqual([
      span(0, 25),
      span(30, 40),
    ]);
  });

  it('counts overlapping time once', () => {
    expect(totalLength([span(0, 60), span(30, 90), span(100, 110)])).toBe(100);
  });

  it('keeps open intervals open', () => {
    expect(unionIntervals([span(10, Infinity), span(0, 20)])).toEqual([span(0, Infinity)]);
  });

  it('clips to a window, open intervals included', () => {
    expect(clipIntervals([span(0, 15), span(18, 22), span(25, Infinity)], span(10, 30))).toEqual([span(10, 15), span(18, 22), span(25, 30)]);
  });

  it('subtracts holes, including one hole spanning several intervals', () => {
    expect(subtractIntervals([span(0, 10), span(20, 30), span(40, 50)], [span(5, 25), span(28, 29), span(45, 100)])).toEqual([
      span(0, 5),
      span(25, 28),
      span(29, 30),
      span(40, 45),
    ]);
  });

  it('judges the minimum length on merged intervals, so touching blips add up', () => {
    expect(dropShorterThan([span(0, 40), span(40, 80), span(100, 130)], 60)).toEqual([span(0, 80)]);
  });

  describe('properties', () => {
    it('a union is never longer than the sum of its parts', () => {
      fc.assert(
        fc.property(intervals, (list) => {
          expect(totalLength(list)).toBeLessThanOrEqual(list.reduce((sum, i) => sum + (i.end - i.start), 0));
        }),
      );
    });

    it('a union is sorted, disjoint and non-touching', () => {
      fc.assert(
        fc.property(intervals, (list) => {
          const union = unionIntervals(list);
          union.forEach((i, k) => {
            expect(i.end).toBeGreaterThan(i.start);
            if (k > 0) expect(i.start).toBeGreaterThan(union[k - 1].end);
          });
        }),
      );
    });

    it('subtraction removes exactly the overlap (|A − B| = |A ∪ B| − |B|)', () => {
      fc.assert(
        fc.property(intervals, intervals, (a, b) => {
          expect(totalLength(subtractIntervals(a, b))).toBe(totalLength([...a, ...b]) - totalLength(b));
        }),
      );
    });
  });
});
