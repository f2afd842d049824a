import type { EntityManager } from 'typeorm';
import { IANAZone } from 'luxon';
import { assertNever, type EventEnvelope } from '@vigil/contracts';
import { PoisonMessageError } from '@vigil/messaging';
import { availabilityTargetOf, InvalidPolicySpecError } from '../domain/availability-target.rules';

/**
 * Projects the configuration reporting needs from the services that own it: the tenant's
 * time zone (its days are local days), its availability targets, maintenance windows and
 * credit schedules. Each is kept as versions, one per generation with the `recordedAt` that
 * brought it (and ended it, once deleted), so `as_of` reads the configuration known then; a
 * report reads the highest generation, so a re-delivered older version never overrides a newer one.
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
        `insert into reporting.tenants (tenant_id, timezone, display_name, generation, recorded_at) values ($1, $2, $3, $4, $5)
         on conflict (tenant_id, generation) do update set timezone = excluded.timezone, display_name = excluded.display_name,
           recorded_at = excluded.recorded_at, deleted_at = null, updated_at = now()`,
        [event.tenantId, timezone, typeof spec.displayName === 'string' ? spec.displayName : null, generation, event.recordedAt],
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
        // A resolution policy (or an availability policy changed into one) sets no availability target:
        // the earlier versions end when this one was recorded.
        await manager.query(
          `update reporting.availability_targets set deleted_at = $4 where tenant_id = $1 and policy = $2 and generation <= $3 and deleted_at is null`,
          [event.tenantId, name, generation, event.recordedAt],
        );
        return;
      }
      await manager.query(
        `insert into reporting.availability_targets
           (tenant_id, policy, services, selector, objective, counted_severities, minimum_outage_ms, generation, maintenance_mode, credit_schedule, recorded_at)
         values ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9, $10, $11)
         on conflict (tenant_id, policy, generation) do update set services = excluded.services, selector = excluded.selector,
           objective = excluded.objective, counted_severities = excluded.counted_severities,
           minimum_outage_ms = excluded.minimum_outage_ms, maintenance_mode = excluded.maintenance_mode,
           credit_schedule = excluded.credit_schedule, recorded_at = excluded.recorded_at, deleted_at = null, updated_at = now()`,
        [
          event.tenantId, name, target.services ?? null, target.selector ? JSON.stringify(target.selector) : null,
          target.objective, target.countedSeverities, target.minimumOutageMs, generation,
          target.maintenanceMode ?? 'exclude', target.creditSchedule ?? null, event.recordedAt,
        ],
      );
      return;
    }
    case 'MaintenanceWindow':
      return projectMaintenanceWindow(event, manager);
    case 'CreditSchedule':
      return projectCreditSchedule(event, manager);
    // Business calendars matter to resolution clocks (the calculator's); escalation policies
    // and channels are none of reporting's business.
    case 'BusinessCalendar':
    case 'EscalationPolicy':
    case 'NotificationChannel':
      return;
    default:
      return assertNever(kind);
  }
}

/**
 * Windows and schedules are kept as versions, each with when it was recorded and deleted, so
 * a report `as_of` an earlier moment cuts out the windows and applies the tiers known then.
 */
async function projectMaintenanceWindow(event: EventEnvelope<'config-applied'>, manager: EntityManager): Promise<void> {
  const { name, generation, spec } = event.data;
  const services = spec.services;
  const from = typeof spec.from === 'string' ? Date.parse(spec.from) : NaN;
  const to = typeof spec.to === 'string' ? Date.parse(spec.to) : NaN;
  if (!Array.isArray(services) || !services.every((s) => typeof s === 'string') || !(from < to)) {
    throw new PoisonMessageError(`MaintenanceWindow ${name}: spec needs services and from before to`);
  }
  await manager.query(
    `insert into reporting.maintenance_windows (tenant_id, name, generation, services, starts_at, ends_at, reason, recorded_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8)
     on conflict (tenant_id, name, generation) do update set services = excluded.services, starts_at = excluded.starts_at,
       ends_at = excluded.ends_at, reason = excluded.reason, recorded_at = excluded.recorded_at, deleted_at = null`,
    [event.tenantId, name, generation, services, new Date(from), new Date(to), typeof spec.reason === 'string' ? spec.reason : null, event.recordedAt],
  );
}

async function projectCreditSchedule(event: EventEnvelope<'config-applied'>, manager: EntityManager): Promise<void> {
  const { name, generation, spec } = event.data;
  const tiers = spec.tiers;
  const valid = Array.isArray(tiers) && tiers.length > 0 && tiers.every((t: { below?: unknown; credit?: unknown }) =>
    typeof t?.below === 'number' && typeof t?.credit === 'number' && t.below >= 0 && t.below <= 100 && t.credit >= 0 && t.credit <= 100);
  if (!valid) throw new PoisonMessageError(`CreditSchedule ${name}: spec.tiers must list { below, credit } percentages`);
  await manager.query(
    `insert into reporting.credit_schedules (tenant_id, name, generation, tiers, recorded_at) values ($1, $2, $3, $4::jsonb, $5)
     on conflict (tenant_id, name, generation) do update set tiers = excluded.tiers, recorded_at = excluded.recorded_at, deleted_at = null`,
    [event.tenantId, name, generation, JSON.stringify(tiers.map((t: { below: number; credit: number }) => ({ below: t.below, credit: t.credit }))), event.recordedAt],
  );
}

export async function projectConfigDeleted(event: EventEnvelope<'config-deleted'>, manager: EntityManager): Promise<void> {
  const { kind, name } = event.data;
  switch (kind) {
    case 'Tenant':
      await manager.query(`update reporting.tenants set deleted_at = $2 where tenant_id = $1 and deleted_at is null`, [event.tenantId, event.recordedAt]);
      return;
    case 'SLAPolicy':
      await manager.query(`update reporting.availability_targets set deleted_at = $3 where tenant_id = $1 and policy = $2 and deleted_at is null`, [
        event.tenantId, name, event.recordedAt,
      ]);
      return;
    case 'MaintenanceWindow':
      await manager.query(`update reporting.maintenance_windows set deleted_at = $3 where tenant_id = $1 and name = $2 and deleted_at is null`, [
        event.tenantId, name, event.recordedAt,
      ]);
      return;
    case 'CreditSchedule':
      await manager.query(`update reporting.credit_schedules set deleted_at = $3 where tenant_id = $1 and name = $2 and deleted_at is null`, [
        event.tenantId, name, event.recordedAt,
      ]);
      return;
    // Kinds reporting does not project (see projectConfigApplied).
    case 'BusinessCalendar':
    case 'EscalationPolicy':
    case 'NotificationChannel':
      return;
    default:
      return assertNever(kind);
  }
}
