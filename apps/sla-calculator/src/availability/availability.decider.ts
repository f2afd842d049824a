import type { AlarmRef } from '@vigil/contracts';
import {
  availability, budgetSpentAt, burnRateReadings, clipIntervals, countedIntervals, dropShorterThan, nextBurnRateFiringAt, serviceDowntime,
  subtractIntervals, totalLength, type BurnRateReading, type Interval, type PeriodInProgress, type RecordedOutage, type SlaWindow,
} from '@vigil/sla-engine';
import type { AvailabilityPolicy } from './availability-policy.matcher';

/** What has been published for one (policy, service, window): each crossing is published once. */
export interface WindowVerdictState {
  /** Budget fractions whose crossing was announced (and not undone by corrected history). */
  crossedFractions: number[];
  /** Burn-rate rules firing at the last evaluation: a rule is announced when it starts to fire. */
  firingRules: string[];
  /** The breach published for the window, if it stands. */
  breach: { eventId: string; effectiveAt: number } | null;
}

export const NothingPublished: WindowVerdictState = { crossedFractions: [], firingRules: [], breach: null };

/** The longest burn-rate window (1× over 3 d): the history an evaluation needs before its window starts. */
export const BurnRateHistoryMs = 3 * 86_400_000;

/** An outage of the service with the alarm it belongs to. */
export interface OutageOfAlarm extends RecordedOutage {
  alarm: AlarmRef;
}

export interface AvailabilityFigures {
  objectivePercentage: number;
  /** To date, or projected to the window's end, as the policy says (`periodInProgress`). */
  compliancePercentage: number;
  periodInProgress: PeriodInProgress;
  measuredMs: number;
  downtimeMs: number;
  errorBudgetMs: number;
  errorBudgetUsedMs: number;
  errorBudgetLeftMs: number;
  budgetConsumed: number;
  burnRates: BurnRateReading[];
}

export type AvailabilityVerdict =
  | { type: 'sla-at-risk'; effectiveAt: number; reason: string; atRiskFraction?: number; burnRateRule?: string }
  | { type: 'sla-breached'; effectiveAt: number; reason: string; corrects?: string }
  | { type: 'sla-met'; effectiveAt: number; reason: string; corrects: string };

/** An alarm behind the window's downtime: its counted time within the window so far. */
export interface AlarmBehind {
  alarm: AlarmRef;
  startedAt: number;
  endedAt: number | null;
  downtimeMs: number;
}

export interface AvailabilityDecision {
  figures: AvailabilityFigures;
  verdicts: AvailabilityVerdict[];
  /** The state once the verdicts are published; a breach decided here has `eventId: ''` until the caller names its event. */
  state: WindowVerdictState;
  /** Longest first, at most 100. */
  alarms: AlarmBehind[];
  /** When to evaluate again without any event, because an open outage goes on spending the budget; `undefined`: nothing to wait for. */
  wakeAt?: number;
}

export interface AvailabilityInput {
  policy: AvailabilityPolicy;
  window: SlaWindow;
  /** Wall-clock time of the evaluation; a calendar window already over is judged at its end. */
  now: number;
  /** The service's outages that the policy counts (selected by its labels), overlapping the window and the burn-rate windows. */
  outages: readonly OutageOfAlarm[];
  maintenance: Interval[];
  state: WindowVerdictState;
}

const MINUTE_MS = 60_000;
const MAX_ALARMS = 100;
/** A restated breach less than a second away from the published one is the same breach. */
const SAME_INSTANT_MS = 1_000;

const minutes = (ms: number) => `${Math.round((ms / MINUTE_MS) * 100) / 100}`;
const percent = (fraction: number) => `${Math.round(fraction * 1000) / 10} %`;
const windowName = (window: SlaWindow) => (window.kind === 'rolling-30d' ? 'the last 30 days' : window.key);

