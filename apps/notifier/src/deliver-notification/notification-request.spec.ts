import { createHmac } from 'node:crypto';
import { newEvent, type EscalationReason } from '@vigil/contracts';
import type { TriggerContext } from '../delivery-log/delivery';
import { acknowledgeUrl, buildSlackBody, buildWebhookBody, prepareDelivery, signBody, type WebhookBody } from './notification-request';

const escalationId = '0196a4b0-0000-7000-8000-0000000000e1';
const alarm = { alarmKey: 'fp-42', serviceId: 'checkout-api', severity: 'critical' as const, summary: 'Checkout <5xx> & timeouts' };
const reason: EscalationReason = { trigger: 'sla-breached', eventId: '0196a4b0-0000-7000-8000-000000000001', policy: 'checkout-availability', detail: 'budget exhausted' };
const context = { escalationBaseUrl: 'https://escalation.example.com/' };

const triggered = newEvent({
  type: 'escalation-triggered', tenantId: 'acme', subject: escalationId, occurredAt: '2026-11-03T10:00:00.000Z',
  data: { escalationId, policy: 'critical-paging', level: 1, round: 2, targets: ['ops-webhook'], serviceId: alarm.serviceId, alarms: [alarm], reason },
});
const resolved = newEvent({
  type: 'escalation-resolved', tenantId: 'acme', subject: escalationId, occurredAt: '2026-11-03T11:00:00.000Z',
  data: { escalationId, alarm, resolvedAt: '2026-11-03T11:00:00.000Z' },
});
const acknowledged = newEvent({
  type: 'escalation-acknowledged', tenantId: 'acme', subject: escalationId, occurredAt: '2026-11-03T10:05:00.000Z',
  data: { escalationId, alarm, acknowledgedBy: 'ada', acknowledgedAt: '2026-11-03T10:05:00.000Z' },
});
const paged: TriggerContext = { policy: 'critical-paging', level: 1, round: 2, reason };

describe('signBody', () => {
  it('is sha256= and the hex HMAC-SHA256 of the body with the secret', () => {
    expect(signBody('The quick brown fox jumps over the lazy dog', 'key')).toBe(
      'sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8',
    );
  });

  it('signs bytes, so a receiver hashing the raw body gets the same value for non-ASCII text', () => {
    const body = JSON.stringify({ summary: 'Störung – Zahlungen' });
    expect(signBody(body, 's3cret')).toBe(`sha256=${createHmac('sha256', 's3cret').update(Buffer.from(body, 'utf8')).digest('hex')}`);
  });
});

describe('buildWebhookBody', () => {
  it('names the alarm, the escalation level and round, the reason and the acknowledge link of a trigger', () => {
    expect(buildWebhookBody(triggered, context)).toEqual<WebhookBody>({
      type: 'escalation-triggered',
      eventId: triggered.id,
      tenantId: 'acme',
      occurredAt: '2026-11-03T10:00:00.000Z',
      escalation: { id: escalationId, policy: 'critical-paging', level: 1, round: 2 },
      alarm,
      reason,
      links: { acknowledge: `https://escalation.example.com/api/v1/escalations/${escalationId}/acknowledge` },
    });
  });

  it('tells a paged channel that the escalation resolved, with the level it was paged at and no acknowledge link', () => {
    const body = buildWebhookBody(resolved, { ...context, trigger: paged });
    expect(body).toMatchObject({ type: 'escalation-resolved', resolvedAt: '2026-11-03T11:00:00.000Z', escalation: { id: escalationId, level: 1, round: 2 }, reason, links: {} });
  });

  it('says who acknowledged and when', () => {
    expect(buildWebhookBody(acknowledged, { ...context, trigger: paged })).toMatchObject({
      type: 'escalation-acknowledged', acknowledgement: { by: 'ada', at: '2026-11-03T10:05:00.000Z' },
    });
  });
});

describe('acknowledgeUrl', () => {
  it('joins the base URL and the escalation id without a double slash', () => {
    expect(acknowledgeUrl('http://127.0.0.1:4003', 'e1')).toBe('http://127.0.0.1:4003/api/v1/escalations/e1/acknowledge');
    expect(acknowledgeUrl('http://127.0.0.1:4003//', 'e1')).toBe('http://127.0.0.1:4003/api/v1/escalations/e1/acknowledge');
  });
});

describe('buildSlackBody', () => {
  it('names alarm, severity, service and level in the text, escaping Slack markup', () => {
    const body = buildSlackBody(triggered, context);
    expect(body.text).toBe(':rotating_light: [CRITICAL] checkout-api: Checkout &lt;5xx&gt; &amp; timeouts (alarm fp-42, level 1, round 2)');
    expect(JSON.stringify(body.blocks)).toContain(`<https://escalation.example.com/api/v1/escalations/${escalationId}/acknowledge|Acknowledge>`);
    expect(body.blocks[1]).toEqual({
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: '*Alarm*\nfp-42' },
        { type: 'mrkdwn', text: '*Severity*\ncritical' },
        { type: 'mrkdwn', text: '*Service*\ncheckout-api' },
        { type: 'mrkdwn', text: '*Level*\n1' },
      ],
    });
  });

  it('announces a resolution', () => {
    expect(buildSlackBody(resolved, { ...context, trigger: paged }).text).toMatch(/^:white_check_mark: Resolved — \[CRITICAL\] checkout-api/);
  });
});

