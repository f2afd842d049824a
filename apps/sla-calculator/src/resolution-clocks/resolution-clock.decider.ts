import { assertNever, type AlarmRef, type EventEnvelope, type Resolution, type Severity, type SlaEventType, type SlaVerdictData } from '@vigil/contracts';
import { businessTimeBetween, resolutionClock, resolutionVerdict, type BusinessCalendar } from '@vigil/sla-engine';
import { formatDuration } from './format-duration';
import type { ResolutionObjective } from './resolution-policy.matcher';

/**
 * running → at-risk → breached while the alarm is open; a clear ends the clock as met,
 * breached (cleared too late) or cancelled (a false positive counts toward no SLA).
 */
export const ClockStates = ['running', 'at-risk', 'breached', 'met', 'cancelled'] as const;
export type ClockState = (typeof ClockStates)[number];

export const ResolutionTimerKinds = ['resolution-at-risk', 'resolution-deadline'] as const;
export type ResolutionTimerKind = (typeof ResolutionTimerKinds)[number];

/** A resolution clock of one policy for one alarm. Instants are epoch milliseconds. */
export interface ResolutionClockState {
  tenantId: string;
  policy: string;
  alarm: AlarmRef;
  objective: string;
  objectiveMs: number;
  atRiskFraction: number;
  calendarName: string | null;
  calendar: BusinessCalendar;
  raisedAt: number;
  atRiskAt: number;
  deadline: number;
  state: ClockState;
  clearedAt: number | null;
  /** The `sla-breached` event published for the clock, while it stands: what a retraction corrects. */
  breachedEventId?: string | null;
}

export interface TimerFired {
  type: 'timer-fired';
  kind: ResolutionTimerKind;
  /** The timer's due time: the instant the verdict became true, however late the timer ran. */
  dueAt: number;
}

export type ClockInput = TimerFired | EventEnvelope<'alarm-cleared'> | EventEnvelope<'alarm-acknowledged'>;

export interface Verdict {
  type: SlaEventType;
  data: SlaVerdictData;
}

export interface ClockDecision {
  state: ClockState;
  verdicts: Verdict[];
  /** Set when the input ended the alarm for this clock. */
  cleared?: { at: number; resolution: Resolution };
}

/** Starts a clock for an alarm the policy times: deadline and at-risk instant on the calendar, from the source raise time. */
export function startResolutionClock(input: {
  tenantId: string;
  /** The alarm at the severity the objective is for, and the start of its outage. */
  alarm: AlarmRef & { raisedAt: string };
  objective: ResolutionObjective;
  calendarName: string | null;
  calendar: BusinessCalendar;
}): ResolutionClockState {
  const { tenantId, alarm, objective, calendarName, calendar } = input;
  const raisedAt = Date.parse(alarm.raisedAt);
  const { deadline, atRisk } = resolutionClock({ raisedAt, objectiveMs: objective.objectiveMs, atRiskFraction: objective.atRiskFraction, calendar });
  return {
    tenantId,
    policy: objective.policy,
    alarm: { alarmKey: alarm.alarmKey, serviceId: alarm.serviceId, severity: alarm.severity, summary: alarm.summary },
    objective: objective.objective,
    objectiveMs: objective.objectiveMs,
    atRiskFraction: objective.atRiskFraction,
    calendarName,
    calendar,
    raisedAt,
    atRiskAt: atRisk,
    deadline,
    state: 'running',
    clearedAt: null,
  };
}

const isOpen = (clock: ResolutionClockState) => clock.clearedAt === null && clock.state !== 'met' && clock.state !== 'cancelled';

/** Whether the clock can still publish a verdict from a timer: open, and not breached yet. */
export const isPending = (clock: ResolutionClockState) => isOpen(clock) && (clock.state === 'running' || clock.state === 'at-risk');

/** The clock with its deadline and at-risk instant computed again from `raisedAt` with its objective, on its calendar. */
function retimed(clock: ResolutionClockState, raisedAt: number, objective: Pick<ResolutionClockState, 'objective' | 'objectiveMs' | 'atRiskFraction'>): ResolutionClockState {
  const { deadline, atRisk } = resolutionClock({ raisedAt, objectiveMs: objective.objectiveMs, atRiskFraction: objective.atRiskFraction, calendar: clock.calendar });
  return { ...clock, ...objective, raisedAt, atRiskAt: atRisk, deadline };
}

