import type { AlarmRaisedData, SLAPolicySpec } from '@vigil/contracts';
import { resolutionObjectiveFor, type PolicyDocument } from './resolution-policy.matcher';

const alarm: AlarmRaisedData = {
  alarmKey: 'a-1', serviceId: 'checkout-api', severity: 'critical', summary: 'checkout down',
  source: 'test', labels: { team: 'payments' }, raisedAt: '2026-11-03T10:00:00.000Z',
};
const policy = (spec: Partial<SLAPolicySpec>): PolicyDocument => ({
  name: 'incident-resolution',
  spec: { type: 'resolution', services: ['*'], objectives: { critical: '4h', major: '8h' }, ...spec } as SLAPolicySpec,
});

describe('resolutionObjectiveFor', () => {
  it('times an alarm of a severity the policy has an objective for, at-risk at 75 % by default, around the clock without a calendar', () => {
    expect(resolutionObjectiveFor(policy({}), alarm)).toEqual({
      policy: 'incident-resolution', severity: 'critical', objective: '4h', objectiveMs: 4 * 3_600_000, atRiskFraction: 0.75, calendarName: null,
    });
  });

  it('takes the calendar and the at-risk fraction from the policy', () => {
    expect(resolutionObjectiveFor(policy({ calendar: 'office-hours', atRiskFraction: 0.5 }), alarm)).toMatchObject({ calendarName: 'office-hours', atRiskFraction: 0.5 });
  });

  it('understands objectives as short as seconds', () => {
    expect(resolutionObjectiveFor(policy({ objectives: { critical: '20s' } }), alarm)?.objectiveMs).toBe(20_000);
  });

  it('does not time a severity without an objective', () => {
    expect(resolutionObjectiveFor(policy({}), { ...alarm, severity: 'minor' })).toBeUndefined();
  });

  it('does not time alarms under an availability policy', () => {
    expect(resolutionObjectiveFor(policy({ type: 'availability', objective: 99.9 }), alarm)).toBeUndefined();
  });

  it('selects services by id', () => {
    expect(resolutionObjectiveFor(policy({ services: ['checkout-api'] }), alarm)).toBeDefined();
    expect(resolutionObjectiveFor(policy({ services: ['search-api'] }), alarm)).toBeUndefined();
  });

  it('selects alarms by their labels', () => {
    expect(resolutionObjectiveFor(policy({ services: undefined, selector: { matchLabels: { team: 'payments' } } }), alarm)).toBeDefined();
    expect(resolutionObjectiveFor(policy({ services: undefined, selector: { matchLabels: { team: 'search' } } }), alarm)).toBeUndefined();
  });

  it('needs both the service list and the selector to match when both are given', () => {
    expect(resolutionObjectiveFor(policy({ services: ['checkout-api'], selector: { matchLabels: { team: 'search' } } }), alarm)).toBeUndefined();
  });
});