/**
 * Judges one availability window of one service under one policy: the figures to date, the
 * verdicts that became true since the last evaluation (`state`), and when to look again.
 *
 * - `sla-at-risk` once per budget fraction crossed (effective when it was spent) and whenever a
 *   burn-rate rule starts firing (effective now); neither for a window that is over, nor once the
 *   budget is exhausted (a breach says more).
 * - `sla-breached` when the budget is exhausted, effective the instant it ran out.
 * - Corrected history (a late raise or clear, a cancelled alarm, a maintenance window applied
 *   afterwards): in a calendar window a breach that no longer holds is retracted by an `sla-met`
 *   that `corrects` it, and a breach whose instant moved is restated by an `sla-breached` that
 *   `corrects` it. A fraction no longer reached can be announced again. In the rolling window
 *   old downtime rolls out as time passes, so there the state simply follows: no retraction.
 */
export function decideAvailability(input: AvailabilityInput): AvailabilityDecision {
  const { policy, window, state, maintenance } = input;
  const now = Math.min(input.now, window.end);
  const over = input.now > window.end;
  const objectivePercentage = policy.objectivePercentage;
  const rules = { maintenance, maintenanceMode: policy.maintenanceMode, minimumOutageMs: policy.minimumOutageMs };
  const down = serviceDowntime(input.outages, policy.counted);
  const figures = availability({ outages: down, period: window, now, objectivePercentage, periodInProgress: policy.periodInProgress, ...rules });
  const effective = subtractIntervals(dropShorterThan(down.map(({ start, end }) => ({ start, end: Math.min(end, now) })), policy.minimumOutageMs), maintenance);
  const burnRates = policy.burnRateRules.length > 0 && objectivePercentage < 100
    ? burnRateReadings({ outages: effective, now, objectivePercentage, rules: policy.burnRateRules })
    : [];
  const spentAt = (fraction: number) => budgetSpentAt({ outages: down, period: window, objectivePercentage, fraction, ...rules });
  const consumed = figures.budgetConsumed;
  const exhausted = consumed >= 1;
  const budgetText = `${minutes(figures.errorBudgetUsedMs)} of ${minutes(figures.errorBudgetMs)} min of error budget used over ${windowName(window)} (objective ${objectivePercentage} %)`;

  const verdicts: AvailabilityVerdict[] = [];
  // A fraction no longer reached (corrected history, downtime rolled out) may be announced again.
  const crossed = new Set(state.crossedFractions.filter((f) => consumed >= f));
  let breach = state.breach;
  if (exhausted) {
    // Past exhaustion an at-risk is noise: the fractions count as announced.
    for (const f of policy.atRiskFractions) crossed.add(f);
    const at = Math.min(spentAt(1) ?? now, now);
    if (!breach) {
      verdicts.push({ type: 'sla-breached', effectiveAt: at, reason: `error budget exhausted: ${budgetText}` });
      breach = { eventId: '', effectiveAt: at };
    } else if (window.kind !== 'rolling-30d' && Math.abs(at - breach.effectiveAt) >= SAME_INSTANT_MS) {
      verdicts.push({ type: 'sla-breached', effectiveAt: at, reason: `corrected: error budget exhausted at another instant: ${budgetText}`, corrects: breach.eventId });
      breach = { eventId: '', effectiveAt: at };
    }
  } else {
    if (breach && window.kind !== 'rolling-30d') {
      verdicts.push({ type: 'sla-met', effectiveAt: breach.effectiveAt, reason: `corrected: the error budget was not exhausted after all: ${budgetText}`, corrects: breach.eventId });
    }
    breach = null;
    for (const f of policy.atRiskFractions) {
      if (consumed < f || crossed.has(f)) continue;
      crossed.add(f);
      if (!over) verdicts.push({ type: 'sla-at-risk', effectiveAt: Math.min(spentAt(f) ?? now, now), reason: `${percent(f)} of the error budget consumed: ${budgetText}`, atRiskFraction: f });
    }
  }
  const firing = burnRates.filter((r) => r.firing);
  if (!exhausted && !over) {
    for (const reading of firing) {
      if (state.firingRules.includes(reading.rule.name)) continue;
      verdicts.push({
        type: 'sla-at-risk', effectiveAt: now, burnRateRule: reading.rule.name,
        reason: `burn rate ${reading.rule.name} firing: ${Math.round(reading.longRate * 10) / 10}× over the long and ${Math.round(reading.shortRate * 10) / 10}× over the short window (threshold ${reading.rule.factor}×, objective ${objectivePercentage} %)`,
      });
    }
  }

  const next: WindowVerdictState = { crossedFractions: [...crossed].sort((a, b) => a - b), firingRules: firing.map((r) => r.rule.name), breach };
  return {
    figures: { objectivePercentage, compliancePercentage: figures.compliancePercentage, periodInProgress: figures.periodInProgress, measuredMs: figures.periodMs, downtimeMs: figures.downtimeMs,
      errorBudgetMs: figures.errorBudgetMs, errorBudgetUsedMs: figures.errorBudgetUsedMs, errorBudgetLeftMs: figures.errorBudgetLeftMs, budgetConsumed: consumed, burnRates },
    verdicts,
    state: next,
    alarms: alarmsBehind(input, now),
    wakeAt: over ? undefined : wakeAt(input, { down, now, next, figures, spentAt }),
  };
}

