import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { Topics, eventKey, newEvent, type AnyEvent } from '@vigil/contracts';
import { openDatabase } from '@vigil/persistence';
import { EventCollector } from './testing';
import { eventually, testEnv, uniqueTenant } from '@vigil/testing';
import { ensureTopics } from './kafka';
import { messagingMigrations } from './messaging.migration';
import { appendToOutbox } from './outbox';
import { OutboxRelay } from './outbox-relay';

const env = testEnv();

function raised(tenantId: string, serviceId: string, alarmKey: string, sequence: number): AnyEvent {
  return newEvent({
    type: 'alarm-raised', tenantId, subject: alarmKey, sequence, occurredAt: new Date().toISOString(),
    data: { alarmKey, serviceId, severity: 'critical', summary: `#${sequence}`, source: 'test', labels: {}, raisedAt: new Date().toISOString() },
  }) as AnyEvent;
}

describe('OutboxRelay against real Kafka and PostgreSQL', () => {
  const schema = `relay_${randomUUID().slice(0, 8)}`;
  let dataSource: DataSource;
  let producer: Producer;
  let collector: EventCollector;

  beforeAll(async () => {
    dataSource = await openDatabase({ url: env.DATABASE_URL, schema, applicationName: 'relay-test', migrations: messagingMigrations(schema) });
    const kafka = new Kafka({ clientId: 'relay-test', brokers: env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
    await ensureTopics(kafka, [Topics.alarmEvents], { partitions: 12, replicationFactor: 1 });
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    collector = await EventCollector.start(env.KAFKA_BROKERS, [Topics.alarmEvents]);
  });

  afterAll(async () => {
    await collector.stop();
    await producer.disconnect();
    await dataSource.query(`drop schema ${schema} cascade`);
    await dataSource.destroy();
  });

  it('publishes every committed event once, in order per key, and nothing of a rolled-back transaction', async () => {
    const tenant = uniqueTenant();
    const services = ['checkout', 'search', 'payments'];
    const committed: AnyEvent[] = [];
    for (let i = 1; i <= 30; i++) {
      const event = raised(tenant, services[i % 3], `alarm-${i % 3}`, i);
      committed.push(event);
      await dataSource.transaction((m) => appendToOutbox(m, schema, [{ event, key: eventKey(tenant, services[i % 3]) }]));
    }
    const rolledBack = raised(tenant, 'checkout', 'never', 99);
    await expect(
      dataSource.transaction(async (m) => {
        await appendToOutbox(m, schema, [{ event: rolledBack, key: eventKey(tenant, 'checkout') }]);
        throw new Error('business rule failed');
      }),
    ).rejects.toThrow('business rule failed');

    // Two relays over one outbox, as two replicas would run.
    const relays = [new OutboxRelay(dataSource, schema, producer, { idlePollMs: 50 }), new OutboxRelay(dataSource, schema, producer, { idlePollMs: 50 })];
    relays.forEach((r) => r.start());
    try {
      await eventually('all 30 events on Kafka', async () => collector.events(tenant).length >= 30);
      await eventually('the outbox drained', async () => (await relays[0].backlog()) === 0);
    } finally {
      await Promise.all(relays.map((r) => r.stop()));
    }

    const seen = collector.events(tenant);
    expect(seen.map((e) => e.id).sort()).toEqual(committed.map((e) => e.id).sort());
    expect(seen.find((e) => e.id === rolledBack.id)).toBeUndefined();
    for (const service of services) {
      const sequences = collector.messages
        .filter((m) => m.key === eventKey(tenant, service))
        .map((m) => (m.value as AnyEvent).sequence);
      expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
    }
    const headers = collector.messages.find((m) => (m.value as AnyEvent).id === committed[0].id)!.headers;
    expect(headers['event-type']).toBe('alarm-raised');
    expect(headers['tenant-id']).toBe(tenant);
  });

  it('loses nothing and keeps per-key order when the relay dies between sending a batch and recording it', async () => {
    const tenant = uniqueTenant();
    const services = ['checkout', 'search'];
    const committed: AnyEvent[] = [];
    for (let i = 1; i <= 12; i++) {
      const event = raised(tenant, services[i % 2], `alarm-${i % 2}`, i);
      committed.push(event);
      await dataSource.transaction((m) => appendToOutbox(m, schema, [{ event, key: eventKey(tenant, services[i % 2]) }]));
    }
    // The batch reaches Kafka, then the process "dies" before its transaction commits.
    const dying = new Proxy(producer, {
      get: (target, prop) =>
        prop === 'sendBatch'
          ? async (...args: Parameters<Producer['sendBatch']>) => {
              await target.sendBatch(...args);
              throw new Error('killed after send, before commit');
            }
          : Reflect.get(target, prop),
    });
    await expect(new OutboxRelay(dataSource, schema, dying, { batchSize: 5 }).publishBatch()).rejects.toThrow('killed after send');

    const restarted = new OutboxRelay(dataSource, schema, producer, { idlePollMs: 50 });
    restarted.start();
    try {
      await eventually('every event on Kafka after the restart', async () => new Set(collector.events(tenant).map((e) => e.id)).size === 12);
      await eventually('the outbox drained', async () => (await restarted.backlog()) === 0);
    } finally {
      await restarted.stop();
    }
    // At least once: the first five went twice; consumers drop the repeats by event id.
    expect(collector.events(tenant)).toHaveLength(17);
    for (const service of services) {
      const firstSeen = [...new Set(collector.messages.filter((m) => m.key === eventKey(tenant, service)).map((m) => (m.value as AnyEvent).sequence))];
      expect(firstSeen).toEqual([...firstSeen].sort((a, b) => a - b));
      expect(firstSeen).toHaveLength(6);
    }
  });

  it('keeps events in the outbox while Kafka refuses them and publishes them once it answers', async () => {
    const tenant = uniqueTenant();
    const event = raised(tenant, 'checkout', 'outage', 1);
    await dataSource.transaction((m) => appendToOutbox(m, schema, [{ event, key: eventKey(tenant, 'checkout') }]));
    const deadKafka = new Kafka({ clientId: 'dead', brokers: ['127.0.0.1:1'], logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 200 });
    const deadProducer = deadKafka.producer();
    const broken = new OutboxRelay(dataSource, schema, deadProducer);
    await expect(broken.publishBatch()).rejects.toThrow();
    expect(await broken.backlog()).toBe(1);

    const relay = new OutboxRelay(dataSource, schema, producer, { idlePollMs: 50 });
    relay.start();
    try {
      await collector.waitForEvent(tenant, 'alarm-raised');
    } finally {
      await relay.stop();
    }
    expect(await relay.backlog()).toBe(0);
  });
});
