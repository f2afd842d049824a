import { Topics, type Topic } from '../topics';

export const AlarmEventTypes = ['alarm-raised', 'alarm-severity-changed', 'alarm-acknowledged', 'alarm-cleared'] as const;
export const SlaEventTypes = ['sla-at-risk', 'sla-breached', 'sla-met'] as const;
export const EscalationEventTypes = ['escalation-triggered', 'escalation-acknowledged', 'escalation-resolved'] as const;
export const NotificationEventTypes = ['notification-delivered', 'notification-failed'] as const;
export const ConfigEventTypes = ['config-applied', 'config-deleted'] as const;

export type AlarmEventType = (typeof AlarmEventTypes)[number];
export type SlaEventType = (typeof SlaEventTypes)[number];
export type EscalationEventType = (typeof EscalationEventTypes)[number];
export type NotificationEventType = (typeof NotificationEventTypes)[number];
export type ConfigEventType = (typeof ConfigEventTypes)[number];
export type EventType = AlarmEventType | SlaEventType | EscalationEventType | NotificationEventType | ConfigEventType;

export const EventTypes: readonly EventType[] = [
  ...AlarmEventTypes,
  ...SlaEventTypes,
  ...EscalationEventTypes,
  ...NotificationEventTypes,
  ...ConfigEventTypes,
];

/** The topic each event type is published on. */
export function topicOf(type: EventType): Topic {
  switch (type) {
    case 'alarm-raised':
    case 'alarm-severity-changed':
    case 'alarm-acknowledged':
    case 'alarm-cleared':
      return Topics.alarmEvents;
    case 'sla-at-risk':
    case 'sla-breached':
    case 'sla-met':
      return Topics.slaEvents;
    case 'escalation-triggered':
    case 'escalation-acknowledged':
    case 'escalation-resolved':
      return Topics.escalationEvents;
    case 'notification-delivered':
    case 'notification-failed':
      return Topics.notificationEvents;
    case 'config-applied':
    case 'config-deleted':
      return Topics.configEvents;
    default:
      return assertNever(type);
  }
}

export function assertNever(value: never): never {
  throw new Error(`Unhandled variant: ${JSON.stringify(value)}`);
}
