import type { AlarmRef, EscalationTrigger } from '@vigil/contracts';
import type { PolicyDocument } from './escalation-policy.rules';
import {
  decideAcknowledge, decideLevelDue, decideResolve, decideTrigger, evolve,
  type Escalation, type EscalationFact, type EscalationReason, type TriggerCommand,
} from './escalation.decider';

const MIN = 60_000;
const t0 = new Date('2026-11-03T10:00:00.000Z');
const at = (minutes: number) => new Date(t0.getTime() + minutes * MIN);

const alarm: AlarmRef = { alarmKey: 'fp-1', serviceId: 'checkout-api', severity: 'critical', summary: 'checkout 5xx' };
const paging: PolicyDocument = {
  name: 'critical-paging',
  spec: {
    on: ['alarm-raised', 'sla-at-risk', 'sla-breached'],
    match: { severities: ['critical'], services: ['*'] },
    levels: [{ after: '0s', notify: ['ops-webhook'] }, { after: '15m', notify: ['oncall-slack'] }],
    repeat: 1,
  },
};

const eventIds: Record<EscalationTrigger, string> = {
  'alarm-raised': '0190aaaa-0000-7000-8000-000000000001',
  'sla-at-risk': '0190aaaa-0000-7000-8000-000000000002',
  'sla-breached': '0190aaaa-0000-7000-8000-000000000003',
};
const reason = (trigger: EscalationTrigger): EscalationReason => ({ trigger, eventId: eventIds[trigger], correlationId: 'corr-1', detail: trigger });

function trigger(trigger: EscalationTrigger, now: Date, overrides: Partial<TriggerCommand> = {}): TriggerCommand {
  return { newEscalationId: 'esc-1', tenantId: 'acme', alarm, labels: {}, reason: reason(trigger), policies: [paging], now, ...overrides };
}

/** given(facts): the escalation those facts made. */
function given(...facts: EscalationFact[]): Escalation {
  const state = facts.reduce<Escalation | undefined>((s, f) => evolve(s, f), undefined);
  if (!state) throw new Error('given needs at least the opened fact');
  return state;
}

const opened = (trig: EscalationTrigger = 'sla-breached'): EscalationFact => decideTrigger(undefined, trigger(trig, t0))[0];
const level = (state: Escalation, round: number, lvl: number, now: Date) => decideLevelDue(state, { round, level: lvl }, now);

describe('opening an escalation', () => {
  it('opens on a matching trigger and pages level 0 at once when it is due at once', () => {
    const facts = decideTrigger(undefined, trigger('sla-breached', t0));
    expect(facts[0]).toEqual({
      type: 'opened', at: t0, escalationId: 'esc-1', tenantId: 'acme', alarm, policy: paging, reason: reason('sla-breached'),
      next: { round: 0, level: 0, roundStartedAt: t0, dueAt: t0 },
    });
    expect(facts.slice(1)).toEqual(decideLevelDue(given(facts[0]), { round: 0, level: 0 }, t0));
    expect(facts[1]).toMatchObject({ type: 'level-triggered', at: t0, round: 0, level: 0, targets: paging.spec.levels[0].notify });
  });

  it('opens without paging when the first level comes later, leaving it to its timer', () => {
    const later: PolicyDocument = { ...paging, spec: { ...paging.spec, levels: [{ after: '5m', notify: ['ops-webhook'] }] } };
    expect(decideTrigger(undefined, trigger('sla-breached', t0, { policies: [later] }))).toEqual([
      expect.objectContaining({ type: 'opened', next: { round: 0, level: 0, roundStartedAt: t0, dueAt: at(5) } }),
    ]);
  });

  it('opens nothing when no policy matches the alarm', () => {
    expect(decideTrigger(undefined, trigger('alarm-raised', t0, { alarm: { ...alarm, severity: 'minor' } }))).toEqual([]);
    expect(decideTrigger(undefined, trigger('alarm-raised', t0, { policies: [] }))).toEqual([]);
  });
});

describe('a later trigger for an open escalation', () => {
  it('raises the urgency of an at-risk escalation on breach, without paging', () => {
    const state = given(opened('sla-at-risk'));
    expect(decideTrigger(state, trigger('sla-breached', at(1)))).toEqual([
      { type: 'urgency-raised', at: at(1), from: 'sla-at-risk', reason: reason('sla-breached') },
    ]);
  });

  it('does not page level 0 again when a breach follows at-risk', () => {
    const state = given(opened('sla-at-risk'), ...level(given(opened('sla-at-risk')), 0, 0, t0));
    const facts = decideTrigger(state, trigger('sla-breached', at(1)));
    expect(facts.map((f) => f.type)).toEqual(['urgency-raised']);
    const after = evolve(state, facts[0]);
    expect(after.next).toEqual(state.next);
    expect(after.lastTriggered).toEqual({ round: 0, level: 0, at: t0 });
  });

  it('changes nothing for an equally or less urgent trigger', () => {
    const state = given(opened('sla-breached'));
    expect(decideTrigger(state, trigger('sla-at-risk', at(1)))).toEqual([]);
    expect(decideTrigger(state, trigger('sla-breached', at(2)))).toEqual([]);
  });

  it('records a raised urgency on an acknowledged escalation without reopening it', () => {
    const state = given(opened('alarm-raised'), { type: 'acknowledged', at: at(1), by: 'alice', via: 'http' });
    const facts = decideTrigger(state, trigger('sla-breached', at(2)));
    expect(facts.map((f) => f.type)).toEqual(['urgency-raised']);
    expect(evolve(state, facts[0]).status).toBe('acknowledged');
  });

  it('carries the raised urgency as the reason of later pages', () => {
    const start = given(opened('sla-at-risk'));
    const paged = evolve(start, level(start, 0, 0, t0)[0]);
    const raised = evolve(paged, decideTrigger(paged, trigger('sla-breached', at(1)))[0]);
    expect(raised.reason.trigger).toBe('sla-breached');
    expect(level(raised, 0, 1, at(15))).toMatchObject([{ type: 'level-triggered', level: 1, targets: ['oncall-slack'] }]);
  });
});

