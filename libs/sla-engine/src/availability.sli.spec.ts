import fc from 'fast-check';
import { DateTime } from 'luxon';
import { availability, budgetExhaustedAt, budgetSpentAt, dailyAvailability } from './availability.sli';
import type { Interval } from './interval.algebra';
import { localMonth } from './local-day.calendar';

const at = (iso: string) => DateTime.fromISO(iso, { setZone: true }).toMillis();
const span = (from: string, to: string): Interval => ({ start: at(from), end: at(to) });
const MINUTE = 60_000;
const BERLIN = 'Europe/Berlin';
const LATER = at('2030-01-01T00:00:00Z');

describe('daily availability', () => {
  const day = (iso: string) => span(`${iso}T00:00:00Z`, `${iso}T23:59:59Z`);

  it('counts overlapping outages once', () => {
    const [record] = dailyAvailability({
      outages: [span('2026-11-03T10:00:00Z', '2026-11-03T11:00:00Z'), span('2026-11-03T10:30:00Z', '2026-11-03T11:30:00Z')],
      range: day('2026-11-03'), zone: 'UTC', now: LATER, targetPercentage: 99.9,
    });
    expect(record).toEqual({
      date: '2026-11-03T00:00:00Z', compliancePercentage: 93.75, targetPercentage: 99.9,
      uptimeMinutes: 1350, downtimeMinutes: 90, periodMinutes: 1440,
    });
  });

  it('applies the compliance formula from milliseconds and rounds to two decimals', () => {
    // (1440 − 90.5) / 1440 × 100 = 93.7152…
    const [record] = dailyAvailability({
      outages: [span('2026-11-03T10:00:00Z', '2026-11-03T11:30:30Z')],
      range: day('2026-11-03'), zone: 'UTC', now: LATER, targetPercentage: 99.9,
    });
    expect(record).toMatchObject({ compliancePercentage: 93.72, downtimeMinutes: 90.5, uptimeMinutes: 1349.5 });
  });

  it('splits an outage across local midnight between the two local days', () => {
    const records = dailyAvailability({
      outages: [span('2026-11-03T23:30:00+01:00', '2026-11-04T00:45:00+01:00')],
      range: span('2026-11-03T00:00:00+01:00', '2026-11-05T00:00:00+01:00'), zone: BERLIN, now: LATER, targetPercentage: 99,
    });
    expect(records.map((r) => [r.date, r.downtimeMinutes])).toEqual([
      ['2026-11-03T00:00:00+01:00', 30],
      ['2026-11-04T00:00:00+01:00', 45],
    ]);
  });

  it('measures a DST day over its 1380 minutes', () => {
    const [record] = dailyAvailability({
      outages: [span('2026-03-29T10:00:00+02:00', '2026-03-29T11:09:00+02:00')],
      range: span('2026-03-29T00:00:00+01:00', '2026-03-30T00:00:00+02:00'), zone: BERLIN, now: LATER, targetPercentage: 99,
    });
    expect(record).toMatchObject({ periodMinutes: 1380, downtimeMinutes: 69, compliancePercentage: 95 });
  });

  it('shows the SLI to date for the day in progress and 100 % for a day wholly ahead', () => {
    const records = dailyAvailability({
      outages: [{ start: at('2026-11-03T11:00:00Z'), end: Infinity }],
      range: span('2026-11-03T00:00:00Z', '2026-11-05T00:00:00Z'), zone: 'UTC', now: at('2026-11-03T12:00:00Z'), targetPercentage: 99,
    });
    expect(records.map(({ periodMinutes, downtimeMinutes, compliancePercentage }) => [periodMinutes, downtimeMinutes, compliancePercentage])).toEqual([
      [720, 60, 91.67],
      [0, 0, 100],
    ]);
  });

  it('cuts maintenance out of downtime and, by default, out of the denominator', () => {
    const input = {
      outages: [span('2026-11-03T03:00:00Z', '2026-11-03T05:00:00Z')],
      maintenance: [span('2026-11-03T02:00:00Z', '2026-11-03T04:00:00Z')],
      range: day('2026-11-03'), zone: 'UTC', now: LATER, targetPercentage: 99,
    };
    expect(dailyAvailability(input)[0]).toMatchObject({ periodMinutes: 1320, downtimeMinutes: 60, compliancePercentage: 95.45 });
    expect(dailyAvailability({ ...input, maintenanceMode: 'count-as-uptime' })[0]).toMatchObject({
      periodMinutes: 1440, downtimeMinutes: 60, compliancePercentage: 95.83,
    });
  });

  it('ignores outages shorter than the minimum, judged after merging', () => {
    const [record] = dailyAvailability({
      outages: [
        span('2026-11-03T01:00:00Z', '2026-11-03T01:00:30Z'),
        span('2026-11-03T02:00:00Z', '2026-11-03T02:00:40Z'),
        span('2026-11-03T02:00:40Z', '2026-11-03T02:01:20Z'),
      ],
      range: day('2026-11-03'), zone: 'UTC', now: LATER, targetPercentage: 99, minimumOutageMs: MINUTE,
    });
    expect(record.downtimeMinutes).toBe(1.33);
  });
});

