import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { issueToken } from '@vigil/auth';
import { Topics } from '@vigil/contracts';
import { EventCollector } from '@vigil/messaging/testing';
import { eventually, testEnv, uniqueTenant } from '@vigil/testing';

const env = testEnv();
const repoRoot = resolve(__dirname, '../../..');
const PORT = 14951;
const CLIENTS = 8;

interface Outcome { alarmId: string; status?: number; eventId?: string; error?: string; startedAt: number }

/**
 * One POST on a connection of its own (no keep-alive), so a failure says exactly what
 * happened to this request: refused (never accepted) or reset (accepted, then dropped).
 */
function postAlarm(token: string, alarmId: string): Promise<Outcome> {
  const body = JSON.stringify({ alarmId, serviceId: 'checkout-api', severity: 'critical', status: 'raised', summary: 'load', source: 'shutdown-test', occurredAt: new Date().toISOString() });
  const startedAt = Date.now();
  return new Promise((resolveOutcome) => {
    const done = (outcome: Omit<Outcome, 'startedAt'>) => resolveOutcome({ ...outcome, startedAt });
    const req = request(
      { host: '127.0.0.1', port: PORT, path: '/api/v1/alarms', method: 'POST', agent: false, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', connection: 'close', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => {
          const parsed = res.statusCode === 202 ? (JSON.parse(text) as { results: Array<{ eventId?: string }> }) : undefined;
          done({ alarmId, status: res.statusCode, eventId: parsed?.results[0]?.eventId });
        });
        res.on('error', (error: NodeJS.ErrnoException) => done({ alarmId, status: res.statusCode, error: error.code ?? error.message }));
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => done({ alarmId, error: error.code ?? error.message }));
    req.end(body);
  });
}

describe('alarm-ingestion stopped with SIGTERM under load', () => {
  const tenant = uniqueTenant('sigterm');
  const logFile = join(repoRoot, 'tmp', 'e2e-logs', 'graceful-shutdown.alarm-ingestion.log');
  let child: ChildProcess;
  let collector: EventCollector;
  let db: Client;

  beforeAll(async () => {
    mkdirSync(join(repoRoot, 'tmp', 'e2e-logs'), { recursive: true });
    collector = await EventCollector.start(env.KAFKA_BROKERS, [Topics.alarmEvents]);
    db = new Client({ connectionString: env.DATABASE_URL });
    await db.connect();
    child = spawn(process.execPath, ['--enable-source-maps', join(repoRoot, 'dist/apps/alarm-ingestion/src/main.js')], {
      cwd: repoRoot,
      env: { ...process.env, KAFKA_BROKERS: env.KAFKA_BROKERS, DATABASE_URL: env.DATABASE_URL, VIGIL_HOME: env.VIGIL_HOME, PORT: String(PORT), HOST: '127.0.0.1', LOG_LEVEL: 'info', SHUTDOWN_DRAIN_MS: '3000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const log = createWriteStream(logFile);
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    await eventually('alarm-ingestion to be ready', async () => {
      if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}: ${readFileSync(logFile, 'utf8').slice(-2_000)}`);
      return (await fetch(`http://127.0.0.1:${PORT}/health/readiness`).catch(() => undefined))?.status === 200;
    }, 90_000, 300);
  });

  afterAll(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await collector.stop();
    await db.end();
  });

  it('answers or refuses every request, resets only connections still queued at close and without effect, and every 202 is in the event store and on Kafka', async () => {
    const token = await issueToken({ tenantId: tenant, scopes: ['alarms:write'], home: env.VIGIL_HOME });
    const outcomes: Outcome[] = [];
    let sent = 0;
    let refused = false;
    // Each client posts one alarm after another until the server refuses a connection.
    const client = async () => {
      while (!refused) {
        const outcome = await postAlarm(token, `alarm-${sent++}`);
        outcomes.push(outcome);
        if (outcome.error === 'ECONNREFUSED') refused = true;
      }
    };
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    let sigtermAt = Number.POSITIVE_INFINITY;
    const clients = Array.from({ length: CLIENTS }, () => client());

    await eventually('load under way', async () => outcomes.filter((o) => o.status === 202).length >= 200, 60_000, 20);
    sigtermAt = Date.now();
    child.kill('SIGTERM');
    // Draining: no longer ready, still serving, so a load balancer moves away before the listener closes.
    await eventually('readiness to fail while draining', async () => (await fetch(`http://127.0.0.1:${PORT}/health/readiness`)).status === 503, 2_500, 50);
    await Promise.all(clients);
    expect(await exited).toBe(0);

    const accepted = outcomes.filter((o) => o.status === 202);
    const failed = outcomes.filter((o) => o.status !== 202);
    expect(accepted.length).toBeGreaterThanOrEqual(200);
    expect(accepted.filter((o) => o.startedAt > sigtermAt).length).toBeGreaterThan(0);
    expect(accepted.every((o) => typeof o.eventId === 'string')).toBe(true);
    // No error answers, and no connection failure but refused or reset.
    expect(failed.map((o) => o.error ?? `HTTP ${o.status}`).filter((e) => e !== 'ECONNREFUSED' && e !== 'ECONNRESET')).toEqual([]);
    // A reset happens only as the listener closes: the kernel drops connections still queued
    // for accept, before Vigil read a byte. So none before SIGTERM, and none with an effect.
    const reset = failed.filter((o) => o.error === 'ECONNRESET');
    expect(reset.filter((o) => o.startedAt < sigtermAt - 1_000)).toEqual([]);

    const { rows } = await db.query(`select event_id, payload->'data'->>'alarmKey' as alarm_key from ingestion.events where tenant_id = $1`, [tenant]);
    const stored = new Set(rows.map((r: { event_id: string }) => r.event_id));
    expect(accepted.filter((o) => !stored.has(o.eventId!))).toEqual([]);
    const storedAlarms = new Set(rows.map((r: { alarm_key: string }) => r.alarm_key));
    expect(reset.filter((o) => storedAlarms.has(o.alarmId))).toEqual([]);

    // The outbox was drained before the exit: every acknowledged event is on Kafka.
    const onKafka = () => new Set(collector.events(tenant, 'alarm-raised').map((e) => e.id));
    await eventually('every acknowledged event on Kafka', async () => accepted.every((o) => onKafka().has(o.eventId!)), 30_000);
    const [{ n: backlog }] = (await db.query(`select count(*)::int as n from ingestion.outbox where payload->>'tenantId' = $1`, [tenant])).rows;
    expect(backlog).toBe(0);
  });
});
