import type { EscalationPolicySpec } from '@vigil/contracts';
import { choosePolicy, firstStep, levelOffsetsMs, policyMatches, stepAfter, type PolicyDocument, type Step, type TriggerSubject } from './escalation-policy.rules';

const MIN = 60_000;
const t0 = new Date('2026-11-03T10:00:00.000Z');
const at = (ms: number) => new Date(t0.getTime() + ms);

function policy(name: string, spec: Partial<EscalationPolicySpec> = {}): PolicyDocument {
  return {
    name,
    spec: {
      on: ['alarm-raised', 'sla-at-risk', 'sla-breached'],
      levels: [{ after: '0s', notify: ['ops-webhook'] }, { after: '15m', notify: ['oncall-slack'] }],
      ...spec,
    },
  };
}

const critical: TriggerSubject = { trigger: 'sla-breached', serviceId: 'checkout-api', severity: 'critical', labels: { team: 'payments', env: 'prod' } };

describe('policy matching', () => {
  it('matches a trigger listed in on, whatever the alarm, when match is left out', () => {
    expect(policyMatches(policy('p'), critical)).toBe(true);
  });

  it('does not match a trigger the policy is not on', () => {
    expect(policyMatches(policy('p', { on: ['alarm-raised'] }), critical)).toBe(false);
  });

  it('matches only the listed severities', () => {
    const p = policy('p', { match: { severities: ['critical'] } });
    expect(policyMatches(p, critical)).toBe(true);
    expect(policyMatches(p, { ...critical, severity: 'major' })).toBe(false);
  });

  it('matches listed service ids or every service with "*"', () => {
    expect(policyMatches(policy('p', { match: { services: ['checkout-api'] } }), critical)).toBe(true);
    expect(policyMatches(policy('p', { match: { services: ['search'] } }), critical)).toBe(false);
    expect(policyMatches(policy('p', { match: { services: ['*'] } }), critical)).toBe(true);
  });

  it('matches when every wanted label is present with the same value', () => {
    expect(policyMatches(policy('p', { match: { labels: { team: 'payments' } } }), critical)).toBe(true);
    expect(policyMatches(policy('p', { match: { labels: { team: 'payments', env: 'staging' } } }), critical)).toBe(false);
    expect(policyMatches(policy('p', { match: { labels: { region: 'eu' } } }), critical)).toBe(false);
  });

  it('does not match a label selector when the alarm labels are unknown', () => {
    expect(policyMatches(policy('p', { match: { labels: { team: 'payments' } } }), { ...critical, labels: undefined })).toBe(false);
    expect(policyMatches(policy('p', { match: { severities: ['critical'] } }), { ...critical, labels: undefined })).toBe(true);
  });

  it('chooses the first matching policy by name when several match', () => {
    const chosen = choosePolicy([policy('zeta'), policy('beta', { match: { severities: ['major'] } }), policy('alpha')], critical);
    expect(chosen?.name).toBe('alpha');
  });

  it('chooses nothing when no policy matches', () => {
    expect(choosePolicy([policy('p', { match: { services: ['search'] } })], critical)).toBeUndefined();
  });
});

describe('level and round schedule', () => {
  /** Every step an unacknowledged escalation goes through, from open to the end. */
  function walk(spec: EscalationPolicySpec): Step[] {
    const steps = [firstStep(spec, t0)];
    for (let next = stepAfter(spec, steps[0]); next; next = stepAfter(spec, next)) {
      steps.push(next);
      if (steps.length > 1000) throw new Error('schedule does not end');
    }
    return steps;
  }
  const plan = (steps: Step[]) => steps.map((s) => [s.round, s.level, (s.dueAt.getTime() - t0.getTime()) / MIN]);

  it('pages level 0 at the open and each next level its after from the round start', () => {
    const spec = policy('p', { levels: [{ after: '0s', notify: ['a'] }, { after: '5m', notify: ['b'] }, { after: '20m', notify: ['c'] }] }).spec;
    expect(plan(walk(spec))).toEqual([[0, 0, 0], [0, 1, 5], [0, 2, 20]]);
  });

  it('runs 1 + repeat rounds, the next round starting twice the last level after past the round start', () => {
    const spec = policy('p', { repeat: 2 }).spec;
    expect(plan(walk(spec))).toEqual([
      [0, 0, 0], [0, 1, 15],
      [1, 0, 30], [1, 1, 45],
      [2, 0, 60], [2, 1, 75],
    ]);
  });

  it('measures a later round level 0 after from its own round start', () => {
    const spec = policy('p', { levels: [{ after: '1m', notify: ['a'] }, { after: '10m', notify: ['b'] }], repeat: 1 }).spec;
    expect(plan(walk(spec))).toEqual([[0, 0, 1], [0, 1, 10], [1, 0, 21], [1, 1, 30]]);
    expect(walk(spec)[2].roundStartedAt).toEqual(at(20 * MIN));
  });

  it('stops after the last level when repeat is 0 or left out', () => {
    expect(stepAfter(policy('p', { repeat: 0 }).spec, { round: 0, level: 1, roundStartedAt: t0 })).toBeUndefined();
    expect(stepAfter(policy('p').spec, { round: 0, level: 1, roundStartedAt: t0 })).toBeUndefined();
  });

  it('does not repeat a policy whose levels are all at 0s', () => {
    const spec = policy('p', { levels: [{ after: '0s', notify: ['a'] }], repeat: 3 }).spec;
    expect(plan(walk(spec))).toEqual([[0, 0, 0]]);
  });

  it('repeats a single delayed level every twice its after', () => {
    const spec = policy('p', { levels: [{ after: '5m', notify: ['a'] }], repeat: 2 }).spec;
    expect(plan(walk(spec))).toEqual([[0, 0, 5], [1, 0, 15], [2, 0, 25]]);
  });

  it('never fires a level before the level above it', () => {
    const spec = policy('p', { levels: [{ after: '10m', notify: ['a'] }, { after: '2m', notify: ['b'] }] }).spec;
    expect(levelOffsetsMs(spec)).toEqual([10 * MIN, 10 * MIN]);
  });

  it('reads sub-second and fractional durations as written', () => {
    const spec = policy('p', { levels: [{ after: '0s', notify: ['a'] }, { after: '1.5s', notify: ['b'] }] }).spec;
    expect(levelOffsetsMs(spec)).toEqual([0, 1500]);
  });
});