/**
 * The next instant something can become true with no event: a fraction spent, the budget
 * exhausted, a burn-rate rule firing, or (calendar windows) the window ending, so the next
 * one is judged. Only an open outage spends meanwhile. In the rolling window the budget is
 * reckoned on a window that slides, so the instant is a lower bound (downtime rolling out
 * only delays it): the timer then finds the truth and is armed again.
 */
function wakeAt(
  input: AvailabilityInput,
  ctx: { down: Interval[]; now: number; next: WindowVerdictState; figures: { errorBudgetMs: number; errorBudgetUsedMs: number }; spentAt: (f: number) => number | undefined },
): number | undefined {
  const { policy, window } = input;
  if (!ctx.down.some((i) => i.end === Infinity)) return undefined;
  const pending = [...policy.atRiskFractions.filter((f) => !ctx.next.crossedFractions.includes(f)), ...(ctx.next.breach ? [] : [1])];
  const candidates = pending.map((f) =>
    window.kind === 'rolling-30d' ? input.now + Math.max(0, f * ctx.figures.errorBudgetMs - ctx.figures.errorBudgetUsedMs) : ctx.spentAt(f),
  );
  if (policy.burnRateRules.length > 0 && policy.objectivePercentage < 100) {
    candidates.push(nextBurnRateFiringAt({ outages: subtractIntervals(ctx.down, input.maintenance), now: ctx.now, objectivePercentage: policy.objectivePercentage, rules: policy.burnRateRules }));
  }
  if (window.kind !== 'rolling-30d') candidates.push(window.end);
  const due = candidates.filter((t): t is number => t !== undefined);
  // Never at or before now: what is due now was judged by this very evaluation.
  return due.length === 0 ? undefined : Math.max(Math.min(...due), input.now + 1);
}

function alarmsBehind(input: AvailabilityInput, now: number): AlarmBehind[] {
  const elapsed = { start: input.window.start, end: now };
  return input.outages
    .filter((o) => !o.cancelled)
    .map((o) => {
      const counted = countedIntervals(o, o.changes, o.severity, input.policy.counted);
      const downtimeMs = totalLength(subtractIntervals(clipIntervals(counted, elapsed), input.maintenance));
      return { alarm: o.alarm, startedAt: o.startedAt, endedAt: o.endedAt, downtimeMs };
    })
    .filter((a) => a.downtimeMs > 0)
    .sort((a, b) => b.downtimeMs - a.downtimeMs)
    .slice(0, MAX_ALARMS);
}
