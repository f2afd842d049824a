import { DateTime } from 'luxon';
import { burnRate, DefaultBurnRateRules, firingBurnRateRules } from './burn-rate.rule';

const at = (iso: string) => DateTime.fromISO(iso, { setZone: true }).toMillis();
const MINUTE = 60_000;
const now = at('2026-11-10T12:00:00Z');

describe('burn rate', () => {
  it('divides the downtime fraction by the allowed fraction', () => {
    // 3.6 of 60 minutes down = 6 % against 0.1 % allowed.
    expect(burnRate([{ start: now - 3.6 * MINUTE, end: Infinity }], { start: now - 60 * MINUTE, end: now }, 99.9)).toBeCloseTo(60, 9);
  });

  it('defaults to the workbook table, each rule spending its share of a 30-day budget', () => {
    const shares = DefaultBurnRateRules.map((r) => Math.round(((r.factor * r.longWindowMs) / (30 * 24 * 60 * MINUTE)) * 100));
    expect(shares).toEqual([2, 5, 10, 10]);
  });

  it('fires every default rule during an ongoing 10-minute outage at 99.9 %', () => {
    const fired = firingBurnRateRules({ outages: [{ start: now - 10 * MINUTE, end: Infinity }], now, objectivePercentage: 99.9 });
    expect(fired.map((r) => r.factor)).toEqual([14.4, 6, 3, 1]);
  });

  it('stops the fast rule once the short window has recovered', () => {
    const outages = [{ start: now - 30 * MINUTE, end: now - 20 * MINUTE }];
    // 1 h: 10/60 → 166.7× but 5 min: 0×; 30 min: 333×, 6 h: 27.8×; 2 h: 83×, 1 d: 6.9×; 6 h: 27.8×, 3 d: 2.3×.
    expect(firingBurnRateRules({ outages, now, objectivePercentage: 99.9 }).map((r) => r.factor)).toEqual([6, 3, 1]);
  });

  it('fires nothing without downtime', () => {
    expect(firingBurnRateRules({ outages: [], now, objectivePercentage: 99.9 })).toEqual([]);
  });
});
