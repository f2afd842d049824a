import { clipIntervals, dropShorterThan, subtractIntervals, totalLength, unionIntervals, type Interval } from './interval.algebra';
import { localDays } from './local-day.calendar';

/**
 * How maintenance windows count: `exclude` takes them out of the denominator (the default),
 * `count-as-uptime` keeps them in it as time the service was up. Either way they are never downtime.
 */
export type MaintenanceMode = 'exclude' | 'count-as-uptime';

/**
 * What the compliance of a period in progress shows: `to-date`, the SLI over the part that has
 * elapsed (the default); or `projection`, where the period ends if nothing else goes down: the
 * downtime so far (open outages up to now) over the whole period. Once the period is over the two
 * are the same. The error budget is reckoned on the whole period either way.
 */
export type PeriodInProgress = 'to-date' | 'projection';

export interface DailyAvailability {
  date: string;
  /** Two decimals, clamped to [0, 100]; 100 for a day with no elapsed time yet. */
  compliancePercentage: number;
  targetPercentage: number;
  uptimeMinutes: number;
  downtimeMinutes: number;
  /** Measured minutes: elapsed up to `now`, without excluded maintenance. */
  periodMinutes: number;
}

export interface Availability {
  /** Measured so far: the period up to `now`, without excluded maintenance. */
  periodMs: number;
  downtimeMs: number;
  uptimeMs: number;
  /**
   * Unrounded (credits and breaches must not flip on display rounding), clamped to [0, 100]: over
   * `periodMs` (to date), or over the whole period for a `projection`.
   */
  compliancePercentage: number;
  periodInProgress: PeriodInProgress;
  /** (1 − objective) × the whole period (without excluded maintenance), also for a period in progress. */
  errorBudgetMs: number;
  errorBudgetUsedMs: number;
  /** Never below 0; the overspend shows in `budgetConsumed`. */
  errorBudgetLeftMs: number;
  /** Used / budget; may exceed 1, and is `Infinity` for downtime against a 100 % objective. */
  budgetConsumed: number;
}

interface MeasurementRules {
  maintenance?: Interval[];
  maintenanceMode?: MaintenanceMode;
  minimumOutageMs?: number;
}

const MINUTE_MS = 60_000;

/**
 * Down while any counted alarm is active: the union of the outages, each open one (or one
 * reported past `now`) ending at `now`, blips below the minimum ignored, maintenance cut out.
 */
function downtimeIntervals(outages: Interval[], now: number, rules: MeasurementRules): Interval[] {
  const upToNow = outages.map(({ start, end }) => ({ start, end: Math.min(end, now) }));
  return subtractIntervals(dropShorterThan(upToNow, rules.minimumOutageMs ?? 0), rules.maintenance ?? []);
}

/** The part of `window` that is measured: maintenance leaves it unless it counts as uptime. */
function measuredIntervals(window: Interval, rules: MeasurementRules): Interval[] {
  const span = unionIntervals([window]);
  return (rules.maintenanceMode ?? 'exclude') === 'exclude' ? subtractIntervals(span, rules.maintenance ?? []) : span;
}

function compliance(measuredMs: number, downtimeMs: number): number {
  if (measuredMs <= 0) return 100;
  return Math.min(100, Math.max(0, ((measuredMs - downtimeMs) / measuredMs) * 100));
}

const round2 = (value: number): number => Math.round(value * 100) / 100;

/** One record per local day the range touches, each day measured whole (up to `now`), days without downtime included. */
export function dailyAvailability(
  input: { outages: Interval[]; range: Interval; zone: string; now: number; targetPercentage: number } & MeasurementRules,
): DailyAvailability[] {
  const downtime = downtimeIntervals(input.outages, input.now, input);
  return localDays(input.range, input.zone).map((day) => {
    const elapsed = { start: day.start, end: Math.min(day.end, input.now) };
    const measured = measuredIntervals(elapsed, input);
    const measuredMs = totalLength(measured);
    const downtimeMs = totalLength(clipIntervals(downtime, elapsed));
    const periodMinutes = round2(measuredMs / MINUTE_MS);
    const downtimeMinutes = round2(downtimeMs / MINUTE_MS);
    return {
      date: day.date,
      compliancePercentage: round2(compliance(measuredMs, downtimeMs)),
      targetPercentage: input.targetPercentage,
      uptimeMinutes: round2(periodMinutes - downtimeMinutes),
      downtimeMinutes,
      periodMinutes,
    };
  });
}

