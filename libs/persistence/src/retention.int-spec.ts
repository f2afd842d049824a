import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { testEnv } from '@vigil/testing';
import { openDatabase } from './database';
import { DurableTimers, timerOrderMigration, timerRetentionMigration, timerRetentionRule, timerRetriesMigration, timersMigration } from './durable-timers';
import { CHECKPOINT_GRACE_MS, runRetention, type CheckpointedRule } from './retention';

const env = testEnv();
const DAY = 86_400_000;

describe('runRetention against real PostgreSQL', () => {
  const schema = `retention_${randomUUID().slice(0, 8)}`;
  const lockName = `vigil-retention:${schema}`;
  let dataSource: DataSource;
  let timers: DurableTimers;
  const ago = (ms: number, from = Date.now()) => new Date(from - ms);
  const ledger: CheckpointedRule = {
    name: 'ledger', table: `${schema}.ledger`, checkpoints: `${schema}.checkpoints`, windowMs: 7 * DAY,
    consumer: { expression: 't.consumer' }, topic: { expression: 't.topic' }, partition: { expression: 't.partition' },
    offset: 't."offset"', processedAt: 'processed_at',
  };
  const record = (consumer: string, partition: number, offsets: number[], processedAt: Date) =>
    dataSource.query(
      `insert into ${schema}.ledger (consumer, event_id, topic, partition, "offset", processed_at)
       select $1, gen_random_uuid(), 'events', $2, o, $4 from unnest($3::bigint[]) o`,
      [consumer, partition, offsets, processedAt],
    );
  const offsetsLeft = async (consumer: string, partition: number): Promise<number[]> =>
    (await dataSource.query(`select "offset"::int as o from ${schema}.ledger where consumer = $1 and partition = $2 order by 1`, [consumer, partition]))
      .map((r: { o: number }) => r.o);
  const checkpoint = async (consumer: string, partition: number) =>
    (await dataSource.query(`select "offset"::int as offset, processed_at from ${schema}.checkpoints where consumer = $1 and partition = $2`, [consumer, partition]))[0];

  beforeAll(async () => {
    dataSource = await openDatabase({
      url: env.DATABASE_URL, schema, applicationName: 'retention-test',
      migrations: [timersMigration(schema), timerRetriesMigration(schema), timerOrderMigration(schema), timerRetentionMigration(schema)],
    });
    timers = new DurableTimers(dataSource, schema);
    await dataSource.query(`create table ${schema}.items (id serial primary key, created_at timestamptz not null)`);
    await dataSource.query(`create index on ${schema}.items (created_at)`);
    await dataSource.query(`create table ${schema}.ledger (
      consumer text, event_id uuid, topic text, partition int, "offset" bigint, processed_at timestamptz not null default now(), primary key (consumer, event_id))`);
    await dataSource.query(`create index on ${schema}.ledger (consumer, topic, partition, processed_at)`);
    await dataSource.query(`create table ${schema}.checkpoints (
      consumer text, topic text, partition int, "offset" bigint not null, processed_at timestamptz not null, checkpointed_at timestamptz not null,
      primary key (consumer, topic, partition))`);
  });

  afterAll(async () => {
    await dataSource.query(`drop schema ${schema} cascade`);
    await dataSource.destroy();
  });

  it('deletes the rows older than the window in batches and keeps the younger ones', async () => {
    await dataSource.query(`insert into ${schema}.items (created_at) select now() - interval '2 days' from generate_series(1, 2500)`);
    await dataSource.query(`insert into ${schema}.items (created_at) select now() - interval '23 hours' from generate_series(1, 3)`);
    const run = await runRetention(dataSource, [{ name: 'items', table: `${schema}.items`, windowMs: DAY, age: { column: 'created_at' } }], { now: new Date(), lockName, batchSize: 1_000 });
    expect(run).toEqual({ outcomes: [{ rule: 'items', table: `${schema}.items`, deleted: 2_500 }], yielded: false, stopped: false });
    await expect(dataSource.query(`select count(*)::int as n from ${schema}.items`)).resolves.toEqual([{ n: 3 }]);
  });

  it('deletes timers fired or cancelled before the window, never a pending one however old, nor one armed again', async () => {
    const schedule = (subject: string, dueAt: Date) => dataSource.transaction((m) => timers.schedule(m, { tenantId: 'r', kind: 'k', subject, dueAt }));
    for (const subject of ['fired-long-ago', 'fired-lately', 'armed-again', 'cancelled-long-ago']) await schedule(subject, ago(1_000));
    await timers.fireDue(new Date(), async () => undefined);
    await schedule('pending-long-overdue', ago(30 * DAY));
    await schedule('cancelled-long-ago', ago(-DAY));
    await dataSource.transaction((m) => timers.cancel(m, 'r', 'k', 'cancelled-long-ago'));
    await dataSource.query(`update ${schema}.timers set fired_at = now() - interval '8 days' where subject in ('fired-long-ago', 'armed-again')`);
    await dataSource.query(`update ${schema}.timers set cancelled_at = now() - interval '8 days' where subject = 'cancelled-long-ago'`);
    await schedule('armed-again', ago(-DAY));

    const run = await runRetention(dataSource, [timerRetentionRule(schema, 7 * DAY)], { now: new Date(), lockName });
    expect(run.outcomes).toEqual([{ rule: 'timers', table: `${schema}.timers`, deleted: 2 }]);
    const left = await dataSource.query(`select subject, fired_at is null and cancelled_at is null as pending from ${schema}.timers order by subject`);
    expect(left).toEqual([
      { subject: 'armed-again', pending: true }, { subject: 'fired-lately', pending: false }, { subject: 'pending-long-overdue', pending: true },
    ]);
  });

  it('keeps ledger rows until a checkpoint of their partition covers them and has stood its grace, then deletes those older than the window', async () => {
    const now = Date.now();
    await record('a', 0, [0, 1, 2, 3], ago(9 * DAY, now));
    await record('a', 0, [4], ago(8.5 * DAY, now));
    await record('a', 0, [5], ago(8 * DAY, now));
    await record('a', 0, [6, 7], ago(DAY, now));
    await record('a', 1, [0], ago(8.5 * DAY, now));
    await record('a', 1, [1], ago(8 * DAY, now));
    await record('b', 0, [0], ago(DAY, now));
    // Applied together in one transaction, at a time in microseconds.
    await dataSource.query(
      `insert into ${schema}.ledger (consumer, event_id, topic, partition, "offset", processed_at)
       select 'a', gen_random_uuid(), 'events', 2, o, now() - interval '8 days 00:00:00.000123' from generate_series(0, 2) o`,
    );

    // The first run finds no checkpoint: it takes one per partition from its newest row older than the window.
    expect((await runRetention(dataSource, [ledger], { now: new Date(now), lockName })).outcomes).toEqual([{ rule: 'ledger', table: `${schema}.ledger`, deleted: 0 }]);
    expect(await checkpoint('a', 0)).toEqual({ offset: 5, processed_at: ago(8 * DAY, now) });
    expect(await checkpoint('a', 1)).toEqual({ offset: 1, processed_at: ago(8 * DAY, now) });
    expect(await checkpoint('b', 0)).toBeUndefined();
    // Within its grace it covers nothing yet.
    expect((await runRetention(dataSource, [ledger], { now: new Date(now + CHECKPOINT_GRACE_MS - 1_000), lockName })).outcomes[0].deleted).toBe(0);

    const after = new Date(now + CHECKPOINT_GRACE_MS);
    expect((await runRetention(dataSource, [ledger], { now: after, lockName })).outcomes[0].deleted).toBe(11);
    expect(await offsetsLeft('a', 0)).toEqual([6, 7]);
    expect(await offsetsLeft('a', 1)).toEqual([]);
    expect(await offsetsLeft('a', 2)).toEqual([]);
    expect(await offsetsLeft('b', 0)).toEqual([0]);
  });

  it('covers the rows of a topic created again only by a checkpoint taken from them', async () => {
    const now = Date.now();
    // The checkpoint of the topic's first life, taken long ago at a high offset.
    await dataSource.query(
      `insert into ${schema}.checkpoints values ('c', 'events', 0, 100, $1, $2)`, [ago(20 * DAY, now), ago(12 * DAY, now)],
    );
    // Offsets from zero again, applied since: below the old checkpoint's offset, after its time.
    await record('c', 0, [0, 1], ago(8.5 * DAY, now));
    await record('c', 0, [2], ago(8 * DAY, now));
    expect((await runRetention(dataSource, [ledger], { now: new Date(now), lockName })).outcomes[0].deleted).toBe(0);
    expect(await offsetsLeft('c', 0)).toEqual([0, 1, 2]);
    expect(await checkpoint('c', 0)).toEqual({ offset: 2, processed_at: ago(8 * DAY, now) });
    expect((await runRetention(dataSource, [ledger], { now: new Date(now + CHECKPOINT_GRACE_MS), lockName })).outcomes[0].deleted).toBe(3);
  });

  it('leaves the schema to the replica that holds its lock, and stops between batches when asked', async () => {
    await dataSource.query(`insert into ${schema}.items (created_at) select now() - interval '2 days' from generate_series(1, 20)`);
    const rule = { name: 'items', table: `${schema}.items`, windowMs: DAY, age: { column: 'created_at' } };
    const runner = dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      await runner.query('select pg_advisory_xact_lock(hashtext($1))', [lockName]);
      await expect(runRetention(dataSource, [rule], { now: new Date(), lockName })).resolves.toEqual({
        outcomes: [{ rule: 'items', table: `${schema}.items`, deleted: 0 }], yielded: true, stopped: false,
      });
      await runner.commitTransaction();
    } finally {
      await runner.release();
    }
    let batches = 0;
    const stopped = await runRetention(dataSource, [rule], { now: new Date(), lockName, batchSize: 5, shouldStop: () => batches++ >= 2 });
    expect(stopped).toEqual({ outcomes: [{ rule: 'items', table: `${schema}.items`, deleted: 10 }], yielded: false, stopped: true });
    expect((await runRetention(dataSource, [rule], { now: new Date(), lockName, batchSize: 5 })).outcomes[0].deleted).toBe(10);
  });
});
