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
    await expect(tables()).resolves.toEqual(['outages', 'resolution_clocks', 'tenants']);
    for (let i = 0; i < 3; i++) await dataSource.undoLastMigration({ transaction: 'each' });
    await expect(tables()).resolves.toEqual([]);
    await dataSource.runMigrations({ transaction: 'each' });
    await expect(tables()).resolves.toEqual(['outages', 'resolution_clocks', 'tenants']);
  });
});
