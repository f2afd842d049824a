import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { createDataSource, ensureDatabase, migrate } from '@vigil/persistence';
import { testEnv } from '@vigil/testing';
import { EscalationMigrations } from './index';

const env = testEnv();

/** A database of its own, so reverting the migrations cannot disturb the tests sharing vigil_test. */
function scratchDatabaseUrl(): { url: string; name: string } {
  const url = new URL(env.DATABASE_URL);
  const name = `vigil_escalation_migrations_${randomUUID().slice(0, 8)}`;
  url.pathname = `/${name}`;
  return { url: url.toString(), name };
}

async function tables(url: string): Promise<string[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(`select table_name from information_schema.tables where table_schema = 'escalation' and table_name <> 'migrations' order by 1`);
    return rows.map((r: { table_name: string }) => r.table_name);
  } finally {
    await client.end();
  }
}

describe('escalation migrations', () => {
  const scratch = scratchDatabaseUrl();

  afterAll(async () => {
    const admin = new URL(env.DATABASE_URL);
    admin.pathname = '/postgres';
    const client = new Client({ connectionString: admin.toString() });
    await client.connect();
    await client.query(`drop database if exists ${scratch.name}`);
    await client.end();
  });

  it('reverts every table with down and migrates up again', async () => {
    await ensureDatabase(scratch.url);
    const dataSource = createDataSource({ url: scratch.url, schema: 'escalation', applicationName: 'escalation-migrations-test', migrations: EscalationMigrations });
    await dataSource.initialize();
    try {
      expect(await migrate(dataSource, 'escalation')).toEqual(['CreateEscalations1763700003100', 'CreateAlarms1763700003200']);
      expect(await tables(scratch.url)).toEqual(['alarms', 'escalation_timeline', 'escalations']);

      await dataSource.undoLastMigration();
      expect(await tables(scratch.url)).toEqual(['escalation_timeline', 'escalations']);
      await dataSource.undoLastMigration();
      expect(await tables(scratch.url)).toEqual([]);

      expect(await migrate(dataSource, 'escalation')).toHaveLength(2);
      expect(await tables(scratch.url)).toEqual(['alarms', 'escalation_timeline', 'escalations']);
    } finally {
      await dataSource.destroy();
    }
  });
});
