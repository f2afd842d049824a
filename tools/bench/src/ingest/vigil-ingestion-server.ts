import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Kafka } from 'kafkajs';
import { Client } from 'pg';
import { Topics } from '@vigil/contracts';
import { ManagedProcess, freePort } from '../shared/child-process';
import { progress } from '../shared/progress';

export const BenchDatabase = 'vigil_bench';

/**
 * The bench's instance reads `vigil.alarms.inbound.v1` in a group of its own: in the
 * default group it would take messages meant for a dev stack or the tests on the same broker.
 */
export const BenchInboundGroup = `alarm-ingestion.inbound-alarms.${BenchDatabase}`;

/**
 * Moves the bench's inbound group to the end of the topic, so the instance does not spend
 * the run replaying what others published there since the last bench (it reads from the
 * beginning when its group has no offsets).
 */
export async function skipInboundBacklog(kafka: Kafka): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(Topics.alarmsInbound)) return;
    await admin.resetOffsets({ groupId: BenchInboundGroup, topic: Topics.alarmsInbound, earliest: false });
  } finally {
    await admin.disconnect();
  }
}

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

export interface IngestionSettings {
  root: string;
  kafkaBrokers: string;
  databaseUrl: string;
  vigilHome: string;
  logDir: string;
  logLevel: string;
}

export interface RunningIngestion {
  url: string;
  process: ManagedProcess;
}

/**
 * `alarm-ingestion` from dist/ on a free port of 127.0.0.1. The tenant rate limit is
 * lifted: the bench measures capacity, not the protection in front of it.
 */
export async function startIngestion(settings: IngestionSettings): Promise<RunningIngestion> {
  const main = path.join(settings.root, 'dist/apps/alarm-ingestion/src/main.js');
  if (!existsSync(main)) throw new Error(`${path.relative(settings.root, main)} is missing; build first (npm run build)`);
  const port = await freePort();
  const managed = ManagedProcess.start({
    name: 'alarm-ingestion',
    command: process.execPath,
    args: ['--enable-source-maps', main],
    cwd: settings.root,
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      KAFKA_BROKERS: settings.kafkaBrokers,
      DATABASE_URL: settings.databaseUrl,
      VIGIL_HOME: settings.vigilHome,
      LOG_LEVEL: settings.logLevel,
      INGESTION_TENANT_RATE_PER_S: '10000000',
      INGESTION_TENANT_BURST: '10000000',
      INGESTION_INBOUND_CONSUMER_GROUP: BenchInboundGroup,
    },
    logFile: path.join(settings.logDir, 'alarm-ingestion.log'),
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await managed.waitReady(`${url}/health/readiness`, 120_000);
  } catch (error) {
    await managed.stop();
    throw error;
  }
  return { url, process: managed };
}
