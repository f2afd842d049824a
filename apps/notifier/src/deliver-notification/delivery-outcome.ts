import { Topics, eventKey, newEvent, newEventId, type EventEnvelope } from '@vigil/contracts';
import { idempotencyKey, type Delivery, type EscalationEvent } from '../delivery-log/delivery';
import type { FinishedDelivery } from '../delivery-log/delivery-log.repository';
import { serviceOf } from './notification-context';

/** How one delivery ended, after every attempt it was allowed. */
export type SendOutcome =
  | { delivered: true; channelType: string; statusCode: number; attempts: number }
  | {
    delivered: false; channelType: string; statusCode?: number; attempts: number; reason: string;
    /** The destination's breaker refused the call: the receiver failed for others, not (necessarily) for this delivery. */
    breakerOpen?: boolean;
  };

/** The shortest wait before a delivery its breaker refused asks again, so a trial call in flight has time to end. */
export const BREAKER_RECHECK_MS = 1_000;

/**
 * How long a delivery its destination's open breaker refused waits before it is tried
 * again, or undefined when it fails now. It waits until the breaker lets a trial call
 * through (at least BREAKER_RECHECK_MS), as long as it will not then have waited more
 * than `maxWaitMs` since it fell due: a breaker is the receiver's state, not this
 * delivery's verdict, and a page is still worth sending a minute late (ADR 0022).
 */
export function breakerWaitMs(outcome: SendOutcome, waitedMs: number, reopensInMs: number, maxWaitMs: number): number | undefined {
  if (outcome.delivered || !outcome.breakerOpen) return undefined;
  const retryInMs = Math.max(BREAKER_RECHECK_MS, reopensInMs);
  return waitedMs + retryInMs > maxWaitMs ? undefined : retryInMs;
}

/** What lands on `vigil.notification-events.dlq.v1`: enough to see why, and to send it again. */
export interface DeadLetterRecord {
  id: string;
  kind: 'notification-dead-letter';
  tenantId: string;
  escalationEventId: string;
  escalationId: string;
  channel: string;
  channelType: string;
  reason: string;
  attempts: number;
  statusCode?: number;
  failedAt: string;
  idempotencyKey: string;
  notificationFailedEventId: string;
  /** The escalation event the notification carried, as consumed. */
  escalationEvent: EscalationEvent;
}

export interface DeliveryConsequences {
  log: FinishedDelivery;
  event: EventEnvelope<'notification-delivered'> | EventEnvelope<'notification-failed'>;
  key: string;
  deadLetter?: { record: DeadLetterRecord; headers: Record<string, string> };
}

/**
 * What a finished delivery changes: its log row, the outcome event, and — for a
 * failure — the dead letter. `attempts` is at least 1: a delivery refused before any
 * HTTP call (channel missing, type not supported) counts as one failed attempt.
 */
export function consequencesOf(delivery: Delivery, outcome: SendOutcome, now: Date): DeliveryConsequences {
  const attempts = Math.max(1, outcome.attempts);
  const key = eventKey(delivery.tenantId, serviceOf(delivery.event));
  const base = {
    escalationEventId: delivery.escalationEventId,
    escalationId: delivery.escalationId,
    channel: delivery.channel,
    channelType: outcome.channelType,
    attempts,
  };
  const common = { tenantId: delivery.tenantId, subject: delivery.escalationId, occurredAt: now.toISOString(), causedBy: delivery.event };
  if (outcome.delivered) {
    return {
      log: { status: 'delivered', channelType: outcome.channelType, attempts, statusCode: outcome.statusCode },
      event: newEvent({ ...common, type: 'notification-delivered', data: { ...base, statusCode: outcome.statusCode } }),
      key,
    };
  }
  const event = newEvent({ ...common, type: 'notification-failed', data: { ...base, statusCode: outcome.statusCode, reason: outcome.reason } });
  const record: DeadLetterRecord = {
    id: newEventId(),
    kind: 'notification-dead-letter',
    tenantId: delivery.tenantId,
    escalationEventId: delivery.escalationEventId,
    escalationId: delivery.escalationId,
    channel: delivery.channel,
    channelType: outcome.channelType,
    reason: outcome.reason,
    attempts,
    statusCode: outcome.statusCode,
    failedAt: now.toISOString(),
    idempotencyKey: idempotencyKey(delivery.escalationEventId, delivery.channel),
    notificationFailedEventId: event.id,
    escalationEvent: delivery.event,
  };
  return {
    log: { status: 'failed', channelType: outcome.channelType, attempts, statusCode: outcome.statusCode, error: outcome.reason },
    event,
    key,
    deadLetter: {
      record,
      headers: {
        'event-type': 'notification-dead-letter',
        'tenant-id': delivery.tenantId,
        'correlation-id': delivery.event.correlationId,
        'dlq-reason': outcome.reason.slice(0, 2_000),
        'dlq-source-topic': Topics.escalationEvents,
        'dlq-source-event-id': delivery.escalationEventId,
        'dlq-consumer': 'notifier.delivery',
      },
    },
  };
}
