import type { AlarmRef } from '@vigil/contracts';
import { decideTrigger, evolve, type Escalation, type EscalationFact } from '../domain/escalation.decider';
import { escalationEventFor, timelineDetail } from './escalation-events.mapper';

const t0 = new Date('2026-11-03T10:00:00.000Z');
const alarm: AlarmRef = { alarmKey: 'fp-1', serviceId: 'checkout-api', severity: 'critical', summary: 'checkout 5xx' };
const breach = { id: '0190aaaa-0000-7000-8000-000000000003', correlationId: 'corr-alarm' };

function openedEscalation(): { state: Escalation; opened: EscalationFact } {
  const [opened] = decideTrigger(undefined, {
    newEscalationId: '0190bbbb-0000-7000-8000-000000000001', tenantId: 'acme', alarm, labels: {},
    reason: { trigger: 'sla-breached', eventId: breach.id, correlationId: breach.correlationId, detail: 'deadline passed' },
    policies: [{ name: 'critical-paging', spec: { on: ['sla-breached'], levels: [{ after: '0s', notify: ['ops-webhook'] }] } }],
    now: t0,
  });
  return { state: evolve(undefined, opened), opened };
}

describe('escalation events', () => {
  it('keeps opening and raised urgency in the timeline only', () => {
    const { state, opened } = openedEscalation();
    expect(escalationEventFor(state, opened, undefined)).toBeUndefined();
    expect(timelineDetail(opened)).toEqual({ policy: 'critical-paging', trigger: 'sla-breached', eventId: breach.id, detail: 'deadline passed' });
  });

  it('publishes a page caused by the trigger behind it, keyed by tenant and service', () => {
    const { state } = openedEscalation();
    const fact: EscalationFact = { type: 'level-triggered', at: t0, round: 0, level: 0, targets: ['ops-webhook'] };
    const message = escalationEventFor(evolve(state, fact), fact, undefined)!;
    expect(message.key).toBe('acme/checkout-api');
    expect(message.event).toMatchObject({
      type: 'escalation-triggered', version: 2, tenantId: 'acme', subject: state.id, sequence: 2, occurredAt: t0.toISOString(),
      causationId: breach.id, correlationId: 'corr-alarm',
      data: {
        escalationId: state.id, policy: 'critical-paging', level: 0, round: 0, targets: ['ops-webhook'], serviceId: 'checkout-api', alarms: [alarm],
        reason: { trigger: 'sla-breached', eventId: breach.id, policy: 'critical-paging', detail: 'deadline passed' },
      },
    });
  });

  it('publishes an acknowledgement over HTTP with the escalation correlation and no cause', () => {
    const { state } = openedEscalation();
    const fact: EscalationFact = { type: 'acknowledged', at: t0, by: 'alice', via: 'http' };
    expect(escalationEventFor(evolve(state, fact), fact, undefined)!.event).toMatchObject({
      type: 'escalation-acknowledged', causationId: null, correlationId: 'corr-alarm',
      data: { escalationId: state.id, alarm, acknowledgedBy: 'alice', acknowledgedAt: t0.toISOString() },
    });
  });

  it('publishes a resolution caused by the clear', () => {
    const { state } = openedEscalation();
    const clear = { id: '0190cccc-0000-7000-8000-000000000009', correlationId: 'corr-clear' };
    const fact: EscalationFact = { type: 'resolved', at: t0, eventId: clear.id, resolution: 'resolved' };
    expect(escalationEventFor(evolve(state, fact), fact, clear)!.event).toMatchObject({
      type: 'escalation-resolved', causationId: clear.id, correlationId: 'corr-clear', data: { escalationId: state.id, resolvedAt: t0.toISOString() },
    });
  });
});