describe('hand-computed cases', () => {
  const day = (iso: string) => span(`${iso}T00:00:00Z`, `${iso}T23:59:59Z`);

  it('counts two overlapping alarms 10:00–10:30 and 10:15–10:45 as 45 minutes down', () => {
    const [record] = dailyAvailability({
      outages: [span('2026-11-03T10:00:00Z', '2026-11-03T10:30:00Z'), span('2026-11-03T10:15:00Z', '2026-11-03T10:45:00Z')],
      range: day('2026-11-03'), zone: 'UTC', now: LATER, targetPercentage: 99.9,
    });
    // (1440 − 45) / 1440 = 96.875 %
    expect(record).toMatchObject({ downtimeMinutes: 45, uptimeMinutes: 1395, compliancePercentage: 96.88 });
  });

  it('measures the 25-hour autumn day of Berlin over its 1500 minutes', () => {
    const [record] = dailyAvailability({
      outages: [span('2026-10-25T02:30:00+02:00', '2026-10-25T02:45:00+01:00')],
      range: span('2026-10-25T00:00:00+02:00', '2026-10-26T00:00:00+01:00'), zone: BERLIN, now: LATER, targetPercentage: 99,
    });
    // 02:30 summer time to 02:45 winter time is 75 minutes; (1500 − 75) / 1500 = 95 %.
    expect(record).toMatchObject({ date: '2026-10-25T00:00:00+02:00', periodMinutes: 1500, downtimeMinutes: 75, compliancePercentage: 95 });
  });

  it('counts an alarm still open at report time up to the report', () => {
    const result = availability({
      outages: [{ start: at('2026-11-03T10:00:00Z'), end: Infinity }],
      period: span('2026-11-03T00:00:00Z', '2026-11-04T00:00:00Z'), now: at('2026-11-03T10:40:00Z'), objectivePercentage: 99,
    });
    // 640 minutes elapsed, 40 of them down; the budget is 1 % of the whole day, 14.4 minutes.
    expect(result).toMatchObject({ periodMs: 640 * MINUTE, downtimeMs: 40 * MINUTE, errorBudgetMs: 14.4 * MINUTE, errorBudgetLeftMs: 0 });
    expect(result.compliancePercentage).toBeCloseTo(93.75, 10);
  });

  it('cuts a maintenance window inside an outage out of it', () => {
    const input = {
      outages: [span('2026-11-03T10:00:00Z', '2026-11-03T12:00:00Z')],
      maintenance: [span('2026-11-03T10:30:00Z', '2026-11-03T11:00:00Z')],
      range: day('2026-11-03'), zone: 'UTC', now: LATER, targetPercentage: 99,
    };
    // 120 − 30 = 90 minutes down: (1410 − 90) / 1410 = 93.617 % excluded, (1440 − 90) / 1440 = 93.75 % as uptime.
    expect(dailyAvailability(input)[0]).toMatchObject({ periodMinutes: 1410, downtimeMinutes: 90, compliancePercentage: 93.62 });
    expect(dailyAvailability({ ...input, maintenanceMode: 'count-as-uptime' })[0]).toMatchObject({ periodMinutes: 1440, downtimeMinutes: 90, compliancePercentage: 93.75 });
  });
});

