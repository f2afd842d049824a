import { newEvent, type EscalationReason } from '@vigil/contracts';
import { buildPagerDutyEvent } from './pagerduty-event';

const escalationId = '0196a4b0-0000-7000-8000-0000000000e1';
const alarm = { alarmKey: 'fp-42', serviceId: 'checkout-api', severity: 'major' as const, summary: 'Checkout slow' };
const reason: EscalationReason = { trigger: 'sla-at-risk', eventId: '0196a4b0-0000-7000-8000-000000000001', detail: '75% of the budget used' };
const context = { escalationBaseUrl: 'https://escalation.example.com' };

describe('buildPagerDutyEvent', () => {
  it('triggers an incident keyed by the escalation, with severity, source, summary and an acknowledge link', () => {
    const event = newEvent({
      type: 'escalation-triggered', tenantId: 'acme', subject: escalationId, occurredAt: '2026-11-03T10:00:00.000Z',
      data: { escalationId, policy: 'paging', level: 1, round: 0, targets: ['pd'], serviceId: alarm.serviceId, alarms: [alarm], reason },
    });
    expect(buildPagerDutyEvent(event, 'R0UT1NG', context)).toEqual({
      routing_key: 'R0UT1NG',
      event_action: 'trigger',
      dedup_key: escalationId,
      payload: {
        summary: '[MAJOR] checkout-api: Checkout slow',
        source: 'checkout-api',
        severity: 'error',
        timestamp: '2026-11-03T10:00:00.000Z',
        component: 'checkout-api',
        class: 'sla-at-risk',
        custom_details: { alarmKey: 'fp-42', tenantId: 'acme', policy: 'paging', level: 1, round: 0, reason: '75% of the budget used', escalationEventId: event.id },
      },
      client: 'Vigil',
      links: [{ href: `https://escalation.example.com/api/v1/escalations/${escalationId}/acknowledge`, text: 'Acknowledge in Vigil' }],
    });
  });

  it('acknowledges and resolves the same incident by its dedup key', () => {
    const acknowledged = newEvent({
      type: 'escalation-acknowledged', tenantId: 'acme', subject: escalationId, occurredAt: '2026-11-03T10:05:00.000Z',
      data: { escalationId, alarm, acknowledgedBy: 'ada', acknowledgedAt: '2026-11-03T10:05:00.000Z' },
    });
    const resolved = newEvent({
      type: 'escalation-resolved', tenantId: 'acme', subject: escalationId, occurredAt: '2026-11-03T11:00:00.000Z',
      data: { escalationId, alarm, resolvedAt: '2026-11-03T11:00:00.000Z' },
    });
    expect(buildPagerDutyEvent(acknowledged, 'R', context)).toEqual({ routing_key: 'R', event_action: 'acknowledge', dedup_key: escalationId });
    expect(buildPagerDutyEvent(resolved, 'R', context)).toEqual({ routing_key: 'R', event_action: 'resolve', dedup_key: escalationId });
  });

  it('cuts a summary longer than PagerDuty takes', () => {
    const event = newEvent({
      type: 'escalation-triggered', tenantId: 'acme', subject: escalationId, occurredAt: '2026-11-03T10:00:00.000Z',
      data: { escalationId, policy: 'paging', level: 0, round: 0, targets: ['pd'], serviceId: alarm.serviceId, alarms: [{ ...alarm, summary: 'x'.repeat(2_000) }], reason },
    });
    const built = buildPagerDutyEvent(event, 'R', context);
    expect(built.event_action === 'trigger' && built.payload.summary.length).toBe(1024);
  });
});
