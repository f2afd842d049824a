import type { EscalationEvent, TriggerContext } from '../delivery-log/delivery';

/** What the delivery needs to know besides the event. */
export interface NotificationContext {
  /** For acknowledged/resolved: what the channel was paged with. */
  trigger?: TriggerContext;
  /** The escalation service's public base URL (`ESCALATION_PUBLIC_URL`). */
  escalationBaseUrl: string;
}

export function acknowledgeUrl(escalationBaseUrl: string, escalationId: string): string {
  return `${escalationBaseUrl.replace(/\/+$/, '')}/api/v1/escalations/${encodeURIComponent(escalationId)}/acknowledge`;
}

/** Level, round, policy and reason: from the trigger itself, or from what the channel was paged with. */
export function pagedWith(event: EscalationEvent, context: NotificationContext): TriggerContext | undefined {
  if (event.type === 'escalation-triggered') {
    const { policy, level, round, reason } = event.data;
    return { policy, level, round, reason };
  }
  return context.trigger;
}

/** The service an escalation event is about: its Kafka key, and that of what the notifier publishes in reply. */
export function serviceOf(event: EscalationEvent): string {
  return event.type === 'escalation-triggered' ? event.data.serviceId : event.data.alarm.serviceId;
}