describe('availability and error budget', () => {
  const november = localMonth('2026-11', BERLIN);

  it('gives 99.9 % of a 30-day month an error budget of 43.2 minutes', () => {
    const result = availability({
      outages: [{ start: at('2026-11-10T12:00:00+01:00'), end: at('2026-11-10T12:21:36+01:00') }],
      period: november, now: LATER, objectivePercentage: 99.9,
    });
    expect(result).toEqual({
      periodMs: 30 * 1440 * MINUTE, downtimeMs: 21.6 * MINUTE, uptimeMs: (30 * 1440 - 21.6) * MINUTE,
      compliancePercentage: expect.closeTo(99.95, 10) as number, periodInProgress: 'to-date',
      errorBudgetMs: 43.2 * MINUTE, errorBudgetUsedMs: 21.6 * MINUTE, errorBudgetLeftMs: 21.6 * MINUTE, budgetConsumed: 0.5,
    });
  });

  it('keeps the whole month’s budget while the month is in progress', () => {
    const result = availability({ outages: [], period: november, now: at('2026-11-16T00:00:00+01:00'), objectivePercentage: 99.9 });
    expect(result).toMatchObject({ periodMs: 15 * 1440 * MINUTE, compliancePercentage: 100, errorBudgetMs: 43.2 * MINUTE });
  });

  it('projects a month in progress to its end when the policy asks for a projection: the downtime so far over the whole month', () => {
    const outages = [span('2026-11-10T12:00:00+01:00', '2026-11-10T13:00:00+01:00')];
    const now = at('2026-11-11T00:00:00+01:00');
    // 10 days (14,400 minutes) elapsed with 60 down: 99.583 % to date; (43,200 − 60) / 43,200 = 99.861 % at the month's end.
    const toDate = availability({ outages, period: november, now, objectivePercentage: 99.9 });
    const projected = availability({ outages, period: november, now, objectivePercentage: 99.9, periodInProgress: 'projection' });
    expect(toDate.compliancePercentage).toBeCloseTo((14_340 / 14_400) * 100, 10);
    expect(projected.compliancePercentage).toBeCloseTo((43_140 / 43_200) * 100, 10);
    expect(projected).toMatchObject({ periodInProgress: 'projection', periodMs: 14_400 * MINUTE, downtimeMs: 60 * MINUTE, errorBudgetMs: toDate.errorBudgetMs, budgetConsumed: toDate.budgetConsumed });
  });

  it('counts an alarm still open up to now in a projection, and gives the same figure as to date once the month is over', () => {
    const open = [{ start: at('2026-11-10T12:00:00+01:00'), end: Infinity }];
    const projected = availability({ outages: open, period: november, now: at('2026-11-10T13:12:00+01:00'), objectivePercentage: 99.9, periodInProgress: 'projection' });
    expect(projected.compliancePercentage).toBeCloseTo(((43_200 - 72) / 43_200) * 100, 10);
    const over = [span('2026-11-10T12:00:00+01:00', '2026-11-10T13:00:00+01:00')];
    expect(availability({ outages: over, period: november, now: LATER, objectivePercentage: 99.9, periodInProgress: 'projection' }).compliancePercentage)
      .toBe(availability({ outages: over, period: november, now: LATER, objectivePercentage: 99.9 }).compliancePercentage);
  });

  it('reports overspend as consumption above 1 with nothing left', () => {
    const result = availability({
      outages: [{ start: at('2026-11-10T12:00:00+01:00'), end: Infinity }],
      period: november, now: at('2026-11-10T13:04:48+01:00'), objectivePercentage: 99.9,
    });
    expect(result).toMatchObject({ downtimeMs: 64.8 * MINUTE, errorBudgetLeftMs: 0, budgetConsumed: 1.5 });
  });

  it('finds any downtime infinitely over a 100 % objective', () => {
    const result = availability({ outages: [span('2026-11-10T12:00:00Z', '2026-11-10T12:01:00Z')], period: november, now: LATER, objectivePercentage: 100 });
    expect(result).toMatchObject({ errorBudgetMs: 0, budgetConsumed: Infinity });
  });
});

