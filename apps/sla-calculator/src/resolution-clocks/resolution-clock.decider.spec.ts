import { newEvent, type AlarmClearedData, type AlarmRaisedData } from '@vigil/contracts';
import { aroundTheClock, calendarFromSpec } from '@vigil/sla-engine';
import {
  decideCorrectedClear, decideCorrectedStart, decideResolutionClock, decideRestatedBreach, decideSeverityChange, startResolutionClock,
  type ClockInput, type ClockState, type ResolutionClockState, type TimerFired,
} from './resolution-clock.decider';
import { resolutionObjectiveFor } from './resolution-policy.matcher';

const raisedAt = '2026-11-03T10:00:00.000Z';
const alarm: AlarmRaisedData = {
  alarmKey: 'a-1', serviceId: 'checkout-api', severity: 'critical', summary: 'checkout down',
  source: 'test', labels: {}, raisedAt,
};
const at = (iso: string) => Date.parse(iso);

function clockFor(objective: string, overrides: Partial<ResolutionClockState> = {}): ResolutionClockState {
  const match = resolutionObjectiveFor({ name: 'incident-resolution', spec: { type: 'resolution', services: ['*'], objectives: { critical: objective } } }, alarm)!;
  return { ...startResolutionClock({ tenantId: 'acme', alarm, objective: match, calendarName: null, calendar: aroundTheClock('UTC') }), ...overrides };
}

const timer = (kind: TimerFired['kind'], dueAt: string): TimerFired => ({ type: 'timer-fired', kind, dueAt: at(dueAt) });
function cleared(clearedAt: string, resolution: AlarmClearedData['resolution'] = 'resolved'): ClockInput {
  return newEvent({ type: 'alarm-cleared', tenantId: 'acme', subject: alarm.alarmKey, occurredAt: clearedAt, data: { ...alarm, resolution, raisedAt, clearedAt } });
}
const acknowledged = (): ClockInput =>
  newEvent({ type: 'alarm-acknowledged', tenantId: 'acme', subject: alarm.alarmKey, occurredAt: raisedAt, data: { ...alarm, acknowledgedAt: '2026-11-03T10:00:05.000Z' } });

const given = (clock: ResolutionClockState) => ({ when: (input: ClockInput) => decideResolutionClock(clock, input) });

describe('startResolutionClock', () => {
  it('sets the deadline one objective after the source raise time and at-risk at 75 % of it', () => {
    const clock = clockFor('20s');
    expect(clock).toMatchObject({ state: 'running', raisedAt: at(raisedAt), atRiskAt: at('2026-11-03T10:00:15.000Z'), deadline: at('2026-11-03T10:00:20.000Z') });
    expect(clock.alarm).toEqual({ alarmKey: 'a-1', serviceId: 'checkout-api', severity: 'critical', summary: 'checkout down' });
  });

  it('counts the objective in business time on the calendar', () => {
    const match = resolutionObjectiveFor({ name: 'p', spec: { type: 'resolution', services: ['*'], calendar: 'office-hours', objectives: { critical: '4h' } } }, alarm)!;
    const calendar = calendarFromSpec({ workingHours: { monday: ['09:00-17:00'], friday: ['09:00-17:00'] } }, 'UTC');
    const clock = startResolutionClock({ tenantId: 'acme', alarm: { ...alarm, raisedAt: '2026-11-06T16:00:00.000Z' /* a Friday, 16:00 UTC */ }, objective: match, calendarName: 'office-hours', calendar });
    expect(new Date(clock.deadline).toISOString()).toBe('2026-11-09T12:00:00.000Z');
  });
});

