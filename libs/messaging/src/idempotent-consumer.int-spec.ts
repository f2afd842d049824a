import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { Topics, deadLetterTopicOf, eventKey, newEvent, type AnyEvent } from '@vigil/contracts';
import { openDatabase } from '@vigil/persistence';
import { EventCollector, eventually, startGroupAtEnd, testEnv, uniqueTenant } from '@vigil/testing';
import { IdempotentConsumer, PoisonMessageError } from './idempotent-consumer';
import { ensureTopics } from './kafka';
import { messagingMigrations } from './messaging.migration';

const env = testEnv();

describe('IdempotentConsumer against real Kafka and PostgreSQL', () => {
  const schema = `consumer_${randomUUID().slice(0, 8)}`;
  const tenant = uniqueTenant();
  let dataSource: DataSource;
  let kafka: Kafka;
  let producer: Producer;
  let consumer: IdempotentConsumer;
  let deadLetters: EventCollector;

  const raised = (alarmKey: string, summary = 'x'): AnyEvent =>
    newEvent({
      type: 'alarm-raised', tenantId: tenant, subject: alarmKey, sequence: 1, occurredAt: new Date().toISOString(),
      data: { alarmKey, serviceId: 'checkout', severity: 'major', summary, source: 'test', labels: {}, raisedAt: new Date().toISOString() },
    }) as AnyEvent;

  const send = (value: string) => producer.send({ topic: Topics.alarmEvents, messages: [{ key: eventKey(tenant, 'checkout'), value }] });
  const count = async (alarmKey: string): Promise<number> => {
    const [row] = await dataSource.query(`select coalesce(sum(n), 0)::int as n from ${schema}.raises where tenant_id = $1 and alarm_key = $2`, [tenant, alarmKey]);
    return row.n;
  };

  beforeAll(async () => {
    dataSource = await openDatabase({ url: env.DATABASE_URL, schema, applicationName: 'consumer-test', migrations: messagingMigrations(schema) });
    await dataSource.query(`create table ${schema}.raises (tenant_id text, alarm_key text, n int)`);
    kafka = new Kafka({ clientId: 'consumer-test', brokers: env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
    await ensureTopics(kafka, [Topics.alarmEvents, deadLetterTopicOf(Topics.alarmEvents)], { partitions: 12, replicationFactor: 1 });
    producer = kafka.producer();
    await producer.connect();
    deadLetters = await EventCollector.start(env.KAFKA_BROKERS, [deadLetterTopicOf(Topics.alarmEvents)]);
    // A fresh group would replay the topic's whole history; this one starts at its end.
    await startGroupAtEnd(kafka, `test.raises-${schema}`, [Topics.alarmEvents]);
    consumer = new IdempotentConsumer(kafka, dataSource, producer, {
      name: `raises-${schema}`,
      topics: [Topics.alarmEvents],
      handle: async (event, { manager }) => {
        if (event.tenantId !== tenant || event.type !== 'alarm-raised') return;
        if (event.data.summary === 'never') throw new PoisonMessageError('summary "never" can never be processed');
        await manager.query(`insert into ${schema}.raises values ($1, $2, 1)`, [tenant, event.data.alarmKey]);
      },
    }, { service: 'test', schema });
    await consumer.start();
    await consumer.joined;
  });

  afterAll(async () => {
    await consumer.stop();
    await deadLetters.stop();
    await producer.disconnect();
    await dataSource.query(`drop schema ${schema} cascade`);
    await dataSource.destroy();
  });

  it('is idempotent if run twice: the same event delivered twice changes the read model once', async () => {
    const event = raised('twice');
    await send(JSON.stringify(event));
    await send(JSON.stringify(event));
    const marker = raised('after-twice');
    await send(JSON.stringify(marker));
    await eventually('the marker event processed', async () => (await count('after-twice')) === 1);
    expect(await count('twice')).toBe(1);
    const [ledger] = await dataSource.query(`select count(*)::int as n from ${schema}.processed_events where event_id = $1`, [event.id]);
    expect(ledger.n).toBe(1);
  });

  it('dead-letters a poison message with its reason and goes on consuming', async () => {
    await send('{ this is not json');
    await send(JSON.stringify({ ...raised('invalid'), type: 'alarm-exploded' }));
    await send(JSON.stringify(raised('poison', 'never')));
    await send(JSON.stringify(raised('after-poison')));
    await eventually('the event after the poison processed', async () => (await count('after-poison')) === 1);
    const reasons = await eventually('three dead letters', async () => {
      // Every consumer group of the topic dead-letters a poison message; keep this one's.
      const mine = deadLetters.messages.filter((m) => m.key === eventKey(tenant, 'checkout') && m.headers['dlq-consumer'] === consumer.groupId);
      return mine.length >= 3 ? mine.map((m) => m.headers['dlq-reason']) : undefined;
    });
    expect(reasons).toEqual([
      expect.stringMatching(/^not JSON/),
      expect.stringMatching(/type: type must be one of/),
      'summary "never" can never be processed',
    ]);
    expect(await count('poison')).toBe(0);
  });
});
