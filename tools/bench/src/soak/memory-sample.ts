/** A service's memory as its `/metrics` says (prom-client's default process and Node.js metrics). */
export interface MemorySample {
  atMs: number;
  rssBytes: number;
  heapUsedBytes: number;
}

/** The value of the first sample of `name` in Prometheus text (whatever its labels, e.g. `service`), or NaN. */
export function metricValue(text: string, name: string): number {
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)`, 'm').exec(text);
  return match ? Number(match[1]) : Number.NaN;
}

/** RSS and used heap from one scrape; NaN where the metric is missing. */
export function memoryFrom(text: string, atMs: number): MemorySample {
  return { atMs, rssBytes: metricValue(text, 'process_resident_memory_bytes'), heapUsedBytes: metricValue(text, 'nodejs_heap_size_used_bytes') };
}

/** Percent change from the first to the last value; NaN without both. */
export function growthPercent(first: number, last: number): number {
  return first > 0 && Number.isFinite(last) ? ((last - first) / first) * 100 : Number.NaN;
}
