import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { openDatabase } from '@vigil/persistence';
import { testEnv } from '@vigil/testing';
import { ReportingReadModel1763710000000 } from './1763710000000-reporting-read-model.migration';

const env = testEnv();

/** The migration names its schema, so it is exercised in a database of its own, never the shared one. */
describe('reporting read-model migration', () => {
  const database = `vigil_reporting_migration_${randomUUID().slice(0, 8)}`;
  const url = Object.assign(new URL(env.DATABASE_URL), { pathname: `/${database}` }).toString();
  let dataSource: DataSource;

  const tables = async (): Promise<string[]> =>
    (await dataSource.query(`select table_name from information_schema.tables where table_schema = 'reporting' and table_name <> 'migrations' order by 1`))
      .map((r: { table_name: string }) => r.table_name);

  beforeAll(async () => {
    dataSource = await openDatabase({ url, schema: 'reporting', applicationName: 'reporting-migration-test', migrations: [ReportingReadModel1763710000000] });
  });

  afterAll(async () => {
    await dataSource?.destroy();
    const admin = new Client({ connectionString: env.DATABASE_URL });
    await admin.connect();
    try {
      await admin.query(`drop database if exists ${database}`);
    } finally {
      await admin.end();
    }
  });

  it('creates the read model, rolls it back completely and applies again', async () => {
    const created = ['availability_targets', 'breaches', 'escalation_timeline', 'incidents', 'tenants'];
    expect(await tables()).toEqual(created);
    await dataSource.undoLastMigration({ transaction: 'each' });
    expect(await tables()).toEqual([]);
    expect(await dataSource.runMigrations({ transaction: 'each' })).toHaveLength(1);
    expect(await tables()).toEqual(created);
  });
});
