import { DateTime } from 'luxon';
import type { Interval } from './interval.algebra';
import { assertZone, nextLocalDay, startOfLocalDay } from './local-day.calendar';

/** The period an availability objective is judged over, as an SLAPolicy names it. */
export type SlaWindowKind = 'calendar-month' | 'calendar-day' | 'rolling-30d';

export interface SlaWindow extends Interval {
  kind: SlaWindowKind;
  /**
   * Names the window: `2026-11` for a month and `2026-11-03` for a day in the tenant's zone;
   * `rolling-30d` for the rolling window, which is always the same one sliding along.
   */
  key: string;
}

const ROLLING_MS = 30 * 24 * 60 * 60_000;

/**
 * The window holding `instant`: the tenant-local month or day (DST days 23 or 25 hours), or the
 * 30 days ending at `instant` (thirty times 24 hours, whatever the clocks did meanwhile).
 */
export function slaWindowAt(kind: SlaWindowKind, instant: number, zone: string): SlaWindow {
  assertZone(zone);
  switch (kind) {
    case 'calendar-month': {
      const first = DateTime.fromMillis(instant, { zone }).startOf('month');
      return { kind, key: first.toFormat('yyyy-MM'), start: first.toMillis(), end: first.plus({ months: 1 }).startOf('day').toMillis() };
    }
    case 'calendar-day': {
      const day = startOfLocalDay(instant, zone);
      return { kind, key: day.toISODate() ?? '', start: day.toMillis(), end: nextLocalDay(day).toMillis() };
    }
    case 'rolling-30d':
      return { kind, key: 'rolling-30d', start: instant - ROLLING_MS, end: instant };
    default: {
      const unknown: never = kind;
      throw new RangeError(`unknown SLA window ${String(unknown)}`);
    }
  }
}
