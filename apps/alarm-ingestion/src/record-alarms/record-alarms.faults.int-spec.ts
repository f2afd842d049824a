import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { Client } from 'pg';
import { Topics } from '@vigil/contracts';
import { issueToken } from '@vigil/auth';
import { KAFKA_SOCKET_FACTORY, configureHttp } from '@vigil/platform-nest';
import { EventCollector } from '@vigil/messaging/testing';
import { CuttableKafkaSockets, TcpProxy, eventually, testEnv, uniqueTenant } from '@vigil/testing';
import { AppModule } from '../app.module';

const env = testEnv();

/** Ingestion while its dependencies fail: PostgreSQL behind a proxy the test cuts, Kafka through sockets it cuts. */
describe('alarm ingestion under dependency outages, against real Kafka and PostgreSQL', () => {
  let app: INestApplication;
  let base: string;
  let proxy: TcpProxy;
  let db: Client;
  let collector: EventCollector;
  const kafka = new CuttableKafkaSockets();

  beforeAll(async () => {
    const target = new URL(env.DATABASE_URL);
    proxy = await TcpProxy.start(target.hostname, Number(target.port || 5432));
    const viaProxy = new URL(env.DATABASE_URL);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    process.env.DATABASE_URL = viaProxy.toString();
    process.env.INGESTION_TENANT_RATE_PER_S = '300';
    process.env.INGESTION_TENANT_BURST = '0';
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).overrideProvider(KAFKA_SOCKET_FACTORY).useValue(kafka.factory).compile();
    app = moduleRef.createNestApplication<NestExpressApplication>({ logger: false });
    configureHttp(app as NestExpressApplication);
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
    db = new Client({ connectionString: env.DATABASE_URL });
    await db.connect();
    collector = await EventCollector.start(env.KAFKA_BROKERS, [Topics.alarmEvents]);
  });

  afterAll(async () => {
    kafka.restore();
    proxy.restore();
    await collector.stop();
    await app.close();
    await db.end();
    await proxy.close();
  });

  const post = async (tenant: string, body: unknown, path = '/api/v1/alarms') => {
    const token = await issueToken({ tenantId: tenant, scopes: ['alarms:write'], home: env.VIGIL_HOME });
    const response = await fetch(`${base}${path}`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as { results?: Array<{ result: string }>; message?: string } };
  };
  const alarm = (alarmId: string, status = 'raised', occurredAt = '2026-11-03T10:00:00Z') => ({
    alarmId, serviceId: 'checkout-api', severity: 'critical', status, summary: 'down', occurredAt,
  });
  const storedEvents = async (tenant: string) => (await db.query('select count(*)::int as n from ingestion.events where tenant_id = $1', [tenant])).rows[0].n as number;

  it('yields one alarm-raised for 50 concurrent raises of one alarm', async () => {
    const tenant = uniqueTenant();
    const answers = await Promise.all(Array.from({ length: 50 }, () => post(tenant, alarm('flapping'))));
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(202));
    expect(answers.filter((a) => a.body.results![0].result === 'recorded')).toHaveLength(1);
    await collector.waitForEvent(tenant, 'alarm-raised');
    expect(collector.events(tenant, 'alarm-raised')).toHaveLength(1);
    expect(await storedEvents(tenant)).toBe(1);
  });

  it('keeps accepting alarms while Kafka is unreachable and publishes every one of them, in order, once it returns', async () => {
    const tenant = uniqueTenant();
    kafka.cut();
    try {
      for (let i = 0; i < 10; i++) {
        const answer = await post(tenant, { alarms: [alarm('db-down', 'raised', `2026-11-03T1${i}:00:00Z`), alarm('db-down', 'cleared', `2026-11-03T1${i}:30:00Z`)] });
        expect(answer.status).toBe(202);
      }
      const [{ n: backlog }] = (await db.query(`select count(*)::int as n from ingestion.outbox where payload->>'tenantId' = $1`, [tenant])).rows;
      expect(backlog).toBe(20);
      expect(collector.events(tenant)).toHaveLength(0);
      // The backlog and its age are what an operator's alert watches.
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(Number(/^vigil_outbox_backlog(?:\{[^}]*\})? (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(20);
      expect(Number(/^vigil_outbox_lag_seconds(?:\{[^}]*\})? ([\d.e+-]+)/m.exec(metrics)?.[1])).toBeGreaterThan(0);
    } finally {
      kafka.restore();
    }
    const events = await eventually('all 20 events on Kafka after the outage', async () => {
      const mine = collector.events(tenant);
      return mine.length >= 20 ? mine : undefined;
    }, 60_000);
    expect(events.map((e) => e.sequence)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('answers 503 with Retry-After while the database is unreachable, opens its breaker, and recovers after a reset', async () => {
    const tenant = uniqueTenant();
    proxy.cut();
    try {
      for (let i = 0; i < 5; i++) {
        const answer = await post(tenant, alarm(`a${i}`));
        expect(answer.status).toBe(503);
        expect(Number(answer.retryAfter)).toBeGreaterThan(0);
        expect(JSON.stringify(answer.body)).not.toMatch(/stack|at .*\.js/);
      }
      const reliability = (await (await fetch(`${base}/reliability`)).json()) as { breakers: Array<{ name: string; state: string }> };
      expect(reliability.breakers).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'database', state: 'open' })]));
      expect((await fetch(`${base}/health/readiness`)).status).toBe(503);
      const health = await fetch(`${base}/health`);
      expect(health.status).toBe(503);
      expect(((await health.json()) as { components: { database: { status: string } } }).components.database.status).toBe('down');
    } finally {
      proxy.restore();
    }
    // Still open (half-open only after 60 s): fast 503s, the database is not hammered.
    expect((await post(tenant, alarm('b'))).status).toBe(503);
    const admin = await issueToken({ tenantId: tenant, scopes: ['admin'], home: env.VIGIL_HOME });
    const reset = await fetch(`${base}/reliability/circuit-breakers/database/reset`, { method: 'POST', headers: { authorization: `Bearer ${admin}` } });
    expect(reset.status).toBe(200);
    expect((await post(tenant, alarm('c'))).status).toBe(202);
    expect(await storedEvents(tenant)).toBe(1);
  });

  it('answers 429 with Retry-After when a tenant is over its rate, counted in alarm changes, and leaves other tenants alone', async () => {
    const noisy = uniqueTenant();
    const quiet = uniqueTenant();
    const first = await post(noisy, { alarms: Array.from({ length: 300 }, (_, i) => alarm(`n${i}`)) });
    expect(first.status).toBe(202);
    const over = await post(noisy, alarm('one-more'));
    expect(over.status).toBe(429);
    expect(Number(over.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(over.body.message).toContain(noisy);
    expect((await post(quiet, alarm('q'))).status).toBe(202);
    expect(await storedEvents(noisy)).toBe(300);
  });

  it('answers 413 to a body over the size limit and stores nothing', async () => {
    const tenant = uniqueTenant();
    const huge = JSON.stringify({ alarms: [{ ...alarm('big'), summary: 'x'.repeat(6 * 1024 * 1024) }] });
    const answer = await post(tenant, huge);
    expect(answer.status).toBe(413);
    expect(await storedEvents(tenant)).toBe(0);
  });
});
