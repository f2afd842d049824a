import type { EntityManager } from 'typeorm';
import type { EventEnvelope } from '@vigil/contracts';

/**
 * Breaches as the calculator decided them, dated by when they became true (`effectiveAt`).
 * The same verdict re-published (corrected history) under a new event id counts once.
 * `recorded_at` is the event's, not the insert's, so `as_of` reads the same after a replay.
 */
export async function projectSlaBreached(event: EventEnvelope<'sla-breached'>, manager: EntityManager): Promise<void> {
  const { policy, policyType, serviceId, alarm, reason, effectiveAt } = event.data;
  await manager.query(
    `insert into reporting.breaches (event_id, tenant_id, service_id, policy, policy_type, subject, alarm_key, reason, effective_at, recorded_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     on conflict do nothing`,
    [event.id, event.tenantId, serviceId, policy, policyType, event.subject, alarm?.alarmKey ?? null, reason, effectiveAt, event.recordedAt],
  );
}
