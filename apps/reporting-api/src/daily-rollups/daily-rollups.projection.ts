import type { EntityManager } from 'typeorm';
import { assertNever, type AnyEvent } from '@vigil/contracts';
import { localDays, nextLocalDay, startOfLocalDay, type Interval } from '@vigil/sla-engine';
import { dailyCompliance, daysWindow } from '../domain/daily-compliance.rules';
import { rollupRule, TENANT_SCOPE } from '../domain/daily-rollups.rules';
import { readFacts, readScope, type Query } from '../report-facts/report-facts.reader';
import { epochMs } from '../report-facts/report-facts.sql';

/**
 * Days computed together: a bounded read per statement when a whole tenant is restated. Each read
 * scans the tenant's incidents that started before its end, so fewer, larger chunks are faster: a
 * quarter took 4 s for a tenant of 100,000 incidents in the bench, a month 14 s.
 */
const CHUNK_DAYS = 92;

/**
 * Applies the event (`apply`) and restates, in the same transaction, the daily rollups of exactly
 * the ended days it changed: for an alarm event the days of the incidents it changed (their span
 * before and after a correction), for a maintenance window the days of every version of it, for
 * the tenant's zone or an availability policy all of the tenant's days. Everything else changes no
 * rollup (breaches are counted when read). Days still in progress get no rollup (ADR 0023): the
 * tenant's first event after a day ends rolls it up.
 */
export async function keepingRollups(event: AnyEvent, manager: EntityManager, apply: () => Promise<void>, now = Date.now()): Promise<void> {
  await apply();
  const endedUntil = await rollUpEndedDays(manager, event.tenantId, now);
  switch (event.type) {
    case 'alarm-raised':
    case 'alarm-severity-changed':
    case 'alarm-cleared':
      return restateChangedIncidents(manager, event.tenantId, event.data.alarmKey, event.id, endedUntil, now);
    case 'config-applied':
    case 'config-deleted':
      switch (event.data.kind) {
        case 'Tenant':
        case 'SLAPolicy':
          return restateTenantRollups(manager, event.tenantId, now);
        case 'MaintenanceWindow':
          return restateWindowRollups(manager, event.tenantId, event.data.name, now);
        case 'CreditSchedule':
        case 'BusinessCalendar':
        case 'EscalationPolicy':
        case 'NotificationChannel':
          return;
        default:
          return assertNever(event.data.kind);
      }
    // An acknowledgement changes no downtime; breaches are counted when read.
    case 'alarm-acknowledged':
    case 'sla-breached':
    case 'sla-at-risk':
    case 'sla-met':
    case 'escalation-triggered':
    case 'escalation-acknowledged':
    case 'escalation-resolved':
    case 'notification-delivered':
    case 'notification-failed':
      return;
    default:
      return assertNever(event);
  }
}

/**
 * Rolls up the tenant's days that ended since its last roll-up: once a day per tenant, on its first
 * event after the day ended (`reporting.rollup_marks`; one primary-key read on every other event).
 * A tenant seen for the first time starts from today: the days before it were restated as their
 * alarms changed, and a day without a row is computed from the incidents anyway. Returns the start
 * of the tenant's day in progress: the end of the days that get rollups.
 */
export async function rollUpEndedDays(manager: EntityManager, tenantId: string, now = Date.now()): Promise<number> {
  const [mark]: Array<{ settled_through: string; due: boolean }> = await manager.query(
    `select ${epochMs('settled_through')} as settled_through, next_due <= to_timestamp($2::double precision / 1000) as due
     from reporting.rollup_marks where tenant_id = $1`,
    [tenantId, now],
  );
  // Not due: the mark is the start of the day in progress.
  if (mark && !mark.due) return Number(mark.settled_through);
  await lockTenantRollups(manager, tenantId);
  const { zone } = await readScope((sql, parameters) => manager.query(sql, parameters), tenantId, undefined);
  const today = startOfLocalDay(now, zone);
  if (mark && Number(mark.settled_through) < today.toMillis()) {
    const span = { start: Number(mark.settled_through), end: today.toMillis() };
    const services: Array<{ service_id: string }> = await manager.query(
      `select distinct service_id from reporting.incidents
       where tenant_id = $1 and started_at < to_timestamp($3::double precision / 1000) and (ended_at is null or ended_at > to_timestamp($2::double precision / 1000))`,
      [tenantId, span.start, span.end],
    );
    await restateRollups(manager, tenantId, services.map((s) => s.service_id), span, now);
  }
  await manager.query(
    `insert into reporting.rollup_marks (tenant_id, settled_through, next_due)
     values ($1, to_timestamp($2::double precision / 1000), to_timestamp($3::double precision / 1000))
     on conflict (tenant_id) do update set settled_through = excluded.settled_through, next_due = excluded.next_due`,
    [tenantId, today.toMillis(), nextLocalDay(today).toMillis()],
  );
  return today.toMillis();
}

