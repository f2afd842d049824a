import { assertNever, type AnyEvent } from '@vigil/contracts';
import type { Interval } from '@vigil/sla-engine';

/**
 * From which instant an event may change what reports say: the earliest source time it carries
 * (a clear can cancel or shorten its outage from the start, so the start counts); `null` when
 * it may change everything (configuration); `undefined` when it changes no number or list.
 */
export function affectedFrom(event: AnyEvent): string | null | undefined {
  switch (event.type) {
    case 'alarm-raised':
      return event.data.raisedAt;
    case 'alarm-severity-changed':
      return earliest(event.data.raisedAt, event.data.changedAt);
    case 'alarm-cleared':
      return earliest(event.data.raisedAt, event.data.clearedAt);
    case 'alarm-acknowledged':
      return event.data.acknowledgedAt;
    // A correction also moves or removes the breach it names, whose instant the event does not carry.
    case 'sla-breached':
      return event.data.corrects ? null : event.data.effectiveAt;
    case 'sla-met':
      return event.data.corrects ? null : undefined;
    case 'config-applied':
    case 'config-deleted':
      return null;
    // Not shown in any report (yet): no restatement.
    case 'sla-at-risk':
    case 'escalation-triggered':
    case 'escalation-acknowledged':
    case 'escalation-resolved':
    case 'notification-delivered':
    case 'notification-failed':
      return undefined;
    default:
      return assertNever(event);
  }
}

const earliest = (a: string, b: string) => (Date.parse(a) <= Date.parse(b) ? a : b);

/**
 * The time span a cached answer speaks of and the version it holds at: it stays valid while no
 * version since restated any of that span (docs/adr/0018).
 */
export interface HeldSpan {
  version: string;
  span: Interval;
}
