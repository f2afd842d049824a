import { assertNever, escalationAlarm, type Severity } from '@vigil/contracts';
import type { EscalationEvent } from '../delivery-log/delivery';
import { acknowledgeUrl, type NotificationContext } from './notification-context';

/** PagerDuty's four severities; Vigil's five fold into them. */
export type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';

const SEVERITY: Record<Severity, PagerDutySeverity> = { critical: 'critical', major: 'error', minor: 'warning', warning: 'warning', info: 'info' };

/** An Events API v2 event: a trigger carries a payload, an acknowledge or resolve only the dedup key. */
export type PagerDutyEvent =
  | {
    routing_key: string;
    event_action: 'trigger';
    dedup_key: string;
    payload: {
      summary: string;
      source: string;
      severity: PagerDutySeverity;
      timestamp: string;
      component: string;
      class?: string;
      custom_details: Record<string, unknown>;
    };
    client: string;
    links: Array<{ href: string; text: string }>;
  }
  | { routing_key: string; event_action: 'acknowledge' | 'resolve'; dedup_key: string };

// PagerDuty refuses a summary over 1024 characters.
const SUMMARY_MAX = 1024;

/**
 * The Events API v2 event for an escalation event. The dedup key is the escalation id,
 * so every level of one escalation updates one PagerDuty incident, and its
 * acknowledgement and resolution close that same incident.
 */
export function buildPagerDutyEvent(event: EscalationEvent, routingKey: string, context: NotificationContext): PagerDutyEvent {
  const dedup = event.data.escalationId;
  switch (event.type) {
    case 'escalation-triggered': {
      const { level, round, policy, reason } = event.data;
      const alarm = escalationAlarm(event);
      const summary = `[${alarm.severity.toUpperCase()}] ${alarm.serviceId}: ${alarm.summary}`;
      return {
        routing_key: routingKey,
        event_action: 'trigger',
        dedup_key: dedup,
        payload: {
          summary: summary.length > SUMMARY_MAX ? `${summary.slice(0, SUMMARY_MAX - 1)}…` : summary,
          source: alarm.serviceId,
          severity: SEVERITY[alarm.severity],
          timestamp: event.occurredAt,
          component: alarm.serviceId,
          class: reason.trigger,
          custom_details: {
            alarmKey: alarm.alarmKey, tenantId: event.tenantId, policy, level, round, reason: reason.detail ?? reason.trigger, escalationEventId: event.id,
          },
        },
        client: 'Vigil',
        links: [{ href: acknowledgeUrl(context.escalationBaseUrl, dedup), text: 'Acknowledge in Vigil' }],
      };
    }
    case 'escalation-acknowledged':
      return { routing_key: routingKey, event_action: 'acknowledge', dedup_key: dedup };
    case 'escalation-resolved':
      return { routing_key: routingKey, event_action: 'resolve', dedup_key: dedup };
    default:
      return assertNever(event);
  }
}