describe('error budget exhaustion', () => {
  const november = localMonth('2026-11', BERLIN);
  const earlier = span('2026-11-02T08:00:00+01:00', '2026-11-02T08:20:00+01:00');

  it('runs out when the open outage has used the 23.2 minutes left of 43.2', () => {
    expect(budgetExhaustedAt({ outages: [earlier], openSince: at('2026-11-10T12:00:00+01:00'), period: november, objectivePercentage: 99.9 })).toBe(
      at('2026-11-10T12:23:12+01:00'),
    );
  });

  it('pauses during maintenance, which also shrinks the budget', () => {
    // Budget 0.1 % of (30 d − 10 min) = 43.19 min; 20 used; 10 before the window, 13.19 after it.
    expect(
      budgetExhaustedAt({
        outages: [earlier], openSince: at('2026-11-10T12:00:00+01:00'), period: november, objectivePercentage: 99.9,
        maintenance: [span('2026-11-10T12:10:00+01:00', '2026-11-10T12:20:00+01:00')],
      }),
    ).toBe(at('2026-11-10T12:33:11.400+01:00'));
  });

  it('counts an open outage overlapping a recorded one once', () => {
    expect(
      budgetExhaustedAt({
        outages: [span('2026-11-10T12:00:00+01:00', '2026-11-10T12:10:00+01:00')],
        openSince: at('2026-11-10T12:05:00+01:00'), period: november, objectivePercentage: 99.9,
      }),
    ).toBe(at('2026-11-10T12:43:12+01:00'));
  });

  it('answers the past instant when the budget already ran out', () => {
    expect(
      budgetExhaustedAt({
        outages: [span('2026-11-02T08:00:00+01:00', '2026-11-02T09:00:00+01:00')],
        openSince: at('2026-11-10T12:00:00+01:00'), period: november, objectivePercentage: 99.9,
      }),
    ).toBe(at('2026-11-02T08:43:12+01:00'));
  });

  it('answers undefined when the period ends first', () => {
    expect(budgetExhaustedAt({ outages: [], openSince: at('2026-11-30T23:50:00+01:00'), period: november, objectivePercentage: 99.9 })).toBeUndefined();
  });
});

describe('error budget spent', () => {
  const november = localMonth('2026-11', BERLIN);
  const open = (iso: string) => ({ start: at(iso), end: Infinity });

  it('finds when half of the 43.2 minutes is spent', () => {
    expect(budgetSpentAt({ outages: [open('2026-11-10T12:00:00+01:00')], period: november, objectivePercentage: 99.9, fraction: 0.5 })).toBe(
      at('2026-11-10T12:21:36+01:00'),
    );
  });

  it('reckons the budget on the whole period when maintenance counts as uptime', () => {
    const maintenance = [span('2026-11-10T12:10:00+01:00', '2026-11-10T12:20:00+01:00')];
    // 43.2 minutes of budget; 10 before the window, 33.2 after it.
    expect(budgetSpentAt({ outages: [open('2026-11-10T12:00:00+01:00')], period: november, objectivePercentage: 99.9, maintenance, maintenanceMode: 'count-as-uptime' })).toBe(
      at('2026-11-10T12:53:12+01:00'),
    );
  });

  it('spends nothing on an open outage until it has lasted the minimum, then counts it from its start', () => {
    const outages = [open('2026-11-10T12:00:00+01:00')];
    expect(budgetSpentAt({ outages, period: november, objectivePercentage: 99.9, fraction: 0.01, minimumOutageMs: 5 * MINUTE })).toBe(at('2026-11-10T12:05:00+01:00'));
    expect(budgetSpentAt({ outages, period: november, objectivePercentage: 99.9, minimumOutageMs: 5 * MINUTE })).toBe(at('2026-11-10T12:43:12+01:00'));
  });

  it('ignores closed blips below the minimum', () => {
    const outages = [span('2026-11-02T08:00:00+01:00', '2026-11-02T08:04:00+01:00'), open('2026-11-10T12:00:00+01:00')];
    expect(budgetSpentAt({ outages, period: november, objectivePercentage: 99.9, minimumOutageMs: 5 * MINUTE })).toBe(at('2026-11-10T12:43:12+01:00'));
  });

  it('property: availability at the instant a fraction is spent shows that fraction used', () => {
    const period = november;
    const closed = fc
      .tuple(fc.integer({ min: 0, max: 29 * 1440 }), fc.integer({ min: 0, max: 60 }))
      .map(([m, length]) => ({ start: period.start + m * MINUTE, end: period.start + (m + length) * MINUTE }));
    fc.assert(
      fc.property(fc.array(closed, { maxLength: 6 }), fc.double({ min: 0.05, max: 1, noNaN: true }), (outages, fraction) => {
        const when = budgetSpentAt({ outages, period, objectivePercentage: 99.9, fraction });
        const total = availability({ outages, period, now: period.end, objectivePercentage: 99.9 });
        if (when === undefined) {
          expect(total.errorBudgetUsedMs).toBeLessThan(fraction * total.errorBudgetMs);
          return;
        }
        const then = availability({ outages, period, now: when, objectivePercentage: 99.9 });
        expect(then.errorBudgetUsedMs).toBeCloseTo(fraction * then.errorBudgetMs, 3);
      }),
    );
  });
});

