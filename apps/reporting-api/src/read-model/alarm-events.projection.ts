import type { EntityManager } from 'typeorm';
import type { EventEnvelope } from '@vigil/contracts';

/**
 * Incidents from alarm events, on the source's own timestamps (raisedAt / clearedAt), never
 * on arrival time. An incident is identified by its alarm key and start, so a raise and its
 * clear find each other even when the clear is the first to arrive.
 */
export async function projectAlarmRaised(event: EventEnvelope<'alarm-raised'>, manager: EntityManager): Promise<void> {
  const { alarmKey, serviceId, severity, summary, labels, raisedAt } = event.data;
  // The unique indexes say no: the alarm is already active (a repeated raise opens nothing),
  // or this very incident was already built from its clear.
  const inserted: unknown[] = await manager.query(
    `insert into reporting.incidents (tenant_id, alarm_key, service_id, severity, summary, labels, started_at, raised_event_id)
     values ($1, $2, $3, $4, $5, $6::jsonb, $7, $8)
     on conflict do nothing
     returning id`,
    [event.tenantId, alarmKey, serviceId, severity, summary, JSON.stringify(labels ?? {}), raisedAt, event.id],
  );
  if (inserted.length > 0) return;
  // A clear that arrived first left the incident without its raise's id and labels.
  await manager.query(
    `update reporting.incidents set raised_event_id = $4, labels = $5::jsonb, updated_at = now()
     where tenant_id = $1 and alarm_key = $2 and started_at = $3 and raised_event_id is null`,
    [event.tenantId, alarmKey, raisedAt, event.id, JSON.stringify(labels ?? {})],
  );
}

export async function projectAlarmCleared(event: EventEnvelope<'alarm-cleared'>, manager: EntityManager): Promise<void> {
  const { alarmKey, serviceId, severity, summary, resolution, raisedAt, clearedAt } = event.data;
  // The incident this clear ends: the one raised at `raisedAt`, else whatever is active for the key.
  const [incident]: Array<{ id: string; ended_at: Date | null }> = await manager.query(
    `select id, ended_at from reporting.incidents
     where tenant_id = $1 and alarm_key = $2 and (started_at = $3 or ended_at is null)
     order by (started_at = $3) desc, started_at desc
     limit 1
     for update`,
    [event.tenantId, alarmKey, raisedAt],
  );
  if (incident) {
    // Already ended: a repeated clear changes nothing.
    if (incident.ended_at !== null) return;
    await manager.query(
      `update reporting.incidents set ended_at = $2, resolution = $3, cleared_event_id = $4, updated_at = now() where id = $1`,
      [incident.id, clearedAt, resolution, event.id],
    );
    return;
  }
  // The clear came first (replay, late raise): it carries everything the incident needs.
  await manager.query(
    `insert into reporting.incidents
       (tenant_id, alarm_key, service_id, severity, summary, started_at, ended_at, resolution, cleared_event_id)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     on conflict do nothing`,
    [event.tenantId, alarmKey, serviceId, severity, summary, raisedAt, clearedAt, resolution, event.id],
  );
}

export async function projectAlarmAcknowledged(event: EventEnvelope<'alarm-acknowledged'>, manager: EntityManager): Promise<void> {
  const { alarmKey, acknowledgedAt } = event.data;
  // The first acknowledgement counts (time to acknowledge); an acknowledgement of an alarm
  // reporting has not seen raised yet has nothing to attach to and is left out.
  await manager.query(
    `update reporting.incidents set acknowledged_at = $3, acknowledged_event_id = $4, updated_at = now()
     where id = (
       select id from reporting.incidents
       where tenant_id = $1 and alarm_key = $2 and started_at <= $3
       order by (ended_at is null) desc, started_at desc
       limit 1
     ) and acknowledged_at is null`,
    [event.tenantId, alarmKey, acknowledgedAt, event.id],
  );
}
