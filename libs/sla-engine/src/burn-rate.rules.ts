import { allowedFraction } from './availability.sli';
import { clipIntervals, totalLength, type Interval } from './interval.algebra';

/** Multi-window burn-rate alert (Google SRE workbook, ch. 5): fires when both windows burn faster than `factor`. */
export interface BurnRateRule {
  name: string;
  factor: number;
  longWindowMs: number;
  shortWindowMs: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The workbook's table for a 30-day budget: 2 % of it in 1 h, 5 % in 6 h, 10 % in 1 d and 10 % in 3 d. */
export const DefaultBurnRateRules: BurnRateRule[] = [
  { name: '14.4x-1h-5m', factor: 14.4, longWindowMs: HOUR, shortWindowMs: 5 * MINUTE },
  { name: '6x-6h-30m', factor: 6, longWindowMs: 6 * HOUR, shortWindowMs: 30 * MINUTE },
  { name: '3x-1d-2h', factor: 3, longWindowMs: 24 * HOUR, shortWindowMs: 2 * HOUR },
  { name: '1x-3d-6h', factor: 1, longWindowMs: 72 * HOUR, shortWindowMs: 6 * HOUR },
];

/** Downtime fraction in the window over the fraction the objective allows: 1 spends the budget exactly on time. */
export function burnRate(outages: Interval[], window: Interval, objectivePercentage: number): number {
  const windowMs = window.end - window.start;
  if (!(windowMs > 0)) return 0;
  const downFraction = totalLength(clipIntervals(outages, window)) / windowMs;
  const allowed = allowedFraction(objectivePercentage);
  if (allowed > 0) return downFraction / allowed;
  return downFraction > 0 ? Infinity : 0;
}

/** The rules whose long and short windows, both ending at `now`, burn faster than their factor. */
export function firingBurnRateRules(input: {
  outages: Interval[];
  now: number;
  objectivePercentage: number;
  rules?: BurnRateRule[];
}): BurnRateRule[] {
  const { outages, now, objectivePercentage, rules = DefaultBurnRateRules } = input;
  const rate = (windowMs: number) => burnRate(outages, { start: now - windowMs, end: now }, objectivePercentage);
  return rules.filter((rule) => rate(rule.longWindowMs) > rule.factor && rate(rule.shortWindowMs) > rule.factor);
}

/** One rule's two burn rates as of `now`, and whether it fires. */
export interface BurnRateReading {
  rule: BurnRateRule;
  longRate: number;
  shortRate: number;
  firing: boolean;
}

/** Every rule's long- and short-window burn rates, both windows ending at `now` (the figures behind an at-risk). */
export function burnRateReadings(input: { outages: Interval[]; now: number; objectivePercentage: number; rules?: BurnRateRule[] }): BurnRateReading[] {
  const { outages, now, objectivePercentage, rules = DefaultBurnRateRules } = input;
  const rate = (windowMs: number) => burnRate(outages, { start: now - windowMs, end: now }, objectivePercentage);
  return rules.map((rule) => {
    const longRate = rate(rule.longWindowMs);
    const shortRate = rate(rule.shortWindowMs);
    return { rule, longRate, shortRate, firing: longRate > rule.factor && shortRate > rule.factor };
  });
}

const SECOND = 1_000;

/**
 * The instant (to the second) after `now` at which a rule not firing at `now` starts to fire, if the
 * outages still open (`end = Infinity`) go on; `undefined` when none will. While an outage is
 * open, the downtime in a window ending at t never shrinks as t grows (each instant added is
 * down), so each rule, once it fires, keeps firing, and the instant can be found by bisection
 * within the rule's long window (after which both windows are wholly down).
 */
export function nextBurnRateFiringAt(input: { outages: Interval[]; now: number; objectivePercentage: number; rules?: BurnRateRule[] }): number | undefined {
  const { outages, now, objectivePercentage, rules = DefaultBurnRateRules } = input;
  const openSince = outages.filter((o) => o.end === Infinity).reduce((min, o) => Math.min(min, o.start), Infinity);
  if (openSince === Infinity) return undefined;
  const from = Math.max(now, openSince);
  const fires = (rule: BurnRateRule, at: number) =>
    burnRate(outages, { start: at - rule.longWindowMs, end: at }, objectivePercentage) > rule.factor &&
    burnRate(outages, { start: at - rule.shortWindowMs, end: at }, objectivePercentage) > rule.factor;
  let next: number | undefined;
  for (const rule of rules) {
    if (fires(rule, now)) continue;
    let high = from + rule.longWindowMs + SECOND;
    if (!fires(rule, high)) continue;
    let low = now;
    // Invariant: not firing at `low`, firing at `high`; stop at one-second resolution.
    while (high - low > SECOND) {
      const mid = low + Math.max(SECOND, Math.floor((high - low) / 2 / SECOND) * SECOND);
      if (fires(rule, mid)) high = mid;
      else low = mid;
    }
    next = next === undefined ? high : Math.min(next, high);
  }
  return next;
}
