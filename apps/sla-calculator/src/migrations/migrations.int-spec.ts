import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createDataSource } from '@vigil/persistence';
import { useTestEnvironment } from '../../test/sla-test-kit';
import { slaMigrations } from './index';

useTestEnvironment();

/** Runs the calculator's migrations up and all the way down in a scratch schema, never touching `sla`. */
describe('sla migrations', () => {
  const schema = `sla_migrations_${randomUUID().slice(0, 8)}`;
  let dataSource: DataSource;

  const tables = async () =>
    (await dataSource.query(`select table_name from information_schema.tables where table_schema = $1 and table_name <> 'migrations' order by 1`, [schema]))
      .map((r: { table_name: string }) => r.table_name);

  beforeAll(async () => {
    dataSource = createDataSource({ url: process.env.DATABASE_URL!, schema, applicationName: 'sla-migrations-test', migrations: slaMigrations(schema) });
    await dataSource.initialize();
    await dataSource.query(`create schema ${schema}`);
  });

  afterAll(async () => {
    await dataSource.query(`drop schema if exists ${schema} cascade`);
    await dataSource.destroy();
  });

  it('creates the tables and drops them again on the way down', async () => {
    await dataSource.runMigrations({ transaction: 'each' });
    await expect(tables()).resolves.toEqual(['availability_windows', 'maintenance_window_versions', 'outage_severities', 'outages', 'resolution_clocks', 'tenants']);
    for (let i = 0; i < slaMigrations(schema).length; i++) await dataSource.undoLastMigration({ transaction: 'each' });
    await expect(tables()).resolves.toEqual([]);
    await dataSource.runMigrations({ transaction: 'each' });
    await expect(tables()).resolves.toEqual(['availability_windows', 'maintenance_window_versions', 'outage_severities', 'outages', 'resolution_clocks', 'tenants']);
  });
});

describe('sla severity history migration', () => {
  const schema = `sla_migrations_${randomUUID().slice(0, 8)}`;
  let dataSource: DataSource;

  afterAll(async () => {
    await dataSource?.query(`drop schema if exists ${schema} cascade`);
    await dataSource?.destroy();
  });

  it('gives every outage recorded before it its severity from its start', async () => {
    const earlier = slaMigrations(schema).slice(0, 3);
    dataSource = createDataSource({ url: process.env.DATABASE_URL!, schema, applicationName: 'sla-migrations-test', migrations: earlier });
    await dataSource.initialize();
    await dataSource.query(`create schema ${schema}`);
    await dataSource.runMigrations({ transaction: 'each' });
    await dataSource.query(
      `insert into ${schema}.outages (tenant_id, service_id, alarm_key, severity, started_at, raised_event_id)
       values ('acme', 'checkout-api', 'db-down', 'major', '2026-11-03T10:00:00Z', '0190aaaa-0000-7000-8000-000000000001')`,
    );
    await dataSource.destroy();

    dataSource = createDataSource({ url: process.env.DATABASE_URL!, schema, applicationName: 'sla-migrations-test', migrations: slaMigrations(schema).slice(0, 4) });
    // Only the severity history, the one migration after what the outages were stored with.
    await dataSource.initialize();
    await expect(dataSource.runMigrations({ transaction: 'each' })).resolves.toHaveLength(1);
    await expect(dataSource.query(`select alarm_key, severity, effective_from, rank, event_id from ${schema}.outage_severities`)).resolves.toEqual([
      { alarm_key: 'db-down', severity: 'major', effective_from: new Date('2026-11-03T10:00:00Z'), rank: 1, event_id: '0190aaaa-0000-7000-8000-000000000001' },
    ]);
    await expect(dataSource.query(`select labels, corrections from ${schema}.outages`)).resolves.toEqual([{ labels: {}, corrections: [] }]);
  });
});
