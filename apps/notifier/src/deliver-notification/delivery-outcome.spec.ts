import { Topics, newEvent, parseEvent } from '@vigil/contracts';
import type { Delivery } from '../delivery-log/delivery';
import { BREAKER_RECHECK_MS, breakerWaitMs, consequencesOf, type SendOutcome } from './delivery-outcome';

const escalationId = '0196a4b0-0000-7000-8000-0000000000e1';
const event = newEvent({
  type: 'escalation-triggered', tenantId: 'acme', subject: escalationId, occurredAt: '2026-11-03T10:00:00.000Z',
  data: {
    escalationId, policy: 'critical-paging', level: 0, round: 0, targets: ['ops-webhook'],
    serviceId: 'checkout-api', alarms: [{ alarmKey: 'fp-1', serviceId: 'checkout-api', severity: 'critical', summary: 'down' }],
    reason: { trigger: 'alarm-raised', eventId: '0196a4b0-0000-7000-8000-000000000001' },
  },
});
const delivery: Delivery = {
  id: '7', tenantId: 'acme', escalationEventId: event.id, escalationId, eventType: 'escalation-triggered', channel: 'ops-webhook',
  event, status: 'pending', attempts: 0,
};
const now = new Date('2026-11-03T10:00:01.000Z');

describe('consequencesOf', () => {
  it('marks a delivery delivered and announces it, caused by the escalation event, on the service key', () => {
    const result = consequencesOf(delivery, { delivered: true, channelType: 'webhook', statusCode: 204, attempts: 3 }, now);
    expect(result.log).toEqual({ status: 'delivered', channelType: 'webhook', attempts: 3, statusCode: 204 });
    expect(result.key).toBe('acme/checkout-api');
    expect(result.deadLetter).toBeUndefined();
    expect(result.event).toMatchObject({
      type: 'notification-delivered', tenantId: 'acme', subject: escalationId, occurredAt: now.toISOString(),
      causationId: event.id, correlationId: event.correlationId,
      data: { escalationEventId: event.id, escalationId, channel: 'ops-webhook', channelType: 'webhook', attempts: 3, statusCode: 204 },
    });
    expect(() => parseEvent(JSON.parse(JSON.stringify(result.event)))).not.toThrow();
  });

  it('marks a failure failed, announces it with the reason and dead-letters the escalation event for a replay', () => {
    const result = consequencesOf(delivery, { delivered: false, channelType: 'webhook', statusCode: 400, attempts: 1, reason: 'receiver answered HTTP 400' }, now);
    expect(result.log).toEqual({ status: 'failed', channelType: 'webhook', attempts: 1, statusCode: 400, error: 'receiver answered HTTP 400' });
    expect(result.event).toMatchObject({ type: 'notification-failed', data: { reason: 'receiver answered HTTP 400', statusCode: 400, attempts: 1 } });
    expect(() => parseEvent(JSON.parse(JSON.stringify(result.event)))).not.toThrow();
    expect(result.deadLetter?.record).toMatchObject({
      kind: 'notification-dead-letter', tenantId: 'acme', escalationEventId: event.id, channel: 'ops-webhook', reason: 'receiver answered HTTP 400',
      idempotencyKey: `${event.id}:ops-webhook`, notificationFailedEventId: result.event.id, escalationEvent: event, failedAt: now.toISOString(),
    });
    expect(result.deadLetter?.headers).toMatchObject({ 'dlq-reason': 'receiver answered HTTP 400', 'dlq-source-topic': Topics.escalationEvents });
  });

  it('counts a delivery refused before any call as one failed attempt', () => {
    const result = consequencesOf(delivery, { delivered: false, channelType: 'unknown', attempts: 0, reason: 'no NotificationChannel named ops-webhook' }, now);
    expect(result.event.data.attempts).toBe(1);
  });
});

describe('breakerWaitMs', () => {
  const refused: SendOutcome = { delivered: false, channelType: 'webhook', attempts: 0, reason: 'webhook:hooks.example.com is open', breakerOpen: true };
  const maxWait = 15 * 60_000;

  it('waits until the breaker lets a trial call through', () => {
    expect(breakerWaitMs(refused, 0, 42_000, maxWait)).toBe(42_000);
  });

  it('asks again after a short pause while a trial call is on its way', () => {
    expect(breakerWaitMs(refused, 0, 0, maxWait)).toBe(BREAKER_RECHECK_MS);
  });

  it('fails a delivery that would have waited longer than the limit, counted from when it fell due', () => {
    expect(breakerWaitMs(refused, maxWait - 60_000, 60_000, maxWait)).toBe(60_000);
    expect(breakerWaitMs(refused, maxWait - 59_999, 60_000, maxWait)).toBeUndefined();
    expect(breakerWaitMs(refused, 0, 1, 0)).toBeUndefined();
  });

  it('never holds back a delivery the receiver itself failed or answered', () => {
    expect(breakerWaitMs({ delivered: false, channelType: 'webhook', attempts: 4, statusCode: 502, reason: 'receiver answered HTTP 502' }, 0, 0, maxWait)).toBeUndefined();
    expect(breakerWaitMs({ delivered: true, channelType: 'webhook', attempts: 1, statusCode: 200 }, 0, 0, maxWait)).toBeUndefined();
  });
});
