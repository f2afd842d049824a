import { DateTime } from 'luxon';
import fc from 'fast-check';
import { burnRate, burnRateReadings, DefaultBurnRateRules, firingBurnRateRules, nextBurnRateFiringAt } from './burn-rate.rules';

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

  it('reads each rule’s two rates, so a verdict can show them', () => {
    const [fast] = burnRateReadings({ outages: [{ start: now - 3 * MINUTE, end: now - 2 * MINUTE }], now, objectivePercentage: 99.9 });
    // 1 of 60 minutes = 16.7× over the hour, 1 of 5 minutes = 200× over the last five.
    expect(fast.rule.name).toBe('14.4x-1h-5m');
    expect(fast.longRate).toBeCloseTo(1000 / 60, 9);
    expect(fast.shortRate).toBeCloseTo(200, 9);
    expect(fast.firing).toBe(true);
  });

  describe('next firing of an open outage', () => {
    it('finds the fast rule firing once 0.864 minutes of the hour are down', () => {
      // 14.4 × 0.1 % × 60 min = 0.864 min = 51.84 s; the rule fires just after, to the second.
      const at = nextBurnRateFiringAt({ outages: [{ start: now, end: Infinity }], now, objectivePercentage: 99.9 });
      expect(at).toBe(now + 52_000);
    });

    it('answers nothing without an open outage', () => {
      expect(nextBurnRateFiringAt({ outages: [{ start: now - 10 * MINUTE, end: now - 5 * MINUTE }], now, objectivePercentage: 99.9 })).toBeUndefined();
    });

    it('property: the rule fires at the instant found and not a second before', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 6 * 60 }), fc.integer({ min: 0, max: 3 * 60 }), fc.constantFrom(99, 99.5, 99.9, 99.99), (pastMinute, openMinutesAgo, objective) => {
          const outages = [{ start: now - pastMinute * MINUTE - 30 * MINUTE, end: now - pastMinute * MINUTE }, { start: now - openMinutesAgo * MINUTE, end: Infinity }];
          const next = nextBurnRateFiringAt({ outages, now, objectivePercentage: objective });
          const firing = (t: number) => firingBurnRateRules({ outages, now: t, objectivePercentage: objective }).map((r) => r.name);
          if (next === undefined) return;
          expect(next).toBeGreaterThan(now);
          const before = firing(next - 1_000);
          expect(firing(next).some((name) => !before.includes(name))).toBe(true);
        }),
        { numRuns: 60 },
      );
    });
  });
});
