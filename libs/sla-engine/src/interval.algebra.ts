/** A half-open span of time [start, end) in epoch milliseconds; `end` may be `Infinity` for an open span. */
export interface Interval {
  start: number;
  end: number;
}

/**
 * The union as a sorted list of disjoint intervals. Touching intervals merge (half-open spans
 * [a, b) and [b, c) leave no gap), empty and inverted ones are dropped.
 */
export function unionIntervals(intervals: Interval[]): Interval[] {
  const sorted = intervals.filter((i) => i.end > i.start).sort((a, b) => a.start - b.start);
  const merged: Interval[] = [];
  for (const { start, end } of sorted) {
    const last = merged[merged.length - 1];
    if (last && start <= last.end) last.end = Math.max(last.end, end);
    else merged.push({ start, end });
  }
  return merged;
}

/** The union, cut to the window. */
export function clipIntervals(intervals: Interval[], window: Interval): Interval[] {
  return unionIntervals(
    intervals.map((i) => ({ start: Math.max(i.start, window.start), end: Math.min(i.end, window.end) })),
  );
}

/** The union of `from` with every part covered by `cut` removed. */
export function subtractIntervals(from: Interval[], cut: Interval[]): Interval[] {
  const holes = unionIntervals(cut);
  const result: Interval[] = [];
  let h = 0;
  for (const interval of unionIntervals(from)) {
    let start = interval.start;
    // Both lists are sorted, so holes that end before this interval can never matter again.
    while (h < holes.length && holes[h].end <= start) h++;
    for (let k = h; k < holes.length && holes[k].start < interval.end; k++) {
      if (holes[k].start > start) result.push({ start, end: holes[k].start });
      start = Math.max(start, holes[k].end);
    }
    if (start < interval.end) result.push({ start, end: interval.end });
  }
  return result;
}

/** Length of the union: overlapping spans count once. */
export function totalLength(intervals: Interval[]): number {
  return unionIntervals(intervals).reduce((sum, i) => sum + (i.end - i.start), 0);
}

/** The union without the merged spans shorter than `minimumMs` (blips below a policy's minimum outage). */
export function dropShorterThan(intervals: Interval[], minimumMs: number): Interval[] {
  return unionIntervals(intervals).filter((i) => i.end - i.start >= minimumMs);
}
