import { addBusinessTime, type BusinessCalendar } from './business-time.calendar';

/** When a resolution objective turns at risk and when it is breached, both on the business calendar. */
export interface ResolutionClock {
  deadline: number;
  atRisk: number;
}

export type ResolutionVerdict = 'pending' | 'at-risk' | 'breached' | 'met';

export function resolutionClock(input: {
  raisedAt: number;
  objectiveMs: number;
  atRiskFraction?: number;
  calendar: BusinessCalendar;
}): ResolutionClock {
  const { raisedAt, objectiveMs, atRiskFraction = 0.75, calendar } = input;
  if (!(atRiskFraction >= 0 && atRiskFraction <= 1)) throw new RangeError(`atRiskFraction ${atRiskFraction} must be between 0 and 1`);
  return {
    deadline: addBusinessTime(raisedAt, objectiveMs, calendar),
    atRisk: addBusinessTime(raisedAt, Math.round(objectiveMs * atRiskFraction), calendar),
  };
}

/**
 * The verdict as of `now`. The deadline instant itself is already breached; a clear recorded
 * after `now` is not known yet (as-of queries), so the alarm still counts as open.
 */
export function resolutionVerdict(input: { clock: ResolutionClock; clearedAt?: number; now: number }): ResolutionVerdict {
  const { clock, clearedAt, now } = input;
  if (clearedAt !== undefined && clearedAt <= now) return clearedAt < clock.deadline ? 'met' : 'breached';
  if (now >= clock.deadline) return 'breached';
  return now >= clock.atRisk ? 'at-risk' : 'pending';
}
