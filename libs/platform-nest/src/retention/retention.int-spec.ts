import { randomUUID } from 'node:crypto';
import { Module } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { DataSource } from 'typeorm';
import { Topics } from '@vigil/contracts';
import { CHECKPOINT_GRACE_MS } from '@vigil/persistence';
import { testEnv } from '@vigil/testing';
import { startTestApp } from '../testing';
import { VigilMetrics } from '../health/vigil-metrics';
import { PlatformModule } from '../platform.module';
import { RetentionService } from './retention.service';

testEnv();
const schema = `retention_${randomUUID().slice(0, 8)}`;

/** A table of the service's own that grows with traffic. */
class Notes1764100009000 implements MigrationInterface {
  name = 'Notes1764100009000';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`create table ${schema}.notes (id serial primary key, noted_at timestamptz not null)`);
    await q.query(`create index notes_by_age on ${schema}.notes (noted_at)`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop table ${schema}.notes`);
  }
}

@Module({
  imports: [PlatformModule.forService({
    service: 'escalation', schema, topics: [Topics.escalationEvents], timers: true, migrations: [Notes1764100009000],
    retention: (windows) => [{ name: 'notes', table: `${schema}.notes`, windowMs: windows.idempotencyKeysMs, age: { column: 'noted_at' } }],
  })],
})
class RetentionTestModule {}

describe('the retention job of a platform service, against real PostgreSQL', () => {
  let app: NestExpressApplication;
  let dataSource: DataSource;
  const count = async (table: string, where = 'true'): Promise<number> =>
    (await dataSource.query(`select count(*)::int as n from ${schema}.${table} where ${where}`))[0].n;
  const deletedRows = async (): Promise<Record<string, number>> => {
    const metric = await app.get(VigilMetrics).registry.getSingleMetric('vigil_retention_deleted_rows_total')!.get();
    return Object.fromEntries(metric.values.map((v) => [v.labels.table, v.value]));
  };

  beforeAll(async () => {
    ({ app, dataSource } = await startTestApp(RetentionTestModule));
  });

  afterAll(async () => {
    await dataSource.query(`drop schema ${schema} cascade`);
    await app.close();
  });

  it('deletes what each kind keeps no longer, keeps the young rows and the pending timers, and counts what went by table', async () => {
    // Shown from the start, at zero.
    expect(await deletedRows()).toEqual({ [`${schema}.processed_events`]: 0, [`${schema}.timers`]: 0, [`${schema}.notes`]: 0 });
    await dataSource.query(
      `insert into ${schema}.processed_events (consumer, event_id, topic, partition, "offset", processed_at)
       select 'raises', gen_random_uuid(), 'vigil.alarm-events.v1', 3, o, now() - case when o < 40 then interval '8 days' else interval '6 days' end
       from generate_series(0, 49) o`,
    );
    await dataSource.query(
      `insert into ${schema}.timers (tenant_id, kind, subject, due_at, fired_at, cancelled_at) values
         ('t', 'k', 'fired-long-ago', now() - interval '9 days', now() - interval '8 days', null),
         ('t', 'k', 'cancelled-long-ago', now() - interval '9 days', null, now() - interval '8 days'),
         ('t', 'k', 'fired-lately', now() - interval '2 days', now() - interval '2 days', null),
         ('t', 'k', 'pending-long-overdue', now() - interval '30 days', null, null),
         ('t', 'k', 'pending', now() + interval '1 day', null, null)`,
    );
    await dataSource.query(`insert into ${schema}.notes (noted_at) values (now() - interval '25 hours'), (now() - interval '25 hours'), (now() - interval '23 hours')`);

    const retention = app.get(RetentionService);
    const now = Date.now();
    const first = await retention.runOnce(new Date(now));
    // The ledger's rows wait for the checkpoint this run took to stand its grace.
    expect(first.outcomes).toEqual([
      { rule: 'processed-events', table: `${schema}.processed_events`, deleted: 0 },
      { rule: 'timers', table: `${schema}.timers`, deleted: 2 },
      { rule: 'notes', table: `${schema}.notes`, deleted: 2 },
    ]);
    const second = await retention.runOnce(new Date(now + CHECKPOINT_GRACE_MS));
    expect(second.outcomes.map((o) => o.deleted)).toEqual([40, 0, 0]);

    expect(await count('processed_events')).toBe(10);
    expect(await count('processed_events', `"offset" < 40`)).toBe(0);
    expect((await dataSource.query(`select subject from ${schema}.timers order by subject`)).map((r: { subject: string }) => r.subject))
      .toEqual(['fired-lately', 'pending', 'pending-long-overdue']);
    expect(await count('notes')).toBe(1);
    expect(await deletedRows()).toEqual({ [`${schema}.processed_events`]: 40, [`${schema}.timers`]: 2, [`${schema}.notes`]: 2 });
  });
});
