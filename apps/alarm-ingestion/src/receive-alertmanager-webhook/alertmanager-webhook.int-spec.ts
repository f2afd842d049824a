import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Topics } from '@vigil/contracts';
import { issueToken } from '@vigil/auth';
import { EventCollector } from '@vigil/messaging/testing';
import { startTestApp } from '@vigil/platform-nest/testing';
import { eventually, testEnv, uniqueTenant } from '@vigil/testing';
import { AppModule } from '../app.module';
import { alertmanagerPayload } from './alertmanager-payload.fixture';

const env = testEnv();

interface Answer {
  results: Array<{ alarmId: string; status: string; result: string; eventId?: string; type?: string; reason?: string; events: Array<{ eventId: string; type: string }> }>;
  errors?: Array<{ field: string; rule: string }>;
}

describe('POST /api/v1/integrations/alertmanager against real Kafka and PostgreSQL', () => {
  let app: INestApplication;
  let base: string;
  let dataSource: DataSource;
  let collector: EventCollector;

  beforeAll(async () => {
    ({ app, url: base, dataSource } = await startTestApp(AppModule));
    collector = await EventCollector.start(env.KAFKA_BROKERS, [Topics.alarmEvents]);
  });

  afterAll(async () => {
    await collector.stop();
    await app.close();
  });

  const send = async (tenant: string, path: string, body: unknown, scopes: Parameters<typeof issueToken>[0]['scopes'] = ['alarms:write']) => {
    const token = await issueToken({ tenantId: tenant, scopes, home: env.VIGIL_HOME });
    const response = await fetch(`${base}${path}`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Answer };
  };
  const notify = (tenant: string, body: unknown) => send(tenant, '/api/v1/integrations/alertmanager', body);
  const storedEvents = async (tenant: string): Promise<Array<{ type: string; stream_id: string; version: number }>> =>
    dataSource.query('select type, stream_id, version from ingestion.events where tenant_id = $1 order by position', [tenant]);
  /**
   * The tenant's events on Kafka, once nothing more can come: a marker alarm is recorded on each
   * service the tenant's events name, and the relay keeps per-key order, so once every marker is
   * on Kafka every event before it is too.
   */
  const relayed = async (tenant: string, count: number) => {
    const services: Array<{ service: string }> = await dataSource.query(
      `select distinct payload->'data'->>'serviceId' as service from ingestion.events where tenant_id = $1`, [tenant]);
    for (const { service } of services) {
      const marker = { alarmId: `marker-${service}`, serviceId: service, severity: 'info', status: 'raised', summary: 'marker', source: 'test', occurredAt: new Date().toISOString() };
      expect((await send(tenant, '/api/v1/alarms', marker)).status).toBe(202);
    }
    await eventually('the markers relayed', async () =>
      services.every(({ service }) => collector.events(tenant, 'alarm-raised').some((e) => e.data.alarmKey === `marker-${service}`)));
    const events = collector.events(tenant).filter((e) => !String(e.data.alarmKey).startsWith('marker-'));
    expect(events).toHaveLength(count);
    return events;
  };

  it('records the documented notification: the firing alert raised at startsAt, the resolved one raised and cleared at its times', async () => {
    const tenant = uniqueTenant();
    const { status, body } = await notify(tenant, alertmanagerPayload());
    expect(status).toBe(202);
    expect(body.results).toEqual([
      { alarmId: 'a1b2c3d4e5f60718', status: 'firing', result: 'recorded', eventId: expect.any(String), type: 'alarm-raised', events: [expect.objectContaining({ type: 'alarm-raised' })] },
      {
        alarmId: '0f1e2d3c4b5a6978', status: 'resolved', result: 'recorded', eventId: expect.any(String), type: 'alarm-cleared',
        reason: 'Vigil had not seen this alert firing: recorded its raise at startsAt first',
        events: [expect.objectContaining({ type: 'alarm-raised' }), expect.objectContaining({ type: 'alarm-cleared' })],
      },
    ]);
    const events = await relayed(tenant, 3);
    const firing = events.find((e) => e.subject === 'a1b2c3d4e5f60718')!;
    expect(firing).toMatchObject({ type: 'alarm-raised', sequence: 1, occurredAt: '2026-11-03T09:00:00.123Z' });
    expect(firing.data).toMatchObject({
      alarmKey: 'a1b2c3d4e5f60718', serviceId: 'checkout-api', severity: 'critical', summary: 'Checkout is down', source: 'alertmanager',
      labels: expect.objectContaining({ alertname: 'CheckoutDown', instance: 'checkout-1:8080' }), raisedAt: '2026-11-03T09:00:00.123Z',
    });
    const resolved = events.filter((e) => e.subject === '0f1e2d3c4b5a6978');
    expect(resolved.map((e) => [e.type, e.sequence, e.occurredAt])).toEqual([
      ['alarm-raised', 1, '2026-11-03T08:00:00.000Z'],
      ['alarm-cleared', 2, '2026-11-03T08:45:30.500Z'],
    ]);
    expect(resolved[1].data).toMatchObject({ serviceId: 'payments', severity: 'warning', raisedAt: '2026-11-03T08:00:00.000Z', clearedAt: '2026-11-03T08:45:30.500Z', resolution: 'resolved' });
    const keys = collector.messages.filter((m) => (m.value as { tenantId?: string }).tenantId === tenant).map((m) => m.key);
    expect(new Set(keys)).toEqual(new Set([`${tenant}/checkout-api`, `${tenant}/payments`]));
  });

  it('treats a group re-sent at the next group interval, and the same group from both members of an HA pair, as duplicates', async () => {
    const tenant = uniqueTenant();
    expect((await notify(tenant, alertmanagerPayload())).status).toBe(202);
    const again = await notify(tenant, alertmanagerPayload());
    expect(again.body.results.map((r) => [r.status, r.result, r.events.length])).toEqual([['firing', 'duplicate', 0], ['resolved', 'ignored', 0]]);
    const haPair = await Promise.all([notify(tenant, alertmanagerPayload()), notify(tenant, alertmanagerPayload())]);
    expect(haPair.flatMap((a) => a.body.results.map((r) => r.events.length))).toEqual([0, 0, 0, 0]);
    expect(await storedEvents(tenant)).toHaveLength(3);
    await relayed(tenant, 3);
  });

  it('clears a firing alert that comes back resolved with an unknown endsAt at the time of the notification', async () => {
    const tenant = uniqueTenant();
    const firing = alertmanagerPayload({ alerts: [alertmanagerPayload().alerts[0]] });
    await notify(tenant, firing);
    const before = Date.now();
    const resolved = alertmanagerPayload({ status: 'resolved', alerts: [{ ...alertmanagerPayload().alerts[0], status: 'resolved', endsAt: '0001-01-01T00:00:00Z' }] });
    const { status, body } = await notify(tenant, resolved);
    expect(status).toBe(202);
    expect(body.results[0]).toMatchObject({ result: 'recorded', type: 'alarm-cleared', reason: 'endsAt unknown: cleared at the time Vigil received the notification' });
    expect(body.results[0].events).toHaveLength(1);
    const [raised, cleared] = await relayed(tenant, 2);
    expect(raised.type).toBe('alarm-raised');
    expect(Date.parse(cleared.occurredAt as string)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(cleared.occurredAt as string)).toBeLessThanOrEqual(Date.now());
  });

  it('maps service and severity through the labels named in the tenant document', async () => {
    const tenant = uniqueTenant();
    const applied = await send(tenant, '/api/v1/config/apply', {
      apiVersion: 'vigil/v1', kind: 'Tenant', metadata: { name: tenant },
      spec: { displayName: 'Mapped', timezone: 'Europe/Berlin', labelMapping: { service: 'app', severity: 'priority' } },
    }, ['admin']);
    expect(applied.status).toBe(200);
    const alert = { ...alertmanagerPayload().alerts[1], labels: { alertname: 'Slow', app: 'search', priority: 'high', service: 'not-this' } };
    const { body } = await notify(tenant, alertmanagerPayload({ alerts: [alert] }));
    expect(body.results[0]).toMatchObject({ result: 'recorded', type: 'alarm-cleared' });
    const [raised] = await relayed(tenant, 2);
    expect(raised.data).toMatchObject({ serviceId: 'search', severity: 'major' });
  });

  it('records an unknown severity as warning and says so in the result', async () => {
    const tenant = uniqueTenant();
    const alert = { ...alertmanagerPayload().alerts[0], labels: { alertname: 'Odd', service: 'svc', severity: 'sev-banana' } };
    const { body } = await notify(tenant, alertmanagerPayload({ alerts: [alert] }));
    expect(body.results[0]).toMatchObject({ result: 'recorded', reason: expect.stringContaining('recorded as warning') });
    expect((await collector.waitForEvent(tenant, 'alarm-raised')).data).toMatchObject({ severity: 'warning' });
  });

  it('refuses another payload version with a 400 naming version, and stores nothing', async () => {
    const tenant = uniqueTenant();
    const { status, body } = await notify(tenant, alertmanagerPayload({ version: '5' }));
    expect(status).toBe(400);
    expect(body.errors).toEqual([expect.objectContaining({ field: 'version' })]);
    const broken = alertmanagerPayload();
    (broken.alerts[1] as Record<string, unknown>).startsAt = 'yesterday';
    const partly = await notify(tenant, broken);
    expect(partly.status).toBe(400);
    expect(partly.body.errors).toEqual([expect.objectContaining({ field: 'alerts.1.startsAt' })]);
    expect(await storedEvents(tenant)).toHaveLength(0);
  });
});
