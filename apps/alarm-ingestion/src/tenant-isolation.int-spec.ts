import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { issueToken } from '@vigil/auth';
import { startTestApp } from '@vigil/platform-nest/testing';
import { testEnv, uniqueTenant } from '@vigil/testing';
import { AppModule } from './app.module';

const env = testEnv();

/**
 * A tenant can never clear, acknowledge, deduplicate against or replay another tenant's
 * alarms, whatever the entry point: the same alarm key in two tenants is two alarms.
 */
describe('tenant isolation across every ingestion entry point, against real PostgreSQL', () => {
  let app: INestApplication;
  let base: string;
  let dataSource: DataSource;

  beforeAll(async () => {
    ({ app, url: base, dataSource } = await startTestApp(AppModule));
  });

  afterAll(async () => {
    await app.close();
  });

  const send = async (tenant: string, path: string, body: unknown, headers: Record<string, string> = {}) => {
    const token = await issueToken({ tenantId: tenant, scopes: ['alarms:write'], home: env.VIGIL_HOME });
    const response = await fetch(`${base}${path}`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const native = (status: string, occurredAt: string, alarmId = 'shared-key') => ({
    alarmId, serviceId: 'checkout-api', severity: 'critical', status, summary: 'down', occurredAt,
  });
  const alarmOf = async (tenant: string, key = 'shared-key') =>
    (await dataSource.query('select status, version from ingestion.alarms where tenant_id = $1 and alarm_key = $2', [tenant, key]))[0] as { status: string; version: number } | undefined;

  let owner: string;
  let other: string;

  beforeEach(async () => {
    owner = uniqueTenant('owner');
    other = uniqueTenant('other');
    expect((await send(owner, '/api/v1/alarms', native('raised', '2026-11-03T10:00:00Z'), { 'idempotency-key': 'same-key' })).status).toBe(202);
  });

  afterEach(async () => {
    // Whatever the other tenant did, the owner's alarm is as the owner left it.
    expect(await alarmOf(owner)).toEqual({ status: 'active', version: 1 });
  });

  it('a native clear of the same key from another tenant is ignored there and leaves the owner alone', async () => {
    const { body } = await send(other, '/api/v1/alarms', native('cleared', '2026-11-03T11:00:00Z'));
    expect(body.results).toEqual([expect.objectContaining({ result: 'ignored' })]);
    expect(await alarmOf(other)).toBeUndefined();
  });

  it('a native raise of the same key from another tenant is that tenant\'s own alarm, not a duplicate', async () => {
    const { body } = await send(other, '/api/v1/alarms', native('raised', '2026-11-03T10:00:00Z'));
    expect(body.results).toEqual([expect.objectContaining({ result: 'recorded', type: 'alarm-raised' })]);
    expect(await alarmOf(other)).toEqual({ status: 'active', version: 1 });
  });

  it('the same Idempotency-Key from another tenant is processed as its own request, not answered with the owner\'s', async () => {
    const { status, body } = await send(other, '/api/v1/alarms', native('raised', '2026-11-03T10:00:00Z', 'its-own'), { 'idempotency-key': 'same-key' });
    expect(status).toBe(202);
    expect(body.results).toEqual([expect.objectContaining({ alarmId: 'its-own', result: 'recorded' })]);
  });

  it('a PagerDuty acknowledge or resolve of the owner\'s key from another tenant is ignored', async () => {
    for (const action of ['acknowledge', 'resolve']) {
      const { status, body } = await send(other, '/api/v1/integrations/pagerduty/enqueue', { routing_key: 'x', event_action: action, dedup_key: 'shared-key' });
      expect(status).toBe(202);
      expect(body.vigil).toMatchObject({ result: 'ignored' });
    }
  });

  it('an Alertmanager resolved alert for the owner\'s fingerprint from another tenant records nothing of the owner\'s', async () => {
    const { status } = await send(other, '/api/v1/integrations/alertmanager', {
      version: '4', groupKey: '{}:{alertname="DbDown"}', truncatedAlerts: 0, status: 'resolved', receiver: 'vigil',
      groupLabels: { alertname: 'DbDown' }, commonLabels: { alertname: 'DbDown' }, commonAnnotations: {}, externalURL: 'http://alertmanager.local',
      alerts: [{
        status: 'resolved', labels: { alertname: 'DbDown', service: 'checkout-api', severity: 'critical' }, annotations: { summary: 'down' },
        startsAt: '2026-11-03T10:00:00Z', endsAt: '2026-11-03T11:00:00Z', generatorURL: 'http://prometheus.local/graph', fingerprint: 'shared-key',
      }],
    });
    expect(status).toBe(202);
    expect(await alarmOf(other)).toEqual({ status: 'cleared', version: 2 });
  });

  it('a token of one tenant with the other\'s X-Tenant-ID is refused with 403 and stores nothing', async () => {
    const { status } = await send(other, '/api/v1/alarms', native('cleared', '2026-11-03T11:00:00Z'), { 'x-tenant-id': owner });
    expect(status).toBe(403);
    expect(await alarmOf(other)).toBeUndefined();
  });
});
