import fc from 'fast-check';
import { DateTime } from 'luxon';
import { addBusinessTime, aroundTheClock, businessTimeBetween, calendarFromSpec, type BusinessCalendar } from './business-time.calendar';

const at = (iso: string) => DateTime.fromISO(iso, { setZone: true }).toMillis();
const HOUR = 3_600_000;
const nineToFive = ['09:00-17:00'];
const office: BusinessCalendar = calendarFromSpec(
  { workingHours: { monday: nineToFive, tuesday: nineToFive, wednesday: nineToFive, thursday: nineToFive, friday: nineToFive } },
  'Europe/Berlin',
);

describe('business time', () => {
  it('lands 4 h raised Friday 16:00 in Berlin on Monday 12:00', () => {
    expect(addBusinessTime(at('2026-11-06T16:00:00+01:00'), 4 * HOUR, office)).toBe(at('2026-11-09T12:00:00+01:00'));
    expect(businessTimeBetween(at('2026-11-06T16:00:00+01:00'), at('2026-11-09T12:00:00+01:00'), office)).toBe(4 * HOUR);
  });

  it('ends at closing time rather than the next opening when the time fits the day exactly', () => {
    expect(addBusinessTime(at('2026-11-06T16:00:00+01:00'), HOUR, office)).toBe(at('2026-11-06T17:00:00+01:00'));
  });

  it('starts counting at the next opening when raised outside working hours', () => {
    expect(addBusinessTime(at('2026-11-07T10:00:00+01:00'), HOUR, office)).toBe(at('2026-11-09T10:00:00+01:00'));
  });

  it('skips holidays', () => {
    const christmas = { ...office, holidays: ['2026-12-24', '2026-12-25'] };
    expect(addBusinessTime(at('2026-12-23T16:00:00+01:00'), 2 * HOUR, christmas)).toBe(at('2026-12-28T10:00:00+01:00'));
    expect(businessTimeBetween(at('2026-12-23T00:00:00+01:00'), at('2026-12-29T00:00:00+01:00'), christmas)).toBe(16 * HOUR);
  });

  it('follows split days and the calendar’s own zone from the spec', () => {
    const calendar = calendarFromSpec({ timezone: 'America/New_York', workingHours: { friday: ['09:00-12:00', '13:00-17:00'] } }, 'Europe/Berlin');
    expect(calendar.zone).toBe('America/New_York');
    expect(addBusinessTime(at('2026-11-06T11:00:00-05:00'), 2 * HOUR, calendar)).toBe(at('2026-11-06T14:00:00-05:00'));
  });

  it('reads 24:00 as the end of the day, so a shift runs on across midnight', () => {
    const weekend = calendarFromSpec({ workingHours: { saturday: ['20:00-24:00'], sunday: ['00:00-02:00'] } }, 'Europe/Berlin');
    expect(addBusinessTime(at('2026-11-07T23:00:00+01:00'), 2 * HOUR, weekend)).toBe(at('2026-11-08T01:00:00+01:00'));
  });

  it('counts real elapsed time around the clock, 23 h on the spring DST day', () => {
    const always = aroundTheClock('Europe/Berlin');
    expect(addBusinessTime(at('2026-03-29T00:00:00+01:00'), 24 * HOUR, always)).toBe(at('2026-03-30T01:00:00+02:00'));
    expect(businessTimeBetween(at('2026-03-29T00:00:00+01:00'), at('2026-03-30T00:00:00+02:00'), always)).toBe(23 * HOUR);
  });

  it('walks a year of business hours day by day', () => {
    // 2000 h = 250 days of 8 h = 50 full weeks from Monday 5 January.
    expect(addBusinessTime(at('2026-01-05T09:00:00+01:00'), 2000 * HOUR, office)).toBe(at('2026-12-18T17:00:00+01:00'));
  });

  it('gives up with an error on a calendar without working time', () => {
    const never = calendarFromSpec({ workingHours: {} }, 'Europe/Berlin');
    expect(() => addBusinessTime(at('2026-11-06T16:00:00+01:00'), HOUR, never)).toThrow(/no working time/);
  });

  it('rejects ranges that end before they start and malformed times', () => {
    expect(() => calendarFromSpec({ workingHours: { monday: ['22:00-06:00'] } }, 'Europe/Berlin')).toThrow(/must end after it starts/);
    expect(() => calendarFromSpec({ workingHours: { monday: ['9-17'] } }, 'Europe/Berlin')).toThrow(/time of day/);
    expect(() => calendarFromSpec({ workingHours: {} }, 'Europe/Nowhere')).toThrow(/IANA time zone/);
  });

  describe('properties', () => {
    const inTwoYears = fc.integer({ min: at('2026-01-01T00:00:00Z'), max: at('2028-01-01T00:00:00Z') });
    const berlinWithHolidays = { ...office, holidays: ['2026-12-24', '2026-12-25', '2027-01-01', '2027-05-01'] };

    it('round-trips addBusinessTime through businessTimeBetween, across DST changes', () => {
      fc.assert(
        fc.property(inTwoYears, fc.integer({ min: 0, max: 300 * HOUR }), fc.boolean(), (start, duration, officeHours) => {
          const calendar = officeHours ? berlinWithHolidays : aroundTheClock('Europe/Berlin');
          expect(businessTimeBetween(start, addBusinessTime(start, duration, calendar), calendar)).toBe(duration);
        }),
        { numRuns: 100 },
      );
    });

    it('is unchanged by shifting every instant by whole weeks in a zone without DST', () => {
      const tokyo = calendarFromSpec(
        { workingHours: { monday: ['09:00-12:00', '13:00-18:00'], wednesday: nineToFive, saturday: ['10:00-14:00'] } },
        'Asia/Tokyo',
      );
      const WEEK = 7 * 24 * HOUR;
      fc.assert(
        fc.property(inTwoYears, fc.integer({ min: 0, max: 200 * HOUR }), fc.integer({ min: -100, max: 100 }), (start, duration, weeks) => {
          const shift = weeks * WEEK;
          const end = addBusinessTime(start, duration, tokyo);
          expect(addBusinessTime(start + shift, duration, tokyo)).toBe(end + shift);
          expect(businessTimeBetween(start + shift, start + shift + duration, tokyo)).toBe(businessTimeBetween(start, start + duration, tokyo));
        }),
        { numRuns: 100 },
      );
    });
  });
});
