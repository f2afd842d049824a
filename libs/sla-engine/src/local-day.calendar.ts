import { DateTime, IANAZone } from 'luxon';
import type { Interval } from './interval.algebra';

/** One tenant-local calendar day: 1440 minutes, or 1380 / 1500 on the days clocks change. */
export interface LocalDay {
  /** The local midnight that starts the day, ISO 8601 with the zone's offset: `2026-11-03T00:00:00+01:00`. */
  date: string;
  start: number;
  end: number;
  minutes: number;
}

const MINUTE_MS = 60_000;
const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

/**
 * Rejects unknown zones loudly: Luxon would otherwise hand back invalid dates that compute NaN.
 * `IANAZone.create` keeps one zone per name with its validity, where `isValidZone` builds an
 * `Intl.DateTimeFormat` on every call (a tenth of the calculator's CPU per alarm event).
 */
export function assertZone(zone: string): void {
  if (!IANAZone.create(zone).isValid) throw new RangeError(`"${zone}" is not an IANA time zone such as Europe/Berlin`);
}

/** Start of the local day containing `instant` (where midnight is skipped by DST, the day's first instant). */
export function startOfLocalDay(instant: number, zone: string): DateTime {
  return DateTime.fromMillis(instant, { zone }).startOf('day');
}

export function nextLocalDay(day: DateTime): DateTime {
  return day.plus({ days: 1 }).startOf('day');
}

/** Every local day the range touches; a range ending exactly at midnight does not touch the next day. */
export function localDays(range: Interval, zone: string): LocalDay[] {
  assertZone(zone);
  if (!Number.isFinite(range.start) || !Number.isFinite(range.end)) throw new RangeError('localDays needs a finite range');
  const days: LocalDay[] = [];
  if (range.end <= range.start) return days;
  for (let day = startOfLocalDay(range.start, zone); day.toMillis() < range.end; day = nextLocalDay(day)) {
    const start = day.toMillis();
    const end = nextLocalDay(day).toMillis();
    days.push({ date: day.toISO({ suppressMilliseconds: true }) ?? '', start, end, minutes: (end - start) / MINUTE_MS });
  }
  return days;
}

/** The local calendar month `YYYY-MM` as an interval from its first local midnight to the next month's. */
export function localMonth(month: string, zone: string): Interval {
  assertZone(zone);
  const match = MONTH.exec(month);
  if (!match) throw new RangeError(`"${month}" is not a month like 2026-11`);
  const first = DateTime.fromObject({ year: Number(match[1]), month: Number(match[2]), day: 1 }, { zone }).startOf('day');
  return { start: first.toMillis(), end: first.plus({ months: 1 }).startOf('day').toMillis() };
}
