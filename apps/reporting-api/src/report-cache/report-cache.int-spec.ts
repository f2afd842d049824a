import { eventKey, Topics } from '@vigil/contracts';
import { eventually, TcpProxy, testEnv, uniqueTenant } from '@vigil/testing';
import { cleared, correctedClear, raised, ReportingHarness, type AlarmSpec } from '../testing/reporting-test-kit';

const COMPLIANCE = '/api/v1/faults/sla/compliance';

/**
 * ETag, Cache-Control and restatement on closed days, then the database cut off behind a TCP
 * proxy: cached answers come back marked stale, the rest is a 503, /health says read-only degraded.
 */
describe('report cache and read-only degraded mode against real Kafka and PostgreSQL', () => {
  const env = testEnv();
  let proxy: TcpProxy;
  let harness: ReportingHarness;
  const tenant = uniqueTenant();
  const outage: AlarmSpec = { tenantId: tenant, alarmKey: 'db-down', serviceId: 'checkout-api', raisedAt: '2026-11-10T10:00:00.000Z' };
  const clear = cleared(outage, '2026-11-10T11:00:00.000Z');
  const closedDay = { from_date: '2026-11-10', to_date: '2026-11-10' };

  beforeAll(async () => {
    const database = new URL(env.DATABASE_URL);
    proxy = await TcpProxy.start(database.hostname, Number(database.port || 5432));
    harness = await ReportingHarness.start({ databaseUrl: Object.assign(new URL(env.DATABASE_URL), { port: String(proxy.port) }).toString() });
    await harness.produce(Topics.alarmEvents, eventKey(tenant, 'checkout-api'), raised(outage), clear);
  }, 60_000);

  afterAll(async () => {
    proxy?.restore();
    await harness?.stop();
    await proxy?.close();
  });

  const downtimeOf = (body: { records?: Array<{ downtime_minutes: number }> } | undefined) => body?.records?.[0]?.downtime_minutes;

  it('marks a closed day cacheable with an ETag and answers 304 while nothing restates it', async () => {
    const token = await harness.tokenFor(tenant);
    await harness.expectEventually(COMPLIANCE, token, closedDay, expect.objectContaining({ stale: false, records: [expect.objectContaining({ downtime_minutes: 60 })] }));
    const first = await harness.get(COMPLIANCE, token, closedDay);
    expect(first.headers.get('cache-control')).toBe('private, max-age=60');
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await harness.get(COMPLIANCE, token, closedDay, { 'if-none-match': etag! });
    expect(again.status).toBe(304);
    const metrics = await harness.get('/metrics', undefined);
    expect(metrics.text).toMatch(/vigil_reporting_cache_requests_total\{[^}]*outcome="hit"[^}]*\} [1-9]/);
  }, 60_000);

  it('revalidates a day that is not over yet on every request', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const { headers } = await harness.get(COMPLIANCE, await harness.tokenFor(tenant), { from_date: today, to_date: today });
    expect(headers.get('cache-control')).toBe('private, no-cache');
  });

  it('gives a restated closed day new numbers and a new ETag', async () => {
    const token = await harness.tokenFor(tenant);
    const before = await harness.get(COMPLIANCE, token, closedDay);
    await harness.produce(Topics.alarmEvents, eventKey(tenant, 'checkout-api'), correctedClear(outage, clear, '2026-11-10T10:30:00.000Z', 3));
    await harness.expectEventually(COMPLIANCE, token, closedDay, expect.objectContaining({ records: [expect.objectContaining({ downtime_minutes: 30 })] }));
    const after = await harness.get(COMPLIANCE, token, closedDay, { 'if-none-match': before.headers.get('etag')! });
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(before.headers.get('etag'));
  }, 60_000);

  it('keeps serving a cached closed day when a restatement touches only another day', async () => {
    const token = await harness.tokenFor(tenant);
    const hits = async () => Number((await harness.get('/metrics', undefined)).text.match(/vigil_reporting_cache_requests_total\{[^}]*outcome="hit"[^}]*\} (\d+)/)?.[1] ?? 0);
    const version = async () => (await harness.dataSource.query(`select version::int as v from reporting.restatements where tenant_id = $1`, [tenant]))[0]?.v;
    const cached = await harness.get(COMPLIANCE, token, closedDay);
    const hitsBefore = await hits();
    const versionBefore = await version();
    // A late alarm of the 13th: a closed day, so the tenant's version moves, with the 13th as what it touched.
    const late: AlarmSpec = { tenantId: tenant, alarmKey: 'late', serviceId: 'checkout-api', raisedAt: '2026-11-13T10:00:00.000Z' };
    await harness.produce(Topics.alarmEvents, eventKey(tenant, 'checkout-api'), raised(late), cleared(late, '2026-11-13T10:45:00.000Z'));
    await harness.expectEventually(COMPLIANCE, token, { from_date: '2026-11-13', to_date: '2026-11-13' },
      expect.objectContaining({ records: [expect.objectContaining({ downtime_minutes: 45 })] }));
    expect(await version()).toBeGreaterThan(versionBefore);
    const again = await harness.get(COMPLIANCE, token, closedDay, { 'if-none-match': cached.headers.get('etag')! });
    expect(again.status).toBe(304);
    expect(await hits()).toBe(hitsBefore + 1);
    // A range holding the 13th is computed again.
    const week = { from_date: '2026-11-09', to_date: '2026-11-13' };
    const weekBefore = await harness.get(COMPLIANCE, token, week);
    expect(weekBefore.body.records.map((r: { downtime_minutes: number }) => r.downtime_minutes)).toEqual([0, 30, 0, 0, 45]);
  }, 60_000);

  it('answers from the cache, marked stale, while the database is unreachable; 503 for the rest; /health says read-only degraded', async () => {
    const token = await harness.tokenFor(tenant);
    expect(downtimeOf((await harness.get(COMPLIANCE, token, closedDay)).body)).toBe(30);
    proxy.cut();
    try {
      const cached = await harness.get(COMPLIANCE, token, closedDay);
      expect(cached.status).toBe(200);
      expect(cached.headers.get('vigil-stale')).toBe('true');
      expect(cached.body).toEqual(expect.objectContaining({ stale: true, records: [expect.objectContaining({ downtime_minutes: 30 })] }));

      const uncached = await harness.get(COMPLIANCE, token, { from_date: '2026-11-11', to_date: '2026-11-11' });
      expect(uncached.status).toBe(503);
      expect(uncached.headers.get('retry-after')).toMatch(/^\d+$/);

      const health = await harness.get('/health', undefined);
      expect(health.status).toBe(200);
      expect(health.body).toEqual(expect.objectContaining({
        status: 'degraded',
        mode: 'read-only-degraded',
        components: expect.objectContaining({
          database: expect.objectContaining({ status: 'down' }),
          reportCache: expect.objectContaining({ status: 'up', databaseUnreachableSince: expect.any(String) }),
        }),
      }));
      expect(health.body.components.reportCache.entries).toBeGreaterThan(0);
      const readiness = await harness.get('/health/readiness', undefined);
      expect(readiness.status).toBe(200);
      expect(readiness.body).toEqual(expect.objectContaining({ status: 'degraded', mode: 'read-only-degraded' }));
    } finally {
      proxy.restore();
    }
    // The breaker may have opened on the failures: an operator closes it rather than waiting a minute.
    await harness.get('/reliability/circuit-breakers/database/reset', await harness.tokenFor(tenant, ['admin']), {}, {}, 'POST');
    await eventually('fresh answers after the database is back', async () => {
      const { body } = await harness.get(COMPLIANCE, token, closedDay);
      return body?.stale === false;
    }, 30_000);
    const health = await harness.get('/health', undefined);
    expect(health.body).toEqual(expect.objectContaining({ status: 'ok', mode: 'read-write' }));
  }, 90_000);
});
