import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { testEnv } from '@vigil/testing';
import { autovacuumRuns, createDataSource, ensureDatabase } from './database';

const env = testEnv();

describe('ensureDatabase against real PostgreSQL', () => {
  const name = `vigil_ensure_${randomUUID().slice(0, 8)}`;
  const url = new URL(env.DATABASE_URL);
  url.pathname = `/${name}`;
  const admin = new URL(env.DATABASE_URL);
  admin.pathname = '/postgres';

  afterAll(async () => {
    const client = new Client({ connectionString: admin.toString() });
    await client.connect();
    await client.query(`drop database if exists ${name} with (force)`);
    await client.end();
  });

  it('creates a missing database once when five services start at the same moment', async () => {
    // Services starting together race to create it; whichever loses must go on, not exit.
    await expect(Promise.all(Array.from({ length: 5 }, () => ensureDatabase(url.toString())))).resolves.toHaveLength(5);
    const client = new Client({ connectionString: admin.toString() });
    await client.connect();
    const { rows } = await client.query('select datname from pg_database where datname = $1', [name]);
    await client.end();
    expect(rows).toEqual([{ datname: name }]);
  });
});

describe('autovacuumRuns against real PostgreSQL', () => {
  it('answers what the server reports for autovacuum', async () => {
    const dataSource = createDataSource({ url: env.DATABASE_URL, schema: 'public', applicationName: 'autovacuum-test' });
    await dataSource.initialize();
    try {
      const [{ autovacuum }] = await dataSource.query('show autovacuum');
      await expect(autovacuumRuns(dataSource)).resolves.toBe(autovacuum === 'on');
    } finally {
      await dataSource.destroy();
    }
  });
});