/**
 * The alarm changed to a severity for which the same policy sets another objective. One
 * clock per policy and alarm, measured from the start of the outage: a stricter objective
 * replaces the clock's (its deadline and at-risk instant move earlier, the timers are armed
 * again, and a deadline already past breaches at once, effective at that deadline); a laxer
 * one changes nothing, so lowering the severity never buys time. A clock that has breached
 * or ended keeps what it published. `undefined`: nothing changes.
 */
export function decideSeverityChange(clock: ResolutionClockState, severity: Severity, objective: ResolutionObjective): ResolutionClockState | undefined {
  if (!isPending(clock) || objective.objectiveMs >= clock.objectiveMs) return undefined;
  const stricter = retimed(clock, clock.raisedAt, { objective: objective.objective, objectiveMs: objective.objectiveMs, atRiskFraction: objective.atRiskFraction });
  return { ...stricter, alarm: { ...clock.alarm, severity } };
}

/**
 * A corrected raise: the outage started earlier than the clock was started from. Deadline
 * and at-risk instant are computed again from the corrected start (a deadline already past
 * breaches at once, effective at the corrected deadline). A clock that has breached or
 * ended keeps what it published. `undefined`: nothing changes.
 */
export function decideCorrectedStart(clock: ResolutionClockState, raisedAt: number): ResolutionClockState | undefined {
  if (!isPending(clock) || raisedAt >= clock.raisedAt) return undefined;
  return retimed(clock, raisedAt, clock);
}

/** What a corrected raise changes in a clock that has breached. */
export interface RestatedBreach {
  /** The clock counted from the corrected start: its deadline and at-risk instant moved too. */
  clock: ResolutionClockState;
  /** The `sla-breached` that `corrects` the published one, effective at the corrected deadline; absent when the deadline did not move. */
  restatement?: Verdict;
}

/**
 * A corrected raise of an alarm whose clock has breached: the outage started earlier, so the
 * breach became true earlier, at the deadline counted from the corrected start on the clock's
 * calendar. It is restated by an `sla-breached` that `corrects` the published breach (ADR 0011),
 * effective at that deadline; the clock stays breached. On a business calendar an earlier start
 * outside working hours may leave the deadline where it was: the start is recorded, nothing is
 * published. `undefined`: nothing changes (not breached, the start did not move earlier, or the
 * breach's event is not known to correct).
 */
export function decideRestatedBreach(clock: ResolutionClockState, raisedAt: number): RestatedBreach | undefined {
  if (clock.state !== 'breached' || !clock.breachedEventId || raisedAt >= clock.raisedAt) return undefined;
  const moved = retimed(clock, raisedAt, clock);
  if (moved.deadline >= clock.deadline) return { clock: moved };
  const breach = verdict(moved, 'sla-breached', moved.deadline, `corrected: the alarm was raised earlier; ${breachReason(moved)}`);
  return { clock: moved, restatement: { ...breach, data: { ...breach.data, corrects: clock.breachedEventId } } };
}

/** What a corrected clear changes in a clock that has ended. */
export interface CorrectedClear {
  clearedAt: number;
  /** The breach published is retracted: the clock is met after all, and this `sla-met` corrects the breach. */
  retraction?: Verdict;
  /** Set when the corrected end implies another verdict than the one published and the breach's event is not known to retract it. */
  correctedOutcome?: 'met';
}

/**
 * A corrected clear: the outage ended earlier than the clock recorded. The clear time is
 * corrected; a breach the corrected end avoids is retracted by an `sla-met` that `corrects`
 * it (ADR 0011), or, for a clock stored before breaches kept their event id, recorded as
 * `correctedOutcome: 'met'`. `undefined`: nothing changes (an open clock is settled by a
 * clear, not corrected; a later end is no correction).
 */
export function decideCorrectedClear(clock: ResolutionClockState, clearedAt: number): CorrectedClear | undefined {
  if (clock.clearedAt === null || clearedAt >= clock.clearedAt) return undefined;
  if (clock.state === 'breached' && clearedAt < clock.deadline) {
    const retraction = retractionOf(clock, clearedAt, 'resolved');
    return retraction ? { clearedAt, retraction } : { clearedAt, correctedOutcome: 'met' };
  }
  return { clearedAt };
}

/**
 * The `sla-met` that retracts a published breach the clear shows was never true: resolved
 * before the deadline (the clear reached us after the deadline timer fired, or was corrected),
 * or cancelled (a false positive counts toward no SLA). `undefined` without the breach's id.
 */
