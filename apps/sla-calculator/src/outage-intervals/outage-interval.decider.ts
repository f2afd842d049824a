import { assertNever, type EventEnvelope } from '@vigil/contracts';
import type { SeverityChange } from '@vigil/sla-engine';

export type AlarmEvent =
  | EventEnvelope<'alarm-raised'>
  | EventEnvelope<'alarm-severity-changed'>
  | EventEnvelope<'alarm-cleared'>
  | EventEnvelope<'alarm-acknowledged'>;

/** The alarm's interval still open, if any (source time, epoch ms). */
export interface OpenOutage {
  startedAt: number;
}

/** The alarm's latest interval that has ended: what a corrected clear corrects. */
export interface ClosedOutage {
  startedAt: number;
  endedAt: number;
}

/** What the calculator knows of one alarm's intervals. */
export interface AlarmOutages {
  open?: OpenOutage;
  lastClosed?: ClosedOutage;
}

export type OutageDecision =
  /** A new interval, with the severities it starts with (a change whose raise was never seen brings two). */
  | { kind: 'open'; startedAt: number; severities: SeverityChange[] }
  | { kind: 'close'; endedAt: number; cancelled: boolean }
  /** A clear with no open interval (its raise was never seen): the clear carries both ends. */
  | { kind: 'record-closed'; startedAt: number; endedAt: number; cancelled: boolean; severities: SeverityChange[] }
  /** A corrected raise: the open interval started earlier. */
  | { kind: 'correct-start'; startedAt: number; severity: SeverityChange }
  /** The open interval goes on at another severity. */
  | { kind: 'change-severity'; severity: SeverityChange }
  /** A corrected clear: the last interval ended earlier (never before it started). */
  | { kind: 'correct-end'; endedAt: number }
  | { kind: 'none'; why: string };

/**
 * What an alarm event does to the alarm's outage intervals. Times are the source's own
 * (`raisedAt`, `changedAt`, `clearedAt`), never arrival times. A cancelled clear keeps the
 * interval but marks it as counting toward no SLA. Each interval keeps its severity over
 * time (see `severity-history.ts`); the stream's sequence ranks statements made for the
 * same instant.
 */
export function decideOutage(outages: AlarmOutages, event: AlarmEvent): OutageDecision {
  const { open, lastClosed } = outages;
  const rank = event.sequence;
  switch (event.type) {
    case 'alarm-raised': {
      const raisedAt = Date.parse(event.data.raisedAt);
      const severity = { at: raisedAt, severity: event.data.severity, rank };
      if (!open) {
        // The raise of an outage already recorded from its clear (the clear came first) opens nothing.
        if (lastClosed && lastClosed.startedAt === raisedAt) return { kind: 'none', why: 'the outage was recorded from its clear already' };
        // A correction whose raise we never saw is all there is of the outage.
        return { kind: 'open', startedAt: raisedAt, severities: [severity] };
      }
      if (!event.data.corrects) return { kind: 'none', why: 'the alarm is already active: a repeated raise opens no second interval' };
      if (raisedAt >= open.startedAt) return { kind: 'none', why: 'the corrected start is not earlier than the recorded one' };
      return { kind: 'correct-start', startedAt: raisedAt, severity };
    }
    case 'alarm-severity-changed': {
      const severity = { at: Date.parse(event.data.changedAt), severity: event.data.severity, rank };
      if (open) return { kind: 'change-severity', severity };
      const startedAt = Date.parse(event.data.raisedAt);
      // Never reopen an interval that has ended: the change came after its clear.
      if (lastClosed && lastClosed.startedAt === startedAt) return { kind: 'none', why: 'the outage it changes has ended' };
      return { kind: 'open', startedAt, severities: [{ at: startedAt, severity: event.data.previousSeverity, rank: 0 }, severity] };
    }
    case 'alarm-cleared': {
      const cancelled = event.data.resolution === 'cancelled';
      const clearedAt = Date.parse(event.data.clearedAt);
      if (open) return { kind: 'close', endedAt: Math.max(open.startedAt, clearedAt), cancelled };
      if (event.data.corrects && lastClosed) {
        const endedAt = Math.max(lastClosed.startedAt, clearedAt);
        if (endedAt >= lastClosed.endedAt) return { kind: 'none', why: 'the corrected end is not earlier than the recorded one' };
        return { kind: 'correct-end', endedAt };
      }
      // Ended already: a repeated clear changes nothing.
      if (lastClosed && lastClosed.startedAt === Date.parse(event.data.raisedAt)) return { kind: 'none', why: 'the outage has ended already' };
      const startedAt = Date.parse(event.data.raisedAt);
      // The clear's severity (the last one) is assumed from the start until the raise tells better.
      return { kind: 'record-closed', startedAt, endedAt: Math.max(startedAt, clearedAt), cancelled, severities: [{ at: startedAt, severity: event.data.severity, rank: 0 }] };
    }
    case 'alarm-acknowledged':
      return { kind: 'none', why: 'an acknowledged alarm is still down' };
    default:
      return assertNever(event);
  }
}