describe('prepareDelivery', () => {
  const webhook = { name: 'ops-webhook', spec: { type: 'webhook' as const, url: 'https://hooks.example.com/vigil', secret: 'change-me' } };

  it('posts the webhook body with idempotency key, event type and the signature of the exact body', () => {
    const prepared = prepareDelivery(webhook, 'ops-webhook', triggered, context);
    if (prepared.kind !== 'http') throw new Error(`expected a request, got ${prepared.kind}`);
    expect(prepared.request.url).toBe('https://hooks.example.com/vigil');
    expect(JSON.parse(prepared.request.body)).toEqual(buildWebhookBody(triggered, context));
    expect(prepared.request.headers).toEqual({
      'Content-Type': 'application/json',
      'User-Agent': 'vigil-notifier',
      'Idempotency-Key': `${triggered.id}:ops-webhook`,
      'X-Vigil-Event': 'escalation-triggered',
      'X-Vigil-Signature': signBody(prepared.request.body, 'change-me'),
    });
  });

  it('sends no signature for a channel without a secret', () => {
    const prepared = prepareDelivery({ name: 'plain', spec: { type: 'webhook', url: 'http://127.0.0.1:9/x' } }, 'plain', triggered, context);
    if (prepared.kind !== 'http') throw new Error(`expected a request, got ${prepared.kind}`);
    expect(prepared.request.headers).not.toHaveProperty('X-Vigil-Signature');
  });

  it('posts the Slack incoming-webhook body to a slack channel', () => {
    const prepared = prepareDelivery({ name: 'oncall-slack', spec: { type: 'slack', url: 'https://hooks.slack.com/services/T/B/X' } }, 'oncall-slack', triggered, context);
    if (prepared.kind !== 'http') throw new Error(`expected a request, got ${prepared.kind}`);
    expect(JSON.parse(prepared.request.body)).toEqual(buildSlackBody(triggered, context));
  });

  it('fails at once for a channel that does not exist, naming it', () => {
    expect(prepareDelivery(undefined, 'ghost', triggered, context)).toEqual({
      kind: 'fail', channelType: 'unknown', reason: 'no NotificationChannel named ghost for tenant acme',
    });
  });

  it('posts an Events API v2 trigger to PagerDuty, to the default endpoint unless the channel names one', () => {
    const prepared = prepareDelivery({ name: 'pd', spec: { type: 'pagerduty', routingKey: 'R0UT1NG' } }, 'pd', triggered, context);
    if (prepared.kind !== 'http') throw new Error(`expected a request, got ${prepared.kind}`);
    expect(prepared.request.url).toBe('https://events.pagerduty.com/v2/enqueue');
    expect(prepared.breaker).toBe('pagerduty:events.pagerduty.com');
    expect(JSON.parse(prepared.request.body)).toMatchObject({ routing_key: 'R0UT1NG', event_action: 'trigger', dedup_key: escalationId });
    expect(prepared.request.headers['Idempotency-Key']).toBe(`${triggered.id}:pd`);
    const local = prepareDelivery({ name: 'pd', spec: { type: 'pagerduty', routingKey: 'R', url: 'http://127.0.0.1:9/v2/enqueue' } }, 'pd', triggered, context);
    expect(local).toMatchObject({ kind: 'http', breaker: 'pagerduty:127.0.0.1:9', request: { url: 'http://127.0.0.1:9/v2/enqueue' } });
  });

  it('mails through the channel\'s SMTP server, with a breaker per server', () => {
    const spec = { type: 'email' as const, host: 'smtp.example.com', port: 587, auth: { user: 'vigil', pass: 'pw' }, from: 'vigil@example.com', to: ['ops@example.com'] };
    const prepared = prepareDelivery({ name: 'ops-mail', spec }, 'ops-mail', triggered, context);
    expect(prepared).toMatchObject({
      kind: 'email', channelType: 'email', breaker: 'smtp:smtp.example.com:587',
      smtp: { host: 'smtp.example.com', port: 587, secure: false, auth: { user: 'vigil', pass: 'pw' } },
      message: { from: 'vigil@example.com', to: ['ops@example.com'] },
    });
  });

  it('fails at once for a channel stored without what its type needs', () => {
    expect(prepareDelivery({ name: 'mail', spec: { type: 'email', to: ['ops@example.com'] } }, 'mail', triggered, context)).toEqual({
      kind: 'fail', channelType: 'email', reason: 'channel mail has no host',
    });
    expect(prepareDelivery({ name: 'pd', spec: { type: 'pagerduty' } }, 'pd', triggered, context)).toEqual({
      kind: 'fail', channelType: 'pagerduty', reason: 'channel pd has no routingKey',
    });
  });

  it('fails at once for a disabled channel', () => {
    expect(prepareDelivery({ name: 'ops-webhook', spec: { ...webhook.spec, enabled: false } }, 'ops-webhook', triggered, context)).toMatchObject({
      kind: 'fail', reason: 'channel ops-webhook is disabled',
    });
  });
});