describe('decideResolutionClock', () => {
  it('turns at risk when the at-risk timer fires, effective at its due time', () => {
    const decision = given(clockFor('20s')).when(timer('resolution-at-risk', '2026-11-03T10:00:15.000Z'));
    expect(decision.state).toBe('at-risk');
    expect(decision.verdicts).toEqual([{
      type: 'sla-at-risk',
      data: {
        policy: 'incident-resolution', policyType: 'resolution', serviceId: 'checkout-api',
        alarm: { alarmKey: 'a-1', serviceId: 'checkout-api', severity: 'critical', summary: 'checkout down' },
        reason: 'critical alarm unresolved after 15s (75% of objective 20s)',
        deadline: '2026-11-03T10:00:20.000Z', effectiveAt: '2026-11-03T10:00:15.000Z',
      },
    }]);
  });

  it('breaches when the deadline timer fires, effective at the deadline', () => {
    const decision = given(clockFor('20s', { state: 'at-risk' })).when(timer('resolution-deadline', '2026-11-03T10:00:20.000Z'));
    expect(decision.state).toBe('breached');
    expect(decision.verdicts).toHaveLength(1);
    expect(decision.verdicts[0]).toMatchObject({
      type: 'sla-breached',
      data: { reason: 'critical alarm unresolved after 20s (objective 20s)', effectiveAt: '2026-11-03T10:00:20.000Z', deadline: '2026-11-03T10:00:20.000Z' },
    });
  });

  it('breaches from running when at-risk was never announced', () => {
    expect(given(clockFor('20s')).when(timer('resolution-deadline', '2026-11-03T10:00:20.000Z')).state).toBe('breached');
  });

  it('says nothing when a late at-risk timer finds the clock already breached', () => {
    expect(given(clockFor('20s', { state: 'breached' })).when(timer('resolution-at-risk', '2026-11-03T10:00:15.000Z'))).toEqual({ state: 'breached', verdicts: [] });
  });

  it('breaches only once', () => {
    expect(given(clockFor('20s', { state: 'breached' })).when(timer('resolution-deadline', '2026-11-03T10:00:20.000Z'))).toEqual({ state: 'breached', verdicts: [] });
  });

  it.each<ClockState>(['met', 'cancelled'])('ignores timers of a clock that is %s', async (state) => {
    const clock = clockFor('20s', { state, clearedAt: at('2026-11-03T10:00:05.000Z') });
    expect(given(clock).when(timer('resolution-deadline', '2026-11-03T10:00:20.000Z'))).toEqual({ state, verdicts: [] });
  });

  it('is met when the alarm is resolved before the deadline, effective at the clear', () => {
    const decision = given(clockFor('20s', { state: 'at-risk' })).when(cleared('2026-11-03T10:00:17.000Z'));
    expect(decision.state).toBe('met');
    expect(decision.cleared).toEqual({ at: at('2026-11-03T10:00:17.000Z'), resolution: 'resolved' });
    expect(decision.verdicts).toEqual([expect.objectContaining({
      type: 'sla-met',
      data: expect.objectContaining({ reason: 'critical alarm resolved after 17s (objective 20s)', effectiveAt: '2026-11-03T10:00:17.000Z' }),
    })]);
  });

  it('breaches, effective at the deadline, when the clear comes after the deadline before its timer fired', () => {
    const decision = given(clockFor('20s', { state: 'at-risk' })).when(cleared('2026-11-03T10:00:25.000Z'));
    expect(decision.state).toBe('breached');
    expect(decision.verdicts).toEqual([expect.objectContaining({ type: 'sla-breached', data: expect.objectContaining({ effectiveAt: '2026-11-03T10:00:20.000Z' }) })]);
  });

  it('counts a clear exactly at the deadline as breached', () => {
    expect(given(clockFor('20s')).when(cleared('2026-11-03T10:00:20.000Z')).state).toBe('breached');
  });

  it('retracts a published breach when the clear, known only after the deadline timer fired, is stamped before the deadline', () => {
    const decision = given(clockFor('20s', { state: 'breached', breachedEventId: 'breach-1' })).when(cleared('2026-11-03T10:00:15.000Z'));
    expect(decision).toEqual({
      state: 'met', cleared: { at: at('2026-11-03T10:00:15.000Z'), resolution: 'resolved' },
      verdicts: [{ type: 'sla-met', data: expect.objectContaining({ corrects: 'breach-1', effectiveAt: '2026-11-03T10:00:15.000Z' }) }],
    });
  });

  it('retracts a published breach when the alarm is cancelled as a false positive', () => {
    const decision = given(clockFor('20s', { state: 'breached', breachedEventId: 'breach-1' })).when(cleared('2026-11-03T10:00:40.000Z', 'cancelled'));
    expect(decision).toMatchObject({ state: 'cancelled', verdicts: [{ type: 'sla-met', data: { corrects: 'breach-1', reason: expect.stringContaining('false positive') } }] });
  });

  it('records the clear of an alarm already breached without a second verdict', () => {
    expect(given(clockFor('20s', { state: 'breached' })).when(cleared('2026-11-03T10:00:30.000Z'))).toEqual({
      state: 'breached', verdicts: [], cleared: { at: at('2026-11-03T10:00:30.000Z'), resolution: 'resolved' },
    });
  });

  it('cancels the clock without a verdict when the alarm was a false positive', () => {
    expect(given(clockFor('20s', { state: 'at-risk' })).when(cleared('2026-11-03T10:00:17.000Z', 'cancelled'))).toEqual({
      state: 'cancelled', verdicts: [], cleared: { at: at('2026-11-03T10:00:17.000Z'), resolution: 'cancelled' },
    });
  });

  it('ignores a second clear of a clock that has ended', () => {
    const clock = clockFor('20s', { state: 'met', clearedAt: at('2026-11-03T10:00:05.000Z') });
    expect(given(clock).when(cleared('2026-11-03T10:00:25.000Z'))).toEqual({ state: 'met', verdicts: [] });
  });

  it('keeps the clock running when the alarm is acknowledged', () => {
    expect(given(clockFor('20s')).when(acknowledged())).toEqual({ state: 'running', verdicts: [] });
  });

  it('reports business time on the named calendar', () => {
    const calendar = calendarFromSpec({ workingHours: { tuesday: ['09:00-17:00'] } }, 'UTC');
    const match = resolutionObjectiveFor({ name: 'p', spec: { type: 'resolution', services: ['*'], calendar: 'office-hours', objectives: { critical: '8h' } } }, alarm)!;
    const clock = startResolutionClock({ tenantId: 'acme', alarm, objective: match, calendarName: 'office-hours', calendar });
    expect(new Date(clock.deadline).toISOString()).toBe('2026-11-10T10:00:00.000Z'); // 7 h this Tuesday, 1 h the next
    expect(given(clock).when(timer('resolution-deadline', '2026-11-10T10:00:00.000Z')).verdicts[0].data.reason)
      .toBe('critical alarm unresolved after 8h of business time on office-hours (objective 8h)');
    expect(given(clock).when(cleared('2026-11-03T18:00:00.000Z')).verdicts[0].data.reason)
      .toBe('critical alarm resolved after 7h of business time on office-hours (objective 8h)');
  });
});

