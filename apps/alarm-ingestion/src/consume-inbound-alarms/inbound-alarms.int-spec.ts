import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { Topics, deadLetterTopicOf } from '@vigil/contracts';
import { MessagingService } from '@vigil/platform-nest';
import { EventCollector } from '@vigil/messaging/testing';
import { eventually, testEnv, uniqueTenant } from '@vigil/testing';
import { AppModule } from '../app.module';
import { InboundAlarmsConsumer } from './inbound-alarms.consumer';

const env = testEnv();
const DLQ = deadLetterTopicOf(Topics.alarmsInbound);

describe('the consumer of vigil.alarms.inbound.v1 against real Kafka and PostgreSQL', () => {
  let app: INestApplication;
  let dataSource: DataSource;
  let collector: EventCollector;
  let producer: Producer;

  beforeAll(async () => {
    // A group of its own per database: another deployment on this broker (the bench, a dev stack) must not take the test's messages.
    process.env.INGESTION_INBOUND_CONSUMER_GROUP = `alarm-ingestion.inbound-alarms.${new URL(env.DATABASE_URL).pathname.slice(1)}`;
    app = await NestFactory.create(AppModule, { logger: false });
    await app.init();
    dataSource = app.get(DataSource);
    collector = await EventCollector.start(env.KAFKA_BROKERS, [Topics.alarmEvents, DLQ]);
    producer = new Kafka({ clientId: 'inbound-test', brokers: env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
  });

  afterAll(async () => {
    await producer.disconnect();
    await collector.stop();
    await app.close();
    delete process.env.INGESTION_INBOUND_CONSUMER_GROUP;
  });

  /** Publishes as a monitor would: raw JSON (or raw bytes), keyed so its messages share a partition. */
  const publish = async (key: string, value: unknown) => {
    const [meta] = await producer.send({
      topic: Topics.alarmsInbound, acks: -1, messages: [{ key, value: typeof value === 'string' ? value : JSON.stringify(value) }],
    });
    return { partition: meta.partition, offset: meta.baseOffset! };
  };
  const alarm = (tenantId: string, overrides: Record<string, unknown> = {}) => ({
    tenantId, alarmId: 'queue-stuck', serviceId: 'billing', severity: 'major', status: 'raised', summary: 'Invoices queue stuck',
    source: 'nagios', labels: { team: 'billing' }, occurredAt: '2026-11-03T10:00:00Z', ...overrides,
  });
  const storedEvents = async (tenant: string): Promise<number> =>
    (await dataSource.query('select count(*)::int as n from ingestion.events where tenant_id = $1', [tenant]))[0].n;
  const alarmEvents = (tenant: string) =>
    collector.messages.filter((m) => m.topic === Topics.alarmEvents && (m.value as { tenantId?: string }).tenantId === tenant).map((m) => m.value as { type: string; subject: string });
  const deadLetters = (tenant: string) => collector.messages.filter((m) => m.topic === DLQ && JSON.stringify(m.value).includes(tenant));

  it('records a raw alarm change published to Kafka and relays it as an alarm event keyed by tenant/service', async () => {
    const tenant = uniqueTenant();
    await publish(tenant, alarm(tenant));
    await publish(tenant, alarm(tenant, { status: 'cleared', resolution: 'cancelled', occurredAt: '2026-11-03T10:07:00Z' }));
    const cleared = await collector.waitForEvent(tenant, 'alarm-cleared', 60_000);
    expect(alarmEvents(tenant).map((e) => [e.type, e.subject, (e as { sequence?: number }).sequence, (e as { occurredAt?: string }).occurredAt])).toEqual([
      ['alarm-raised', 'queue-stuck', 1, '2026-11-03T10:00:00.000Z'],
      ['alarm-cleared', 'queue-stuck', 2, '2026-11-03T10:07:00.000Z'],
    ]);
    expect(cleared.data).toMatchObject({ serviceId: 'billing', severity: 'major', resolution: 'cancelled' });
    expect(collector.events(tenant, 'alarm-raised')[0].data).toMatchObject({ source: 'nagios', labels: { team: 'billing' } });
    expect(collector.messages.find((m) => (m.value as { id?: string }).id === cleared.id)!.key).toBe(`${tenant}/billing`);
  });

  it('counts its group in the consumer lag that /health and /metrics show', async () => {
    const group = process.env.INGESTION_INBOUND_CONSUMER_GROUP!;
    const lag = await eventually('the inbound group caught up', async () => {
      const all = await app.get(MessagingService).consumerLag();
      return all[group] === 0 ? all : undefined;
    }, 60_000);
    expect(Object.keys(lag)).toContain(group);
  });

  it('sends poison messages to the dead-letter topic with the reason, and goes on consuming the partition', async () => {
    const tenant = uniqueTenant();
    await publish(tenant, `{"tenantId":"${tenant}", "alarmId": `);
    await publish(tenant, alarm(tenant, { severity: 'catastrophic', occurredAt: 'last tuesday' }));
    await publish(tenant, alarm(tenant, { alarmId: 'after-the-poison' }));
    await collector.waitForEvent(tenant, 'alarm-raised', 60_000);
    // Other apps under test read the topic in the default group and park them too: look at this app's group.
    const parked = await eventually('both poison messages dead-lettered', async () => {
      const ours = deadLetters(tenant).filter((m) => m.headers['dlq-consumer'] === process.env.INGESTION_INBOUND_CONSUMER_GROUP);
      const byOffset = new Map(ours.map((m) => [m.headers['dlq-source-offset'], m]));
      return byOffset.size === 2 && [...byOffset.values()].sort((a, b) => Number(a.headers['dlq-source-offset']) - Number(b.headers['dlq-source-offset']));
    }, 60_000);
    expect(parked.map((m) => m.headers['dlq-reason'])).toEqual([
      expect.stringMatching(/^not JSON/),
      expect.stringMatching(/severity: .*occurredAt: |occurredAt: .*severity: /),
    ]);
    expect(parked[0].headers).toMatchObject({ 'dlq-source-topic': Topics.alarmsInbound });
    expect(parked[1].value).toMatchObject({ tenantId: tenant, severity: 'catastrophic' });
    expect(alarmEvents(tenant).map((e) => [e.type, e.subject])).toEqual([['alarm-raised', 'after-the-poison']]);
    expect(await storedEvents(tenant)).toBe(1);
  });

  it('is idempotent if run twice: a re-delivered message records nothing again', async () => {
    const tenant = uniqueTenant();
    const value = JSON.stringify(alarm(tenant, { alarmId: 'redelivered', severity: 'critical', occurredAt: '2026-11-03T10:00:00Z' }));
    const { partition, offset } = await publish(tenant, value);
    await collector.waitForEvent(tenant, 'alarm-raised', 60_000);
    // After a change of severity, the first raise again would change it back, were the redelivery not recognised.
    await publish(tenant, alarm(tenant, { alarmId: 'redelivered', severity: 'major', occurredAt: '2026-11-03T10:10:00Z' }));
    await collector.waitForEvent(tenant, 'alarm-severity-changed', 60_000);
    await app.get(InboundAlarmsConsumer).handleMessage({
      topic: Topics.alarmsInbound, partition, message: { key: Buffer.from(tenant), value: Buffer.from(value), offset, timestamp: String(Date.now()), attributes: 0, headers: {} },
    });
    expect(await storedEvents(tenant)).toBe(2);
    const keys = await dataSource.query('select key from ingestion.idempotency_keys where tenant_id = $1 order by key', [tenant]);
    expect(keys).toContainEqual({ key: `kafka/${Topics.alarmsInbound}/${partition}/${offset}` });
  });
});
