import { DataSource } from 'typeorm';
import { issueToken } from '@vigil/auth';
import { NotificationsRedriveRoute, type NotificationChannelSpec } from '@vigil/contracts';
import { EventCollector } from '@vigil/messaging/testing';
import { eventually, testEnv, uniqueTenant } from '@vigil/testing';
import { AppModule } from '../app.module';
import { triggered, useNotifier } from '../testing/notifier-test-kit';

const env = testEnv();
Object.assign(process.env, {
  NOTIFIER_RETRY_INITIAL_MS: '50', NOTIFIER_RETRY_MAX_MS: '200', NOTIFIER_RETRY_ATTEMPTS: '3',
  // A receiver that hangs is released by the test, not by the timeout.
  NOTIFIER_TIMEOUT_MS: '60000',
  // An open breaker lets a trial call through after 1.5 s instead of a minute.
  NOTIFIER_BREAKER_HALF_OPEN_MS: '1500',
  NOTIFIER_DELIVERY_WORKERS: '4', NOTIFIER_BULKHEAD_LIMIT: '2',
});

interface Breaker { name: string; state: string }

describe('notifier deliveries under failing and hanging receivers, against real Kafka and PostgreSQL', () => {
  const harness = useNotifier(AppModule);
  const { kit } = harness;
  let base: string;
  let collector: EventCollector;
  beforeAll(() => ({ base, collector } = harness));

  const applyChannel = (tenantId: string, name: string, spec: NotificationChannelSpec) => kit.applyChannel(base, tenantId, name, spec);
  const breakers = async (): Promise<Breaker[]> => ((await (await fetch(`${base}/reliability`)).json()) as { breakers: Breaker[] }).breakers;
  const delivered = (tenant: string, channel: string) => collector.events(tenant, 'notification-delivered').filter((e) => e.data.channel === channel);
  const failed = (tenant: string, channel: string) => collector.events(tenant, 'notification-failed').filter((e) => e.data.channel === channel);

  async function redrive(tenant: string, body: Record<string, unknown> = {}) {
    const token = await issueToken({ tenantId: tenant, scopes: ['admin'], home: env.VIGIL_HOME });
    const response = await fetch(`${base}${NotificationsRedriveRoute}`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as { count: number; deliveries: Array<{ escalationEventId: string; channel: string }> } };
  }

  it('keeps delivering to a healthy channel while another channel\'s receiver hangs', async () => {
    const tenant = uniqueTenant();
    const hanging = await kit.receiver(() => 'hang');
    const healthy = await kit.receiver();
    await applyChannel(tenant, 'stuck-hook', { type: 'webhook', url: hanging.url });
    await applyChannel(tenant, 'ops-webhook', { type: 'webhook', url: healthy.url });
    const stuck = Array.from({ length: 4 }, () => triggered(tenant, ['stuck-hook']));
    const fine = Array.from({ length: 5 }, () => triggered(tenant, ['ops-webhook']));

    await kit.produce(...stuck);
    await eventually('the hanging receiver to hold two calls', async () => hanging.requests.length === 2);
    await kit.produce(...fine);

    await eventually('every delivery to the healthy channel', async () => delivered(tenant, 'ops-webhook').length === 5);
    // Meanwhile the hanging channel has had no more than its two workers, and nothing of it has finished.
    expect(hanging.requests).toHaveLength(2);
    expect(delivered(tenant, 'stuck-hook')).toHaveLength(0);
    expect(failed(tenant, 'stuck-hook')).toHaveLength(0);
    expect(delivered(tenant, 'ops-webhook').map((e) => e.data.attempts)).toEqual([1, 1, 1, 1, 1]);

    // Gone for good: the held calls break off. A delivery that runs out of retries fails and is dead-lettered;
    // once the failures open the host's breaker, the rest wait for it rather than fail (ADR 0022).
    await hanging.close();
    const stuckIds = stuck.map((e) => e.id);
    const ends = await eventually('every stuck delivery failed or waiting for the breaker', async () => {
      const rows: Array<{ status: string; waiting: boolean }> = await harness.app.get(DataSource).query(
        `select status, coalesce(last_error like '%waiting for it to let a call through', false) as waiting
         from notifier.deliveries where escalation_event_id = any($1::uuid[])`, [stuckIds]);
      return rows.length === 4 && rows.every((r) => r.status === 'failed' || (r.status === 'pending' && r.waiting)) && rows;
    });
    // Four deliveries of four attempts each would take 16 failures; the breaker opens at the fifth.
    expect(ends.some((r) => r.waiting)).toBe(true);
    const failures = ends.filter((r) => r.status === 'failed').length;
    await eventually('each failure announced', async () => failed(tenant, 'stuck-hook').length === failures);
    expect(delivered(tenant, 'stuck-hook')).toHaveLength(0);
  });

  it('opens the breaker of a receiver answering 500s while a healthy channel keeps delivering, holds the next delivery until a trial call finds the receiver back; redrive sends the failed one again, once', async () => {
    const tenant = uniqueTenant();
    let broken = true;
    const flaky = await kit.receiver(() => ({ status: broken ? 500 : 200 }));
    const healthy = await kit.receiver();
    await applyChannel(tenant, 'flaky-hook', { type: 'webhook', url: flaky.url });
    await applyChannel(tenant, 'ops-webhook', { type: 'webhook', url: healthy.url });
    const first = triggered(tenant, ['flaky-hook', 'ops-webhook']);
    const second = triggered(tenant, ['flaky-hook', 'ops-webhook']);
    const breakerState = async () => (await breakers()).find((b) => b.name === `webhook:${flaky.host}`)?.state;

    await kit.produce(first);
    await eventually('the first to fail', async () => failed(tenant, 'flaky-hook').length === 1);
    await kit.produce(second);
    // The second's first attempt is the fifth failure in a row: the breaker opens and refuses its retries.
    await eventually('the breaker to open', async () => flaky.requests.length >= 5 && (await breakerState()) === 'open');
    await eventually('the healthy channel to get both', async () => delivered(tenant, 'ops-webhook').length === 2);
    expect(healthy.requests).toHaveLength(2);

    // The receiver failed for everyone, not for the second delivery: it waits for the breaker,
    // coming back with each trial call, instead of failing and being dead-lettered.
    await eventually('a trial call for the held delivery', async () => flaky.requests.length >= 6, 20_000);
    expect(failed(tenant, 'flaky-hook').map((e) => e.data.reason)).toEqual(['receiver answered HTTP 500: status 500 (after 4 attempts)']);
    expect(delivered(tenant, 'flaky-hook')).toHaveLength(0);

    // The receiver comes back: the next trial call delivers the held one and closes the breaker.
    broken = false;
    const recovered = await eventually('the held delivery after recovery', async () => delivered(tenant, 'flaky-hook').find((e) => e.data.escalationEventId === second.id), 20_000);
    expect(recovered.data.attempts).toBeGreaterThanOrEqual(1);
    expect(await breakerState()).toBe('closed');
    expect(failed(tenant, 'flaky-hook')).toHaveLength(1);

    // The dead-lettered delivery, sent again with its own Idempotency-Key.
    const dryRun = await redrive(tenant, { dryRun: true });
    expect(dryRun.body.count).toBe(1);
    const redriven = await redrive(tenant, { channel: 'flaky-hook' });
    expect(redriven.status).toBe(200);
    expect(redriven.body.deliveries.map((d) => d.escalationEventId)).toEqual([first.id]);
    expect((await redrive(tenant)).body.count).toBe(0);
    await eventually('the redriven delivery', async () => delivered(tenant, 'flaky-hook').length === 2);
    expect(new Set(flaky.requests.map((r) => r.headers['idempotency-key']))).toEqual(new Set([`${first.id}:flaky-hook`, `${second.id}:flaky-hook`]));
    expect((await redrive(tenant)).body.count).toBe(0);
  });

  it('refuses a redrive without the admin scope and names a bad filter', async () => {
    const tenant = uniqueTenant();
    const reader = await issueToken({ tenantId: tenant, scopes: ['escalations:write'], home: env.VIGIL_HOME });
    const refused = await fetch(`${base}${NotificationsRedriveRoute}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${reader}` }, body: '{}' });
    expect(refused.status).toBe(403);
    const bad = await redrive(tenant, { escalationId: 'nope', limit: 0 });
    expect(bad.status).toBe(400);
    expect((bad.body as unknown as { errors: Array<{ field: string }> }).errors.map((e) => e.field).sort()).toEqual(['escalationId', 'limit']);
  });
});