function retractionOf(clock: ResolutionClockState, clearedAt: number, resolution: Resolution): Verdict | undefined {
  if (!clock.breachedEventId) return undefined;
  const why = resolution === 'cancelled'
    ? 'the alarm was cancelled as a false positive'
    : `${metReason(clock, businessTimeBetween(clock.raisedAt, clearedAt, clock.calendar))}, before the deadline`;
  const retraction = verdict(clock, 'sla-met', clearedAt, `corrected: ${why}; the breach is retracted`);
  return { ...retraction, data: { ...retraction.data, corrects: clock.breachedEventId } };
}

/**
 * What a timer or an alarm change does to a clock: the verdicts to publish and the next
 * state. Pure: the caller stores the state and publishes through the outbox.
 */
export function decideResolutionClock(clock: ResolutionClockState, input: ClockInput): ClockDecision {
  const unchanged: ClockDecision = { state: clock.state, verdicts: [] };
  switch (input.type) {
    case 'timer-fired':
      if (input.kind === 'resolution-at-risk') {
        if (clock.state !== 'running' || !isOpen(clock)) return unchanged;
        return { state: 'at-risk', verdicts: [verdict(clock, 'sla-at-risk', input.dueAt, atRiskReason(clock))] };
      }
      // A deadline passing while at-risk was never announced (an at-risk fraction of 1) breaches alone.
      if ((clock.state !== 'running' && clock.state !== 'at-risk') || !isOpen(clock)) return unchanged;
      return { state: 'breached', verdicts: [verdict(clock, 'sla-breached', input.dueAt, breachReason(clock))] };

    case 'alarm-cleared': {
      if (!isOpen(clock)) return unchanged;
      const cleared = { at: Date.parse(input.data.clearedAt), resolution: input.data.resolution };
      if (clock.state === 'breached') {
        // A breach that the clear shows was never true (resolved before the deadline, but known only
        // after the deadline timer fired; or a false positive) is retracted; a true one stands.
        const retraction = (cleared.resolution === 'cancelled' || cleared.at < clock.deadline) && retractionOf(clock, cleared.at, cleared.resolution);
        if (retraction) return { state: cleared.resolution === 'cancelled' ? 'cancelled' : 'met', verdicts: [retraction], cleared };
        return { state: 'breached', verdicts: [], cleared };
      }
      if (cleared.resolution === 'cancelled') return { state: 'cancelled', verdicts: [], cleared };
      const outcome = resolutionVerdict({ clock: { deadline: clock.deadline, atRisk: clock.atRiskAt }, clearedAt: cleared.at, now: cleared.at });
      if (outcome === 'met') {
        const elapsed = businessTimeBetween(clock.raisedAt, cleared.at, clock.calendar);
        return { state: 'met', verdicts: [verdict(clock, 'sla-met', cleared.at, metReason(clock, elapsed))], cleared };
      }
      // Cleared at or after the deadline before the deadline timer fired: the breach became true at the deadline.
      return { state: 'breached', verdicts: [verdict(clock, 'sla-breached', clock.deadline, breachReason(clock))], cleared };
    }

    case 'alarm-acknowledged':
      // Acknowledging stops escalation, not the SLA: a resolution objective measures the time
      // to resolve, so the clock keeps running until the alarm clears.
      return unchanged;

    default:
      return assertNever(input);
  }
}

function verdict(clock: ResolutionClockState, type: SlaEventType, effectiveAt: number, reason: string): Verdict {
  return {
    type,
    data: {
      policy: clock.policy,
      policyType: 'resolution',
      serviceId: clock.alarm.serviceId,
      alarm: clock.alarm,
      reason,
      deadline: new Date(clock.deadline).toISOString(),
      effectiveAt: new Date(effectiveAt).toISOString(),
    },
  };
}

const businessTime = (clock: ResolutionClockState) => (clock.calendarName ? ` of business time on ${clock.calendarName}` : '');

function atRiskReason(clock: ResolutionClockState): string {
  const elapsed = Math.round(clock.objectiveMs * clock.atRiskFraction);
  const percent = Math.round(clock.atRiskFraction * 100);
  return `${clock.alarm.severity} alarm unresolved after ${formatDuration(elapsed)}${businessTime(clock)} (${percent}% of objective ${clock.objective})`;
}

function breachReason(clock: ResolutionClockState): string {
  return `${clock.alarm.severity} alarm unresolved after ${formatDuration(clock.objectiveMs)}${businessTime(clock)} (objective ${clock.objective})`;
}

function metReason(clock: ResolutionClockState, elapsedMs: number): string {
  return `${clock.alarm.severity} alarm resolved after ${formatDuration(elapsedMs)}${businessTime(clock)} (objective ${clock.objective})`;
}
