import type { EntityManager } from 'typeorm';
import type { EventEnvelope, Severity } from '@vigil/contracts';
import { latestSeverity, type SeverityChange } from '@vigil/sla-engine';

/**
 * Incidents from alarm events, on the source's own timestamps (raisedAt / clearedAt,
 * changedAt), never on arrival time. An incident is identified by its alarm key and start,
 * so a raise and its clear find each other even when the clear is the first to arrive.
 * Each incident keeps its severity history (`incident_severities`): availability counts it
 * as down only while its severity is a counted one. Corrections (`corrects`) move the start
 * or the end of an incident earlier; the daily numbers are computed from these rows at
 * read time, so every day they touch is restated.
 */
export async function projectAlarmRaised(event: EventEnvelope<'alarm-raised'>, manager: EntityManager): Promise<void> {
  if (event.data.corrects) return correctIncidentStart(event, manager);
  return openIncident(event, manager);
}

async function openIncident(event: EventEnvelope<'alarm-raised'>, manager: EntityManager): Promise<void> {
  const { alarmKey, serviceId, severity, summary, labels, raisedAt } = event.data;
  // The unique indexes say no: the alarm is already active (a repeated raise opens nothing),
  // or this very incident was already built from its clear.
  const [inserted]: Array<{ id: string }> = await manager.query(
    `insert into reporting.incidents (tenant_id, alarm_key, service_id, severity, summary, labels, started_at, raised_event_id, recorded_at)
     values ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9)
     on conflict do nothing
     returning id`,
    [event.tenantId, alarmKey, serviceId, severity, summary, JSON.stringify(labels ?? {}), raisedAt, event.id, event.recordedAt],
  );
  if (inserted) {
    await recordSeverity(manager, inserted.id, event, { at: Date.parse(raisedAt), severity, rank: event.sequence }, false);
    return;
  }
  // A clear that arrived first left the incident without its raise's id and labels.
  const incident = (await updated<{ id: string }>(manager,
    `update reporting.incidents set raised_event_id = $4, labels = $5::jsonb, recorded_at = least(recorded_at, $6), updated_at = now()
     where tenant_id = $1 and alarm_key = $2 and started_at = $3 and raised_event_id is null
     returning id`,
    [event.tenantId, alarmKey, raisedAt, event.id, JSON.stringify(labels ?? {}), event.recordedAt],
  ))[0];
  if (!incident) return;
  await recordSeverity(manager, incident.id, event, { at: Date.parse(raisedAt), severity, rank: event.sequence });
}

/** A late raise of the active alarm: the outage started earlier than recorded. */
async function correctIncidentStart(event: EventEnvelope<'alarm-raised'>, manager: EntityManager): Promise<void> {
  const { alarmKey, severity, raisedAt } = event.data;
  const [incident]: Array<{ id: string; started_at: Date }> = await manager.query(
    `select id, started_at from reporting.incidents where tenant_id = $1 and alarm_key = $2 and ended_at is null for update`,
    [event.tenantId, alarmKey],
  );
  // The raise it corrects was never seen here: this raise is all there is of the incident.
  if (!incident) return openIncident(event, manager);
  if (Date.parse(raisedAt) < incident.started_at.getTime()) {
    await manager.query(
      `update reporting.incidents
       set started_at = $2, corrections = corrections || $3::jsonb, updated_at = now()
       where id = $1
         and not exists (select 1 from reporting.incidents other where other.tenant_id = $4 and other.alarm_key = $5 and other.started_at = $2)`,
      [incident.id, raisedAt, JSON.stringify([correction(event, 'started_at', incident.started_at, raisedAt)]), event.tenantId, alarmKey],
    );
  }
  await recordSeverity(manager, incident.id, event, { at: Date.parse(raisedAt), severity, rank: event.sequence });
}

/** The active alarm goes on at another severity, from the change's source time. */
export async function projectAlarmSeverityChanged(event: EventEnvelope<'alarm-severity-changed'>, manager: EntityManager): Promise<void> {
  const { alarmKey, serviceId, severity, previousSeverity, summary, changedAt, raisedAt } = event.data;
  const [found]: Array<{ id: string }> = await manager.query(
    `select id from reporting.incidents
     where tenant_id = $1 and alarm_key = $2 and (started_at = $3 or ended_at is null)
     order by (started_at = $3) desc, started_at desc
     limit 1
     for update`,
    [event.tenantId, alarmKey, raisedAt],
  );
  let incident = found;
  if (!incident) {
    // The raise was never seen: the change carries the start and the severity before it.
    [incident] = await manager.query(
      `insert into reporting.incidents (tenant_id, alarm_key, service_id, severity, summary, started_at, recorded_at)
       values ($1, $2, $3, $4, $5, $6, $7)
       on conflict do nothing
       returning id`,
      [event.tenantId, alarmKey, serviceId, severity, summary, raisedAt, event.recordedAt],
    );
    if (!incident) return;
    await recordSeverity(manager, incident.id, event, { at: Date.parse(raisedAt), severity: previousSeverity, rank: 0 });
  }
  await recordSeverity(manager, incident.id, event, { at: Date.parse(changedAt), severity, rank: event.sequence });
}

