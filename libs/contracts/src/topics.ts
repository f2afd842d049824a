/**
 * Every Kafka topic Vigil uses, in one table. Names are versioned; a change that breaks the
 * topic itself gets a new topic. A new version of one event type does not: it is upcast on read (ADR 0027).
 */
export const Topics = {
  alarmsInbound: 'vigil.alarms.inbound.v1',
  alarmEvents: 'vigil.alarm-events.v1',
  slaEvents: 'vigil.sla-events.v1',
  escalationEvents: 'vigil.escalation-events.v1',
  notificationEvents: 'vigil.notification-events.v1',
  notificationDeadLetters: 'vigil.notification-events.dlq.v1',
  configEvents: 'vigil.config-events.v1',
} as const;

export type Topic = (typeof Topics)[keyof typeof Topics];

/** `vigil.x.v1` → `vigil.x.dlq.v1`: where a consumer parks what it can never process. */
export function deadLetterTopicOf(topic: string): string {
  const match = /^(.*)\.v(\d+)$/.exec(topic);
  if (!match) return `${topic}.dlq`;
  return match[1].endsWith('.dlq') ? topic : `${match[1]}.dlq.v${match[2]}`;
}