describe('availability properties', () => {
  const base = at('2026-03-01T00:00:00Z');
  const outage = fc
    .tuple(fc.integer({ min: -2 * 1440, max: 40 * 1440 }), fc.integer({ min: 0, max: 3 * 1440 }), fc.boolean())
    .map(([startMinute, minutes, open]) => ({ start: base + startMinute * MINUTE, end: open ? Infinity : base + (startMinute + minutes) * MINUTE }));

  it('keeps compliance within [0, 100]', () => {
    fc.assert(
      fc.property(
        fc.array(outage, { maxLength: 8 }), fc.array(outage, { maxLength: 3 }), fc.integer({ min: -1440, max: 40 * 1440 }), fc.boolean(),
        (outages, maintenance, nowMinute, excluded) => {
          const input = {
            outages, maintenance, now: base + nowMinute * MINUTE, maintenanceMode: excluded ? ('exclude' as const) : ('count-as-uptime' as const),
          };
          const days = dailyAvailability({ ...input, range: { start: base, end: base + 10 * 1440 * MINUTE }, zone: BERLIN, targetPercentage: 99.9 });
          const month = availability({ ...input, period: localMonth('2026-03', BERLIN), objectivePercentage: 99.9 });
          for (const c of [...days.map((d) => d.compliancePercentage), month.compliancePercentage]) {
            expect(c).toBeGreaterThanOrEqual(0);
            expect(c).toBeLessThanOrEqual(100);
          }
        },
      ),
    );
  });

  it.each(['2026-03', '2026-10'])('splits the downtime of %s in Berlin exactly into its local days', (month) => {
    const period = localMonth(month, BERLIN);
    const minute = (m: number) => period.start + m * MINUTE;
    const inAndAround = fc
      .tuple(fc.integer({ min: -1440, max: 32 * 1440 }), fc.integer({ min: 0, max: 2 * 1440 }))
      .map(([m, length]) => ({ start: minute(m), end: minute(m + length) }));
    fc.assert(
      fc.property(fc.array(inAndAround, { maxLength: 8 }), fc.array(inAndAround, { maxLength: 2 }), fc.integer({ min: 0, max: 33 * 1440 }),
        (outages, maintenance, nowMinute) => {
          const input = { outages, maintenance, now: minute(nowMinute) };
          const days = dailyAvailability({ ...input, range: period, zone: BERLIN, targetPercentage: 99.9 });
          const whole = availability({ ...input, period, objectivePercentage: 99.9 });
          expect(days.reduce((sum, d) => sum + d.downtimeMinutes, 0)).toBe(whole.downtimeMs / MINUTE);
          expect(days.reduce((sum, d) => sum + d.periodMinutes, 0)).toBe(whole.periodMs / MINUTE);
        }),
    );
  });
});
