import type { EntityManager } from 'typeorm';
import { assertNever, escalationAlarm, type EscalationEvent } from '@vigil/contracts';

/** The escalation timeline of an incident: who was paged at which level, who acknowledged, when it ended. */
export async function projectEscalationEvent(event: EscalationEvent, manager: EntityManager): Promise<void> {
  const row = timelineRow(event);
  const alarm = escalationAlarm(event);
  await manager.query(
    `insert into reporting.escalation_timeline
       (event_id, tenant_id, escalation_id, type, alarm_key, service_id, policy, level, round, targets, actor, occurred_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12)
     on conflict do nothing`,
    [
      event.id, event.tenantId, event.data.escalationId, event.type, alarm.alarmKey, alarm.serviceId,
      row.policy, row.level, row.round, row.targets ? JSON.stringify(row.targets) : null, row.actor, row.occurredAt,
    ],
  );
}

interface TimelineDetail {
  policy: string | null;
  level: number | null;
  round: number | null;
  targets: string[] | null;
  actor: string | null;
  occurredAt: string;
}

function timelineRow(event: EscalationEvent): TimelineDetail {
  const none = { policy: null, level: null, round: null, targets: null, actor: null };
  switch (event.type) {
    case 'escalation-triggered': {
      const { policy, level, round, targets } = event.data;
      return { ...none, policy, level, round, targets, occurredAt: event.occurredAt };
    }
    case 'escalation-acknowledged':
      return { ...none, actor: event.data.acknowledgedBy, occurredAt: event.data.acknowledgedAt };
    case 'escalation-resolved':
      return { ...none, occurredAt: event.data.resolvedAt };
    default:
      return assertNever(event);
  }
}