describe('levels coming due', () => {
  it('pages the level with its channels and schedules the next level', () => {
    const state = given(opened());
    expect(level(state, 0, 0, t0)).toEqual([{
      type: 'level-triggered', at: t0, round: 0, level: 0, targets: ['ops-webhook'],
      next: { round: 0, level: 1, roundStartedAt: t0, dueAt: at(15) },
    }]);
  });

  it('starts the next round after the last level while rounds are left', () => {
    let state = given(opened());
    state = evolve(state, level(state, 0, 0, t0)[0]);
    expect(level(state, 0, 1, at(15))[0]).toMatchObject({ level: 1, next: { round: 1, level: 0, roundStartedAt: at(30), dueAt: at(30) } });
  });

  it('ends the schedule after the last level of the last round', () => {
    let state = given(opened());
    const firings: Array<[number, number, Date]> = [[0, 0, t0], [0, 1, at(15)], [1, 0, at(30)], [1, 1, at(45)]];
    for (const [round, lvl, now] of firings) state = evolve(state, level(state, round, lvl, now)[0]);
    expect(state.next).toBeUndefined();
    expect(state.lastTriggered).toEqual({ round: 1, level: 1, at: at(45) });
    expect(state.status).toBe('open');
  });

  it('ignores a timer for a level that is not the one waiting', () => {
    const state = given(opened());
    expect(level(state, 0, 1, at(15))).toEqual([]);
    expect(level(state, 1, 0, at(30))).toEqual([]);
  });

  it('does not escalate after acknowledgement', () => {
    const state = given(opened(), ...level(given(opened()), 0, 0, t0));
    const acked = evolve(state, { type: 'acknowledged', at: at(5), by: 'alice', via: 'http' });
    expect(acked.next).toBeUndefined();
    expect(level(acked, 0, 1, at(15))).toEqual([]);
  });
});

describe('acknowledging', () => {
  it('acknowledges an open escalation, recording who and when', () => {
    expect(decideAcknowledge(given(opened()), { by: 'local:alice', via: 'http', now: at(3) })).toEqual([
      { type: 'acknowledged', at: at(3), by: 'local:alice', via: 'http' },
    ]);
  });

  it('keeps the event that acknowledged it through PagerDuty', () => {
    expect(decideAcknowledge(given(opened()), { by: 'pagerduty', via: 'alarm-acknowledged', eventId: 'ev-9', now: at(3) })).toEqual([
      { type: 'acknowledged', at: at(3), by: 'pagerduty', via: 'alarm-acknowledged', eventId: 'ev-9' },
    ]);
  });

  it('is idempotent: acknowledging twice changes nothing', () => {
    const state = given(opened(), { type: 'acknowledged', at: at(3), by: 'alice', via: 'http' });
    expect(decideAcknowledge(state, { by: 'bob', via: 'http', now: at(4) })).toEqual([]);
  });

  it('refuses to acknowledge a resolved escalation', () => {
    const state = given(opened(), { type: 'resolved', at: at(3), eventId: 'ev-2', resolution: 'resolved' });
    expect(decideAcknowledge(state, { by: 'alice', via: 'http', now: at(4) })).toBe('already-resolved');
  });
});

describe('resolving', () => {
  it('resolves an open or acknowledged escalation and stops its levels', () => {
    const open = given(opened(), ...level(given(opened()), 0, 0, t0));
    const facts = decideResolve(open, { eventId: 'ev-2', resolution: 'resolved', now: at(4) });
    expect(facts).toEqual([{ type: 'resolved', at: at(4), eventId: 'ev-2', resolution: 'resolved' }]);
    const resolved = evolve(open, facts[0]);
    expect(resolved).toMatchObject({ status: 'resolved', resolvedAt: at(4), next: undefined });

    const acked = given(opened(), { type: 'acknowledged', at: at(1), by: 'alice', via: 'http' });
    expect(decideResolve(acked, { eventId: 'ev-2', resolution: 'cancelled', now: at(4) })).toHaveLength(1);
  });

  it('does nothing for an escalation already resolved', () => {
    const state = given(opened(), { type: 'resolved', at: at(3), eventId: 'ev-2', resolution: 'resolved' });
    expect(decideResolve(state, { eventId: 'ev-3', resolution: 'resolved', now: at(4) })).toEqual([]);
  });

  it('counts every fact in the version', () => {
    const state = given(opened(), ...level(given(opened()), 0, 0, t0), { type: 'resolved', at: at(3), eventId: 'ev-2', resolution: 'resolved' });
    expect(state.version).toBe(3);
  });
});
