import { Client } from 'pg';
import { progress } from './progress';

export const BenchDatabase = 'vigil_bench';

/**
 * The bench's own database: `BENCH_DATABASE_URL` as given, else `DATABASE_URL` (or the
 * local default) with the database renamed to `vigil_bench`, so a bench never writes into
 * the database of `npm start` or the tests.
 */
export function benchDatabaseUrl(env: Record<string, string | undefined> = process.env): string {
  if (env.BENCH_DATABASE_URL?.trim()) return env.BENCH_DATABASE_URL.trim();
  const url = new URL(env.DATABASE_URL?.trim() || 'postgres://postgres@127.0.0.1:5432/vigil');
  url.pathname = `/${BenchDatabase}`;
  return url.toString();
}

/**
 * Drops the bench database so every run starts from empty tables (the service creates and
 * migrates it again at start-up). Only a database whose name starts with `vigil_bench` is
 * ever dropped. Answers the server's version.
 */
export async function resetBenchDatabase(url: string): Promise<string> {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rows } = await client.query<{ server_version: string }>('show server_version');
    if (name.startsWith(BenchDatabase)) {
      await client.query(`drop database if exists "${name.replace(/"/g, '""')}" with (force)`);
      progress(`dropped database ${name}; the service creates it afresh`);
    } else {
      progress(`database ${name} is not a bench database (vigil_bench*); using it as it is`);
    }
    return rows[0]?.server_version ?? 'unknown';
  } finally {
    await client.end();
  }
}
