import { newEvent, type AlarmRef, type Severity } from '@vigil/contracts';
import { alarmTriggerOf } from './alarm-trigger.rules';
import type { PolicyDocument } from './escalation-policy.rules';
import { decideTrigger, evolve, type Escalation, type TriggerCommand } from './escalation.decider';

const raisedAt = '2026-11-03T10:00:00.000Z';
const warning: AlarmRef = { alarmKey: 'fp-1', serviceId: 'checkout-api', severity: 'warning', summary: 'checkout slow' };
const pageOnCriticalRaise: PolicyDocument = {
  name: 'critical-paging',
  spec: { on: ['alarm-raised'], match: { severities: ['critical'] }, levels: [{ after: '0s', notify: ['ops-webhook'] }] },
};

const raised = (corrects?: string) =>
  newEvent({
    type: 'alarm-raised', tenantId: 'acme', subject: warning.alarmKey, sequence: 1, occurredAt: raisedAt,
    data: { ...warning, source: 'prometheus', labels: {}, raisedAt, ...(corrects ? { corrects } : {}) },
  });

const severityChanged = (previousSeverity: Severity, severity: Severity) =>
  newEvent({
    type: 'alarm-severity-changed', tenantId: 'acme', subject: warning.alarmKey, sequence: 2, occurredAt: '2026-11-03T10:20:00.000Z',
    data: { ...warning, severity, previousSeverity, changedAt: '2026-11-03T10:20:00.000Z', raisedAt },
  });

/** given(active escalation).when(alarm event) → facts, through the same decider every trigger goes through. */
function given(active: Escalation | undefined) {
  return {
    when: (event: ReturnType<typeof raised> | ReturnType<typeof severityChanged>) => {
      const trigger = alarmTriggerOf(event);
      if (!trigger) return [];
      const command: TriggerCommand = {
        newEscalationId: 'esc-1', tenantId: 'acme', alarm: trigger.alarm, labels: {}, policies: [pageOnCriticalRaise], now: new Date('2026-11-03T10:20:01.000Z'),
        reason: { trigger: trigger.trigger, eventId: event.id, correlationId: event.correlationId, detail: trigger.detail },
      };
      return decideTrigger(active, command);
    },
  };
}

describe('alarmTriggerOf', () => {
  it('reads a raise as an alarm-raised trigger at its severity', () => {
    expect(alarmTriggerOf(raised())).toEqual({ trigger: 'alarm-raised', alarm: warning, detail: 'checkout slow' });
  });

  it('reads a severity change as an alarm-raised trigger at the new severity', () => {
    expect(alarmTriggerOf(severityChanged('warning', 'critical'))).toEqual({
      trigger: 'alarm-raised', alarm: { ...warning, severity: 'critical' }, detail: 'severity warning → critical: checkout slow',
    });
  });

  it('never reads a correction of history as a trigger', () => {
    expect(alarmTriggerOf(raised('0190aaaa-0000-7000-8000-000000000009'))).toBeUndefined();
  });

  it('reads a change that leaves the severity as it was as nothing', () => {
    expect(alarmTriggerOf(severityChanged('critical', 'critical'))).toBeUndefined();
  });
});

describe('escalating on a severity change', () => {
  it('opens an escalation when the alarm changes to a severity a raise policy matches, caused by the change', () => {
    const change = severityChanged('warning', 'critical');
    const [opened] = given(undefined).when(change);
    expect(opened).toMatchObject({
      type: 'opened', alarm: { ...warning, severity: 'critical' }, policy: pageOnCriticalRaise,
      reason: { trigger: 'alarm-raised', eventId: change.id, detail: 'severity warning → critical: checkout slow' },
    });
  });

  it('opens nothing while the alarm stays at a severity no policy matches', () => {
    expect(given(undefined).when(raised())).toEqual([]);
    expect(given(undefined).when(severityChanged('warning', 'minor'))).toEqual([]);
  });

  it('opens no second escalation while one is open, and closes nothing when the severity drops', () => {
    const open = evolve(undefined, given(undefined).when(severityChanged('warning', 'critical'))[0]);
    expect(given(open).when(severityChanged('warning', 'critical'))).toEqual([]);
    expect(given(open).when(severityChanged('critical', 'warning'))).toEqual([]);
  });

  it('does not page for a corrected raise, even of an alarm a policy matches', () => {
    const correction = newEvent({
      type: 'alarm-raised', tenantId: 'acme', subject: warning.alarmKey, sequence: 3, occurredAt: '2026-11-03T09:50:00.000Z',
      data: { ...warning, severity: 'critical', source: 'prometheus', labels: {}, raisedAt: '2026-11-03T09:50:00.000Z', corrects: '0190aaaa-0000-7000-8000-000000000009' },
    });
    expect(given(undefined).when(correction)).toEqual([]);
  });
});
