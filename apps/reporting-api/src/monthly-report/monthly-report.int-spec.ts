import { eventKey, Topics } from '@vigil/contracts';
import { uniqueTenant } from '@vigil/testing';
import {
  breached, useReportingHarness, cleared, configApplied, correctedClear, policyConfigured, raised, tenantConfigured, type AlarmSpec,
} from '../testing/reporting-test-kit';

const MONTHLY = '/api/v1/sla/reports/monthly';

/** Monthly reports computed by hand for tricky histories, read back over HTTP from the projection of real events. */
describe('monthly report against real Kafka and PostgreSQL', () => {
  const running = useReportingHarness();

  describe('a month with overlaps, a cancelled alarm, maintenance and the autumn DST day', () => {
    const acme = uniqueTenant();
    const alarm = (alarmKey: string, raisedAt: string, severity: AlarmSpec['severity'] = 'critical'): AlarmSpec =>
      ({ tenantId: acme, alarmKey, serviceId: 'checkout-api', severity, raisedAt });
    const overlapA = alarm('db-down', '2026-10-03T10:00:00+02:00');
    const overlapB = alarm('latency', '2026-10-03T10:30:00+02:00', 'major');
    const falseAlarm = alarm('flaky-probe', '2026-10-05T09:00:00+02:00');
    const inMaintenance = alarm('upgrade-fallout', '2026-10-10T02:00:00+02:00');
    // 01:30 CEST to 02:30 CET on the 25th: two real hours across the repeated one.
    const acrossDst = alarm('night-outage', '2026-10-25T01:30:00+02:00');

    beforeAll(async () => {
      await running().produce(Topics.configEvents, `${acme}/config`,
        tenantConfigured(acme, 'Europe/Berlin'),
        policyConfigured(acme, 'checkout-availability', {
          type: 'availability', services: ['checkout-api'], objective: 99.9, maintenance: 'exclude', creditSchedule: 'standard',
        }),
        configApplied(acme, 'CreditSchedule', 'standard', { tiers: [{ below: 99.9, credit: 10 }, { below: 99.0, credit: 25 }, { below: 95.0, credit: 100 }] }),
        configApplied(acme, 'MaintenanceWindow', 'db-upgrade', {
          services: ['checkout-api'], from: '2026-10-10T03:00:00+02:00', to: '2026-10-10T05:00:00+02:00', reason: 'PostgreSQL 17 upgrade',
        }));
      await running().produce(Topics.alarmEvents, eventKey(acme, 'checkout-api'),
        raised(overlapA), raised(overlapB), cleared(overlapA, '2026-10-03T11:00:00+02:00'), cleared(overlapB, '2026-10-03T11:30:00+02:00'),
        raised(falseAlarm), cleared(falseAlarm, '2026-10-05T10:00:00+02:00', 'cancelled'),
        raised(inMaintenance), cleared(inMaintenance, '2026-10-10T04:00:00+02:00'),
        raised(acrossDst), cleared(acrossDst, '2026-10-25T02:30:00+01:00'));
      await running().produce(Topics.slaEvents, eventKey(acme, 'checkout-api'), breached(acme, 'checkout-api', 'checkout-availability', '2026-10-03T08:50:00.000Z'));
    });

    it('reports availability, downtime, MTTR, error budget and the credit as computed by hand', async () => {
      // October in Berlin: 31 days, the 25th has 25 hours: 44,700 minutes, less 120 of maintenance = 44,580.
      // Down: 10:00-11:30 on the 3rd (90, overlaps once), 02:00-03:00 on the 10th (60, the rest is maintenance),
      // 120 across the DST change; the cancelled alarm counts nothing. 270 minutes.
      const availability = Math.round(((44_580 - 270) / 44_580) * 100 * 1000) / 1000;
      await running().expectEventually(MONTHLY, await running().tokenFor(acme), { month: '2026-10', service_id: 'checkout-api' }, expect.objectContaining({
        tenant_id: acme,
        service_id: 'checkout-api',
        month: '2026-10',
        timezone: 'Europe/Berlin',
        from: '2026-10-01T00:00:00+02:00',
        to: '2026-11-01T00:00:00+01:00',
        period_complete: true,
        policy: 'checkout-availability',
        target_percentage: 99.9,
        availability_percentage: availability,
        period_minutes: 44_580,
        downtime_minutes: 270,
        uptime_minutes: 44_310,
        incidents: 4,
        // 60, 60, 120 (the whole outage, maintenance included) and 120 minutes.
        mttr_minutes: 90,
        breaches: 1,
        error_budget_minutes: 44.58,
        error_budget_used_minutes: 270,
        error_budget_used_percentage: Math.round((270 / 44.58) * 100 * 100) / 100,
        credit_schedule: 'standard',
        credit_percentage: 10,
      }));
    }, 60_000);

    it('lists the evidence: each incident with its counted intervals and the events behind it', async () => {
      const { status, body } = await running().get(MONTHLY, await running().tokenFor(acme), { month: '2026-10', service_id: 'checkout-api' });
      expect(status).toBe(200);
      expect(body.evidence.incidents.map((i: { alarm_key: string; downtime_minutes: number; intervals: unknown }) => [i.alarm_key, i.downtime_minutes, i.intervals])).toEqual([
        ['db-down', 60, [{ from: '2026-10-03T10:00:00+02:00', to: '2026-10-03T11:00:00+02:00' }]],
        ['latency', 60, [{ from: '2026-10-03T10:30:00+02:00', to: '2026-10-03T11:30:00+02:00' }]],
        ['upgrade-fallout', 60, [{ from: '2026-10-10T02:00:00+02:00', to: '2026-10-10T03:00:00+02:00' }]],
        ['night-outage', 120, [{ from: '2026-10-25T01:30:00+02:00', to: '2026-10-25T02:30:00+01:00' }]],
      ]);
      expect(body.evidence.incidents[0].event_ids).toHaveLength(2);
      expect(body.evidence.breaches).toEqual([expect.objectContaining({ effective_at: '2026-10-03T10:50:00+02:00', policy: 'checkout-availability' })]);
      expect(body.evidence.maintenance_windows).toEqual([{
        name: 'db-upgrade', services: ['checkout-api'], from: '2026-10-10T03:00:00+02:00', to: '2026-10-10T05:00:00+02:00', reason: 'PostgreSQL 17 upgrade',
      }]);
    });
  });

  describe('a late clear arriving after the month closed', () => {
    const tenant = uniqueTenant();
    const outage: AlarmSpec = { tenantId: tenant, alarmKey: 'db-down', serviceId: 'checkout-api', raisedAt: '2026-10-20T10:00:00.000Z', recordedAt: '2026-10-20T10:00:01.000Z' };
    const clear = cleared(outage, '2026-10-20T12:00:00.000Z', 'resolved', '2026-10-20T12:00:01.000Z');

    beforeAll(async () => {
      await running().produce(Topics.alarmEvents, eventKey(tenant, 'checkout-api'),
        raised(outage), clear, correctedClear(outage, clear, '2026-10-20T11:00:00.000Z', 3, '2026-11-02T09:00:00.000Z'));
    });

    it('restates the month, and answers as of before the correction with what was known then', async () => {
      const token = await running().tokenFor(tenant);
      const month = { month: '2026-10', service_id: 'checkout-api' };
      await running().expectEventually(MONTHLY, token, month, expect.objectContaining({ downtime_minutes: 60, mttr_minutes: 60 }));
      // The month closed on 1 November (UTC: the tenant has no zone) and was reported with the two-hour outage.
      const closed = await running().get(MONTHLY, token, { ...month, as_of: '2026-11-01T00:00:00Z' });
      expect(closed.body).toEqual(expect.objectContaining({ as_of: '2026-11-01T00:00:00Z', downtime_minutes: 120, mttr_minutes: 120, period_complete: true }));
      // While the outage was on: open, counting up to that moment.
      const during = await running().get(MONTHLY, token, { ...month, as_of: '2026-10-20T11:30:00Z' });
      expect(during.body).toEqual(expect.objectContaining({ downtime_minutes: 90, mttr_minutes: null, period_complete: false }));
      expect(during.body.evidence.incidents).toEqual([expect.objectContaining({ ended_at: null, event_ids: [expect.any(String)] })]);
      // Before anything was recorded: no incident at all.
      const before = await running().get(MONTHLY, token, { ...month, as_of: '2026-10-20T10:00:00Z' });
      expect(before.body).toEqual(expect.objectContaining({ downtime_minutes: 0, incidents: 0 }));
    }, 60_000);
  });

  describe('input', () => {
    it.each([
      ['a missing month', {}, 'month', 'isDefined'],
      ['a month that is no month', { month: '2026-13' }, 'month', 'isMonth'],
      ['a future month', { month: '2099-01' }, 'month', 'isNotInTheFuture'],
      ['an unparsable as_of', { month: '2026-10', as_of: 'yesterday' }, 'as_of', 'isIsoDate'],
      ['an as_of in the future', { month: '2026-10', as_of: '2099-01-01T00:00:00Z' }, 'as_of', 'isNotInTheFuture'],
    ])('answers 400 naming the parameter for %s', async (_, query, field, rule) => {
      const { status, body } = await running().get(MONTHLY, await running().tokenFor(uniqueTenant()), query as Record<string, string>);
      expect(status).toBe(400);
      expect(body.errors).toEqual([expect.objectContaining({ field, rule })]);
    });
  });
});