/**
 * The closed incidents of the alarm this transaction changed (its rows stamped `now()`, or
 * holding a severity statement of the event), over their whole span including every start and
 * end a correction moved. An incident still open changes no rollup: the days it touches are
 * computed from the incidents when read; nor does one wholly in the day in progress (from
 * `endedUntil` on), which is the common clear.
 */
async function restateChangedIncidents(
  manager: EntityManager, tenantId: string, alarmKey: string, eventId: string, endedUntil: number, now: number,
): Promise<void> {
  const rows: Array<{ service_id: string; start: string; end: string }> = await manager.query(
    `select i.service_id,
       ${epochMs(`least(i.started_at, (select min(least((c->>'from')::timestamptz, (c->>'to')::timestamptz)) from jsonb_array_elements(i.corrections) c))`)} as start,
       ${epochMs(`greatest(i.ended_at, (select max(greatest((c->>'from')::timestamptz, (c->>'to')::timestamptz)) from jsonb_array_elements(i.corrections) c))`)} as end
     from reporting.incidents i
     where i.tenant_id = $1 and i.alarm_key = $2 and i.ended_at is not null
       and (i.updated_at = now() or exists (select 1 from reporting.incident_severities s where s.incident_id = i.id and s.event_id = $3))`,
    [tenantId, alarmKey, eventId],
  );
  if (rows.length === 0) return;
  const span = { start: Math.min(...rows.map((r) => Number(r.start))), end: Math.max(...rows.map((r) => Number(r.end))) };
  if (span.start >= endedUntil) return;
  await restateRollups(manager, tenantId, rows.map((r) => r.service_id), span, now);
}

/** All of the tenant's rollups again: its zone or a target changed what every day means. */
export async function restateTenantRollups(manager: EntityManager, tenantId: string, now = Date.now()): Promise<void> {
  await lockTenantRollups(manager, tenantId);
  await manager.query(`delete from reporting.daily_rollups where tenant_id = $1`, [tenantId]);
  const [row]: Array<{ services: string[]; start: string | null; end: string | null }> = await manager.query(
    `select coalesce(array_agg(distinct service_id), '{}') as services, ${epochMs('min(started_at)')} as start, ${epochMs('max(ended_at)')} as end
     from reporting.incidents where tenant_id = $1 and ended_at is not null`,
    [tenantId],
  );
  if (row.start === null || row.end === null) return;
  await restateRollups(manager, tenantId, row.services, { start: Number(row.start), end: Number(row.end) }, now);
}

/** The days of every version of the window (moved, shortened or deleted), for the services it names or all of them. */
async function restateWindowRollups(manager: EntityManager, tenantId: string, name: string, now: number): Promise<void> {
  const [row]: Array<{ services: string[] | null; start: string | null; end: string | null }> = await manager.query(
    `select (select array_agg(distinct s) from reporting.maintenance_windows w, unnest(w.services) s where w.tenant_id = $1 and w.name = $2) as services,
       ${epochMs('min(starts_at)')} as start, ${epochMs('max(ends_at)')} as end
     from reporting.maintenance_windows where tenant_id = $1 and name = $2`,
    [tenantId, name],
  );
  if (row.start === null || row.end === null) return;
  let services = row.services ?? [];
  if (services.includes('*')) {
    const all: Array<{ service_id: string }> = await manager.query(`select distinct service_id from reporting.incidents where tenant_id = $1 and ended_at is not null`, [tenantId]);
    services = all.map((r) => r.service_id);
  }
  await restateRollups(manager, tenantId, services, { start: Number(row.start), end: Number(row.end) }, now);
}

