import { newEvent, type EscalationReason } from '@vigil/contracts';
import type { TriggerContext } from '../delivery-log/delivery';
import { planDeliveries } from './plan-deliveries';

const alarm = { alarmKey: 'fp-1', serviceId: 'checkout-api', severity: 'critical' as const, summary: 'Checkout down' };
const reason: EscalationReason = { trigger: 'sla-breached', eventId: '0196a4b0-0000-7000-8000-000000000001', policy: 'checkout-availability' };
const escalationId = '0196a4b0-0000-7000-8000-0000000000e1';

function triggered(targets: string[]) {
  return newEvent({
    type: 'escalation-triggered', tenantId: 'acme', subject: escalationId, occurredAt: '2026-11-03T10:00:00Z',
    data: { escalationId, policy: 'critical-paging', level: 1, round: 0, targets, serviceId: alarm.serviceId, alarms: [alarm], reason },
  });
}

const paged: TriggerContext = { policy: 'critical-paging', level: 1, round: 0, reason };

describe('planDeliveries', () => {
  it('pages every target of a trigger once, in the order the policy lists them', () => {
    expect(planDeliveries(triggered(['ops-webhook', 'oncall-slack', 'ops-webhook']), new Map())).toEqual([
      { channel: 'ops-webhook' },
      { channel: 'oncall-slack' },
    ]);
  });

  it('pages nobody for a trigger without targets', () => {
    expect(planDeliveries(triggered([]), new Map([['ops-webhook', paged]]))).toEqual([]);
  });

  it('tells the channels that were paged that the escalation resolved, with what they were paged about', () => {
    const resolved = newEvent({
      type: 'escalation-resolved', tenantId: 'acme', subject: escalationId, occurredAt: '2026-11-03T11:00:00Z',
      data: { escalationId, alarm, resolvedAt: '2026-11-03T11:00:00Z' },
    });
    expect(planDeliveries(resolved, new Map([['ops-webhook', paged], ['oncall-slack', { ...paged, level: 2 }]]))).toEqual([
      { channel: 'ops-webhook', trigger: paged },
      { channel: 'oncall-slack', trigger: { ...paged, level: 2 } },
    ]);
  });

  it('tells nobody about an acknowledgement of an escalation that paged no channel', () => {
    const acknowledged = newEvent({
      type: 'escalation-acknowledged', tenantId: 'acme', subject: escalationId, occurredAt: '2026-11-03T10:05:00Z',
      data: { escalationId, alarm, acknowledgedBy: 'ada', acknowledgedAt: '2026-11-03T10:05:00Z' },
    });
    expect(planDeliveries(acknowledged, new Map())).toEqual([]);
  });
});
