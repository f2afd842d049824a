import { percentile, ratePerSecond, ratio, round, summarize } from './stats';

const oneToHundred = Array.from({ length: 100 }, (_, i) => i + 1);

describe('percentile (nearest rank)', () => {
  it('picks the sample at rank ceil(p × n) of the sorted samples', () => {
    expect(percentile(oneToHundred, 50)).toBe(50);
    expect(percentile(oneToHundred, 95)).toBe(95);
    expect(percentile(oneToHundred, 99)).toBe(99);
    expect(percentile(oneToHundred, 99.9)).toBe(100);
  });

  it('is the minimum at p0 and the maximum at p100', () => {
    expect(percentile([7, 3, 9], 0)).toBe(3);
    expect(percentile([7, 3, 9], 100)).toBe(9);
  });

  it('sorts numerically, not as strings, and leaves the input untouched', () => {
    const samples = [100, 9, 20, 3];
    expect(percentile(samples, 50)).toBe(9);
    expect(percentile(samples, 75)).toBe(20);
    expect(samples).toEqual([100, 9, 20, 3]);
  });

  it('always answers with a measured sample, never an interpolation', () => {
    expect(percentile([1, 2], 50)).toBe(1);
    expect(percentile([1, 2], 51)).toBe(2);
    expect(percentile([10], 99)).toBe(10);
  });

  it('has no figure for no samples', () => {
    expect(percentile([], 50)).toBeNaN();
  });

  it('rejects a percentile outside 0..100', () => {
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], -1)).toThrow(RangeError);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
  });
});

describe('summarize', () => {
  it('gives count, min, mean, percentiles and max', () => {
    expect(summarize(Float64Array.from(oneToHundred))).toEqual({ count: 100, min: 1, mean: 50.5, p50: 50, p95: 95, p99: 99, max: 100 });
  });

  it('is all NaN (count 0) for no samples', () => {
    const summary = summarize([]);
    expect(summary.count).toBe(0);
    expect(summary.p50).toBeNaN();
    expect(summary.max).toBeNaN();
  });
});

describe('ratePerSecond', () => {
  it('scales a count over milliseconds to per second', () => {
    expect(ratePerSecond(20_000, 4_000)).toBe(5_000);
    expect(ratePerSecond(1, 500)).toBe(2);
  });

  it('has no figure when no time passed', () => {
    expect(ratePerSecond(10, 0)).toBeNaN();
    expect(ratePerSecond(10, Number.NaN)).toBeNaN();
  });
});

describe('round', () => {
  it('rounds to the given decimals', () => {
    expect(round(1.23456, 2)).toBe(1.23);
    expect(round(1234.5)).toBe(1235);
  });

  it('turns NaN and Infinity into null, so the JSON line says there is no figure', () => {
    expect(round(Number.NaN, 2)).toBeNull();
    expect(round(Number.POSITIVE_INFINITY)).toBeNull();
  });
});

describe('ratio', () => {
  it('divides', () => {
    expect(ratio(3, 2)).toBe(1.5);
  });

  it('has no figure when a side is missing or the divisor is zero', () => {
    expect(ratio(1, 0)).toBeNaN();
    expect(ratio(Number.NaN, 2)).toBeNaN();
    expect(ratio(2, Number.NaN)).toBeNaN();
  });
});
