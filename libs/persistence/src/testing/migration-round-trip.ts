import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { MigrationInterface } from 'typeorm';
import { createDataSource, ensureDatabase, migrate } from '../index';
import { testEnv } from '@vigil/testing';

export interface SchemaShape { tables: string[]; indexes: string[] }

export interface RoundTrip { applied: string[]; afterUp: SchemaShape; afterDown: SchemaShape; afterUpAgain: SchemaShape; reappliedCount: number }

async function shapeOf(url: string, schema: string): Promise<SchemaShape> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query(`select table_name from information_schema.tables where table_schema = $1 and table_name <> 'migrations' order by 1`, [schema]);
    const indexes = await client.query(`select indexname from pg_indexes where schemaname = $1 and tablename <> 'migrations' order by 1`, [schema]);
    return { tables: tables.rows.map((r: { table_name: string }) => r.table_name), indexes: indexes.rows.map((r: { indexname: string }) => r.indexname) };
  } finally {
    await client.end();
  }
}

/**
 * Runs a schema's migrations up, every one down again (newest first), and up once more,
 * in a database of its own (so reverting cannot disturb the tests sharing vigil_test),
 * and reports the schema's tables and indexes after each step.
 */
export async function migrationRoundTrip(schema: string, migrations: Array<new () => MigrationInterface>): Promise<RoundTrip> {
  const env = testEnv();
  const url = new URL(env.DATABASE_URL);
  const name = `vigil_migrations_${schema}_${randomUUID().slice(0, 8)}`;
  url.pathname = `/${name}`;
  await ensureDatabase(url.toString());
  const dataSource = createDataSource({ url: url.toString(), schema, applicationName: `${schema}-migrations-test`, migrations });
  await dataSource.initialize();
  try {
    const applied = await migrate(dataSource, schema);
    const afterUp = await shapeOf(url.toString(), schema);
    for (let i = 0; i < applied.length; i++) await dataSource.undoLastMigration({ transaction: 'each' });
    const afterDown = await shapeOf(url.toString(), schema);
    const reapplied = await migrate(dataSource, schema);
    const afterUpAgain = await shapeOf(url.toString(), schema);
    return { applied, afterUp, afterDown, afterUpAgain, reappliedCount: reapplied.length };
  } finally {
    await dataSource.destroy();
    const admin = new URL(env.DATABASE_URL);
    admin.pathname = '/postgres';
    const client = new Client({ connectionString: admin.toString() });
    await client.connect();
    await client.query(`drop database if exists "${name}"`);
    await client.end();
  }
}
