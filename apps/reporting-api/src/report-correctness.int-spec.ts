import { eventKey, Topics } from '@vigil/contracts';
import { uniqueTenant } from '@vigil/testing';
import {
  cleared, configApplied, policyConfigured, raised, tenantConfigured, useReportingHarness, type AlarmSpec,
} from './testing/reporting-test-kit';

const COMPLIANCE = '/api/v1/faults/sla/compliance';
const MONTHLY = '/api/v1/sla/reports/monthly';
const INCIDENTS = '/api/v1/sla/incidents';

const day = (date: string, downtime: number, period: number, compliance: number, target = 99.9, breaches = 0) => ({
  date, compliance_percentage: compliance, target_percentage: target, uptime_minutes: period - downtime, downtime_minutes: downtime, sla_breaches: breaches,
});

/**
 * Tricky histories, each number computed by hand in the comment beside it, read back over HTTP
 * from the projection of real events. (Overlaps, a cancelled alarm, maintenance and the autumn
 * DST day in a month: monthly-report.int-spec.ts; midnight in Berlin and spring DST:
 * reporting-api.int-spec.ts.)
 */
describe('report correctness against real Kafka and PostgreSQL', () => {
  const running = useReportingHarness();

  it('counts an open alarm up to the moment asked about, across midnight', async () => {
    const tenant = uniqueTenant();
    const open: AlarmSpec = { tenantId: tenant, alarmKey: 'still-down', serviceId: 'api', raisedAt: '2026-11-20T22:00:00.000Z', recordedAt: '2026-11-20T22:00:01.000Z' };
    await running().produce(Topics.alarmEvents, eventKey(tenant, 'api'), raised(open));
    const token = await running().tokenFor(tenant);
    const asOf = '2026-11-21T01:00:00Z';
    // UTC days: 22:00-24:00 is 120 minutes on the 20th; the 21st is measured up to 01:00 and down all of it.
    await running().expectEventually(COMPLIANCE, token, { from_date: '2026-11-20', to_date: '2026-11-21', as_of: asOf }, expect.objectContaining({
      as_of: asOf,
      records: [day('2026-11-20T00:00:00Z', 120, 1440, 91.67), day('2026-11-21T00:00:00Z', 60, 60, 0)],
    }));
    const { body } = await running().get(INCIDENTS, token, { from: '2026-11-20', to: '2026-11-21', as_of: asOf });
    expect(body.incidents).toEqual([expect.objectContaining({ alarm_key: 'still-down', ended_at: null, duration_minutes: 180, downtime_minutes: 180 })]);
  }, 60_000);

  it('measures the US fall-back day as 1500 minutes and an outage across the repeated hour by real time', async () => {
    const tenant = uniqueTenant();
    await running().produce(Topics.configEvents, `${tenant}/config`, tenantConfigured(tenant, 'America/New_York'));
    // 01:30 EDT to 01:30 EST on 1 November 2026: one real hour.
    const outage: AlarmSpec = { tenantId: tenant, alarmKey: 'night', serviceId: 'api', raisedAt: '2026-11-01T01:30:00-04:00' };
    await running().produce(Topics.alarmEvents, eventKey(tenant, 'api'), raised(outage), cleared(outage, '2026-11-01T01:30:00-05:00'));
    // (1500 - 60) / 1500 = 96 %.
    await running().expectEventually(COMPLIANCE, await running().tokenFor(tenant), { from_date: '2026-11-01', to_date: '2026-11-01' }, expect.objectContaining({
      timezone: 'America/New_York',
      records: [day('2026-11-01T00:00:00-04:00', 60, 1500, 96)],
    }));
  }, 60_000);

  it('leaves a cancelled alarm out even where it overlaps a real one, and keeps maintenance as uptime when the policy says so', async () => {
    const tenant = uniqueTenant();
    await running().produce(Topics.configEvents, `${tenant}/config`,
      policyConfigured(tenant, 'api-availability', { type: 'availability', services: ['api'], objective: 99.5, maintenance: 'count-as-uptime' }),
      configApplied(tenant, 'MaintenanceWindow', 'patch', { services: ['api'], from: '2026-11-12T11:00:00Z', to: '2026-11-12T12:00:00Z' }));
    const real: AlarmSpec = { tenantId: tenant, alarmKey: 'real', serviceId: 'api', raisedAt: '2026-11-12T10:00:00.000Z' };
    const falseAlarm: AlarmSpec = { tenantId: tenant, alarmKey: 'false', serviceId: 'api', raisedAt: '2026-11-12T10:30:00.000Z' };
    await running().produce(Topics.alarmEvents, eventKey(tenant, 'api'),
      raised(real), raised(falseAlarm), cleared(falseAlarm, '2026-11-12T13:00:00.000Z', 'cancelled'), cleared(real, '2026-11-12T11:30:00.000Z'));
    // Real 10:00-11:30 less the 11:00-12:00 window: 60 minutes; the false alarm's 10:30-13:00 counts nothing.
    // Maintenance counts as uptime: the day stays 1440 minutes. (1440 - 60) / 1440 = 95.83 %.
    await running().expectEventually(COMPLIANCE, await running().tokenFor(tenant), { from_date: '2026-11-12', to_date: '2026-11-12', service_id: 'api' },
      expect.objectContaining({ records: [day('2026-11-12T00:00:00Z', 60, 1440, 95.83, 99.5)] }));
  }, 60_000);

  it('restates a closed day when a late raise arrives, and answers as of before it without it', async () => {
    const tenant = uniqueTenant();
    const token = await running().tokenFor(tenant);
    const early: AlarmSpec = { tenantId: tenant, alarmKey: 'early', serviceId: 'api', raisedAt: '2026-11-14T08:00:00.000Z', recordedAt: '2026-11-14T08:00:01.000Z' };
    await running().produce(Topics.alarmEvents, eventKey(tenant, 'api'), raised(early), cleared(early, '2026-11-14T08:30:00.000Z', 'resolved', '2026-11-14T08:30:01.000Z'));
    await running().expectEventually(COMPLIANCE, token, { from_date: '2026-11-14', to_date: '2026-11-14' }, expect.objectContaining({
      records: [day('2026-11-14T00:00:00Z', 30, 1440, 97.92)],
    }));
    // An alarm of that day reaches Vigil only on the 16th (a monitor's backlog): 14:00-15:00.
    const late: AlarmSpec = { tenantId: tenant, alarmKey: 'late', serviceId: 'api', raisedAt: '2026-11-14T14:00:00.000Z', recordedAt: '2026-11-16T09:00:00.000Z' };
    await running().produce(Topics.alarmEvents, eventKey(tenant, 'api'), raised(late), cleared(late, '2026-11-14T15:00:00.000Z', 'resolved', '2026-11-16T09:00:00.000Z'));
    await running().expectEventually(COMPLIANCE, token, { from_date: '2026-11-14', to_date: '2026-11-14' }, expect.objectContaining({
      records: [day('2026-11-14T00:00:00Z', 90, 1440, 93.75)],
    }));
    const before = await running().get(COMPLIANCE, token, { from_date: '2026-11-14', to_date: '2026-11-14', as_of: '2026-11-15T00:00:00Z' });
    expect(before.body.records).toEqual([day('2026-11-14T00:00:00Z', 30, 1440, 97.92)]);
    // The month as of the 15th and as of now: 30 then 90 minutes of 43,200 (UTC, 99.9 %: budget 43.2 minutes).
    const monthThen = await running().get(MONTHLY, token, { month: '2026-11', as_of: '2026-11-15T00:00:00Z' });
    expect(monthThen.body).toEqual(expect.objectContaining({ downtime_minutes: 30, incidents: 1, error_budget_minutes: 43.2, period_complete: false }));
    const monthNow = await running().get(MONTHLY, token, { month: '2026-11' });
    expect(monthNow.body).toEqual(expect.objectContaining({ downtime_minutes: 90, incidents: 2, mttr_minutes: 45 }));
  }, 90_000);
});
