import type { EscalationEvent, EscalationReason } from '@vigil/contracts';

/** The escalation events the notifier turns into notifications. */
export type { EscalationEvent };

/** What a channel was last sent about an escalation; carried into its acknowledged/resolved notice. */
export interface TriggerContext {
  policy: string;
  level: number;
  round: number;
  reason: EscalationReason;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One row of the delivery log: one escalation event for one channel. */
export interface Delivery {
  id: string;
  tenantId: string;
  escalationEventId: string;
  escalationId: string;
  eventType: EscalationEvent['type'];
  channel: string;
  event: EscalationEvent;
  trigger?: TriggerContext;
  status: DeliveryStatus;
  attempts: number;
}

/** The timer kind whose due timers are the delivery job queue. */
export const DeliveryTimerKind = 'delivery';

/** Timer subject, unique per tenant and kind: `<escalation event id>/<channel>`. */
export function deliverySubject(escalationEventId: string, channel: string): string {
  return `${escalationEventId}/${channel}`;
}

/** The key a receiver deduplicates on: the same on every retry and after a crash. */
export function idempotencyKey(escalationEventId: string, channel: string): string {
  return `${escalationEventId}:${channel}`;
}
