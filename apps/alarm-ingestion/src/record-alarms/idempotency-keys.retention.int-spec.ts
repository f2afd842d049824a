import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Kafka, logLevel } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { issueToken } from '@vigil/auth';
import { Topics } from '@vigil/contracts';
import { ensureTopics } from '@vigil/messaging';
import { CHECKPOINT_GRACE_MS } from '@vigil/persistence';
import { RetentionService, VigilMetrics } from '@vigil/platform-nest';
import { startGroupAtEnd } from '@vigil/messaging/testing';
import { startTestApp } from '@vigil/platform-nest/testing';
import { testEnv, uniqueTenant } from '@vigil/testing';
import { AppModule } from '../app.module';
import { InboundAlarmsConsumer } from '../consume-inbound-alarms/inbound-alarms.consumer';

const env = testEnv();
const DAY = 86_400_000;

describe('idempotency keys aged out, against real Kafka and PostgreSQL', () => {
  let app: INestApplication;
  let base: string;
  let dataSource: DataSource;
  const tenant = uniqueTenant('keys');
  // A partition no broker has, and no other run of this test: checkpoints are kept per partition, whatever the tenant.
  const partition = 1_000 + Math.floor(Math.random() * 900_000_000);

  beforeAll(async () => {
    // A group of its own, from the topic's end: the app must not read what other tests publish.
    process.env.INGESTION_INBOUND_CONSUMER_GROUP = `alarm-ingestion.inbound-alarms.retention-${randomUUID().slice(0, 8)}`;
    const kafka = new Kafka({ clientId: 'keys-retention-test', brokers: env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
    await ensureTopics(kafka, [Topics.alarmsInbound], { partitions: 12, replicationFactor: 1 });
    await startGroupAtEnd(kafka, process.env.INGESTION_INBOUND_CONSUMER_GROUP, [Topics.alarmsInbound]);
    ({ app, url: base, dataSource } = await startTestApp(AppModule));
  });

  afterAll(async () => {
    await app.close();
    delete process.env.INGESTION_INBOUND_CONSUMER_GROUP;
  });

  const alarm = (overrides: Record<string, unknown> = {}) => ({
    alarmId: 'db-down', serviceId: 'checkout-api', severity: 'critical', status: 'raised', summary: 'Primary DB unreachable',
    source: 'prometheus', labels: {}, occurredAt: '2026-11-03T10:00:00Z', ...overrides,
  });
  const post = async (body: unknown, key: string) => {
    const response = await fetch(`${base}/api/v1/alarms`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await issueToken({ tenantId: tenant, scopes: ['alarms:write'], home: env.VIGIL_HOME })}`, 'idempotency-key': key },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  };
  const storedEvents = async (alarmId: string): Promise<number> =>
    (await dataSource.query(`select count(*)::int as n from ingestion.events where tenant_id = $1 and stream_id = $2`, [tenant, alarmId]))[0].n;
  const keys = async (): Promise<string[]> =>
    (await dataSource.query('select key from ingestion.idempotency_keys where tenant_id = $1 order by key', [tenant])).map((r: { key: string }) => r.key);
  const deletedRows = async (): Promise<number> =>
    (await app.get(VigilMetrics).registry.getSingleMetric('vigil_retention_deleted_rows_total')!.get()).values
      .find((v) => v.labels.table === 'ingestion.idempotency_keys')?.value ?? 0;
  /** A message of the inbound topic as the consumer gets it. */
  const inbound = (offset: number, producedAt: number, overrides: Record<string, unknown>) => ({
    topic: Topics.alarmsInbound, partition,
    message: { key: Buffer.from(tenant), value: Buffer.from(JSON.stringify({ tenantId: tenant, ...alarm({ alarmId: 'queue-stuck', ...overrides }) })), offset: String(offset), timestamp: String(producedAt), attributes: 0, headers: {} },
  });

  it('answers a retry within its window with the stored response, forgets keys past it, and recognises an inbound message read again below its checkpoint', async () => {
    const retried = await post(alarm(), 'within-the-window');
    expect(retried.status).toBe(202);
    expect((await post(alarm({ alarmId: 'cache-down' }), 'past-the-window')).status).toBe(202);
    await dataSource.query(`update ingestion.idempotency_keys set created_at = now() - interval '25 hours' where tenant_id = $1 and key = 'past-the-window'`, [tenant]);

    // Recorded from Kafka eight days ago, then a change of severity; the first read again would change it back.
    const consumer = app.get(InboundAlarmsConsumer);
    await consumer.handleMessage(inbound(5, Date.now() - 8 * DAY - 60_000, { severity: 'critical' }));
    await consumer.handleMessage(inbound(6, Date.now(), { severity: 'major', occurredAt: '2026-11-03T10:10:00Z' }));
    await dataSource.query(
      `update ingestion.idempotency_keys set created_at = now() - interval '8 days' where tenant_id = $1 and key = $2`, [tenant, `kafka/${Topics.alarmsInbound}/${partition}/5`],
    );
    expect(await storedEvents('queue-stuck')).toBe(2);

    const before = await deletedRows();
    const retention = app.get(RetentionService);
    const now = Date.now();
    const runs = [await retention.runOnce(new Date(now)), await retention.runOnce(new Date(now + CHECKPOINT_GRACE_MS))];
    expect(await keys()).toEqual([`kafka/${Topics.alarmsInbound}/${partition}/6`, 'within-the-window']);
    // This test's two, and any other test's keys as old in the shared database.
    const deleted = runs.flatMap((r) => r.outcomes).filter((o) => o.table === 'ingestion.idempotency_keys').reduce((sum, o) => sum + o.deleted, 0);
    expect(deleted).toBeGreaterThanOrEqual(2);
    expect(await deletedRows()).toBe(before + deleted);

    const again = await post(alarm(), 'within-the-window');
    expect(again).toEqual(retried);
    expect(await storedEvents('db-down')).toBe(1);
    await consumer.handleMessage(inbound(5, Date.now() - 8 * DAY - 60_000, { severity: 'critical' }));
    expect(await storedEvents('queue-stuck')).toBe(2);
    expect(await keys()).toEqual([`kafka/${Topics.alarmsInbound}/${partition}/6`, 'within-the-window']);
  });
});
