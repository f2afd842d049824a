import { createHmac } from 'node:crypto';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import { issueToken } from '@vigil/auth';
import { Topics, type NotificationChannelSpec } from '@vigil/contracts';
import { EventCollector } from '@vigil/messaging/testing';
import { eventually, testEnv, uniqueTenant } from '@vigil/testing';
import { AppModule } from '../app.module';
import { DeliveryTimerKind, deliverySubject } from '../delivery-log/delivery';
import { DeliveryLogRepository } from '../delivery-log/delivery-log.repository';
import { acknowledgedAfter, resolvedAfter, testAlarm, triggered, triggeredV1, useNotifier, type NotifierTestKit, type startReceiver } from '../testing/notifier-test-kit';
import { DeliverNotificationHandler } from './deliver-notification.handler';
import { DeliveryWorkers } from './delivery-workers';

const env = testEnv();
// Short backoffs so retries take milliseconds, not seconds.
Object.assign(process.env, { NOTIFIER_RETRY_INITIAL_MS: '50', NOTIFIER_RETRY_MAX_MS: '200', NOTIFIER_RETRY_ATTEMPTS: '3' });

describe('notifier delivering escalations against real Kafka and PostgreSQL', () => {
  const harness = useNotifier(AppModule);
  const { kit } = harness;
  let app: NestExpressApplication;
  let base: string;
  let dataSource: DataSource;
  let collector: EventCollector;
  beforeAll(() => {
    ({ app, base, collector } = harness);
    dataSource = app.get(DataSource);
  });

  const receiver = (answer?: Parameters<typeof startReceiver>[0]) => kit.receiver(answer);
  const applyChannel = (tenantId: string, name: string, spec: NotificationChannelSpec) => kit.applyChannel(base, tenantId, name, spec);
  const produce: NotifierTestKit['produce'] = (...events) => kit.produce(...events);

  const deliveries = (tenantId: string) =>
    dataSource.query(`select channel, event_type, status, attempts, status_code, last_error from notifier.deliveries where tenant_id = $1 order by id`, [tenantId]);

  const deadLetters = (tenantId: string) =>
    collector.messages.filter((m) => m.topic === Topics.notificationDeadLetters && (m.value as { tenantId?: string }).tenantId === tenantId);

  it('publishes a channel’s config-applied without its secret, which stays in the notifier’s own table', async () => {
    const tenant = uniqueTenant();
    const configEvents = await EventCollector.start(env.KAFKA_BROKERS, [Topics.configEvents]);
    try {
      await applyChannel(tenant, 'signed-hook', { type: 'webhook', url: 'https://hooks.example.com/vigil', secret: 'do-not-publish' });
      const applied = await configEvents.waitForEvent(tenant, 'config-applied');
      expect(applied.data).toMatchObject({ kind: 'NotificationChannel', name: 'signed-hook', spec: { type: 'webhook', url: 'https://hooks.example.com/vigil', secret: '[redacted]' } });
      expect(JSON.stringify(configEvents.messages.map((m) => m.value))).not.toContain('do-not-publish');
      const [stored] = await dataSource.query(`select spec from notifier.config_documents where tenant_id = $1 and name = 'signed-hook'`, [tenant]);
      expect(stored.spec.secret).toBe('do-not-publish');
    } finally {
      await configEvents.stop();
    }
  });

  it('posts an escalation-triggered to a webhook with the alarm, a valid signature and an Idempotency-Key, then announces notification-delivered', async () => {
    const tenant = uniqueTenant();
    const hook = await receiver();
    await applyChannel(tenant, 'ops-webhook', { type: 'webhook', url: hook.url, secret: 'change-me' });
    const event = triggered(tenant, ['ops-webhook']);

    await produce(event);

    const delivered = await collector.waitForEvent(tenant, 'notification-delivered');
    expect(delivered).toMatchObject({
      subject: event.data.escalationId, causationId: event.id,
      data: { escalationEventId: event.id, escalationId: event.data.escalationId, channel: 'ops-webhook', channelType: 'webhook', attempts: 1, statusCode: 200 },
    });
    expect(hook.requests).toHaveLength(1);
    const [request] = hook.requests;
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['idempotency-key']).toBe(`${event.id}:ops-webhook`);
    expect(request.headers['x-vigil-event']).toBe('escalation-triggered');
    expect(request.headers['x-vigil-signature']).toBe(`sha256=${createHmac('sha256', 'change-me').update(request.raw).digest('hex')}`);
    expect(request.body).toMatchObject({
      type: 'escalation-triggered',
      eventId: event.id,
      escalation: { id: event.data.escalationId, level: 1, round: 0, policy: 'critical-paging' },
      alarm: { alarmKey: 'fp-db-down', serviceId: 'checkout-api', severity: 'critical', summary: 'Primary DB unreachable' },
      reason: { trigger: 'sla-breached', detail: 'error budget exhausted' },
      links: { acknowledge: `http://127.0.0.1:4003/api/v1/escalations/${event.data.escalationId}/acknowledge` },
    });
    expect(await deliveries(tenant)).toEqual([
      { channel: 'ops-webhook', event_type: 'escalation-triggered', status: 'delivered', attempts: 1, status_code: 200, last_error: null },
    ]);

    const reliability = await (await fetch(`${base}/reliability`)).json() as { breakers: Array<{ name: string; state: string }>; bulkheads: Array<{ name: string }> };
    expect(reliability.breakers).toContainEqual(expect.objectContaining({ name: `webhook:${hook.host}`, state: 'closed' }));
    expect(reliability.bulkheads).toContainEqual(expect.objectContaining({ name: `channel:${tenant}/ops-webhook` }));
  });

  it('retries a receiver that answers 500 twice and delivers on the third attempt, with the same Idempotency-Key each time', async () => {
    const tenant = uniqueTenant();
    const hook = await receiver((n) => ({ status: n <= 2 ? 500 : 200 }));
    await applyChannel(tenant, 'ops-webhook', { type: 'webhook', url: hook.url, secret: 'change-me' });
    const event = triggered(tenant, ['ops-webhook']);

    await produce(event);

    const delivered = await collector.waitForEvent(tenant, 'notification-delivered');
    expect(delivered.data).toMatchObject({ attempts: 3, statusCode: 200 });
    expect(hook.requests.map((r) => r.headers['idempotency-key'])).toEqual([`${event.id}:ops-webhook`, `${event.id}:ops-webhook`, `${event.id}:ops-webhook`]);
    expect(new Set(hook.requests.map((r) => r.raw.toString('utf8'))).size).toBe(1);
    expect(await deliveries(tenant)).toEqual([expect.objectContaining({ status: 'delivered', attempts: 3, status_code: 200 })]);
  });

  it('honours Retry-After on a 429 and then delivers', async () => {
    const tenant = uniqueTenant();
    const times: number[] = [];
    const hook = await receiver((n) => {
      times.push(Date.now());
      return n === 1 ? { status: 429, headers: { 'Retry-After': '1' } } : { status: 202 };
    });
    await applyChannel(tenant, 'ops-webhook', { type: 'webhook', url: hook.url });

    await produce(triggered(tenant, ['ops-webhook']));

    const delivered = await collector.waitForEvent(tenant, 'notification-delivered');
    expect(delivered.data).toMatchObject({ attempts: 2, statusCode: 202 });
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(950);
    expect(hook.requests[0].headers).not.toHaveProperty('x-vigil-signature');
  });

  it('does not retry a 400: marks the delivery failed, announces notification-failed and dead-letters it', async () => {
    const tenant = uniqueTenant();
    const hook = await receiver(() => ({ status: 400 }));
    await applyChannel(tenant, 'ops-webhook', { type: 'webhook', url: hook.url, secret: 'change-me' });
    const event = triggered(tenant, ['ops-webhook']);

    await produce(event);

    const failed = await collector.waitForEvent(tenant, 'notification-failed');
    expect(failed.data).toMatchObject({ channel: 'ops-webhook', attempts: 1, statusCode: 400, reason: 'receiver answered HTTP 400: status 400' });
    expect(hook.requests).toHaveLength(1);
    const [dead] = await eventually('the dead letter', async () => deadLetters(tenant).length > 0 && deadLetters(tenant));
    expect(dead.key).toBe(`${tenant}/checkout-api`);
    expect(dead.headers).toMatchObject({ 'dlq-reason': 'receiver answered HTTP 400: status 400', 'dlq-source-topic': Topics.escalationEvents });
    expect(dead.value).toMatchObject({
      kind: 'notification-dead-letter', escalationEventId: event.id, channel: 'ops-webhook', statusCode: 400,
      idempotencyKey: `${event.id}:ops-webhook`, notificationFailedEventId: failed.id, escalationEvent: { id: event.id, type: 'escalation-triggered' },
    });
    expect(await deliveries(tenant)).toEqual([expect.objectContaining({ status: 'failed', attempts: 1, status_code: 400, last_error: 'receiver answered HTTP 400: status 400' })]);
  });

  it('opens the host\'s circuit breaker after 5 consecutive failures, holds the next delivery while it is open, shows it at /reliability, and sends it once reset', async () => {
    const tenant = uniqueTenant();
    let answer = 502;
    const hook = await receiver(() => ({ status: answer }));
    await applyChannel(tenant, 'ops-webhook', { type: 'webhook', url: hook.url });
    const first = triggered(tenant, ['ops-webhook']);
    const second = triggered(tenant, ['ops-webhook']);

    // One after the other: the channel's two workers would otherwise interleave their attempts.
    await produce(first);
    const failed = await collector.waitForEvent(tenant, 'notification-failed');
    expect(failed.data).toMatchObject({ escalationEventId: first.id, reason: 'receiver answered HTTP 502: status 502 (after 4 attempts)' });
    await produce(second);

    // Its first attempt is the fifth failure in a row: the breaker opens and refuses the retry. The
    // receiver failed for everyone, not for this delivery: it stays pending and waits for the breaker.
    const breakerName = `webhook:${hook.host}`;
    const [held] = await eventually('the second delivery waiting for the breaker', async () => {
      const rows = await dataSource.query(
        `select d.status, d.attempts, d.last_error, t.retry_at > now() + interval '30 seconds' as later, t.fired_at
         from notifier.deliveries d join notifier.timers t on t.subject = d.escalation_event_id || '/' || d.channel
         where d.escalation_event_id = $1 and d.last_error is not null`, [second.id]);
      return rows.length > 0 && rows;
    });
    expect(held).toEqual({
      status: 'pending', attempts: 1, later: true, fired_at: null,
      last_error: `${breakerName} is open: the receiver failed repeatedly; not called; waiting for it to let a call through`,
    });
    expect(hook.requests).toHaveLength(5);
    expect(collector.events(tenant, 'notification-failed')).toHaveLength(1);
    expect(deadLetters(tenant)).toHaveLength(1);
    const breakers = async () => ((await (await fetch(`${base}/reliability`)).json()) as { breakers: Array<{ name: string; state: string }> }).breakers;
    expect(await breakers()).toContainEqual(expect.objectContaining({ name: breakerName, state: 'open' }));

    // The receiver is mended and an operator resets its breaker: the held delivery goes out when its wait ends.
    answer = 200;
    const token = await issueToken({ tenantId: tenant, scopes: ['admin'], home: env.VIGIL_HOME });
    const reset = await fetch(`${base}/reliability/circuit-breakers/${encodeURIComponent(breakerName)}/reset`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(reset.status).toBe(200);
    expect(await breakers()).toContainEqual(expect.objectContaining({ name: breakerName, state: 'closed' }));
    await dataSource.query(`update notifier.timers set retry_at = now() where subject = $1`, [deliverySubject(second.id, 'ops-webhook')]);
    const delivered = await collector.waitForEvent(tenant, 'notification-delivered');
    expect(delivered.data).toMatchObject({ escalationEventId: second.id, statusCode: 200 });
    expect(hook.requests).toHaveLength(6);
    expect(await deliveries(tenant)).toEqual(expect.arrayContaining([expect.objectContaining({ status: 'delivered', attempts: 2, status_code: 200 })]));
  });

  it('fails a delivery to a disabled channel and one to a channel nobody applied, dead-lettering both', async () => {
    const tenant = uniqueTenant();
    const hook = await receiver();
    await applyChannel(tenant, 'ops-webhook', { type: 'webhook', url: hook.url, enabled: false });

    await produce(triggered(tenant, ['ops-webhook', 'nobody']));

    await eventually('two failures', async () => collector.events(tenant, 'notification-failed').length === 2);
    expect(collector.events(tenant, 'notification-failed').map((e) => e.data.reason).sort()).toEqual([
      'channel ops-webhook is disabled',
      `no NotificationChannel named nobody for tenant ${tenant}`,
    ]);
    await eventually('two dead letters', async () => deadLetters(tenant).length === 2);
    expect(hook.requests).toHaveLength(0);
  });

  it('is idempotent if run twice: the same escalation-triggered consumed twice posts once', async () => {
    const tenant = uniqueTenant();
    const hook = await receiver();
    const marker = await receiver();
    await applyChannel(tenant, 'ops-webhook', { type: 'webhook', url: hook.url });
    await applyChannel(tenant, 'marker', { type: 'webhook', url: marker.url });
    const event = triggered(tenant, ['ops-webhook']);

    // Same key, same partition: once the marker is delivered, both copies have been consumed.
    await produce(event, event);
    await produce(triggered(tenant, ['marker']));

    await eventually('the marker delivered', async () => marker.requests.length === 1);
    await eventually('both deliveries finished', async () => (await deliveries(tenant)).every((d: { status: string }) => d.status === 'delivered'));
    expect(hook.requests).toHaveLength(1);
    expect((await deliveries(tenant)).filter((d: { channel: string }) => d.channel === 'ops-webhook')).toHaveLength(1);
    expect(collector.events(tenant, 'notification-delivered').filter((e) => e.data.escalationEventId === event.id)).toHaveLength(1);
  });

  it('tells the paged webhook and Slack channels when the escalation is acknowledged and when it resolves', async () => {
    const tenant = uniqueTenant();
    const hook = await receiver();
    const slack = await receiver();
    const bystander = await receiver();
    await applyChannel(tenant, 'ops-webhook', { type: 'webhook', url: hook.url, secret: 'change-me' });
    await applyChannel(tenant, 'oncall-slack', { type: 'slack', url: slack.url });
    await applyChannel(tenant, 'bystander', { type: 'webhook', url: bystander.url });
    const trigger = triggered(tenant, ['ops-webhook', 'oncall-slack']);
    const escalationId = trigger.data.escalationId;
    const acknowledged = acknowledgedAfter(trigger);
    const resolved = resolvedAfter(trigger);

    await produce(trigger, acknowledged, resolved);

    await eventually('six deliveries', async () => collector.events(tenant, 'notification-delivered').length === 6);
    expect(hook.requests.map((r) => r.headers['x-vigil-event'])).toEqual(['escalation-triggered', 'escalation-acknowledged', 'escalation-resolved']);
    expect(hook.requests[2].body).toMatchObject({ type: 'escalation-resolved', escalation: { id: escalationId, level: 1, round: 0 }, resolvedAt: resolved.data.resolvedAt });
    expect(hook.requests[1].body).toMatchObject({ acknowledgement: { by: 'ada' } });
    expect(slack.requests.map((r) => r.body.text)).toEqual([
      expect.stringMatching(/^:rotating_light: \[CRITICAL\] checkout-api: Primary DB unreachable \(alarm fp-db-down, level 1, round 0\)$/),
      expect.stringMatching(/^:eyes: Acknowledged by ada/),
      expect.stringMatching(/^:white_check_mark: Resolved/),
    ]);
    expect(slack.requests[0].body.blocks).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'section' })]));
    expect(bystander.requests).toHaveLength(0);
  });

  it('pages for a version 1 escalation-triggered still on the topic exactly as for its version 2, with the alarm of its v1 body', async () => {
    const tenant = uniqueTenant();
    const hook = await receiver();
    const slack = await receiver();
    await applyChannel(tenant, 'ops-webhook', { type: 'webhook', url: hook.url, secret: 'change-me' });
    await applyChannel(tenant, 'oncall-slack', { type: 'slack', url: slack.url });
    const old = triggeredV1(tenant, ['ops-webhook', 'oncall-slack']);
    const fresh = triggered(tenant, ['ops-webhook', 'oncall-slack'], old.data.escalationId);
    const current = { ...fresh, data: { ...fresh.data, reason: old.data.reason } };
    expect([old.version, old.data.alarm, current.version]).toEqual([1, testAlarm, 2]);

    await produce(old, acknowledgedAfter(old));
    await eventually('the v1 page and its acknowledgement delivered', async () => collector.events(tenant, 'notification-delivered').length === 4);
    await produce(current);
    await eventually('the v2 page delivered', async () => collector.events(tenant, 'notification-delivered').length === 6);

    const [oldPage, acknowledgement, currentPage] = hook.requests;
    const asPaged = (r: { body: Record<string, unknown> }) => ({ ...r.body, eventId: undefined, occurredAt: undefined });
    expect(oldPage.body).toMatchObject({ type: 'escalation-triggered', eventId: old.id, alarm: testAlarm, escalation: { id: old.data.escalationId, level: 1, round: 0 } });
    expect(asPaged(oldPage)).toEqual(asPaged(currentPage));
    expect(acknowledgement.body).toMatchObject({ type: 'escalation-acknowledged', alarm: testAlarm, escalation: { level: 1, round: 0, policy: 'critical-paging' } });
    expect(slack.requests.map((r) => r.body.text)).toEqual([
      expect.stringMatching(/^:rotating_light: \[CRITICAL\] checkout-api: Primary DB unreachable \(alarm fp-db-down, level 1, round 0\)$/),
      expect.stringMatching(/^:eyes: Acknowledged by ada/),
      expect.stringMatching(/^:rotating_light: \[CRITICAL\] checkout-api: Primary DB unreachable \(alarm fp-db-down, level 1, round 0\)$/),
    ]);
    const delivered = collector.events(tenant, 'notification-delivered').filter((e) => e.data.escalationEventId === old.id);
    expect(delivered.map((e) => collector.messages.find((m) => m.value === e)?.key)).toEqual([`${tenant}/checkout-api`, `${tenant}/checkout-api`]);
    const [logged] = await dataSource.query(`select event from notifier.deliveries where escalation_event_id = $1 and channel = 'ops-webhook'`, [old.id]);
    expect(logged.event).toMatchObject({ id: old.id, version: 2, data: { serviceId: 'checkout-api', alarms: [testAlarm] } });
  });

  it('delivers a page planned before version 2, whose delivery log row still holds the version 1 event', async () => {
    const tenant = uniqueTenant();
    const hook = await receiver();
    await applyChannel(tenant, 'ops-webhook', { type: 'webhook', url: hook.url });
    const old = triggeredV1(tenant, ['ops-webhook']);
    const workers = app.get(DeliveryWorkers);
    // As the notifier of the build before stored it: the event as consumed then, one `alarm`.
    await dataSource.transaction(async (manager) => {
      await manager.query(
        `insert into notifier.deliveries (tenant_id, escalation_event_id, escalation_id, event_type, channel, event) values ($1, $2, $3, $4, 'ops-webhook', $5::jsonb)`,
        [tenant, old.id, old.data.escalationId, old.type, JSON.stringify(old)],
      );
      await workers.timers.schedule(manager, {
        tenantId: tenant, kind: DeliveryTimerKind, subject: deliverySubject(old.id, 'ops-webhook'), dueAt: new Date(), payload: { escalationEventId: old.id, channel: 'ops-webhook' },
      });
    });
    workers.kick();

    const delivered = await collector.waitForEvent(tenant, 'notification-delivered');
    expect(delivered).toMatchObject({ causationId: old.id, data: { escalationEventId: old.id, escalationId: old.data.escalationId, channel: 'ops-webhook', statusCode: 200 } });
    expect(collector.messages.find((m) => m.value === delivered)?.key).toBe(`${tenant}/checkout-api`);
    expect(hook.requests).toHaveLength(1);
    expect(hook.requests[0].body).toMatchObject({ type: 'escalation-triggered', eventId: old.id, alarm: testAlarm, escalation: { id: old.data.escalationId, level: 1, round: 0 } });
  });

  it('posts again with the same Idempotency-Key when the process dies between the call and the commit', async () => {
    const tenant = uniqueTenant();
    const hook = await receiver();
    await applyChannel(tenant, 'ops-webhook', { type: 'webhook', url: hook.url });
    const event = triggered(tenant, ['ops-webhook']);
    const timers = app.get(DeliveryWorkers);
    const log = app.get(DeliveryLogRepository);
    const handler = app.get(DeliverNotificationHandler);
    const subject = deliverySubject(event.id, 'ops-webhook');
    // Planned as the consumer does, but due in 3 s so the service's own workers leave it to us first.
    await dataSource.transaction(async (manager) => {
      await log.plan(manager, event, 'ops-webhook');
      await timers.timers.schedule(manager, {
        tenantId: tenant, kind: DeliveryTimerKind, subject, dueAt: new Date(Date.now() + 3_000), payload: { escalationEventId: event.id, channel: 'ops-webhook' },
      });
    });

    // A "crash": the transaction that claimed the timer delivers, then dies before it commits.
    await expect(
      dataSource.transaction(async (manager) => {
        const [row] = await manager.query(
          'select id, tenant_id, kind, subject, due_at, payload from notifier.timers where tenant_id = $1 and subject = $2 for update',
          [tenant, subject],
        );
        await handler.deliver({ id: row.id, tenantId: row.tenant_id, kind: row.kind, subject: row.subject, dueAt: new Date(row.due_at), payload: row.payload }, manager);
        throw new Error('crash before commit');
      }),
    ).rejects.toThrow('crash before commit');
    expect(hook.requests).toHaveLength(1);
    expect(await deliveries(tenant)).toEqual([expect.objectContaining({ status: 'pending', attempts: 0 })]);

    // The timer is still there: the service fires it again when it falls due.
    await collector.waitForEvent(tenant, 'notification-delivered');
    expect(hook.requests.map((r) => r.headers['idempotency-key'])).toEqual([`${event.id}:ops-webhook`, `${event.id}:ops-webhook`]);
    expect(await deliveries(tenant)).toEqual([expect.objectContaining({ status: 'delivered', attempts: 1 })]);

    // A late re-fire after the success finds the delivery done and calls nobody.
    await dataSource.transaction(async (manager) => {
      await handler.deliver({ id: '0', tenantId: tenant, kind: DeliveryTimerKind, subject, dueAt: new Date(), payload: { escalationEventId: event.id, channel: 'ops-webhook' } }, manager);
    });
    expect(hook.requests).toHaveLength(2);
  });
});
