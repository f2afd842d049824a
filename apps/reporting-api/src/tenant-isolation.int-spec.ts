import { eventKey, Topics } from '@vigil/contracts';
import { uniqueTenant } from '@vigil/testing';
import { breached, cleared, raised, tenantConfigured, useReportingHarness, type AlarmSpec } from './testing/reporting-test-kit';

/** Every read endpoint, the parameters to ask it for the shared service's data. */
const Endpoints: Array<[string, Record<string, string>]> = [
  ['/api/v1/faults/sla/compliance', { from_date: '2026-11-17', to_date: '2026-11-18', service_id: 'shared-api' }],
  ['/api/v1/faults/sla/compliance.csv', { from_date: '2026-11-17', to_date: '2026-11-18', service_id: 'shared-api' }],
  ['/api/v1/sla/reports/monthly', { month: '2026-11', service_id: 'shared-api' }],
  ['/api/v1/sla/incidents', { from: '2026-11-17', to: '2026-11-18', service_id: 'shared-api' }],
  ['/api/v1/sla/incidents.csv', { from: '2026-11-17', to: '2026-11-18', service_id: 'shared-api' }],
  ['/api/v1/sla/services', {}],
];

/**
 * Two tenants with a service of the same name: each endpoint shows each tenant its own data
 * only (asked the same way, through a warm cache too), and refuses a token of another tenant
 * named by header, no token, and a token without `reports:read`.
 */
describe('tenant isolation across every reporting endpoint', () => {
  const running = useReportingHarness();
  const acme = uniqueTenant('acme');
  const globex = uniqueTenant('globex');
  const outage: AlarmSpec = { tenantId: acme, alarmKey: 'acme-secret-outage', serviceId: 'shared-api', raisedAt: '2026-11-17T10:00:00.000Z' };
  const raise = raised(outage);
  const clear = cleared(outage, '2026-11-17T11:00:00.000Z');
  const breach = breached(acme, 'shared-api', 'acme-availability', '2026-11-17T10:30:00.000Z');

  beforeAll(async () => {
    await running().produce(Topics.configEvents, `${globex}/config`, tenantConfigured(globex, 'Asia/Tokyo'));
    await running().produce(Topics.alarmEvents, eventKey(acme, 'shared-api'), raise, clear);
    await running().produce(Topics.slaEvents, eventKey(acme, 'shared-api'), breach);
    await running().expectEventually('/api/v1/sla/reports/monthly', await running().tokenFor(acme), { month: '2026-11', service_id: 'shared-api' },
      expect.objectContaining({ downtime_minutes: 60, breaches: 1 }));
  }, 60_000);

  const acmeMarks = ['acme-secret-outage', raise.id, clear.id, breach.id];

  it.each(Endpoints)('%s shows the owner its data and another tenant none of it', async (path, query) => {
    const own = await running().get(path, await running().tokenFor(acme), query);
    expect(own.status).toBe(200);
    expect(own.text).toMatch(/acme-secret-outage|"downtime_minutes":60|,60,|"incidents":1/);
    // Asked twice by the other tenant: the second answer may come from the cache, and must be as clean.
    for (let i = 0; i < 2; i++) {
      const other = await running().get(path, await running().tokenFor(globex), query);
      expect(other.status).toBe(200);
      for (const mark of acmeMarks) expect(other.text).not.toContain(mark);
      expect(other.text).not.toContain(acme);
      expect(other.text).not.toMatch(/"downtime_minutes":[1-9]|"incidents":[1-9]/);
      // The CSV's days: no downtime, no breach (the last two columns).
      if (path.endsWith('compliance.csv')) expect(other.text.trimEnd().split('\r\n').slice(1).map((line) => line.split(',').slice(-2).join(','))).toEqual(['0,0', '0,0']);
    }
  });

  it.each(Endpoints)('%s refuses a token naming another tenant by header, no token, and a token without reports:read', async (path, query) => {
    const byHeader = await running().get(path, await running().tokenFor(globex), query, { 'x-tenant-id': acme });
    expect(byHeader.status).toBe(403);
    expect((await running().get(path, undefined, query)).status).toBe(401);
    expect((await running().get(path, await running().tokenFor(acme, ['alarms:write']), query)).status).toBe(403);
  });
});
