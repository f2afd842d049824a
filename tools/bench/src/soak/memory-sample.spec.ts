import { growthPercent, memoryFrom, metricValue } from './memory-sample';

const scrape = [
  '# HELP process_resident_memory_bytes Resident memory size in bytes.',
  '# TYPE process_resident_memory_bytes gauge',
  'process_resident_memory_bytes{service="notifier"} 123731968',
  'nodejs_heap_size_total_bytes 61321216',
  'nodejs_heap_size_used_bytes{service="notifier"} 5.4e+07',
  'nodejs_heap_space_size_used_bytes{space="old"} 4000',
].join('\n');

describe('memory samples from /metrics', () => {
  it('reads RSS and used heap whatever their labels, not a metric whose name merely starts the same', () => {
    expect(memoryFrom(scrape, 5)).toEqual({ atMs: 5, rssBytes: 123731968, heapUsedBytes: 54_000_000 });
  });

  it('answers NaN for a metric the scrape does not have', () => {
    expect(metricValue(scrape, 'process_cpu_seconds_total')).toBeNaN();
  });

  it('says growth in percent of the first value', () => {
    expect(growthPercent(100, 125)).toBe(25);
    expect(growthPercent(0, 125)).toBeNaN();
  });
});