describe('decideSeverityChange (one clock per policy, measured from the start of the outage)', () => {
  const policy = { name: 'incident-resolution', spec: { type: 'resolution' as const, services: ['*'], objectives: { critical: '4h', major: '8h' } } };
  const objectiveFor = (severity: 'critical' | 'major') => resolutionObjectiveFor(policy, { ...alarm, severity })!;
  const majorClock = (overrides: Partial<ResolutionClockState> = {}) => ({
    ...startResolutionClock({ tenantId: 'acme', alarm: { ...alarm, severity: 'major' }, objective: objectiveFor('major'), calendarName: null, calendar: aroundTheClock('UTC') }),
    ...overrides,
  });

  it('takes a stricter objective of the new severity, its deadline counted from the original raise', () => {
    const clock = majorClock();
    expect(new Date(clock.deadline).toISOString()).toBe('2026-11-03T18:00:00.000Z');
    const stricter = decideSeverityChange(clock, 'critical', objectiveFor('critical'))!;
    expect(stricter).toMatchObject({ objective: '4h', objectiveMs: 4 * 3_600_000, raisedAt: at(raisedAt), alarm: { severity: 'critical' }, state: 'running' });
    expect([new Date(stricter.atRiskAt).toISOString(), new Date(stricter.deadline).toISOString()]).toEqual(['2026-11-03T13:00:00.000Z', '2026-11-03T14:00:00.000Z']);
  });

  it('breaches at the stricter deadline, naming the new severity, when its timer fires', () => {
    const stricter = decideSeverityChange(majorClock({ state: 'at-risk' }), 'critical', objectiveFor('critical'))!;
    expect(given(stricter).when(timer('resolution-deadline', '2026-11-03T14:00:00.000Z')).verdicts).toEqual([expect.objectContaining({
      type: 'sla-breached',
      data: expect.objectContaining({ reason: 'critical alarm unresolved after 4h (objective 4h)', deadline: '2026-11-03T14:00:00.000Z', effectiveAt: '2026-11-03T14:00:00.000Z' }),
    })]);
  });

  it('keeps the stricter clock when the severity drops: lowering it buys no time', () => {
    expect(decideSeverityChange(clockFor('4h'), 'major', objectiveFor('major'))).toBeUndefined();
  });

  it('changes nothing in a clock that has breached or ended', () => {
    expect(decideSeverityChange(majorClock({ state: 'breached' }), 'critical', objectiveFor('critical'))).toBeUndefined();
    expect(decideSeverityChange(majorClock({ state: 'met', clearedAt: at('2026-11-03T11:00:00.000Z') }), 'critical', objectiveFor('critical'))).toBeUndefined();
  });
});

