import type { EntityManager } from 'typeorm';
import { assertNever, type AnyEvent } from '@vigil/contracts';
import { affectedFrom } from '../domain/restatement.rules';
import { tenantZone } from '../report-facts/report-facts.sql';

/**
 * The time the event may have changed, once applied: from `affectedFrom` (or the earliest start of
 * the incidents it changed) to the latest end of those incidents (an open one: for good), and for
 * a breach and the breach it corrects their instants. Configuration: all of it.
 */
async function restatedSpan(event: AnyEvent, from: string | null, manager: EntityManager): Promise<{ start: string; end: string }> {
  const all = { start: '-infinity', end: 'infinity' };
  if (from === null && !('corrects' in event.data && event.data.corrects)) return all;
  switch (event.type) {
    case 'alarm-raised':
    case 'alarm-severity-changed':
    case 'alarm-cleared':
    case 'alarm-acknowledged': {
      const [row]: Array<{ start: string | null; end: string | null }> = await manager.query(
        `select min(least(i.started_at, (select min(least((c->>'from')::timestamptz, (c->>'to')::timestamptz)) from jsonb_array_elements(i.corrections) c)))::text as start,
           max(greatest(coalesce(i.ended_at, 'infinity'), (select max(greatest((c->>'from')::timestamptz, (c->>'to')::timestamptz)) from jsonb_array_elements(i.corrections) c)))::text as end
         from reporting.incidents i
         where i.tenant_id = $1 and i.alarm_key = $2
           and (i.updated_at = now() or exists (select 1 from reporting.incident_severities s where s.incident_id = i.id and s.event_id = $3))`,
        [event.tenantId, event.data.alarmKey, event.id],
      );
      if (row.start === null || row.end === null) return { start: from ?? all.start, end: all.end };
      return { start: from !== null && Date.parse(from) < Date.parse(row.start) ? from : row.start, end: row.end };
    }
    case 'sla-breached':
    case 'sla-met': {
      const [row]: Array<{ start: string | null; end: string | null }> = await manager.query(
        `select min(effective_at)::text as start, (max(effective_at) + interval '1 millisecond')::text as end
         from (select $2::timestamptz as effective_at where $4::boolean
               union all select effective_at from reporting.breaches where tenant_id = $1 and event_id = $3::uuid) b`,
        [event.tenantId, event.data.effectiveAt, event.data.corrects ?? null, event.type === 'sla-breached'],
      );
      return row.start === null || row.end === null ? all : { start: row.start, end: row.end };
    }
    // Configuration restates all of it (and returned above); the rest restates nothing, so never gets here.
    case 'config-applied':
    case 'config-deleted':
    case 'sla-at-risk':
    case 'escalation-triggered':
    case 'escalation-acknowledged':
    case 'escalation-resolved':
    case 'notification-delivered':
    case 'notification-failed':
      return all;
    default:
      return assertNever(event);
  }
}

/**
 * Moves the tenant's restatement version when the event touches a closed day: time before the
 * start of the tenant's current local day (UTC for a tenant without a zone), in the same
 * transaction as the read-model change, and keeps the time it touched with the new version.
 * Events about today leave cached closed days alone.
 */
export async function noteRestatement(event: AnyEvent, manager: EntityManager): Promise<void> {
  const from = affectedFrom(event);
  if (from === undefined) return;
  const span = await restatedSpan(event, from, manager);
  await manager.query(
    `with moved as (
       insert into reporting.restatements as r (tenant_id, version)
       select $1, 1
       where $2::timestamptz is null or $2::timestamptz < (
         select date_trunc('day', now() at time zone z.zone) at time zone z.zone
         from (select coalesce(${tenantZone({ tenant: '$1', knownAt: 'null' })}, 'UTC') as zone) z)
       on conflict (tenant_id) do update set version = r.version + 1, restated_at = now()
       returning version)
     insert into reporting.restated_spans (tenant_id, version, starts_at, ends_at)
     select $1, version, $3::timestamptz, $4::timestamptz from moved`,
    [event.tenantId, from, span.start, span.end],
  );
}
