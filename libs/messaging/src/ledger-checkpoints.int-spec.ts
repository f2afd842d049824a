import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { newEvent, type AnyEvent } from '@vigil/contracts';
import { CHECKPOINT_GRACE_MS, openDatabase, runRetention } from '@vigil/persistence';
import { eventually, testEnv, uniqueTenant } from '@vigil/testing';
import { IdempotentConsumer } from './idempotent-consumer';
import { ensureTopics } from './kafka';
import { isBelowCheckpoint, ledgerRetentionRule } from './ledger-checkpoints';
import { messagingMigrations } from './messaging.migration';

const env = testEnv();
const DAY = 86_400_000;
const WINDOW = 7 * DAY;

describe('the processed-event ledger aged out below checkpoints, against real Kafka and PostgreSQL', () => {
  const schema = `ledger_${randomUUID().slice(0, 8)}`;
  // A topic of its own with one partition: offsets from zero, all in one order.
  const topic = `vigil.test.ledger-${randomUUID().slice(0, 8)}`;
  const tenant = uniqueTenant();
  let dataSource: DataSource;
  let kafka: Kafka;
  let producer: Producer;
  const consumers: IdempotentConsumer[] = [];
  const duplicates = new Map<string, number>();

  const raised = (alarmKey: string): AnyEvent =>
    newEvent({
      type: 'alarm-raised', tenantId: tenant, subject: alarmKey, sequence: 1, occurredAt: new Date().toISOString(),
      data: { alarmKey, serviceId: 'checkout', severity: 'major', summary: alarmKey, source: 'test', labels: {}, raisedAt: new Date().toISOString() },
    }) as AnyEvent;
  /** Published with the timestamp a producer would have given it then. */
  const publish = (events: AnyEvent[], producedAt = Date.now()) =>
    producer.send({ topic, acks: -1, messages: events.map((e) => ({ key: tenant, value: JSON.stringify(e), timestamp: String(producedAt) })) });
  const applied = async (name: string): Promise<string[]> =>
    (await dataSource.query(`select alarm_key from ${schema}.applied where consumer = $1 order by seq`, [name])).map((r: { alarm_key: string }) => r.alarm_key);
  const ledger = async (name: string): Promise<number> =>
    (await dataSource.query(`select count(*)::int as n from ${schema}.processed_events where consumer = $1`, [name]))[0].n;

  const start = async (name: string, eventsPerTransaction?: number): Promise<IdempotentConsumer> => {
    const consumer = new IdempotentConsumer(kafka, dataSource, producer, {
      name,
      topics: [topic],
      eventsPerTransaction,
      handle: async (event, { manager }) => {
        if (event.type !== 'alarm-raised') return;
        await manager.query(`insert into ${schema}.applied (consumer, alarm_key) values ($1, $2)`, [name, event.data.alarmKey]);
      },
    }, { service: `test-${schema}`, schema, onOutcome: (outcome) => outcome === 'duplicate' && duplicates.set(name, (duplicates.get(name) ?? 0) + 1) });
    await consumer.start();
    await consumer.joined;
    consumers.push(consumer);
    return consumer;
  };

  beforeAll(async () => {
    dataSource = await openDatabase({ url: env.DATABASE_URL, schema, applicationName: 'ledger-test', migrations: messagingMigrations(schema) });
    await dataSource.query(`create table ${schema}.applied (seq bigserial, consumer text, alarm_key text)`);
    kafka = new Kafka({ clientId: 'ledger-test', brokers: env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
    await ensureTopics(kafka, [topic], { partitions: 1, replicationFactor: 1 });
    producer = kafka.producer();
    await producer.connect();
  });

  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.stop()));
    await producer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    await dataSource.query(`drop schema ${schema} cascade`);
    await dataSource.destroy();
  });

  it('recognises every event read again from the start after the group lost its offsets: below the checkpoint by offset, within the window by id', async () => {
    const single = `single-${schema}`;
    const batched = `batched-${schema}`;
    const first = [await start(single), await start(batched, 50)];
    // Events of eight days ago, applied then; one of today, applied now.
    await publish(['old-1', 'old-2', 'old-3', 'old-4', 'old-5'].map(raised), Date.now() - 8 * DAY - 60_000);
    await publish([raised('recent')]);
    for (const name of [single, batched]) {
      await eventually(`${name} applied all six`, async () => (await applied(name)).length === 6);
    }
    await dataSource.query(`update ${schema}.processed_events set processed_at = now() - interval '8 days' where "offset" < 5`);

    const now = Date.now();
    const rule = ledgerRetentionRule(schema, WINDOW);
    await runRetention(dataSource, [rule], { now: new Date(now), lockName: `vigil-retention:${schema}` });
    const run = await runRetention(dataSource, [rule], { now: new Date(now + CHECKPOINT_GRACE_MS), lockName: `vigil-retention:${schema}` });
    expect(run.outcomes).toEqual([{ rule: 'processed-events', table: `${schema}.processed_events`, deleted: 10 }]);
    expect(await ledger(single)).toBe(1);
    expect(await ledger(batched)).toBe(1);

    // Kafka expired the groups' offsets: they read the topic from offset zero again.
    await Promise.all(first.map((c) => c.stop()));
    const admin = kafka.admin();
    await admin.connect();
    for (const name of [single, batched]) await admin.resetOffsets({ groupId: `test-${schema}.${name}`, topic, earliest: true });
    await admin.disconnect();
    await start(single);
    await start(batched, 50);
    await publish([raised('marker')]);
    for (const name of [single, batched]) {
      await eventually(`${name} applied the marker`, async () => (await applied(name)).includes('marker'));
      expect(await applied(name)).toEqual(['old-1', 'old-2', 'old-3', 'old-4', 'old-5', 'recent', 'marker']);
      expect(duplicates.get(name)).toBe(6);
    }
  });

  it('covers a message by its offset only when it was produced by the checkpoint’s time, so a topic created again is not skipped', async () => {
    const position = { consumer: 'covered', topic, partition: 0, offset: '40' };
    await dataSource.query(
      `insert into ${schema}.processed_checkpoints values ('covered', $1, 0, 41, now() - interval '8 days', now() - interval '1 day')`, [topic],
    );
    await dataSource.transaction(async (manager) => {
      expect(await isBelowCheckpoint(manager, schema, { ...position, timestamp: String(Date.now() - 9 * DAY) })).toBe(true);
      expect(await isBelowCheckpoint(manager, schema, { ...position, offset: '42', timestamp: String(Date.now() - 9 * DAY) })).toBe(false);
      // Produced after the checkpoint's row was applied (beyond the clocks' margin): another topic of that name.
      expect(await isBelowCheckpoint(manager, schema, { ...position, timestamp: String(Date.now()) })).toBe(false);
    });
  });
});