describe('decideCorrectedStart', () => {
  it('counts the deadline and at-risk instant again from the corrected, earlier start', () => {
    const corrected = decideCorrectedStart(clockFor('20s', { state: 'at-risk' }), at('2026-11-03T09:59:50.000Z'))!;
    expect(corrected).toMatchObject({ raisedAt: at('2026-11-03T09:59:50.000Z'), atRiskAt: at('2026-11-03T10:00:05.000Z'), deadline: at('2026-11-03T10:00:10.000Z'), state: 'at-risk' });
  });

  it('breaches at the corrected deadline when its timer, armed again in the past, fires', () => {
    const corrected = decideCorrectedStart(clockFor('20s'), at('2026-11-03T09:00:00.000Z'))!;
    expect(given(corrected).when(timer('resolution-deadline', '2026-11-03T09:00:20.000Z')).verdicts).toEqual([
      expect.objectContaining({ type: 'sla-breached', data: expect.objectContaining({ deadline: '2026-11-03T09:00:20.000Z', effectiveAt: '2026-11-03T09:00:20.000Z' }) }),
    ]);
  });

  it('ignores a start that is not earlier, and a clock that has breached or ended', () => {
    expect(decideCorrectedStart(clockFor('20s'), at('2026-11-03T10:00:05.000Z'))).toBeUndefined();
    expect(decideCorrectedStart(clockFor('20s', { state: 'breached' }), at('2026-11-03T09:00:00.000Z'))).toBeUndefined();
    expect(decideCorrectedStart(clockFor('20s', { state: 'met', clearedAt: at('2026-11-03T10:00:05.000Z') }), at('2026-11-03T09:00:00.000Z'))).toBeUndefined();
  });
});