/**
 * Availability and error budget of one period (a month, a day, a rolling window), measured up to
 * `now`; its compliance as the SLI to date, or as a projection (see `PeriodInProgress`).
 */
export function availability(
  input: { outages: Interval[]; period: Interval; now: number; objectivePercentage: number; periodInProgress?: PeriodInProgress } & MeasurementRules,
): Availability {
  const { period, now, periodInProgress = 'to-date' } = input;
  const elapsed = { start: period.start, end: Math.min(period.end, now) };
  const periodMs = totalLength(measuredIntervals(elapsed, input));
  const downtimeMs = totalLength(clipIntervals(downtimeIntervals(input.outages, now, input), elapsed));
  const wholeMs = totalLength(measuredIntervals(period, input));
  const errorBudgetMs = errorBudget(input.objectivePercentage, wholeMs);
  return {
    periodMs,
    downtimeMs,
    uptimeMs: periodMs - downtimeMs,
    compliancePercentage: compliance(periodInProgress === 'projection' ? wholeMs : periodMs, downtimeMs),
    periodInProgress,
    errorBudgetMs,
    errorBudgetUsedMs: downtimeMs,
    errorBudgetLeftMs: Math.max(0, errorBudgetMs - downtimeMs),
    budgetConsumed: consumed(downtimeMs, errorBudgetMs),
  };
}

/**
 * When the error budget runs out if the outage open since `openSince` goes on: the first instant
 * at which downtime (the outages so far plus the open one, maintenance excluded) reaches the
 * budget; `undefined` when that does not happen within the period. Already exhausted: the past
 * instant it ran out, so a timer scheduled for it fires at once.
 */
export function budgetExhaustedAt(input: {
  outages: Interval[];
  openSince: number;
  period: Interval;
  objectivePercentage: number;
  maintenance?: Interval[];
}): number | undefined {
  return budgetSpentAt({ ...input, outages: [...input.outages, { start: input.openSince, end: Infinity }] });
}

/**
 * The first instant at which `fraction` of the period's error budget is spent (1: exhausted),
 * if the outages still open (`end = Infinity`) go on; `undefined` when that does not happen
 * within the period. Maintenance is cut out of the downtime and, unless it counts as uptime,
 * out of the period the budget is reckoned on. A blip below the minimum outage counts only
 * once it has lasted the minimum, and then from its start, so nothing is spent before then.
 * A fraction already spent answers the past instant it was, so a timer set for it fires at once.
 */
export function budgetSpentAt(
  input: { outages: Interval[]; period: Interval; objectivePercentage: number; fraction?: number } & MeasurementRules,
): number | undefined {
  const { period, maintenance = [], fraction = 1 } = input;
  const minimumMs = input.minimumOutageMs ?? 0;
  const targetMs = fraction * errorBudget(input.objectivePercentage, totalLength(measuredIntervals(period, input)));
  let usedMs = 0;
  for (const outage of dropShorterThan(input.outages, minimumMs)) {
    const counted = clipIntervals(subtractIntervals([outage], maintenance), period);
    for (const interval of counted) {
      const length = interval.end - interval.start;
      if (usedMs + length >= targetMs) {
        // An open outage shorter than the minimum so far only starts to count once it reaches it.
        return Math.max(interval.start + (targetMs - usedMs), Math.min(outage.start + minimumMs, period.end));
      }
      usedMs += length;
    }
  }
  return undefined;
}

/** The fraction of time the objective allows to be down: 99.9 % → 0.001. */
export function allowedFraction(objectivePercentage: number): number {
  if (!(objectivePercentage >= 0 && objectivePercentage <= 100)) {
    throw new RangeError(`objective ${objectivePercentage} must be a percentage between 0 and 100`);
  }
  return (100 - objectivePercentage) / 100;
}

/** Whole milliseconds, so 99.9 % of 30 days is 2,592,000 ms (43.2 min) and not a float a hair below it. */
function errorBudget(objectivePercentage: number, periodMs: number): number {
  return Math.round(allowedFraction(objectivePercentage) * periodMs);
}

function consumed(usedMs: number, budgetMs: number): number {
  if (budgetMs > 0) return usedMs / budgetMs;
  return usedMs > 0 ? Infinity : 0;
}
