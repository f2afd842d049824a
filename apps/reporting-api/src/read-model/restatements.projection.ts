import type { EntityManager } from 'typeorm';
import { assertNever, type AnyEvent } from '@vigil/contracts';

/**
 * From which instant an event may change what reports say: the earliest source time it carries
 * (a clear can cancel or shorten its outage from the start, so the start counts); `null` when
 * it may change everything (configuration); `undefined` when it changes no number or list.
 */
export function affectedFrom(event: AnyEvent): string | null | undefined {
  switch (event.type) {
    case 'alarm-raised':
      return event.data.raisedAt;
    case 'alarm-severity-changed':
      return earliest(event.data.raisedAt, event.data.changedAt);
    case 'alarm-cleared':
      return earliest(event.data.raisedAt, event.data.clearedAt);
    case 'alarm-acknowledged':
      return event.data.acknowledgedAt;
    // A correction also moves or removes the breach it names, whose instant the event does not carry.
    case 'sla-breached':
      return event.data.corrects ? null : event.data.effectiveAt;
    case 'sla-met':
      return event.data.corrects ? null : undefined;
    case 'config-applied':
    case 'config-deleted':
      return null;
    // Not shown in any report (yet): no restatement.
    case 'sla-at-risk':
    case 'escalation-triggered':
    case 'escalation-acknowledged':
    case 'escalation-resolved':
    case 'notification-delivered':
    case 'notification-failed':
      return undefined;
    default:
      return assertNever(event);
  }
}

const earliest = (a: string, b: string) => (Date.parse(a) <= Date.parse(b) ? a : b);

/**
 * Moves the tenant's restatement version when the event touches a closed day: time before the
 * start of the tenant's current local day (UTC for a tenant without a zone), in the same
 * transaction as the read-model change. Events about today leave cached closed days alone.
 */
export async function noteRestatement(event: AnyEvent, manager: EntityManager): Promise<void> {
  const from = affectedFrom(event);
  if (from === undefined) return;
  await manager.query(
    `insert into reporting.restatements as r (tenant_id, version)
     select $1, 1
     where $2::timestamptz is null or $2::timestamptz < (
       select date_trunc('day', now() at time zone z.zone) at time zone z.zone
       from (select coalesce((select timezone from reporting.tenants where tenant_id = $1), 'UTC') as zone) z)
     on conflict (tenant_id) do update set version = r.version + 1, restated_at = now()`,
    [event.tenantId, from],
  );
}
