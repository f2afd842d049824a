import fc from 'fast-check';
import { DateTime } from 'luxon';
import { localDays, localMonth } from './local-day.calendar';

const at = (iso: string) => DateTime.fromISO(iso, { setZone: true }).toMillis();
const BERLIN = 'Europe/Berlin';

describe('local days', () => {
  it('gives Berlin 1380 minutes on 2026-03-29 and 1500 on 2026-10-25', () => {
    const [spring] = localDays({ start: at('2026-03-29T12:00:00+02:00'), end: at('2026-03-29T13:00:00+02:00') }, BERLIN);
    const [autumn] = localDays({ start: at('2026-10-25T12:00:00+01:00'), end: at('2026-10-25T13:00:00+01:00') }, BERLIN);
    expect(spring).toEqual({ date: '2026-03-29T00:00:00+01:00', start: at('2026-03-29T00:00:00+01:00'), end: at('2026-03-30T00:00:00+02:00'), minutes: 1380 });
    expect(autumn).toEqual({ date: '2026-10-25T00:00:00+02:00', start: at('2026-10-25T00:00:00+02:00'), end: at('2026-10-26T00:00:00+01:00'), minutes: 1500 });
  });

  it('finds exactly two days of 2026 in Berlin that are not 1440 minutes long', () => {
    const days = localDays(localMonth('2026-01', BERLIN), BERLIN).concat(
      ...['02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12'].map((m) => localDays(localMonth(`2026-${m}`, BERLIN), BERLIN)),
    );
    expect(days).toHaveLength(365);
    expect(days.filter((d) => d.minutes !== 1440).map((d) => [d.date, d.minutes])).toEqual([
      ['2026-03-29T00:00:00+01:00', 1380],
      ['2026-10-25T00:00:00+02:00', 1500],
    ]);
  });

  it('includes the day a range starts in and stops before a range ending exactly at midnight', () => {
    const days = localDays({ start: at('2026-11-02T18:00:00+01:00'), end: at('2026-11-04T00:00:00+01:00') }, BERLIN);
    expect(days.map((d) => d.date)).toEqual(['2026-11-02T00:00:00+01:00', '2026-11-03T00:00:00+01:00']);
  });

  it('returns no days for an empty range', () => {
    expect(localDays({ start: at('2026-11-02T18:00:00+01:00'), end: at('2026-11-02T18:00:00+01:00') }, BERLIN)).toEqual([]);
  });

  it('bounds a local month by its local midnights, DST hour included', () => {
    expect(localMonth('2026-03', BERLIN)).toEqual({ start: at('2026-03-01T00:00:00+01:00'), end: at('2026-04-01T00:00:00+02:00') });
    const october = localMonth('2026-10', BERLIN);
    expect((october.end - october.start) / 60_000).toBe(31 * 1440 + 60);
  });

  it('rejects unknown zones and malformed months', () => {
    expect(() => localDays({ start: 0, end: 1 }, 'Mars/Olympus')).toThrow(/IANA time zone/);
    expect(() => localMonth('2026-13', BERLIN)).toThrow(/month like/);
  });

  it('property: a day on which the offset changes is never 1440 minutes, and every other day is', () => {
    const zones = fc.constantFrom('Europe/Berlin', 'America/New_York', 'Australia/Sydney', 'America/Santiago', 'Asia/Tokyo');
    fc.assert(
      fc.property(
        zones,
        fc.integer({ min: 1990, max: 2040 }),
        fc.constantFrom(3, 4, 9, 10, 11),
        fc.integer({ min: 0, max: 30 }),
        (zone, year, month, dayOffset) => {
          const noon = DateTime.fromObject({ year, month, day: 1, hour: 12 }, { zone }).plus({ days: dayOffset });
          const [day] = localDays({ start: noon.toMillis(), end: noon.toMillis() + 1 }, zone);
          // Offsets just before the day and at its last instant: Santiago switches at midnight, so its day starts at 01:00.
          const offset = (instant: number) => DateTime.fromMillis(instant, { zone }).offset;
          const offsetChanges = offset(day.start - 1) !== offset(day.end - 1);
          expect(day.minutes === 1440).toBe(!offsetChanges);
        },
      ),
      { numRuns: 500 },
    );
  });
});
