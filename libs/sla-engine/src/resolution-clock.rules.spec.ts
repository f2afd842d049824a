import { DateTime } from 'luxon';
import { aroundTheClock, calendarFromSpec } from './business-time.calendar';
import { resolutionClock, resolutionVerdict } from './resolution-clock.rules';

const at = (iso: string) => DateTime.fromISO(iso, { setZone: true }).toMillis();
const HOUR = 3_600_000;

describe('resolution clock', () => {
  it('puts a 4 h critical objective around the clock at-risk after 3 h', () => {
    const clock = resolutionClock({ raisedAt: at('2026-11-06T10:00:00+01:00'), objectiveMs: 4 * HOUR, calendar: aroundTheClock('Europe/Berlin') });
    expect(clock).toEqual({ deadline: at('2026-11-06T14:00:00+01:00'), atRisk: at('2026-11-06T13:00:00+01:00') });
  });

  it('runs an 8 business-hour objective raised Friday 15:00 into Monday', () => {
    const office = calendarFromSpec({ workingHours: { friday: ['09:00-17:00'], monday: ['09:00-17:00'] } }, 'Europe/Berlin');
    const clock = resolutionClock({ raisedAt: at('2026-11-06T15:00:00+01:00'), objectiveMs: 8 * HOUR, atRiskFraction: 0.5, calendar: office });
    expect(clock).toEqual({ deadline: at('2026-11-09T15:00:00+01:00'), atRisk: at('2026-11-09T11:00:00+01:00') });
  });

  it('runs a 4 business-hour objective raised late Friday past a holiday Monday into Tuesday', () => {
    const nineToFive = ['09:00-17:00'];
    const office = calendarFromSpec(
      { workingHours: { monday: nineToFive, tuesday: nineToFive, wednesday: nineToFive, thursday: nineToFive, friday: nineToFive }, holidays: ['2026-11-09'] },
      'Europe/Berlin',
    );
    // Friday 16:30–17:00 is half an hour; Monday is a holiday; Tuesday 09:00 + 3.5 h = 12:30, at risk after 3 h at 11:30.
    const clock = resolutionClock({ raisedAt: at('2026-11-06T16:30:00+01:00'), objectiveMs: 4 * HOUR, calendar: office });
    expect(clock).toEqual({ deadline: at('2026-11-10T12:30:00+01:00'), atRisk: at('2026-11-10T11:30:00+01:00') });
  });

  describe('verdict', () => {
    const clock = { atRisk: at('2026-11-06T13:00:00Z'), deadline: at('2026-11-06T14:00:00Z') };

    it.each<{ verdict: string; when: string; now: string; clearedAt?: string }>([
      { verdict: 'pending', when: 'before the at-risk point', now: '2026-11-06T12:59:59Z' },
      { verdict: 'at-risk', when: 'from the at-risk point', now: '2026-11-06T13:00:00Z' },
      { verdict: 'breached', when: 'from the deadline instant itself', now: '2026-11-06T14:00:00Z' },
      { verdict: 'met', when: 'once cleared before the deadline', now: '2026-11-06T15:00:00Z', clearedAt: '2026-11-06T13:59:59Z' },
      { verdict: 'breached', when: 'once cleared at the deadline', now: '2026-11-06T15:00:00Z', clearedAt: '2026-11-06T14:00:00Z' },
      { verdict: 'at-risk', when: 'as of a moment before a later clear', now: '2026-11-06T13:30:00Z', clearedAt: '2026-11-06T13:45:00Z' },
    ])('is $verdict $when', ({ verdict, now, clearedAt }) => {
      expect(resolutionVerdict({ clock, now: at(now), clearedAt: clearedAt === undefined ? undefined : at(clearedAt) })).toBe(verdict);
    });
  });
});
