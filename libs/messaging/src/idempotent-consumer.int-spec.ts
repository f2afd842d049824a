import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { Topics, deadLetterTopicOf, eventKey, newEvent, type AnyEvent } from '@vigil/contracts';
import { openDatabase } from '@vigil/persistence';
import { EventCollector, startGroupAtEnd } from './testing';
import { eventually, testEnv, uniqueTenant } from '@vigil/testing';
import { PoisonMessageError } from './consumer-pipeline';
import { IdempotentConsumer } from './idempotent-consumer';
import { ensureTopics } from './kafka';
import { messagingMigrations } from './messaging.migration';

const env = testEnv();

describe('IdempotentConsumer against real Kafka and PostgreSQL, one event per transaction or several', () => {
  const schema = `consumer_${randomUUID().slice(0, 8)}`;
  const tenant = uniqueTenant();
  let dataSource: DataSource;
  let kafka: Kafka;
  let producer: Producer;
  let consumer: IdempotentConsumer;
  /** The same handler, letting up to 50 events of a partition share a transaction. */
  let together: IdempotentConsumer;
  let deadLetters: EventCollector;

  const raised = (alarmKey: string, summary = 'x', serviceId = 'checkout'): AnyEvent =>
    newEvent({
      type: 'alarm-raised', tenantId: tenant, subject: alarmKey, sequence: 1, occurredAt: new Date().toISOString(),
      data: { alarmKey, serviceId, severity: 'major', summary, source: 'test', labels: {}, raisedAt: new Date().toISOString() },
    }) as AnyEvent;

  const send = (value: string) => producer.send({ topic: Topics.alarmEvents, messages: [{ key: eventKey(tenant, 'checkout'), value }] });
  /** All in one produce request, so one fetch hands them over together; keyed apart from the events of the one-at-a-time tests. */
  const sendTogether = (values: string[]) => producer.send({ topic: Topics.alarmEvents, messages: values.map((value) => ({ key: eventKey(tenant, 'billing'), value })) });
  const count = async (alarmKey: string): Promise<number> => {
    const [row] = await dataSource.query(`select coalesce(sum(n), 0)::int as n from ${schema}.raises where tenant_id = $1 and alarm_key = $2`, [tenant, alarmKey]);
    return row.n;
  };
  const handledTogether = async (prefix: string): Promise<string[]> => {
    const rows: Array<{ alarm_key: string }> = await dataSource.query(
      `select alarm_key from ${schema}.runs where tenant_id = $1 and alarm_key like $2 order by seq`, [tenant, `${prefix}%`],
    );
    return rows.map((r) => r.alarm_key);
  };
  const deadLettersOf = (of: IdempotentConsumer, service: string) =>
    deadLetters.messages.filter((m) => m.key === eventKey(tenant, service) && m.headers['dlq-consumer'] === of.groupId).map((m) => m.headers['dlq-reason']);

  /** A consumer of the test's raises into `table`; every consumer group of the topic dead-letters a poison message. */
  const startConsumer = async (name: string, table: string, eventsPerTransaction?: number): Promise<IdempotentConsumer> => {
    // A fresh group would replay the topic's whole history; this one starts at its end.
    await startGroupAtEnd(kafka, `test.${name}`, [Topics.alarmEvents]);
    const started = new IdempotentConsumer(kafka, dataSource, producer, {
      name,
      topics: [Topics.alarmEvents],
      eventsPerTransaction,
      handle: async (event, { manager }) => {
        if (event.tenantId !== tenant || event.type !== 'alarm-raised') return;
        if (event.data.summary === 'never') throw new PoisonMessageError('summary "never" can never be processed');
        await manager.query(`insert into ${schema}.${table} (tenant_id, alarm_key, n) values ($1, $2, 1)`, [tenant, event.data.alarmKey]);
      },
    }, { service: 'test', schema });
    await started.start();
    await started.joined;
    return started;
  };

  beforeAll(async () => {
    dataSource = await openDatabase({ url: env.DATABASE_URL, schema, applicationName: 'consumer-test', migrations: messagingMigrations(schema) });
    await dataSource.query(`create table ${schema}.raises (tenant_id text, alarm_key text, n int)`);
    await dataSource.query(`create table ${schema}.runs (seq bigserial, tenant_id text, alarm_key text, n int)`);
    kafka = new Kafka({ clientId: 'consumer-test', brokers: env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
    await ensureTopics(kafka, [Topics.alarmEvents, deadLetterTopicOf(Topics.alarmEvents)], { partitions: 12, replicationFactor: 1 });
    producer = kafka.producer();
    await producer.connect();
    deadLetters = await EventCollector.start(env.KAFKA_BROKERS, [deadLetterTopicOf(Topics.alarmEvents)]);
    consumer = await startConsumer(`raises-${schema}`, 'raises');
    together = await startConsumer(`runs-${schema}`, 'runs', 50);
  });

  afterAll(async () => {
    await consumer.stop();
    await together.stop();
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
    const [ledger] = await dataSource.query(`select count(*)::int as n from ${schema}.processed_events where consumer = $1 and event_id = $2`, [`raises-${schema}`, event.id]);
    expect(ledger.n).toBe(1);
  });

  it('dead-letters a poison message with its reason and goes on consuming', async () => {
    await send('{ this is not json');
    await send(JSON.stringify({ ...raised('invalid'), type: 'alarm-exploded' }));
    await send(JSON.stringify(raised('poison', 'never')));
    await send(JSON.stringify(raised('after-poison')));
    await eventually('the event after the poison processed', async () => (await count('after-poison')) === 1);
    const reasons = await eventually('three dead letters', async () => {
      const mine = deadLettersOf(consumer, 'checkout');
      return mine.length >= 3 ? mine : undefined;
    });
    expect(reasons).toEqual([
      expect.stringMatching(/^not JSON/),
      expect.stringMatching(/type: type must be one of/),
      'summary "never" can never be processed',
    ]);
    expect(await count('poison')).toBe(0);
  });

  it('applies a run of events in one transaction, each once and in order, a repeated one once', async () => {
    const events = Array.from({ length: 20 }, (_, i) => raised(`run-${String(i).padStart(2, '0')}`, 'x', 'billing'));
    await sendTogether([...events, events[3]].map((e) => JSON.stringify(e)));
    const keys = events.map((e) => (e.data as { alarmKey: string }).alarmKey);
    expect(await eventually('all twenty handled', async () => {
      const handled = await handledTogether('run-');
      return handled.length >= keys.length ? handled : undefined;
    })).toEqual(keys);
    // Rows written by one transaction carry its id.
    const [ledger] = await dataSource.query(
      `select count(*)::int as n, count(distinct xmin::text)::int as transactions from ${schema}.processed_events where consumer = $1 and event_id = any($2::uuid[])`,
      [`runs-${schema}`, events.map((e) => e.id)],
    );
    expect(ledger).toEqual({ n: 20, transactions: 1 });
  });

  it('applies a run holding a poison message and one that is no event one at a time: those two are dead-lettered, the others applied once', async () => {
    const first = raised('mixed-1', 'x', 'billing');
    const poison = raised('mixed-poison', 'never', 'billing');
    const last = raised('mixed-2', 'x', 'billing');
    await sendTogether([JSON.stringify(first), JSON.stringify(poison), '{ not json', JSON.stringify(first), JSON.stringify(last)]);
    expect(await eventually('the last event handled', async () => {
      const handled = await handledTogether('mixed-');
      return handled.includes('mixed-2') ? handled : undefined;
    })).toEqual(['mixed-1', 'mixed-2']);
    const reasons = await eventually('two dead letters', async () => {
      const mine = deadLettersOf(together, 'billing');
      return mine.length >= 2 ? mine : undefined;
    });
    expect(reasons).toEqual(['summary "never" can never be processed', expect.stringMatching(/^not JSON/)]);
    const [ledger] = await dataSource.query(
      `select count(distinct xmin::text)::int as transactions from ${schema}.processed_events where consumer = $1 and event_id = any($2::uuid[])`,
      [`runs-${schema}`, [first.id, last.id]],
    );
    expect(ledger.transactions).toBe(2);
  });
});
