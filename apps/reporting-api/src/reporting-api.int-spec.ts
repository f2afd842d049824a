import { eventKey, newEvent, Topics } from '@vigil/contracts';
import { eventually, uniqueTenant } from '@vigil/testing';
import {
  CONVERGE_MS, ReportingHarness, useReportingHarness, cleared, correctedClear, correctedRaise, policyConfigured, raised, severityChanged, tenantConfigured, type AlarmSpec,
} from './testing/reporting-test-kit';

const COMPLIANCE = '/api/v1/faults/sla/compliance';

/**
 * The reporting app as it runs: events produced to the real broker, projected into the real
 * database by the app's own consumer, read back through its HTTP API.
 */
describe('reporting-api against real Kafka and PostgreSQL', () => {
  const running = useReportingHarness();

  const tokenFor = (tenantId: string, scopes?: Parameters<ReportingHarness['tokenFor']>[1]) => running().tokenFor(tenantId, scopes);
  const produce: ReportingHarness['produce'] = (topic, key, ...events) => running().produce(topic, key, ...events);
  const compliance = (token: string | undefined, query: Record<string, string>) => running().get(COMPLIANCE, token, query);
  const expectEventually = (token: string, query: Record<string, string>, expected: unknown) => running().expectEventually(COMPLIANCE, token, query, expected);
  const dataSource = { query: (sql: string, parameters?: unknown[]) => running().dataSource.query(sql, parameters) };

  const record = (date: string, downtime: number, period: number, compliancePercentage: number, target: number, breaches = 0) => ({
    date, compliance_percentage: compliancePercentage, target_percentage: target,
    uptime_minutes: period - downtime, downtime_minutes: downtime, sla_breaches: breaches,
  });

  describe('daily compliance', () => {
    const acme = uniqueTenant();
    const checkoutOutage: AlarmSpec = { tenantId: acme, alarmKey: 'checkout-db-down', serviceId: 'checkout-api', raisedAt: '2026-11-02T22:30:00.000Z' };

    beforeAll(async () => {
      await produce(Topics.configEvents, `${acme}/config`,
        tenantConfigured(acme, 'Europe/Berlin'),
        policyConfigured(acme, 'checkout-availability', { type: 'availability', services: ['checkout-api'], objective: 99.5 }));
      // A false positive on the same service first: cleared as cancelled, it counts toward nothing.
      const falseAlarm: AlarmSpec = { tenantId: acme, alarmKey: 'checkout-flaky-probe', serviceId: 'checkout-api', raisedAt: '2026-11-03T09:00:00.000Z' };
      const paymentsOutage: AlarmSpec = { tenantId: acme, alarmKey: 'payments-timeouts', serviceId: 'payments-api', severity: 'major', raisedAt: '2026-11-02T22:00:00.000Z' };
      await produce(Topics.alarmEvents, eventKey(acme, 'checkout-api'),
        raised(falseAlarm), cleared(falseAlarm, '2026-11-03T10:00:00.000Z', 'cancelled'),
        // 23:30 to 01:00 Berlin time: 30 minutes on the 2nd, 60 on the 3rd.
        raised(checkoutOutage), cleared(checkoutOutage, '2026-11-03T00:00:00.000Z'));
      await produce(Topics.alarmEvents, eventKey(acme, 'payments-api'), raised(paymentsOutage), cleared(paymentsOutage, '2026-11-02T22:45:00.000Z'));
      await produce(Topics.slaEvents, eventKey(acme, 'checkout-api'), newEvent({
        type: 'sla-breached', tenantId: acme, subject: 'checkout-availability/checkout-api', sequence: 1, occurredAt: '2026-11-02T23:15:00.000Z',
        data: {
          policy: 'checkout-availability', policyType: 'availability', serviceId: 'checkout-api', reason: 'error budget exhausted',
          budgetConsumed: 1, effectiveAt: '2026-11-02T23:15:00.000Z',
        },
      }));
    });

    it('splits an outage across local midnight between the tenant\'s two days', async () => {
      const token = await tokenFor(acme);
      await expectEventually(token, { from_date: '2026-11-02', to_date: '2026-11-03', service_id: 'checkout-api' }, {
        tenant_id: acme,
        service_id: 'checkout-api',
        from_date: '2026-11-02T00:00:00+01:00',
        to_date: '2026-11-04T00:00:00+01:00',
        timezone: 'Europe/Berlin',
        as_of: expect.any(String),
        stale: false,
        records: [
          record('2026-11-02T00:00:00+01:00', 30, 1440, 97.92, 99.5),
          // The breach became effective at 00:15 Berlin time: the 3rd.
          record('2026-11-03T00:00:00+01:00', 60, 1440, 95.83, 99.5, 1),
        ],
      });
    }, 60_000);

    it('counts the tenant down while any of its services is down, overlaps once', async () => {
      const token = await tokenFor(acme);
      // payments-api 23:00-23:45 and checkout-api from 23:30: one hour down on the 2nd.
      await expectEventually(token, { from_date: '2026-11-02', to_date: '2026-11-04' }, {
        tenant_id: acme,
        service_id: null,
        from_date: '2026-11-02T00:00:00+01:00',
        to_date: '2026-11-05T00:00:00+01:00',
        timezone: 'Europe/Berlin',
        as_of: expect.any(String),
        stale: false,
        records: [
          record('2026-11-02T00:00:00+01:00', 60, 1440, 95.83, 99.5),
          record('2026-11-03T00:00:00+01:00', 60, 1440, 95.83, 99.5, 1),
          record('2026-11-04T00:00:00+01:00', 0, 1440, 100, 99.5),
        ],
      });
    }, 60_000);

    it('shows another tenant none of it', async () => {
      const token = await tokenFor(acme);
      // Only meaningful once acme's outage is in the read model.
      await expectEventually(token, { from_date: '2026-11-03', to_date: '2026-11-03', service_id: 'checkout-api' }, expect.objectContaining({
        records: [expect.objectContaining({ downtime_minutes: 60 })],
      }));
      const stranger = uniqueTenant();
      const { status, body } = await compliance(await tokenFor(stranger), { from_date: '2026-11-02', to_date: '2026-11-03', service_id: 'checkout-api' });
      expect(status).toBe(200);
      expect(body).toEqual({
        tenant_id: stranger,
        service_id: 'checkout-api',
        // A tenant reporting has no zone for reads in UTC.
        from_date: '2026-11-02T00:00:00Z',
        to_date: '2026-11-04T00:00:00Z',
        timezone: 'UTC',
        as_of: expect.any(String),
        stale: false,
        records: [record('2026-11-02T00:00:00Z', 0, 1440, 100, 99.9), record('2026-11-03T00:00:00Z', 0, 1440, 100, 99.9)],
      });
    }, 60_000);

    it('refuses to let a token read another tenant by header', async () => {
      const { status } = await running().get(COMPLIANCE, await tokenFor(uniqueTenant()), { from_date: '2026-11-02' }, { 'x-tenant-id': acme });
      expect(status).toBe(403);
    });
  });

  describe('the read model', () => {
    it('is idempotent if run twice', async () => {
      const tenant = uniqueTenant();
      const outage: AlarmSpec = { tenantId: tenant, alarmKey: 'db-down', serviceId: 'checkout-api', raisedAt: '2026-11-10T08:00:00.000Z' };
      const raise = raised(outage);
      const clear = cleared(outage, '2026-11-10T09:00:00.000Z');
      // The same envelopes delivered twice, plus a monitor re-sending the raise as a new event.
      const resent = raised(outage);
      const sentinel: AlarmSpec = { tenantId: tenant, alarmKey: 'sentinel', serviceId: 'checkout-api', raisedAt: '2026-11-12T08:00:00.000Z' };
      await produce(Topics.configEvents, `${tenant}/config`, tenantConfigured(tenant, 'Europe/Berlin'), tenantConfigured(tenant, 'Europe/Berlin'));
      await produce(Topics.alarmEvents, eventKey(tenant, 'checkout-api'),
        raise, raise, resent, clear, clear, raised(sentinel), cleared(sentinel, '2026-11-12T08:30:00.000Z'));

      // Events of one key are applied in order: once the sentinel is in, everything before it is.
      await eventually('the sentinel incident', async () => {
        const [row] = await dataSource.query(`select ended_at from reporting.incidents where tenant_id = $1 and alarm_key = 'sentinel'`, [tenant]);
        return row?.ended_at != null;
      }, CONVERGE_MS);
      const incidents = await dataSource.query(
        `select alarm_key, started_at, ended_at, resolution, raised_event_id, cleared_event_id
         from reporting.incidents where tenant_id = $1 and alarm_key = 'db-down'`,
        [tenant],
      );
      expect(incidents).toEqual([{
        alarm_key: 'db-down', started_at: new Date('2026-11-10T08:00:00Z'), ended_at: new Date('2026-11-10T09:00:00Z'),
        resolution: 'resolved', raised_event_id: raise.id, cleared_event_id: clear.id,
      }]);
      await expectEventually(await tokenFor(tenant), { from_date: '2026-11-10', to_date: '2026-11-10' }, expect.objectContaining({
        timezone: 'Europe/Berlin',
        as_of: expect.any(String),
        stale: false,
        records: [record('2026-11-10T00:00:00+01:00', 60, 1440, 95.83, 99.9)],
      }));
    }, 60_000);

    it('measures a spring-forward day in Europe/Berlin as 1380 minutes', async () => {
      const tenant = uniqueTenant();
      // 01:30 CET to 03:30 CEST: one real hour across the skipped one.
      const outage: AlarmSpec = { tenantId: tenant, alarmKey: 'night-outage', serviceId: 'checkout-api', severity: 'major', raisedAt: '2026-03-29T00:30:00.000Z' };
      await produce(Topics.configEvents, `${tenant}/config`, tenantConfigured(tenant, 'Europe/Berlin'));
      await produce(Topics.alarmEvents, eventKey(tenant, 'checkout-api'), raised(outage), cleared(outage, '2026-03-29T01:30:00.000Z'));
      await expectEventually(await tokenFor(tenant), { from_date: '2026-03-29', to_date: '2026-03-29', service_id: 'checkout-api' }, {
        tenant_id: tenant,
        service_id: 'checkout-api',
        from_date: '2026-03-29T00:00:00+01:00',
        to_date: '2026-03-30T00:00:00+02:00',
        timezone: 'Europe/Berlin',
        as_of: expect.any(String),
        stale: false,
        records: [record('2026-03-29T00:00:00+01:00', 60, 1380, 95.65, 99.9)],
      });
    }, 60_000);
  });

  describe('severity changes and corrected history', () => {
    const day = { from_date: '2026-11-05', to_date: '2026-11-05', service_id: 'checkout-api' };

    it('counts an alarm down only while its severity is a counted one', async () => {
      const tenant = uniqueTenant();
      // warning 10:00 → critical 10:20 → cleared 11:00: 40 minutes. critical 12:00 → warning 12:15 → cleared 13:00: 15 more.
      const escalating: AlarmSpec = { tenantId: tenant, alarmKey: 'latency', serviceId: 'checkout-api', severity: 'warning', raisedAt: '2026-11-05T10:00:00.000Z' };
      const easing: AlarmSpec = { tenantId: tenant, alarmKey: 'errors', serviceId: 'checkout-api', severity: 'critical', raisedAt: '2026-11-05T12:00:00.000Z' };
      await produce(Topics.alarmEvents, eventKey(tenant, 'checkout-api'),
        raised(escalating), severityChanged(escalating, 'warning', 'critical', '2026-11-05T10:20:00.000Z', 2), cleared({ ...escalating, severity: 'critical' }, '2026-11-05T11:00:00.000Z'),
        raised(easing), severityChanged(easing, 'critical', 'warning', '2026-11-05T12:15:00.000Z', 2), cleared({ ...easing, severity: 'warning' }, '2026-11-05T13:00:00.000Z'));

      await expectEventually(await tokenFor(tenant), day, expect.objectContaining({
        records: [record('2026-11-05T00:00:00Z', 55, 1440, 96.18, 99.9)],
      }));
      const incidents = await dataSource.query(`select alarm_key, severity from reporting.incidents where tenant_id = $1 order by alarm_key`, [tenant]);
      expect(incidents).toEqual([{ alarm_key: 'errors', severity: 'warning' }, { alarm_key: 'latency', severity: 'critical' }]);
    }, 60_000);

    it('moves the start of an incident earlier on a corrected raise', async () => {
      const tenant = uniqueTenant();
      const outage: AlarmSpec = { tenantId: tenant, alarmKey: 'db-down', serviceId: 'checkout-api', raisedAt: '2026-11-05T10:00:00.000Z' };
      const raise = raised(outage);
      const lateRaise = correctedRaise(outage, raise, '2026-11-05T09:30:00.000Z', 2);
      await produce(Topics.alarmEvents, eventKey(tenant, 'checkout-api'), raise, lateRaise, cleared({ ...outage, raisedAt: '2026-11-05T09:30:00.000Z' }, '2026-11-05T11:00:00.000Z'));

      await expectEventually(await tokenFor(tenant), day, expect.objectContaining({
        records: [record('2026-11-05T00:00:00Z', 90, 1440, 93.75, 99.9)],
      }));
      const [incident] = await dataSource.query(`select started_at, corrections from reporting.incidents where tenant_id = $1`, [tenant]);
      expect(incident).toEqual({
        started_at: new Date('2026-11-05T09:30:00.000Z'),
        corrections: [{ eventId: lateRaise.id, field: 'started_at', from: '2026-11-05T10:00:00.000Z', to: '2026-11-05T09:30:00.000Z', recordedAt: lateRaise.recordedAt }],
      });
    }, 60_000);

    it('restates the day when a late clear moves the end of an outage earlier', async () => {
      const tenant = uniqueTenant();
      const token = await tokenFor(tenant);
      const outage: AlarmSpec = { tenantId: tenant, alarmKey: 'db-down', serviceId: 'checkout-api', raisedAt: '2026-11-05T10:00:00.000Z' };
      const clear = cleared(outage, '2026-11-05T12:00:00.000Z');
      await produce(Topics.alarmEvents, eventKey(tenant, 'checkout-api'), raised(outage), clear);
      await expectEventually(token, day, expect.objectContaining({ records: [record('2026-11-05T00:00:00Z', 120, 1440, 91.67, 99.9)] }));

      // What was reported before the correction stays answerable: as of then, 120 minutes.
      const reportedAt = new Date().toISOString();
      const correctionRecordedAt = new Date(Date.parse(reportedAt) + 1_000).toISOString();
      await produce(Topics.alarmEvents, eventKey(tenant, 'checkout-api'), correctedClear(outage, clear, '2026-11-05T10:30:00.000Z', 3, correctionRecordedAt));
      await expectEventually(token, day, expect.objectContaining({ records: [record('2026-11-05T00:00:00Z', 30, 1440, 97.92, 99.9)] }));
      const asReported = await compliance(token, { ...day, as_of: reportedAt });
      expect(asReported.body).toEqual(expect.objectContaining({ as_of: reportedAt.replace('.000Z', 'Z'), records: [record('2026-11-05T00:00:00Z', 120, 1440, 91.67, 99.9)] }));
    }, 60_000);

    it('is idempotent if run twice: severity changes and corrections delivered twice apply once', async () => {
      const tenant = uniqueTenant();
      const outage: AlarmSpec = { tenantId: tenant, alarmKey: 'db-down', serviceId: 'checkout-api', severity: 'minor', raisedAt: '2026-11-05T10:00:00.000Z' };
      const raise = raised(outage);
      const change = severityChanged(outage, 'minor', 'major', '2026-11-05T10:30:00.000Z', 2);
      const lateRaise = correctedRaise({ ...outage, severity: 'major' }, raise, '2026-11-05T09:00:00.000Z', 3);
      const clear = cleared({ ...outage, severity: 'major', raisedAt: '2026-11-05T09:00:00.000Z' }, '2026-11-05T12:00:00.000Z');
      const lateClear = correctedClear({ ...outage, severity: 'major', raisedAt: '2026-11-05T09:00:00.000Z' }, clear, '2026-11-05T11:00:00.000Z', 5);
      const sentinel: AlarmSpec = { tenantId: tenant, alarmKey: 'sentinel', serviceId: 'checkout-api', severity: 'minor', raisedAt: '2026-11-06T08:00:00.000Z' };
      await produce(Topics.alarmEvents, eventKey(tenant, 'checkout-api'),
        raise, change, change, lateRaise, lateRaise, clear, lateClear, lateClear, raised(sentinel));

      await eventually('the sentinel incident', async () =>
        (await dataSource.query(`select 1 from reporting.incidents where tenant_id = $1 and alarm_key = 'sentinel'`, [tenant])).length === 1, CONVERGE_MS);
      const [incident] = await dataSource.query(
        `select id, started_at, ended_at, severity, jsonb_array_length(corrections) as corrections from reporting.incidents where tenant_id = $1 and alarm_key = 'db-down'`,
        [tenant],
      );
      expect(incident).toMatchObject({
        started_at: new Date('2026-11-05T09:00:00.000Z'), ended_at: new Date('2026-11-05T11:00:00.000Z'), severity: 'major', corrections: 2,
      });
      const history = await dataSource.query(
        `select severity, effective_from, event_id from reporting.incident_severities where incident_id = $1 order by effective_from, rank`, [incident.id]);
      expect(history).toEqual([
        { severity: 'major', effective_from: new Date('2026-11-05T09:00:00.000Z'), event_id: lateRaise.id },
        { severity: 'minor', effective_from: new Date('2026-11-05T10:00:00.000Z'), event_id: raise.id },
        { severity: 'major', effective_from: new Date('2026-11-05T10:30:00.000Z'), event_id: change.id },
      ]);
      // major 09:00-10:00 and 10:30-11:00 (minor is not counted by default).
      await expectEventually(await tokenFor(tenant), day, expect.objectContaining({ records: [record('2026-11-05T00:00:00Z', 90, 1440, 93.75, 99.9)] }));
    }, 60_000);
  });

  describe('access and input', () => {
    it('answers 401 without a token', async () => {
      const { status } = await compliance(undefined, { from_date: '2026-11-02' });
      expect(status).toBe(401);
    });

    it('answers 403 to a token without reports:read', async () => {
      const { status } = await compliance(await tokenFor(uniqueTenant(), ['alarms:write']), { from_date: '2026-11-02' });
      expect(status).toBe(403);
    });

    it('answers 400 naming the parameter for an unparsable date and for a range over 90 days', async () => {
      const token = await tokenFor(uniqueTenant());
      const unparsable = await compliance(token, { from_date: 'last-tuesday' });
      expect(unparsable.status).toBe(400);
      expect(unparsable.body.errors).toEqual([expect.objectContaining({ field: 'from_date', rule: 'isIsoDate' })]);
      const tooLong = await compliance(token, { from_date: '2026-01-01', to_date: '2026-06-30' });
      expect(tooLong.status).toBe(400);
      expect(tooLong.body.errors).toEqual([expect.objectContaining({ field: 'to_date', rule: 'maxRange' })]);
    });
  });
});
