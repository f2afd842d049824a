import type { BusinessCalendarSpec, Weekday } from '@vigil/contracts';
import { DateTime } from 'luxon';
import { unionIntervals, type Interval } from './interval.algebra';
import { assertZone, nextLocalDay, startOfLocalDay } from './local-day.calendar';

/** Working hours per weekday in local wall-clock time (`"24:00"` is the end of the day); days left out are off. */
export interface BusinessCalendar {
  zone: string;
  workingHours: Partial<Record<Weekday, Array<{ from: string; to: string }>>>;
  /** Local dates `YYYY-MM-DD` without working time. */
  holidays: string[];
}

/**
 * Luxon's weekday order (1 = Monday). Spelled out rather than imported: the contracts' `Weekdays`
 * lives beside decorated validator classes, and this pure lib takes only types from there.
 */
const Weekdays: readonly Weekday[] = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

/** A calendar that never finds working time this long stops the search instead of looping for ever. */
const MAX_IDLE_DAYS = 3 * 366;
const TIME = /^([01]\d|2[0-3]):([0-5]\d)$|^24:00$/;
const RANGE = /^\s*(\S+)\s*-\s*(\S+)\s*$/;

function minutesOfDay(time: string): number {
  if (!TIME.test(time)) throw new RangeError(`"${time}" is not a time of day like 09:00 (or 24:00)`);
  return Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
}

/** The calendar of a `BusinessCalendar` document; the zone defaults to the tenant's. */
export function calendarFromSpec(spec: BusinessCalendarSpec, defaultZone: string): BusinessCalendar {
  const zone = spec.timezone ?? defaultZone;
  assertZone(zone);
  const workingHours: BusinessCalendar['workingHours'] = {};
  for (const weekday of Weekdays) {
    const ranges = spec.workingHours[weekday];
    if (!ranges) continue;
    workingHours[weekday] = ranges.map((text) => {
      const match = RANGE.exec(text);
      if (!match) throw new RangeError(`${weekday}: "${text}" is not a range like 09:00-17:00`);
      const [, from, to] = match;
      // Overnight shifts would make a holiday ambiguous; they are written as two ranges split at midnight.
      if (minutesOfDay(to) <= minutesOfDay(from)) throw new RangeError(`${weekday}: "${text}" must end after it starts`);
      return { from, to };
    });
  }
  return { zone, workingHours, holidays: spec.holidays ?? [] };
}

/** Every minute is business time: resolution objectives without a calendar. */
export function aroundTheClock(zone: string): BusinessCalendar {
  assertZone(zone);
  const allDay = () => [{ from: '00:00', to: '24:00' }];
  return { zone, workingHours: Object.fromEntries(Weekdays.map((day) => [day, allDay()])), holidays: [] };
}

/** Walks the calendar one local day at a time from the day holding `from`: the day's end and its working time. */
function* workingDays(from: number, calendar: BusinessCalendar): Generator<{ end: number; ranges: Interval[] }, never> {
  assertZone(calendar.zone);
  const holidays = new Set(calendar.holidays);
  for (let day = startOfLocalDay(from, calendar.zone); ; day = nextLocalDay(day)) {
    const hours = holidays.has(day.toISODate() ?? '') ? [] : (calendar.workingHours[Weekdays[day.weekday - 1]] ?? []);
    const ranges = unionIntervals(hours.map(({ from: f, to }) => ({ start: instantAt(day, f), end: instantAt(day, to) })));
    yield { end: nextLocalDay(day).toMillis(), ranges };
  }
}

/** Wall-clock time on a local day; a time skipped by DST moves forward by the gap, as clocks do. */
function instantAt(day: DateTime, time: string): number {
  const minutes = minutesOfDay(time);
  if (minutes === 24 * 60) return nextLocalDay(day).toMillis();
  return day.set({ hour: Math.floor(minutes / 60), minute: minutes % 60 }).toMillis();
}

/**
 * The earliest instant by which `durationMs` of business time has passed since `start`:
 * 4 h raised Friday 16:00 (Mon–Fri 9–17) lands Monday 12:00; 1 h from 16:00 lands on 17:00 that day.
 */
export function addBusinessTime(start: number, durationMs: number, calendar: BusinessCalendar): number {
  if (!Number.isFinite(start) || !Number.isFinite(durationMs) || durationMs < 0) {
    throw new RangeError(`cannot add ${durationMs} ms of business time to ${start}`);
  }
  if (durationMs === 0) return start;
  let remaining = durationMs;
  let idleDays = 0;
  const days = workingDays(start, calendar);
  for (;;) {
    const { ranges } = days.next().value;
    let worked = false;
    for (const range of ranges) {
      const from = Math.max(range.start, start);
      if (from >= range.end) continue;
      worked = true;
      if (remaining <= range.end - from) return from + remaining;
      remaining -= range.end - from;
    }
    idleDays = worked ? 0 : idleDays + 1;
    if (idleDays > MAX_IDLE_DAYS) throw new Error(`business calendar in ${calendar.zone} has no working time in ${MAX_IDLE_DAYS} days`);
  }
}

/** Business time within [start, end). */
export function businessTimeBetween(start: number, end: number, calendar: BusinessCalendar): number {
  if (!Number.isFinite(start) || !Number.isFinite(end)) throw new RangeError('businessTimeBetween needs finite instants');
  if (end <= start) return 0;
  let total = 0;
  const days = workingDays(start, calendar);
  for (;;) {
    const day = days.next().value;
    for (const range of day.ranges) total += Math.max(0, Math.min(range.end, end) - Math.max(range.start, start));
    if (day.end >= end) return total;
  }
}
