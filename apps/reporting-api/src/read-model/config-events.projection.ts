import type { EntityManager } from 'typeorm';
import { IANAZone } from 'luxon';
import { assertNever, type EventEnvelope } from '@vigil/contracts';
import { PoisonMessageError } from '@vigil/messaging';
import { availabilityTargetOf, InvalidPolicySpecError } from './availability-target';

/**
 * Projects the configuration reporting needs from the services that own it: the tenant's
 * time zone (its days are local days) and its availability targets. A generation guard
 * keeps a re-delivered older version from overwriting a newer one.
 */
export async function projectConfigApplied(event: EventEnvelope<'config-applied'>, manager: EntityManager): Promise<void> {
  const { kind, name, generation, spec } = event.data;
  switch (kind) {
    case 'Tenant': {
      const timezone = spec.timezone;
      if (typeof timezone !== 'string' || !IANAZone.isValidZone(timezone)) {
        throw new PoisonMessageError(`Tenant ${name}: spec.timezone ${JSON.stringify(timezone)} is not an IANA time zone`);
      }
      await manager.query(
        `insert into reporting.tenants (tenant_id, timezone, display_name, generation) values ($1, $2, $3, $4)
         on conflict (tenant_id) do update set timezone = excluded.timezone, display_name = excluded.display_name,
           generation = excluded.generation, updated_at = now()
         where reporting.tenants.generation <= excluded.generation`,
        [event.tenantId, timezone, typeof spec.displayName === 'string' ? spec.displayName : null, generation],
      );
      return;
    }
    case 'SLAPolicy': {
      let target;
      try {
        target = availabilityTargetOf(name, spec);
      } catch (error) {
        if (error instanceof InvalidPolicySpecError) throw new PoisonMessageError(error.message);
        throw error;
      }
      if (!target) {
        // A resolution policy (or an availability policy changed into one) sets no availability target.
        await manager.query(`delete from reporting.availability_targets where tenant_id = $1 and policy = $2 and generation <= $3`, [
          event.tenantId, name, generation,
        ]);
        return;
      }
      await manager.query(
        `insert into reporting.availability_targets
           (tenant_id, policy, services, selector, objective, counted_severities, minimum_outage_ms, generation)
         values ($1, $2, $3, $4::jsonb, $5, $6, $7, $8)
         on conflict (tenant_id, policy) do update set services = excluded.services, selector = excluded.selector,
           objective = excluded.objective, counted_severities = excluded.counted_severities,
           minimum_outage_ms = excluded.minimum_outage_ms, generation = excluded.generation, updated_at = now()
         where reporting.availability_targets.generation <= excluded.generation`,
        [
          event.tenantId, name, target.services ?? null, target.selector ? JSON.stringify(target.selector) : null,
          target.objective, target.countedSeverities, target.minimumOutageMs, generation,
        ],
      );
      return;
    }
    // Calendars, maintenance windows and credit schedules feed the monthly report (a later
    // issue); escalation policies and channels are none of reporting's business.
    case 'BusinessCalendar':
    case 'MaintenanceWindow':
    case 'CreditSchedule':
    case 'EscalationPolicy':
    case 'NotificationChannel':
      return;
    default:
      return assertNever(kind);
  }
}

export async function projectConfigDeleted(event: EventEnvelope<'config-deleted'>, manager: EntityManager): Promise<void> {
  const { kind, name } = event.data;
  switch (kind) {
    case 'Tenant':
      await manager.query(`delete from reporting.tenants where tenant_id = $1`, [event.tenantId]);
      return;
    case 'SLAPolicy':
      await manager.query(`delete from reporting.availability_targets where tenant_id = $1 and policy = $2`, [event.tenantId, name]);
      return;
    // Kinds reporting does not project (see projectConfigApplied).
    case 'BusinessCalendar':
    case 'MaintenanceWindow':
    case 'CreditSchedule':
    case 'EscalationPolicy':
    case 'NotificationChannel':
      return;
    default:
      return assertNever(kind);
  }
}
