import { Client } from 'pg';
import { DataSource, type MixedList, type EntitySchema } from 'typeorm';

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

export function assertIdentifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`not a safe SQL identifier: ${name}`);
  return name;
}

/** Creates the database named in the URL when it does not exist yet (local runs and tests). */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, '')) || 'postgres';
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (!rowCount) {
      try {
        await client.query(`create database "${name.replace(/"/g, '""')}"`);
      } catch (error) {
        // Another process created it between our check and our create: PostgreSQL says so with
        // duplicate_database, or, when both creates ran at once, with a unique violation on pg_database.
        if (!isCreatedMeanwhile(error)) throw error;
      }
    }
  } finally {
    await client.end();
  }
}

function isCreatedMeanwhile(error: unknown): boolean {
  const { code, constraint } = error as { code?: string; constraint?: string };
  return code === '42P04' || (code === '23505' && constraint === 'pg_database_datname_index');
}

export interface DataSourceOptions {
  url: string;
  schema: string;
  applicationName: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities?: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations?: MixedList<Function | string>;
  poolSize?: number;
  statementTimeoutMs?: number;
}

/** A TypeORM data source bound to one service's schema. `synchronize` stays off: migrations only. */
export function createDataSource(options: DataSourceOptions): DataSource {
  assertIdentifier(options.schema);
  return new DataSource({
    type: 'postgres',
    url: options.url,
    schema: options.schema,
    applicationName: options.applicationName,
    entities: options.entities ?? [],
    migrations: options.migrations ?? [],
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    poolSize: options.poolSize ?? 10,
    extra: {
      statement_timeout: options.statementTimeoutMs ?? 5_000,
      connectionTimeoutMillis: 5_000,
    },
  });
}

/**
 * Runs pending migrations of one schema under an advisory lock, so replicas starting
 * together migrate once.
 */
export async function migrate(dataSource: DataSource, schema: string): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('select pg_advisory_lock(hashtext($1))', [`vigil-migrations:${schema}`]);
    await runner.query(`create schema if not exists ${assertIdentifier(schema)}`);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await runner.query('select pg_advisory_unlock(hashtext($1))', [`vigil-migrations:${schema}`]).catch(() => undefined);
    await runner.release();
  }
}

/** Opens (creating database and schema as needed) and migrates a service's data source. */
export async function openDatabase(options: DataSourceOptions): Promise<DataSource> {
  await ensureDatabase(options.url);
  const dataSource = createDataSource(options);
  await dataSource.initialize();
  await migrate(dataSource, options.schema);
  return dataSource;
}

/**
 * Whether the server runs autovacuum, which also keeps the planner's statistics. Without them
 * the planner takes the timer and outage indexes for empty and scans them whole.
 */
export async function autovacuumRuns(dataSource: DataSource): Promise<boolean> {
  const [row] = await dataSource.query(`select current_setting('autovacuum') = 'on' as runs`);
  return row.runs === true;
}

/** Errors that mean "the database is not reachable right now", as opposed to a bad query. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as { code?: string; message?: string; driverError?: { code?: string } } | undefined;
  const code = e?.driverError?.code ?? e?.code;
  if (code && ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006', '53300'].includes(code)) return true;
  return /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect|Connection terminated unexpectedly/i.test(e?.message ?? '');
}
