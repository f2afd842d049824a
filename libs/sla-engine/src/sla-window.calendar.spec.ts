import { DateTime } from 'luxon';
import { slaWindowAt } from './sla-window.calendar';

const at = (iso: string) => DateTime.fromISO(iso, { setZone: true }).toMillis();
const BERLIN = 'Europe/Berlin';

describe('SLA windows', () => {
  it('holds an instant in the tenant-local month, named by it', () => {
    // 23:30 UTC on 31 October is already November in Berlin.
    expect(slaWindowAt('calendar-month', at('2026-10-31T23:30:00Z'), BERLIN)).toEqual({
      kind: 'calendar-month', key: '2026-11', start: at('2026-11-01T00:00:00+01:00'), end: at('2026-12-01T00:00:00+01:00'),
    });
  });

  it('gives the autumn DST day in Berlin its 25 hours', () => {
    const day = slaWindowAt('calendar-day', at('2026-10-25T12:00:00+01:00'), BERLIN);
    expect(day).toMatchObject({ key: '2026-10-25', start: at('2026-10-25T00:00:00+02:00'), end: at('2026-10-26T00:00:00+01:00') });
    expect((day.end - day.start) / 60_000).toBe(1500);
  });

  it('slides the rolling window along, thirty times 24 hours ending at the instant', () => {
    const now = at('2026-11-10T12:00:00Z');
    expect(slaWindowAt('rolling-30d', now, BERLIN)).toEqual({ kind: 'rolling-30d', key: 'rolling-30d', start: now - 30 * 86_400_000, end: now });
  });

  it('rejects an unknown zone', () => {
    expect(() => slaWindowAt('calendar-day', 0, 'Nowhere/Else')).toThrow(/IANA time zone/);
  });
});
