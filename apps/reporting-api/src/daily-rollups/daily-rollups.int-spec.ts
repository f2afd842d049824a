import { eventKey, Topics, type EventEnvelope } from '@vigil/contracts';
import { eventually, uniqueTenant } from '@vigil/testing';
import {
  cleared, configApplied, correctedClear, correctedRaise, raised, severityChanged, tenantConfigured, useReportingHarness, type AlarmSpec,
} from '../testing/reporting-test-kit';
import { nextLocalDay, startOfLocalDay } from '@vigil/sla-engine';
import { restateTenantRollups, rollUpEndedDays } from './daily-rollups.projection';

const COMPLIANCE = '/api/v1/faults/sla/compliance';

/**
 * The daily rollups against the computation from the incidents (`as_of`, which never reads
 * rollups), over a tricky history in Europe/Berlin: overlaps across services and midnight, both
 * DST days, maintenance, a cancelled alarm over a real one, a severity raised and lowered late, a
 * clear arriving two days after its day closed, a corrected earlier clear, an alarm still open.
 */
describe('daily rollups against real Kafka and PostgreSQL', () => {
  const running = useReportingHarness();
  const tenant = uniqueTenant();
  const alarm = (serviceId: string, alarmKey: string, raisedAt: string, severity: AlarmSpec['severity'] = 'critical', recordedAt?: string): AlarmSpec =>
    ({ tenantId: tenant, alarmKey, serviceId, severity, raisedAt, ...(recordedAt ? { recordedAt } : {}) });
  const midnightApi = alarm('api', 'api-midnight', '2026-10-03T23:30:00+02:00');
  const midnightWeb = alarm('web', 'web-midnight', '2026-10-03T23:00:00+02:00', 'major');
  const fallBack = alarm('api', 'api-fall-back', '2026-10-25T01:30:00+02:00');
  const springForward = alarm('api', 'api-spring', '2026-03-29T01:30:00+01:00');
  const falseAlarm = alarm('api', 'api-false', '2026-10-10T10:00:00Z');
  const real = alarm('api', 'api-real', '2026-10-10T10:30:00Z', 'major');
  const inMaintenance = alarm('api', 'api-maintenance', '2026-10-12T08:30:00Z');
  const lateClear = alarm('web', 'web-late-clear', '2026-10-15T22:00:00Z', 'critical', '2026-10-15T22:00:01Z');
  const corrected = alarm('web', 'web-corrected', '2026-10-20T08:00:00Z');
  const escalating = alarm('api', 'api-escalating', '2026-10-22T10:00:00Z', 'warning');
  const stillOpen = alarm('db', 'db-open', '2026-10-27T06:00:00Z');
  const ids: string[] = [];
  let keptByProjection: unknown[] = [];
  const produce = async (topic: string, key: string, ...events: EventEnvelope[]) => {
    ids.push(...events.map((e) => e.id));
    await running().produce(topic, key, ...events);
  };
  const scopes: Array<Record<string, string>> = [{ service_id: 'api' }, { service_id: 'web' }, { service_id: 'db' }, {}];
  const ranges = [{ from_date: '2026-10-01', to_date: '2026-10-31' }, { from_date: '2026-03-27', to_date: '2026-03-31' }];
  const rollups = () => running().dataSource.query(
    `select scope, day_start, date, rule, compliance_percentage, uptime_minutes, downtime_minutes from reporting.daily_rollups where tenant_id = $1 order by scope, day_start`,
    [tenant],
  );

  beforeAll(async () => {
    await produce(Topics.configEvents, `${tenant}/config`,
      tenantConfigured(tenant, 'Europe/Berlin'),
      configApplied(tenant, 'MaintenanceWindow', 'patch', { services: ['api'], from: '2026-10-12T09:00:00Z', to: '2026-10-12T10:00:00Z' }));
    const lateClearRaise = raised(lateClear);
    const correctedClearFirst = cleared(corrected, '2026-10-20T10:00:00Z');
    const openRaise = raised(stillOpen);
    await produce(Topics.alarmEvents, eventKey(tenant, 'api'),
      raised(midnightApi), cleared(midnightApi, '2026-10-04T00:45:00+02:00'),
      raised(fallBack), cleared(fallBack, '2026-10-25T02:30:00+01:00'),
      raised(springForward), cleared(springForward, '2026-03-29T03:30:00+02:00'),
      raised(falseAlarm), raised(real), cleared(falseAlarm, '2026-10-10T12:00:00Z', 'cancelled'), cleared(real, '2026-10-10T11:00:00Z'),
      raised(inMaintenance), cleared(inMaintenance, '2026-10-12T09:30:00Z'),
      raised(escalating), severityChanged(escalating, 'warning', 'critical', '2026-10-22T10:20:00Z', 2),
      cleared({ ...escalating, severity: 'critical' }, '2026-10-22T11:00:00Z'),
      // Lowered again at 10:40, learnt only after the clear: the day's 40 minutes become 20.
      severityChanged(escalating, 'critical', 'warning', '2026-10-22T10:40:00Z', 3));
    await produce(Topics.alarmEvents, eventKey(tenant, 'web'),
      raised(midnightWeb), cleared(midnightWeb, '2026-10-04T00:15:00+02:00'),
      lateClearRaise, raised(corrected), correctedClearFirst, correctedClear(corrected, correctedClearFirst, '2026-10-20T09:00:00Z', 3));
    // The clear of the 15th's alarm reaches Vigil on the 18th, after both days it touches closed.
    await produce(Topics.alarmEvents, eventKey(tenant, 'web'), cleared(lateClear, '2026-10-16T01:00:00Z', 'resolved', '2026-10-18T09:00:00Z'));
    await produce(Topics.alarmEvents, eventKey(tenant, 'db'), openRaise, correctedRaise(stillOpen, openRaise, '2026-10-26T20:00:00Z', 2));
    await eventually('every event projected', async () => {
      const [{ n }] = await running().dataSource.query(`select count(distinct event_id)::int as n from reporting.processed_events where event_id = any($1::uuid[])`, [ids]);
      return n === ids.length;
    }, 45_000);
    keptByProjection = await rollups();
  }, 90_000);

  it('answers every scope and range exactly as the computation from the incidents does', async () => {
    const token = await running().tokenFor(tenant);
    const asOf = new Date().toISOString();
    for (const scope of scopes) {
      for (const range of ranges) {
        const fromRollups = await running().get(COMPLIANCE, token, { ...range, ...scope });
        const fromIncidents = await running().get(COMPLIANCE, token, { ...range, ...scope, as_of: asOf });
        expect({ scope, range, status: fromRollups.status, records: fromRollups.body.records })
          .toEqual({ scope, range, status: 200, records: fromIncidents.body.records });
      }
    }
    const api = (await running().get(COMPLIANCE, token, { from_date: '2026-10-01', to_date: '2026-10-31', service_id: 'api' })).body.records;
    // 01:30 CEST to 02:30 CET is two real hours of the 1500-minute day: (1500 - 120) / 1500 = 92 %.
    expect(api[24]).toEqual(expect.objectContaining({ date: '2026-10-25T00:00:00+02:00', downtime_minutes: 120, uptime_minutes: 1380, compliance_percentage: 92 }));
    // 10:00-10:20 warning, 10:20-10:40 critical, 10:40-11:00 warning again: 20 minutes.
    expect(api[21]).toEqual(expect.objectContaining({ downtime_minutes: 20 }));
    const tenantWide = (await running().get(COMPLIANCE, token, { from_date: '2026-10-01', to_date: '2026-10-31' })).body.records;
    // api 23:30-00:45 and web 23:00-00:15 are one stretch, 23:00-00:45: 60 minutes on the 3rd, 45 on the 4th.
    expect([tenantWide[2].downtime_minutes, tenantWide[3].downtime_minutes]).toEqual([60, 45]);
    // The web clear learnt on the 18th: 22:00-01:00 UTC is 00:00-03:00 in Berlin, all on the 16th.
    expect([tenantWide[14].downtime_minutes, tenantWide[15].downtime_minutes]).toEqual([0, 180]);
  }, 60_000);

  it('keeps a row for every settled day it touched, and none answers days an alarm still open touches', async () => {
    const rows: Array<{ scope: string; date: string; downtime_minutes: number }> = await rollups();
    const of = (scope: string, date: string) => rows.find((r) => r.scope === scope && r.date === date);
    expect(of('api', '2026-10-04T00:00:00+02:00')).toEqual(expect.objectContaining({ downtime_minutes: 45 }));
    expect(of('api', '2026-03-29T00:00:00+01:00')).toEqual(expect.objectContaining({ downtime_minutes: 60 }));
    // The corrected clear: 08:00-09:00 UTC.
    expect(of('web', '2026-10-20T00:00:00+02:00')).toEqual(expect.objectContaining({ downtime_minutes: 60 }));
    expect(rows.filter((r) => r.scope === 'db')).toEqual([]);
  });

  it('answers settled days from the rollups, and the rest from the incidents', async () => {
    try {
      await settledFromRollups();
    } finally {
      await running().dataSource.transaction((manager) => restateTenantRollups(manager, tenant));
    }
  });

  const settledFromRollups = async () => {
    const token = await running().tokenFor(tenant);
    // A row changed behind the projection's back shows in a fresh answer (another range: no cache)...
    await running().dataSource.query(`update reporting.daily_rollups set downtime_minutes = 999 where tenant_id = $1 and scope = 'api' and date = '2026-10-04T00:00:00+02:00'`, [tenant]);
    const api = (await running().get(COMPLIANCE, token, { from_date: '2026-10-03', to_date: '2026-10-04', service_id: 'api' })).body.records;
    expect(api.map((r: { downtime_minutes: number }) => r.downtime_minutes)).toEqual([30, 999]);
    // ... and a day without a row (the 5th: no incident touched it) is computed from the incidents.
    const withQuietDay = (await running().get(COMPLIANCE, token, { from_date: '2026-10-03', to_date: '2026-10-05', service_id: 'api' })).body.records;
    expect(withQuietDay.map((r: { downtime_minutes: number }) => r.downtime_minutes)).toEqual([30, 999, 0]);
    // Days from the open alarm's (corrected) start are computed too: the 26th's row is not read.
    await running().dataSource.query(`update reporting.daily_rollups set downtime_minutes = 999 where tenant_id = $1 and scope = '*' and date like '2026-10-26%'`, [tenant]);
    const tenantWide = (await running().get(COMPLIANCE, token, { from_date: '2026-10-25', to_date: '2026-10-27' })).body.records;
    // 20:00 UTC is 21:00 in Berlin: three hours to midnight.
    expect(tenantWide.map((r: { downtime_minutes: number }) => r.downtime_minutes)).toEqual([120, 180, 1440]);
  };

  it('is idempotent if run twice: restating from scratch, twice, keeps every row the projection kept event by event', async () => {
    // The rows the projection kept event by event (quiet days have none; from scratch they get one too).
    expect(keptByProjection.length).toBeGreaterThan(0);
    await running().dataSource.transaction((manager) => restateTenantRollups(manager, tenant));
    const once = await rollups();
    expect(once).toEqual(expect.arrayContaining(keptByProjection));
    await running().dataSource.transaction((manager) => restateTenantRollups(manager, tenant));
    expect(await rollups()).toEqual(once);
  });

  it('rolls up no day still in progress; the tenant’s first event after the day ends rolls it up, once', async () => {
    const other = uniqueTenant();
    const zone = 'Europe/Berlin';
    // A clear in the first minute of the day would leave its raise in yesterday.
    if (Date.now() - startOfLocalDay(Date.now(), zone).toMillis() < 60_000) await new Promise((resolve) => setTimeout(resolve, 60_000));
    const today = startOfLocalDay(Date.now(), zone);
    const tomorrow = nextLocalDay(today);
    const now = Date.now();
    const spec: AlarmSpec = { tenantId: other, alarmKey: 'today', serviceId: 'api', severity: 'critical', raisedAt: new Date(now - 30_000).toISOString() };
    const events = [tenantConfigured(other, zone), raised(spec), cleared(spec, new Date(now - 18_000).toISOString())];
    await running().produce(Topics.configEvents, `${other}/config`, events[0]);
    await running().produce(Topics.alarmEvents, eventKey(other, 'api'), events[1], events[2]);
    await eventually('the alarm projected', async () => {
      const [{ n }] = await running().dataSource.query(`select count(*)::int as n from reporting.processed_events where event_id = any($1::uuid[])`, [events.map((e) => e.id)]);
      return n === events.length;
    }, 45_000);
    const rowsOf = () => running().dataSource.query(
      `select scope, date, downtime_minutes from reporting.daily_rollups where tenant_id = $1 order by scope`, [other]);
    const markOf = async () => (await running().dataSource.query(
      `select settled_through, next_due from reporting.rollup_marks where tenant_id = $1`, [other]))[0];
    expect(await rowsOf()).toEqual([]);
    expect(await markOf()).toEqual({ settled_through: today.toJSDate(), next_due: tomorrow.toJSDate() });

    // The first event after midnight: today is rolled up for its service and the tenant.
    const afterMidnight = tomorrow.toMillis() + 3_600_000;
    await running().dataSource.transaction((manager) => rollUpEndedDays(manager, other, afterMidnight));
    const date = today.toISO({ suppressMilliseconds: true });
    expect(await rowsOf()).toEqual([{ scope: '*', date, downtime_minutes: 0.2 }, { scope: 'api', date, downtime_minutes: 0.2 }]);
    expect(await markOf()).toEqual({ settled_through: tomorrow.toJSDate(), next_due: nextLocalDay(tomorrow).toJSDate() });
    // Every later event that day finds nothing due.
    await running().dataSource.query(`update reporting.daily_rollups set downtime_minutes = 999 where tenant_id = $1`, [other]);
    await running().dataSource.transaction((manager) => rollUpEndedDays(manager, other, afterMidnight + 60_000));
    expect((await rowsOf()).map((r: { downtime_minutes: number }) => r.downtime_minutes)).toEqual([999, 999]);
  });
});
