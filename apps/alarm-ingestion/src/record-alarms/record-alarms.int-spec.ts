import type { INestApplication } from '@nestjs/common';
import { generateKeyPair, SignJWT } from 'jose';
import type { DataSource } from 'typeorm';
import { Topics } from '@vigil/contracts';
import { issueToken } from '@vigil/auth';
import { EventCollector } from '@vigil/messaging/testing';
import { startTestApp } from '@vigil/platform-nest/testing';
import { testEnv, uniqueTenant } from '@vigil/testing';
import { AppModule } from '../app.module';

const env = testEnv();

interface ApiBody {
  results: Array<{ alarmId: string; result: string; eventId?: string }>;
  errors: Array<{ field: string; rule: string; message: string }>;
  message: string;
}

describe('POST /api/v1/alarms against real Kafka and PostgreSQL', () => {
  let app: INestApplication;
  let base: string;
  let dataSource: DataSource;
  let collector: EventCollector;

  beforeAll(async () => {
    ({ app, url: base, dataSource } = await startTestApp(AppModule));
    collector = await EventCollector.start(env.KAFKA_BROKERS, [Topics.alarmEvents]);
  });

  afterAll(async () => {
    await collector.stop();
    await app.close();
  });

  const tokenFor = (tenantId: string, scopes: Parameters<typeof issueToken>[0]['scopes'] = ['alarms:write']) =>
    issueToken({ tenantId, scopes, home: env.VIGIL_HOME });

  const post = async (body: unknown, token?: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${base}/api/v1/alarms`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as ApiBody, headers: response.headers };
  };

  const storedEvents = async (tenantId: string): Promise<number> => {
    const [row] = await dataSource.query('select count(*)::int as n from ingestion.events where tenant_id = $1', [tenantId]);
    return row.n;
  };

  const alarm = (overrides: Record<string, unknown> = {}) => ({
    alarmId: 'db-down', serviceId: 'checkout-api', severity: 'critical', status: 'raised', summary: 'Primary DB unreachable',
    source: 'prometheus', labels: { team: 'payments' }, occurredAt: '2026-11-03T10:00:00Z', ...overrides,
  });

  it('records a raise, commits it to the event store and relays it to Kafka keyed by tenant/service', async () => {
    const tenant = uniqueTenant();
    const { status, body } = await post(alarm(), await tokenFor(tenant));
    expect(status).toBe(202);
    expect(body.results).toEqual([{ alarmId: 'db-down', result: 'recorded', type: 'alarm-raised', eventId: expect.any(String) }]);
    expect(await storedEvents(tenant)).toBe(1);
    const event = await collector.waitForEvent(tenant, 'alarm-raised');
    expect(event).toMatchObject({ id: body.results[0].eventId, subject: 'db-down', sequence: 1, occurredAt: '2026-11-03T10:00:00.000Z' });
    expect(event.data).toMatchObject({ alarmKey: 'db-down', serviceId: 'checkout-api', severity: 'critical', raisedAt: '2026-11-03T10:00:00.000Z' });
    expect(collector.messages.find((m) => (m.value as { id: string }).id === event.id)!.key).toBe(`${tenant}/checkout-api`);
  });

  it('answers duplicate for a raise of an active alarm and ignored for a clear of an unknown one', async () => {
    const tenant = uniqueTenant();
    const token = await tokenFor(tenant);
    const { body } = await post({ alarms: [alarm(), alarm(), alarm({ alarmId: 'unknown', status: 'cleared' }), alarm({ status: 'cleared', occurredAt: '2026-11-03T11:00:00Z' })] }, token);
    expect(body.results.map((r) => r.result)).toEqual(['recorded', 'duplicate', 'ignored', 'recorded']);
    const cleared = await collector.waitForEvent(tenant, 'alarm-cleared');
    expect(cleared.data).toMatchObject({ resolution: 'resolved', raisedAt: '2026-11-03T10:00:00.000Z', clearedAt: '2026-11-03T11:00:00.000Z' });
    expect(cleared.sequence).toBe(2);
  });

  it('rejects bad input with a 400 naming the field and the rule, and stores nothing of the request', async () => {
    const tenant = uniqueTenant();
    const token = await tokenFor(tenant);
    const { status, body } = await post({ alarms: [alarm(), alarm({ alarmId: 'b', severity: 'catastrophic' })] }, token);
    expect(status).toBe(400);
    expect(body.errors).toEqual([expect.objectContaining({ field: 'alarms.1.severity', rule: 'isIn' })]);
    expect(body.message).toContain('alarms.1.severity');

    const missing = await post({ alarmId: 'x', severity: 'critical', status: 'raised', summary: 's', occurredAt: '2026-11-03T10:00:00Z' }, token);
    expect(missing.status).toBe(400);
    expect(missing.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'serviceId' })]));

    const future = await post(alarm({ occurredAt: '2099-01-01T00:00:00Z' }), token);
    expect(future.body.errors).toEqual([expect.objectContaining({ field: 'occurredAt', rule: 'notInFuture' })]);

    const notJson = await post('{"alarmId":', token);
    expect(notJson.status).toBe(400);

    const tooMany = await post({ alarms: Array.from({ length: 1001 }, (_, i) => alarm({ alarmId: `a${i}` })) }, token);
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors[0]).toMatchObject({ field: 'alarms', rule: 'arrayMaxSize' });

    expect(await storedEvents(tenant)).toBe(0);
  });

  it('answers 401 without a token or with a token it cannot verify, and 403 without the scope or for another tenant header', async () => {
    const tenant = uniqueTenant();
    expect((await post(alarm(), undefined)).status).toBe(401);
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT({ tenant, scope: 'alarms:write' }).setProtectedHeader({ alg: 'ES256' })
      .setIssuer('vigil').setAudience('vigil').setSubject('mallory').setIssuedAt().setExpirationTime('5m').sign(privateKey);
    const rejected = await post(alarm(), forged);
    expect(rejected.status).toBe(401);
    expect(rejected.body).not.toHaveProperty('stack');
    expect((await post(alarm(), await tokenFor(tenant, ['reports:read']))).status).toBe(403);
    expect((await post(alarm(), await tokenFor(tenant), { 'x-tenant-id': 'someone-else' })).status).toBe(403);
    expect(await storedEvents(tenant)).toBe(0);
  });

  it('replays the first answer for a repeated Idempotency-Key and refuses its reuse for another request', async () => {
    const tenant = uniqueTenant();
    const token = await tokenFor(tenant);
    const first = await post(alarm(), token, { 'idempotency-key': 'k-1' });
    const again = await post(alarm(), token, { 'idempotency-key': 'k-1' });
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    expect(await storedEvents(tenant)).toBe(1);
    const reused = await post(alarm({ alarmId: 'other' }), token, { 'idempotency-key': 'k-1' });
    expect(reused.status).toBe(422);
  });

  it('serializes concurrent writers of one alarm through the stream version', async () => {
    const tenant = uniqueTenant();
    const token = await tokenFor(tenant);
    const answers = await Promise.all(Array.from({ length: 8 }, () => post(alarm(), token)));
    const results = answers.map((a) => a.body.results[0].result).sort();
    expect(results).toEqual(['duplicate', 'duplicate', 'duplicate', 'duplicate', 'duplicate', 'duplicate', 'duplicate', 'recorded']);
    expect(await storedEvents(tenant)).toBe(1);
  });
});