/**
 * One restatement of a tenant's rollups at a time, until the transaction ends. Events of two
 * services are projected concurrently, and the tenant's own rows count both: without the lock
 * each transaction would compute them without the other's uncommitted incident, and the last to
 * commit would leave that one out. With it, the later one reads after the earlier committed
 * (each statement reads what is committed when it starts).
 */
async function lockTenantRollups(manager: EntityManager, tenantId: string): Promise<void> {
  await manager.query(`select pg_advisory_xact_lock(hashtext('reporting.daily_rollups'), hashtext($1))`, [tenantId]);
}

/**
 * Recomputes the rollups of every ended local day `span` touches, for these services and the whole
 * tenant, with the very functions a report computes from the incidents (`readScope`, `readFacts`,
 * `dailyCompliance`), each day measured whole. Open incidents are left out: the days they touch
 * are never answered from rollups, and their clear restates them. The day in progress (as of
 * `now`, in the tenant's zone) is left out too: reports compute it from the incidents, and
 * restating it on every clear read all of its incidents each time (ADR 0023).
 */
export async function restateRollups(manager: EntityManager, tenantId: string, serviceIds: string[], span: Interval, now = Date.now()): Promise<void> {
  const query: Query = (sql, parameters) => manager.query(sql, parameters);
  await lockTenantRollups(manager, tenantId);
  const scopes: Array<string | undefined> = [...new Set(serviceIds)].filter((s) => s !== TENANT_SCOPE);
  scopes.push(undefined);
  const resolved = [];
  for (const serviceId of scopes) resolved.push({ serviceId, ...(await readScope(query, tenantId, serviceId)) });
  const zone = resolved[0].zone;
  const ended = { start: span.start, end: Math.min(span.end, startOfLocalDay(now, zone).toMillis()) };
  if (ended.end <= ended.start) return;
  const window = daysWindow(ended, zone);
  if (!window) return;
  const counted = [...new Set(resolved.flatMap((s) => s.target.countedSeverities))];
  const days = localDays(window, zone);
  for (let first = 0; first < days.length; first += CHUNK_DAYS) {
    const chunkDays = days.slice(first, first + CHUNK_DAYS);
    const chunk = { start: chunkDays[0].start, end: chunkDays[chunkDays.length - 1].end };
    const facts = await readFacts(query, tenantId, undefined, chunk, undefined, counted, undefined);
    const closed = facts.incidents.filter((incident) => incident.endedAt !== null);
    const rows = resolved.flatMap(({ serviceId, target }) => {
      const records = dailyCompliance({
        incidents: serviceId === undefined ? closed : closed.filter((incident) => incident.serviceId === serviceId),
        breaches: [],
        windows: facts.windows,
        serviceId,
        target,
        zone,
        range: chunk,
        now: Infinity,
      });
      const rule = rollupRule(zone, target);
      return records.map((record, i) => ({
        scope: serviceId ?? TENANT_SCOPE, day_start: new Date(chunkDays[i].start).toISOString(), date: record.date, rule,
        compliance_percentage: record.compliance_percentage, uptime_minutes: record.uptime_minutes, downtime_minutes: record.downtime_minutes,
      }));
    });
    await manager.query(
      `insert into reporting.daily_rollups (tenant_id, scope, day_start, date, rule, compliance_percentage, uptime_minutes, downtime_minutes)
       select $1, r.scope, r.day_start, r.date, r.rule, r.compliance_percentage, r.uptime_minutes, r.downtime_minutes
       from jsonb_to_recordset($2::jsonb) as r(scope text, day_start timestamptz, date text, rule text,
         compliance_percentage double precision, uptime_minutes double precision, downtime_minutes double precision)
       on conflict (tenant_id, scope, day_start) do update set date = excluded.date, rule = excluded.rule,
         compliance_percentage = excluded.compliance_percentage, uptime_minutes = excluded.uptime_minutes, downtime_minutes = excluded.downtime_minutes`,
      [tenantId, JSON.stringify(rows)],
    );
  }
}
