import { assertNever, eventKey, newEvent, type EventEnvelope } from '@vigil/contracts';
import type { OutboxMessage } from '@vigil/messaging';
import type { Escalation, EscalationFact } from '../domain/escalation.decider';

/** The event a command reacted to, when there was one (HTTP acknowledgements have none). */
export type Cause = Pick<EventEnvelope, 'id' | 'correlationId'>;

/**
 * The event on `vigil.escalation-events.v1` a fact publishes, if any (`opened` and
 * `urgency-raised` stay in the timeline). `escalation` is the state after the fact.
 * Subject is the escalation id, sequence its version, key tenant/service. A page is
 * caused by the trigger behind it; an acknowledgement or resolution by the event that
 * brought it, or — over HTTP — carries the escalation's correlation id alone.
 */
export function escalationEventFor(escalation: Escalation, fact: EscalationFact, cause: Cause | undefined): OutboxMessage | undefined {
  const common = {
    tenantId: escalation.tenantId,
    subject: escalation.id,
    sequence: escalation.version,
    occurredAt: fact.at.toISOString(),
    correlationId: escalation.reason.correlationId,
  };
  const key = eventKey(escalation.tenantId, escalation.alarm.serviceId);
  const alarm = { ...escalation.alarm };
  switch (fact.type) {
    case 'opened':
    case 'urgency-raised':
      return undefined;
    case 'level-triggered':
      return {
        key,
        event: newEvent({
          ...common,
          type: 'escalation-triggered',
          causedBy: { id: escalation.reason.eventId, correlationId: escalation.reason.correlationId },
          data: {
            escalationId: escalation.id,
            policy: escalation.policy.name,
            level: fact.level,
            round: fact.round,
            targets: fact.targets,
            serviceId: alarm.serviceId,
            alarms: [alarm],
            reason: {
              trigger: escalation.reason.trigger,
              eventId: escalation.reason.eventId,
              policy: escalation.policy.name,
              ...(escalation.reason.detail !== undefined ? { detail: escalation.reason.detail } : {}),
            },
          },
        }),
      };
    case 'acknowledged':
      return {
        key,
        event: newEvent({
          ...common,
          type: 'escalation-acknowledged',
          causedBy: cause,
          data: { escalationId: escalation.id, alarm, acknowledgedBy: fact.by, acknowledgedAt: fact.at.toISOString() },
        }),
      };
    case 'resolved':
      return {
        key,
        event: newEvent({
          ...common,
          type: 'escalation-resolved',
          causedBy: cause,
          data: { escalationId: escalation.id, alarm, resolvedAt: fact.at.toISOString() },
        }),
      };
    default:
      return assertNever(fact);
  }
}

/** A fact as the timeline shows it (its type and time are columns of their own). */
export function timelineDetail(fact: EscalationFact): Record<string, unknown> {
  switch (fact.type) {
    case 'opened':
      return { policy: fact.policy.name, trigger: fact.reason.trigger, eventId: fact.reason.eventId, detail: fact.reason.detail };
    case 'urgency-raised':
      return { from: fact.from, to: fact.reason.trigger, eventId: fact.reason.eventId, detail: fact.reason.detail };
    case 'level-triggered':
      return { round: fact.round, level: fact.level, targets: fact.targets };
    case 'acknowledged':
      return { by: fact.by, via: fact.via, eventId: fact.eventId };
    case 'resolved':
      return { resolution: fact.resolution, eventId: fact.eventId };
    default:
      return assertNever(fact);
  }
}