describe('decideRestatedBreach (a corrected raise after the breach)', () => {
  it('restates the breach at the deadline counted from the corrected start, correcting the one published', () => {
    const breached = clockFor('20s', { state: 'breached', breachedEventId: 'breach-1' });
    const restated = decideRestatedBreach(breached, at('2026-11-03T09:59:50.000Z'))!;
    expect(restated.clock).toMatchObject({ state: 'breached', raisedAt: at('2026-11-03T09:59:50.000Z'), atRiskAt: at('2026-11-03T10:00:05.000Z'), deadline: at('2026-11-03T10:00:10.000Z') });
    expect(restated.restatement).toEqual({
      type: 'sla-breached',
      data: expect.objectContaining({
        corrects: 'breach-1', deadline: '2026-11-03T10:00:10.000Z', effectiveAt: '2026-11-03T10:00:10.000Z',
        reason: 'corrected: the alarm was raised earlier; critical alarm unresolved after 20s (objective 20s)',
      }),
    });
  });

  it('records a start that moved outside working hours without a verdict, when the business deadline stays where it was', () => {
    const match = resolutionObjectiveFor({ name: 'p', spec: { type: 'resolution', services: ['*'], calendar: 'office-hours', objectives: { critical: '4h' } } }, alarm)!;
    const calendar = calendarFromSpec({ workingHours: { monday: ['09:00-17:00'], tuesday: ['09:00-17:00'] } }, 'UTC');
    // Raised Tuesday 09:00, breached at 13:00; the corrected start is Monday 20:00, after working hours: the deadline is still Tuesday 13:00.
    const clock = startResolutionClock({ tenantId: 'acme', alarm: { ...alarm, raisedAt: '2026-11-03T09:00:00.000Z' }, objective: match, calendarName: 'office-hours', calendar });
    const restated = decideRestatedBreach({ ...clock, state: 'breached', breachedEventId: 'breach-1' }, at('2026-11-02T20:00:00.000Z'))!;
    expect(restated.restatement).toBeUndefined();
    expect(restated.clock).toMatchObject({ raisedAt: at('2026-11-02T20:00:00.000Z'), deadline: at('2026-11-03T13:00:00.000Z') });
  });

  it('changes nothing for a clock not breached, a start not earlier, or a breach whose event is not known', () => {
    expect(decideRestatedBreach(clockFor('20s', { state: 'at-risk' }), at('2026-11-03T09:00:00.000Z'))).toBeUndefined();
    expect(decideRestatedBreach(clockFor('20s', { state: 'breached', breachedEventId: 'breach-1' }), at('2026-11-03T10:00:00.000Z'))).toBeUndefined();
    expect(decideRestatedBreach(clockFor('20s', { state: 'breached' }), at('2026-11-03T09:00:00.000Z'))).toBeUndefined();
  });
});

describe('decideCorrectedClear', () => {
  it('retracts a published breach the corrected end avoids, by an sla-met that corrects it', () => {
    const breached = clockFor('20s', { state: 'breached', clearedAt: at('2026-11-03T10:00:30.000Z'), breachedEventId: 'breach-1' });
    const correction = decideCorrectedClear(breached, at('2026-11-03T10:00:10.000Z'));
    expect(correction).toEqual({
      clearedAt: at('2026-11-03T10:00:10.000Z'),
      retraction: { type: 'sla-met', data: expect.objectContaining({ corrects: 'breach-1', effectiveAt: '2026-11-03T10:00:10.000Z', reason: expect.stringMatching(/^corrected: /) }) },
    });
  });

  it('records that a breach whose event is not known would have been met with the corrected end, and publishes nothing', () => {
    const breached = clockFor('20s', { state: 'breached', clearedAt: at('2026-11-03T10:00:30.000Z') });
    expect(decideCorrectedClear(breached, at('2026-11-03T10:00:10.000Z'))).toEqual({ clearedAt: at('2026-11-03T10:00:10.000Z'), correctedOutcome: 'met' });
  });

  it('only moves the clear of a clock whose verdict the corrected end does not change', () => {
    expect(decideCorrectedClear(clockFor('20s', { state: 'met', clearedAt: at('2026-11-03T10:00:15.000Z') }), at('2026-11-03T10:00:10.000Z'))).toEqual({ clearedAt: at('2026-11-03T10:00:10.000Z') });
    expect(decideCorrectedClear(clockFor('20s', { state: 'breached', clearedAt: at('2026-11-03T10:00:40.000Z') }), at('2026-11-03T10:00:25.000Z'))).toEqual({ clearedAt: at('2026-11-03T10:00:25.000Z') });
  });

  it('ignores a clock still open and an end that is not earlier', () => {
    expect(decideCorrectedClear(clockFor('20s'), at('2026-11-03T10:00:10.000Z'))).toBeUndefined();
    expect(decideCorrectedClear(clockFor('20s', { state: 'met', clearedAt: at('2026-11-03T10:00:15.000Z') }), at('2026-11-03T10:00:16.000Z'))).toBeUndefined();
  });
});
