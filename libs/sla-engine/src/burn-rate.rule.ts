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
