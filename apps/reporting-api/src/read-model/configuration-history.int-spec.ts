import { eventKey, newEvent, Topics } from '@vigil/contracts';
import { eventually, uniqueTenant } from '@vigil/testing';
import { cleared, configApplied, raised, useReportingHarness, type AlarmSpec } from '../testing/reporting-test-kit';
import { projectConfigApplied } from './config-events.projection';

const COMPLIANCE = '/api/v1/faults/sla/compliance';
const MONTHLY = '/api/v1/sla/reports/monthly';

const day = (date: string, downtime: number, period: number, compliance: number, target = 99.9) => ({
  date, compliance_percentage: compliance, target_percentage: target, uptime_minutes: period - downtime, downtime_minutes: downtime, sla_breaches: 0,
});

/**
 * Tenant zones and availability targets as versions: a report `as_of` a moment before the tenant
 * changed its objective or its zone answers with the one known then (each number by hand beside it).
 */
describe('as_of over configuration history against real Kafka and PostgreSQL', () => {
  const running = useReportingHarness();
  const before = '2026-11-01T00:00:00Z';
  const changed = '2026-11-05T00:00:00Z';
  const after = '2026-11-06T00:00:00Z';

  it('measures against the objective and credit schedule known then, before and after the policy changed', async () => {
    const tenant = uniqueTenant();
    const policy = (generation: number, objective: number, creditSchedule: string, recordedAt: string) =>
      configApplied(tenant, 'SLAPolicy', 'api-availability', { type: 'availability', services: ['api'], objective, creditSchedule }, { generation, recordedAt });
    await running().produce(Topics.configEvents, `${tenant}/config`,
      configApplied(tenant, 'Tenant', tenant, { timezone: 'UTC' }, { recordedAt: '2026-09-01T00:00:00Z' }),
      configApplied(tenant, 'CreditSchedule', 'standard', { tiers: [{ below: 99.9, credit: 10 }, { below: 99, credit: 25 }] }, { recordedAt: '2026-09-01T00:00:00Z' }),
      configApplied(tenant, 'CreditSchedule', 'lenient', { tiers: [{ below: 99, credit: 25 }] }, { recordedAt: '2026-09-01T00:00:00Z' }),
      policy(1, 99.9, 'standard', '2026-09-01T00:00:00Z'),
      policy(2, 99, 'lenient', changed));
    const outage: AlarmSpec = { tenantId: tenant, alarmKey: 'api-down', serviceId: 'api', raisedAt: '2026-10-10T10:00:00.000Z', recordedAt: '2026-10-10T10:00:01.000Z' };
    await running().produce(Topics.alarmEvents, eventKey(tenant, 'api'), raised(outage), cleared(outage, '2026-10-10T11:00:00.000Z', 'resolved', '2026-10-10T11:00:01.000Z'));
    const token = await running().tokenFor(tenant);
    // October in UTC: 44,640 minutes, 60 down: 99.866 %. At 99.0 the budget is 446.4 minutes (60 used: 13.44 %);
    // the lenient schedule pays below 99 % only.
    const now = { target_percentage: 99, error_budget_minutes: 446.4, error_budget_used_minutes: 60, error_budget_used_percentage: 13.44, credit_schedule: 'lenient', credit_percentage: 0 };
    await running().expectEventually(MONTHLY, token, { month: '2026-10', service_id: 'api' }, expect.objectContaining({ availability_percentage: 99.866, ...now }));
    // Before the change: 99.9, a budget of 44.64 minutes overspent (134.41 %), and the standard schedule's 10 %.
    const then = await running().get(MONTHLY, token, { month: '2026-10', service_id: 'api', as_of: before });
    expect(then.body).toEqual(expect.objectContaining({
      policy: 'api-availability', availability_percentage: 99.866, target_percentage: 99.9, error_budget_minutes: 44.64,
      error_budget_used_minutes: 60, error_budget_used_percentage: 134.41, credit_schedule: 'standard', credit_percentage: 10,
    }));
    const since = await running().get(MONTHLY, token, { month: '2026-10', service_id: 'api', as_of: after });
    expect(since.body).toEqual(expect.objectContaining(now));
    // The day: (1440 - 60) / 1440 = 95.83 %, against the target of the moment asked about.
    const range = { from_date: '2026-10-10', to_date: '2026-10-10', service_id: 'api' };
    await expect(running().get(COMPLIANCE, token, { ...range, as_of: before }).then((r) => r.body.records)).resolves.toEqual([day('2026-10-10T00:00:00Z', 60, 1440, 95.83, 99.9)]);
    await expect(running().get(COMPLIANCE, token, { ...range, as_of: after }).then((r) => r.body.records)).resolves.toEqual([day('2026-10-10T00:00:00Z', 60, 1440, 95.83, 99)]);
    await expect(running().get(COMPLIANCE, token, range).then((r) => r.body.records)).resolves.toEqual([day('2026-10-10T00:00:00Z', 60, 1440, 95.83, 99)]);
    // Before the policy was recorded at all: the default target.
    const unknown = await running().get(MONTHLY, token, { month: '2026-08', service_id: 'api', as_of: '2026-08-31T00:00:00Z' });
    expect(unknown.body).toEqual(expect.objectContaining({ policy: null, target_percentage: 99.9, credit_schedule: null }));
  }, 90_000);

  it('answers in the days of the zone known then, before and after the tenant moved', async () => {
    const tenant = uniqueTenant();
    await running().produce(Topics.configEvents, `${tenant}/config`,
      configApplied(tenant, 'Tenant', tenant, { timezone: 'Europe/Berlin' }, { generation: 1, recordedAt: '2026-09-01T00:00:00Z' }),
      configApplied(tenant, 'Tenant', tenant, { timezone: 'America/New_York' }, { generation: 2, recordedAt: changed }));
    // 22:30-23:30 UTC on 20 October: 00:30-01:30 on the 21st in Berlin (UTC+2), 18:30-19:30 on the 20th in New York (UTC-4).
    const outage: AlarmSpec = { tenantId: tenant, alarmKey: 'late-evening', serviceId: 'api', raisedAt: '2026-10-20T22:30:00.000Z', recordedAt: '2026-10-20T22:30:01.000Z' };
    await running().produce(Topics.alarmEvents, eventKey(tenant, 'api'), raised(outage), cleared(outage, '2026-10-20T23:30:00.000Z', 'resolved', '2026-10-20T23:30:01.000Z'));
    const token = await running().tokenFor(tenant);
    const range = { from_date: '2026-10-20', to_date: '2026-10-21' };
    const newYork = { timezone: 'America/New_York', records: [day('2026-10-20T00:00:00-04:00', 60, 1440, 95.83), day('2026-10-21T00:00:00-04:00', 0, 1440, 100)] };
    await running().expectEventually(COMPLIANCE, token, range, expect.objectContaining(newYork));
    await expect(running().get(COMPLIANCE, token, { ...range, as_of: before }).then((r) => r.body)).resolves.toEqual(expect.objectContaining({
      timezone: 'Europe/Berlin', records: [day('2026-10-20T00:00:00+02:00', 0, 1440, 100), day('2026-10-21T00:00:00+02:00', 60, 1440, 95.83)],
    }));
    await expect(running().get(COMPLIANCE, token, { ...range, as_of: after }).then((r) => r.body)).resolves.toEqual(expect.objectContaining(newYork));
    // The month too: Berlin's October has the 25-hour day (44,700 minutes), New York's falls back in November (44,640).
    await expect(running().get(MONTHLY, token, { month: '2026-10', as_of: before }).then((r) => r.body)).resolves.toEqual(expect.objectContaining({
      timezone: 'Europe/Berlin', from: '2026-10-01T00:00:00+02:00', period_minutes: 44700, downtime_minutes: 60,
    }));
    await expect(running().get(MONTHLY, token, { month: '2026-10', as_of: after }).then((r) => r.body)).resolves.toEqual(expect.objectContaining({
      timezone: 'America/New_York', from: '2026-10-01T00:00:00-04:00', period_minutes: 44640, downtime_minutes: 60,
    }));
  }, 90_000);

  it('ends a target when its policy turns into a resolution policy, and a zone when the tenant is deleted', async () => {
    const tenant = uniqueTenant();
    const deleted = newEvent({
      type: 'config-deleted', tenantId: tenant, subject: `Tenant/${tenant}`, sequence: 2, occurredAt: changed, recordedAt: changed,
      data: { kind: 'Tenant', name: tenant },
    });
    await running().produce(Topics.configEvents, `${tenant}/config`,
      configApplied(tenant, 'Tenant', tenant, { timezone: 'Asia/Tokyo' }, { recordedAt: '2026-09-01T00:00:00Z' }),
      configApplied(tenant, 'SLAPolicy', 'api', { type: 'availability', services: ['api'], objective: 99.5 }, { generation: 1, recordedAt: '2026-09-01T00:00:00Z' }),
      configApplied(tenant, 'SLAPolicy', 'api', { type: 'resolution', services: ['api'], objectives: { critical: '4h' } }, { generation: 2, recordedAt: changed }),
      deleted);
    const token = await running().tokenFor(tenant);
    const range = { from_date: '2026-10-10', to_date: '2026-10-10', service_id: 'api' };
    // The deletion comes last on the tenant's partition: once it is projected, so is the rest.
    await eventually('the deletion', async () =>
      (await running().dataSource.query(`select 1 from reporting.tenants where tenant_id = $1 and deleted_at is not null`, [tenant])).length === 1, 45_000);
    // Now: no zone (UTC) and no availability policy (the default 99.9).
    await expect(running().get(COMPLIANCE, token, range).then((r) => r.body)).resolves.toEqual(expect.objectContaining({
      timezone: 'UTC', records: [day('2026-10-10T00:00:00Z', 0, 1440, 100)],
    }));
    await expect(running().get(COMPLIANCE, token, { ...range, as_of: before }).then((r) => r.body)).resolves.toEqual(expect.objectContaining({
      timezone: 'Asia/Tokyo', records: [day('2026-10-10T00:00:00+09:00', 0, 1440, 100, 99.5)],
    }));
    await expect(running().get(COMPLIANCE, token, { ...range, as_of: after }).then((r) => r.body)).resolves.toEqual(expect.objectContaining({
      timezone: 'UTC', records: [day('2026-10-10T00:00:00Z', 0, 1440, 100)],
    }));
  }, 60_000);

  it('is idempotent if run twice: zone and target versions delivered and projected again change nothing', async () => {
    const tenant = uniqueTenant();
    const events = [
      configApplied(tenant, 'Tenant', tenant, { timezone: 'Europe/Berlin' }, { generation: 1, recordedAt: '2026-09-01T00:00:00Z' }),
      configApplied(tenant, 'SLAPolicy', 'api-availability', { type: 'availability', services: ['api'], objective: 99.9 }, { generation: 1, recordedAt: '2026-09-01T00:00:00Z' }),
      configApplied(tenant, 'Tenant', tenant, { timezone: 'America/New_York' }, { generation: 2, recordedAt: changed }),
      configApplied(tenant, 'SLAPolicy', 'api-availability', { type: 'availability', services: ['api'], objective: 99 }, { generation: 2, recordedAt: changed }),
    ];
    await running().produce(Topics.configEvents, `${tenant}/config`, ...events, ...events);
    const sentinel = configApplied(tenant, 'CreditSchedule', 'sentinel', { tiers: [{ below: 99, credit: 5 }] });
    await running().produce(Topics.configEvents, `${tenant}/config`, sentinel);
    await eventually('the sentinel', async () =>
      (await running().dataSource.query(`select 1 from reporting.credit_schedules where tenant_id = $1`, [tenant])).length === 1, 45_000);
    const versions = () => running().dataSource.query(
      `select 'tenant' as kind, generation, timezone as value, recorded_at, deleted_at from reporting.tenants where tenant_id = $1
       union all select policy, generation, objective::text, recorded_at, deleted_at from reporting.availability_targets where tenant_id = $1
       order by 1, 2`,
      [tenant],
    );
    const once = await versions();
    expect(once).toEqual([
      { kind: 'api-availability', generation: 1, value: '99.9', recorded_at: new Date('2026-09-01T00:00:00Z'), deleted_at: null },
      { kind: 'api-availability', generation: 2, value: '99', recorded_at: new Date(changed), deleted_at: null },
      { kind: 'tenant', generation: 1, value: 'Europe/Berlin', recorded_at: new Date('2026-09-01T00:00:00Z'), deleted_at: null },
      { kind: 'tenant', generation: 2, value: 'America/New_York', recorded_at: new Date(changed), deleted_at: null },
    ]);
    // Past the ledger: the projection itself, applied again, keeps the same versions.
    await running().dataSource.transaction(async (manager) => {
      for (const event of events) await projectConfigApplied(event, manager);
    });
    expect(await versions()).toEqual(once);
  }, 60_000);
});
