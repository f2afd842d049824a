import { assertNever, type EventEnvelope } from '@vigil/contracts';

export type AlarmEvent = EventEnvelope<'alarm-raised'> | EventEnvelope<'alarm-cleared'> | EventEnvelope<'alarm-acknowledged'>;

/** The alarm's interval still open, if any (source time, epoch ms). */
export interface OpenOutage {
  startedAt: number;
}

export type OutageDecision =
  | { kind: 'open'; startedAt: number }
  | { kind: 'close'; endedAt: number; cancelled: boolean }
  /** A clear with no open interval (its raise was never seen): the clear carries both ends. */
  | { kind: 'record-closed'; startedAt: number; endedAt: number; cancelled: boolean }
  | { kind: 'none'; why: string };

/**
 * What an alarm event does to the alarm's outage interval. Times are the source's own
 * (`raisedAt`, `clearedAt`), never arrival times. A cancelled clear keeps the interval but
 * marks it as counting toward no SLA.
 */
export function decideOutage(open: OpenOutage | undefined, event: AlarmEvent): OutageDecision {
  switch (event.type) {
    case 'alarm-raised':
      if (open) return { kind: 'none', why: 'the alarm is already active: a repeated raise opens no second interval' };
      return { kind: 'open', startedAt: Date.parse(event.data.raisedAt) };
    case 'alarm-cleared': {
      const cancelled = event.data.resolution === 'cancelled';
      const clearedAt = Date.parse(event.data.clearedAt);
      if (open) return { kind: 'close', endedAt: Math.max(open.startedAt, clearedAt), cancelled };
      const startedAt = Date.parse(event.data.raisedAt);
      return { kind: 'record-closed', startedAt, endedAt: Math.max(startedAt, clearedAt), cancelled };
    }
    case 'alarm-acknowledged':
      return { kind: 'none', why: 'an acknowledged alarm is still down' };
    default:
      return assertNever(event);
  }
}
