import type { EntityManager } from 'typeorm';
import type { EventEnvelope } from '@vigil/contracts';

/**
 * Breaches as the calculator decided them, dated by when they became true (`effectiveAt`).
 * The same verdict re-published (corrected history) under a new event id counts once.
 * `recorded_at` is the event's, not the insert's, so `as_of` reads the same after a replay.
 * A breach that `corrects` another replaces it (docs/adr/0011): the one it names stops counting.
 */
export async function projectSlaBreached(event: EventEnvelope<'sla-breached'>, manager: EntityManager): Promise<void> {
  const { policy, policyType, serviceId, alarm, reason, effectiveAt } = event.data;
  await manager.query(
    `insert into reporting.breaches (event_id, tenant_id, service_id, policy, policy_type, subject, alarm_key, reason, effective_at, recorded_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     on conflict do nothing`,
    [event.id, event.tenantId, serviceId, policy, policyType, event.subject, alarm?.alarmKey ?? null, reason, effectiveAt, event.recordedAt],
  );
  await recordCorrection(event, manager);
}

/** An `sla-met` that `corrects` a breach retracts it; one without `corrects` changes nothing reporting shows. */
export async function projectSlaMet(event: EventEnvelope<'sla-met'>, manager: EntityManager): Promise<void> {
  await recordCorrection(event, manager);
}

/**
 * Keeps the correction itself, whichever arrives first, it or the breach it names: reports leave
 * out a breach with a correction recorded by the moment they are as of, except one restated at
 * its own instant (the same breach, which the unique key kept once).
 */
async function recordCorrection(event: EventEnvelope<'sla-breached' | 'sla-met'>, manager: EntityManager): Promise<void> {
  if (!event.data.corrects) return;
  await manager.query(
    `insert into reporting.breach_corrections (event_id, tenant_id, corrects, kind, effective_at, recorded_at)
     values ($1, $2, $3, $4, $5, $6)
     on conflict do nothing`,
    [event.id, event.tenantId, event.data.corrects, event.type, event.data.effectiveAt, event.recordedAt],
  );
}
