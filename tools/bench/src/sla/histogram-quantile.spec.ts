import { bucketDelta, histogramQuantile, observations, parseHistogram } from './histogram-quantile';

const scrape = (counts: Record<string, number>, type = 'alarm-raised') =>
  Object.entries(counts).map(([le, n]) => `vigil_sla_alarm_event_seconds_bucket{le="${le}",type="${type}"} ${n}`).join('\n');

describe('histogram quantiles from a Prometheus scrape', () => {
  it('adds the label sets of a histogram up per bound', () => {
    const text = ['# HELP x', scrape({ '0.001': 2, '0.002': 5, '+Inf': 6 }), scrape({ '0.001': 1, '0.002': 1, '+Inf': 1 }, 'alarm-cleared'), 'other_bucket{le="1"} 9'].join('\n');
    expect(parseHistogram(text, 'vigil_sla_alarm_event_seconds')).toEqual(new Map([[0.001, 3], [0.002, 6], [Infinity, 7]]));
  });

  it('keeps only what was observed between two scrapes', () => {
    const before = new Map([[0.001, 10], [0.002, 20], [Infinity, 20]]);
    const after = new Map([[0.001, 10], [0.002, 120], [Infinity, 120]]);
    expect(bucketDelta(before, after)).toEqual(new Map([[0.001, 0], [0.002, 100], [Infinity, 100]]));
  });

  it('interpolates within the bucket the quantile falls in', () => {
    // 100 observations: 40 up to 1 ms, 100 up to 2 ms. The median is the 50th: a sixth into (1, 2].
    const buckets = new Map([[0.001, 40], [0.002, 100], [Infinity, 100]]);
    expect(histogramQuantile(buckets, 0.5)).toBeCloseTo(0.001 + 0.001 * (10 / 60), 12);
    expect(histogramQuantile(buckets, 0.99)).toBeCloseTo(0.001 + 0.001 * (59 / 60), 12);
    expect(histogramQuantile(buckets, 0.2)).toBeCloseTo(0.0005, 12);
    expect(observations(buckets)).toBe(100);
  });

  it('answers the last finite bound for a quantile beyond it, and NaN without observations', () => {
    expect(histogramQuantile(new Map([[0.001, 1], [Infinity, 10]]), 0.99)).toBe(0.001);
    expect(histogramQuantile(new Map([[0.001, 0], [Infinity, 0]]), 0.5)).toBeNaN();
  });
});
