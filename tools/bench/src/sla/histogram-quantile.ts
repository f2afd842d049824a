/** Cumulative bucket counts of a Prometheus histogram, by upper bound (`+Inf` last), summed over its label sets. */
export type HistogramBuckets = Map<number, number>;

/**
 * Reads one histogram from Prometheus' text format: the `<name>_bucket` lines, all label sets
 * added up per `le`. Pure.
 */
export function parseHistogram(text: string, name: string): HistogramBuckets {
  const buckets: HistogramBuckets = new Map();
  const prefix = `${name}_bucket{`;
  for (const line of text.split('\n')) {
    if (!line.startsWith(prefix)) continue;
    const le = /le="([^"]+)"/.exec(line)?.[1];
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (le === undefined || !Number.isFinite(value)) continue;
    const bound = le === '+Inf' ? Infinity : Number(le);
    buckets.set(bound, (buckets.get(bound) ?? 0) + value);
  }
  return new Map([...buckets].sort(([a], [b]) => a - b));
}

/** What was observed between two scrapes: `after − before`, bucket by bucket. */
export function bucketDelta(before: HistogramBuckets, after: HistogramBuckets): HistogramBuckets {
  return new Map([...after].map(([bound, count]) => [bound, count - (before.get(bound) ?? 0)]));
}

/**
 * The q-quantile (0–1) of the observations in cumulative buckets, interpolated linearly within
 * the bucket it falls in (as PromQL's `histogram_quantile` does), the first bucket from 0. Its
 * error is at most the width of that bucket. NaN without observations; the last finite bound
 * when it falls in `+Inf`.
 */
export function histogramQuantile(buckets: HistogramBuckets, q: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be within 0..1, got ${q}`);
  const entries = [...buckets];
  const total = entries.at(-1)?.[1] ?? 0;
  if (!(total > 0)) return Number.NaN;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [bound, count] of entries) {
    if (count >= rank && count > lowerCount) {
      if (bound === Infinity) return lowerBound;
      return lowerBound + ((bound - lowerBound) * (rank - lowerCount)) / (count - lowerCount);
    }
    lowerBound = bound === Infinity ? lowerBound : bound;
    lowerCount = count;
  }
  return lowerBound;
}

/** How many observations the buckets hold. */
export function observations(buckets: HistogramBuckets): number {
  return [...buckets].at(-1)?.[1] ?? 0;
}
