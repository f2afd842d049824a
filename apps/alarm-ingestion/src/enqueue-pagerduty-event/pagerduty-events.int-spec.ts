import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Topics } from '@vigil/contracts';
import { issueToken } from '@vigil/auth';
import { EventCollector } from '@vigil/messaging/testing';
import { startTestApp } from '@vigil/platform-nest/testing';
import { testEnv, uniqueTenant } from '@vigil/testing';
import { AppModule } from '../app.module';

const env = testEnv();

interface PagerDutyAnswer {
  status: string;
  message: string;
  dedup_key?: string;
  errors?: string[];
  vigil?: { result: string; eventId?: string; type?: string; reason?: string };
}

describe('POST /api/v1/integrations/pagerduty/enqueue against real Kafka and PostgreSQL', () => {
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

  const enqueue = async (tenant: string, body: unknown) => {
    const token = await issueToken({ tenantId: tenant, scopes: ['alarms:write'], home: env.VIGIL_HOME });
    const response = await fetch(`${base}/api/v1/integrations/pagerduty/enqueue`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as PagerDutyAnswer };
  };
  const storedEvents = async (tenant: string): Promise<number> =>
    (await dataSource.query('select count(*)::int as n from ingestion.events where tenant_id = $1', [tenant]))[0].n;

  it('round-trips trigger, acknowledge and resolve through the dedup_key it generated, answering as PagerDuty does', async () => {
    const tenant = uniqueTenant();
    const triggered = await enqueue(tenant, {
      routing_key: 'R0123456789abcdef0123456789abcde', event_action: 'trigger', client: 'Grafana',
      payload: { summary: 'Replication lag over 30s', source: 'db-7.example.com', severity: 'critical', component: 'orders-db', group: 'prod', class: 'lag', timestamp: '2026-11-03T10:00:00.000+0000' },
    });
    expect(triggered.status).toBe(202);
    expect(triggered.body).toMatchObject({ status: 'success', message: 'Event processed', dedup_key: expect.any(String), vigil: { result: 'recorded', type: 'alarm-raised' } });
    const dedupKey = triggered.body.dedup_key!;

    const acknowledged = await enqueue(tenant, { routing_key: 'R0123456789abcdef0123456789abcde', event_action: 'acknowledge', dedup_key: dedupKey });
    expect(acknowledged).toEqual({ status: 202, body: expect.objectContaining({ status: 'success', message: 'Event processed', dedup_key: dedupKey }) });
    const resolved = await enqueue(tenant, { routing_key: 'R0123456789abcdef0123456789abcde', event_action: 'resolve', dedup_key: dedupKey, payload: { timestamp: '2026-11-03T10:42:00Z' } });
    expect(resolved.body).toMatchObject({ status: 'success', dedup_key: dedupKey, vigil: { result: 'recorded', type: 'alarm-cleared' } });

    await collector.waitForEvent(tenant, 'alarm-cleared');
    const events = collector.events(tenant);
    expect(events.map((e) => [e.type, e.subject, e.sequence])).toEqual([
      ['alarm-raised', dedupKey, 1],
      ['alarm-acknowledged', dedupKey, 2],
      ['alarm-cleared', dedupKey, 3],
    ]);
    expect(events[0]).toMatchObject({ occurredAt: '2026-11-03T10:00:00.000Z' });
    expect(events[0].data).toMatchObject({
      serviceId: 'orders-db', severity: 'critical', summary: 'Replication lag over 30s', source: 'pagerduty',
      labels: { source: 'db-7.example.com', component: 'orders-db', group: 'prod', class: 'lag' },
    });
    expect(events[2].data).toMatchObject({ serviceId: 'orders-db', resolution: 'resolved', raisedAt: '2026-11-03T10:00:00.000Z', clearedAt: '2026-11-03T10:42:00.000Z' });
    expect(collector.messages.find((m) => (m.value as { id?: string }).id === events[0].id)!.key).toBe(`${tenant}/orders-db`);
  });

  it('treats a repeated trigger as a duplicate, maps error to major, and ignores follow-ups of an alert it does not know', async () => {
    const tenant = uniqueTenant();
    const trigger = { event_action: 'trigger', dedup_key: 'disk-full/db-1', payload: { summary: 'Disk full', source: 'db-1', severity: 'error', timestamp: '2026-11-03T09:00:00Z' } };
    expect((await enqueue(tenant, trigger)).body.vigil).toMatchObject({ result: 'recorded' });
    expect((await enqueue(tenant, trigger)).body).toMatchObject({ status: 'success', dedup_key: 'disk-full/db-1', vigil: { result: 'duplicate' } });
    expect((await enqueue(tenant, { event_action: 'resolve', dedup_key: 'never-triggered' })).body).toMatchObject({ status: 'success', vigil: { result: 'ignored' } });
    const raised = await collector.waitForEvent(tenant, 'alarm-raised');
    expect(raised.data).toMatchObject({ serviceId: 'db-1', severity: 'major' });
    expect(await storedEvents(tenant)).toBe(1);
  });

  it('answers an invalid event with PagerDuty\'s 400, naming the fields, and stores nothing', async () => {
    const tenant = uniqueTenant();
    const { status, body } = await enqueue(tenant, { routing_key: 'x', event_action: 'trigger', payload: { summary: 'no source', severity: 'sev1' } });
    expect(status).toBe(400);
    expect(body).toEqual({ status: 'invalid event', message: 'Event object is invalid', errors: expect.arrayContaining([expect.stringMatching(/^payload\.source: /), expect.stringMatching(/^payload\.severity: /)]) });
    const noKey = await enqueue(tenant, { event_action: 'acknowledge' });
    expect(noKey.body.errors).toEqual(expect.arrayContaining([expect.stringMatching(/^dedup_key: /)]));
    const badAction = await enqueue(tenant, { event_action: 'snooze', dedup_key: 'k' });
    expect(badAction.body.errors).toEqual([expect.stringMatching(/^event_action: /)]);
    expect(await storedEvents(tenant)).toBe(0);
  });
});