export async function projectAlarmCleared(event: EventEnvelope<'alarm-cleared'>, manager: EntityManager): Promise<void> {
  const { alarmKey, serviceId, severity, summary, resolution, raisedAt, clearedAt, corrects } = event.data;
  // The incident this clear ends: the one raised at `raisedAt`, else whatever is active for the
  // key; a correction of an end, else the alarm's latest incident.
  const [incident]: Array<{ id: string; started_at: Date; ended_at: Date | null }> = await manager.query(
    `select id, started_at, ended_at from reporting.incidents
     where tenant_id = $1 and alarm_key = $2 and (started_at = $3 or ended_at is null or $4::boolean)
     order by (started_at = $3) desc, (ended_at is null) desc, started_at desc
     limit 1
     for update`,
    [event.tenantId, alarmKey, raisedAt, corrects !== undefined],
  );
  if (incident) {
    if (incident.ended_at === null) {
      await manager.query(
        `update reporting.incidents set ended_at = $2, resolution = $3, cleared_event_id = $4, ended_recorded_at = $5, updated_at = now() where id = $1`,
        [incident.id, clearedAt, resolution, event.id, event.recordedAt],
      );
      return;
    }
    // Already ended: a repeated clear changes nothing, a corrected one moves the end earlier.
    if (corrects !== undefined) await correctIncidentEnd(manager, event, incident as { id: string; started_at: Date; ended_at: Date });
    return;
  }
  // The clear came first (replay, late raise): it carries everything the incident needs; its
  // severity (the last one) is assumed from the start until the raise tells better.
  const [inserted]: Array<{ id: string }> = await manager.query(
    `insert into reporting.incidents
       (tenant_id, alarm_key, service_id, severity, summary, started_at, ended_at, resolution, cleared_event_id, recorded_at, ended_recorded_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
     on conflict do nothing
     returning id`,
    [event.tenantId, alarmKey, serviceId, severity, summary, raisedAt, clearedAt, resolution, event.id, event.recordedAt],
  );
  if (inserted) await recordSeverity(manager, inserted.id, event, { at: Date.parse(raisedAt), severity, rank: 0 }, false);
}

/** A late clear of an alarm already cleared: the outage ended earlier than recorded (never before it started). */
async function correctIncidentEnd(manager: EntityManager, event: EventEnvelope<'alarm-cleared'>, incident: { id: string; started_at: Date; ended_at: Date }): Promise<void> {
  const end = Math.max(incident.started_at.getTime(), Date.parse(event.data.clearedAt));
  if (end >= incident.ended_at.getTime()) return;
  const to = new Date(end).toISOString();
  await manager.query(
    `update reporting.incidents set ended_at = $2, corrections = corrections || $3::jsonb, updated_at = now() where id = $1`,
    [incident.id, to, JSON.stringify([correction(event, 'ended_at', incident.ended_at, to)])],
  );
  await refreshSeverity(manager, incident.id);
}

export async function projectAlarmAcknowledged(event: EventEnvelope<'alarm-acknowledged'>, manager: EntityManager): Promise<void> {
  const { alarmKey, acknowledgedAt } = event.data;
  // The first acknowledgement counts (time to acknowledge); an acknowledgement of an alarm
  // reporting has not seen raised yet has nothing to attach to and is left out.
  await manager.query(
    `update reporting.incidents set acknowledged_at = $3, acknowledged_event_id = $4, acknowledged_recorded_at = $5, updated_at = now()
     where id = (
       select id from reporting.incidents
       where tenant_id = $1 and alarm_key = $2 and started_at <= $3
       order by (ended_at is null) desc, started_at desc
       limit 1
     ) and acknowledged_at is null`,
    [event.tenantId, alarmKey, acknowledgedAt, event.id, event.recordedAt],
  );
}

/** A moved start or end, with when it was recorded: an `as_of` before that still sees `from`. */
const correction = (event: EventEnvelope, field: 'started_at' | 'ended_at', from: Date, to: string) =>
  ({ eventId: event.id, field, from: from.toISOString(), to: new Date(to).toISOString(), recordedAt: event.recordedAt });

/**
 * Adds one statement to the incident's severity history and keeps `incidents.severity` the
 * latest one (`refresh: false` when the incident was just inserted at this very severity).
 */
async function recordSeverity(manager: EntityManager, incidentId: string, event: EventEnvelope, change: SeverityChange, refresh = true): Promise<void> {
  await manager.query(
    `insert into reporting.incident_severities (incident_id, severity, effective_from, rank, event_id, recorded_at) values ($1, $2, $3, $4, $5, $6)
     on conflict do nothing`,
    [incidentId, change.severity, new Date(change.at).toISOString(), change.rank, event.id, event.recordedAt],
  );
  if (refresh) await refreshSeverity(manager, incidentId);
}

async function refreshSeverity(manager: EntityManager, incidentId: string): Promise<void> {
  const [row]: Array<{ severity: Severity; started_at: Date; ended_at: Date | null; changes: Array<{ at: number; severity: Severity; rank: number }> }> = await manager.query(
    `select i.severity, i.started_at, i.ended_at,
       coalesce((select json_agg(json_build_object('at', (floor(extract(epoch from s.effective_from) * 1000))::bigint, 'severity', s.severity, 'rank', s.rank))
         from reporting.incident_severities s where s.incident_id = i.id), '[]'::json) as changes
     from reporting.incidents i where i.id = $1`,
    [incidentId],
  );
  const latest = latestSeverity({ startedAt: row.started_at.getTime(), endedAt: row.ended_at?.getTime() ?? null }, row.changes, row.severity);
  if (latest !== row.severity) {
    await manager.query(`update reporting.incidents set severity = $2, updated_at = now() where id = $1`, [incidentId, latest]);
  }
}

/** The rows an `update … returning` touched (the driver answers updates as `[rows, count]`). */
async function updated<T>(manager: EntityManager, sql: string, parameters: unknown[]): Promise<T[]> {
  const result: unknown = await manager.query(sql, parameters);
  return Array.isArray(result) && Array.isArray(result[0]) ? (result[0] as T[]) : (result as T[]);
}
