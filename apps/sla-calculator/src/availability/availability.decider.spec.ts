import type { Severity } from '@vigil/contracts';
import { DefaultBurnRateRules, slaWindowAt } from '@vigil/sla-engine';
import { decideAvailability, NothingPublished, type AvailabilityInput, type OutageOfAlarm, type WindowVerdictState } from './availability.decider';
import type { AvailabilityPolicy } from './availability-policy.matcher';

const at = (iso: string) => Date.parse(iso);
const MINUTE = 60_000;
const november = slaWindowAt('calendar-month', at('2026-11-10T00:00:00Z'), 'UTC');

const policy = (overrides: Partial<AvailabilityPolicy> = {}): AvailabilityPolicy => ({
  name: 'checkout-availability', objectivePercentage: 99.9, window: 'calendar-month', counted: new Set<Severity>(['critical', 'major']),
  maintenanceMode: 'exclude', minimumOutageMs: 0, atRiskFractions: [0.5, 0.75], burnRateRules: [], periodInProgress: 'to-date', ...overrides,
});

const outage = (key: string, from: string, to: string | null, extra: Partial<OutageOfAlarm> = {}): OutageOfAlarm => ({
  alarm: { alarmKey: key, serviceId: 'checkout-api', severity: 'critical', summary: key },
  startedAt: at(from), endedAt: to === null ? null : at(to), cancelled: false, severity: 'critical', changes: [], ...extra,
});

function given(state: WindowVerdictState = NothingPublished, rules: AvailabilityPolicy = policy()) {
  return {
    when: (outages: OutageOfAlarm[], now: string, extra: Partial<AvailabilityInput> = {}) =>
      decideAvailability({ policy: rules, window: november, now: at(now), outages, maintenance: [], state, ...extra }),
  };
}

describe('decideAvailability', () => {
  it('announces each budget fraction crossed, effective when it was spent', () => {
    // 43.2 min of budget: half is spent at 10:21:36, three quarters at 10:32:24.
    const decision = given().when([outage('db-down', '2026-11-10T10:00:00Z', '2026-11-10T10:40:00Z')], '2026-11-10T11:00:00Z');
    expect(decision.verdicts.map((v) => [v.type, new Date(v.effectiveAt).toISOString(), v.type === 'sla-at-risk' && v.atRiskFraction])).toEqual([
      ['sla-at-risk', '2026-11-10T10:21:36.000Z', 0.5],
      ['sla-at-risk', '2026-11-10T10:32:24.000Z', 0.75],
    ]);
    expect(decision.figures).toMatchObject({ downtimeMs: 40 * MINUTE, errorBudgetMs: 43.2 * MINUTE, errorBudgetLeftMs: 3.2 * MINUTE });
    expect(decision.state.crossedFractions).toEqual([0.5, 0.75]);
    expect(decision.alarms).toEqual([{ alarm: expect.objectContaining({ alarmKey: 'db-down' }), startedAt: at('2026-11-10T10:00:00Z'), endedAt: at('2026-11-10T10:40:00Z'), downtimeMs: 40 * MINUTE }]);
  });

  it('shows the compliance of the month in progress projected to its end when the policy asks, with the same budget and verdicts', () => {
    const outages = [outage('db-down', '2026-11-10T10:00:00Z', '2026-11-10T10:40:00Z')];
    const toDate = given().when(outages, '2026-11-11T00:00:00Z');
    const projected = given(NothingPublished, policy({ periodInProgress: 'projection' })).when(outages, '2026-11-11T00:00:00Z');
    // 10 days (14,400 minutes) elapsed, 40 down: 99.722 % to date; (43,200 − 40) / 43,200 = 99.907 % at the month's end.
    expect(toDate.figures).toMatchObject({ periodInProgress: 'to-date', compliancePercentage: expect.closeTo((14_360 / 14_400) * 100, 10) });
    expect(projected.figures).toMatchObject({ periodInProgress: 'projection', compliancePercentage: expect.closeTo((43_160 / 43_200) * 100, 10) });
    expect(projected.verdicts).toEqual(toDate.verdicts);
    expect(projected.figures.errorBudgetLeftMs).toBe(toDate.figures.errorBudgetLeftMs);
  });

  it('publishes nothing again for crossings already announced', () => {
    const outages = [outage('db-down', '2026-11-10T10:00:00Z', '2026-11-10T10:40:00Z')];
    const first = given().when(outages, '2026-11-10T11:00:00Z');
    expect(given(first.state).when(outages, '2026-11-10T11:05:00Z').verdicts).toEqual([]);
  });

  it('breaches the moment the budget is exhausted, and not again', () => {
    const outages = [outage('db-down', '2026-11-10T10:00:00Z', null)];
    const decision = given().when(outages, '2026-11-10T11:00:00Z');
    expect(decision.verdicts).toEqual([expect.objectContaining({ type: 'sla-breached', effectiveAt: at('2026-11-10T10:43:12Z') })]);
    expect(decision.state.breach).toEqual({ eventId: '', effectiveAt: at('2026-11-10T10:43:12Z') });
    expect(given({ ...decision.state, breach: { eventId: 'b-1', effectiveAt: at('2026-11-10T10:43:12Z') } }).when(outages, '2026-11-10T11:30:00Z').verdicts).toEqual([]);
  });

  it('wakes when the open outage will have spent the next fraction, then when it exhausts the budget', () => {
    const outages = [outage('db-down', '2026-11-10T10:00:00Z', null)];
    const early = given().when(outages, '2026-11-10T10:05:00Z');
    expect(early.verdicts).toEqual([]);
    expect(early.wakeAt).toBe(at('2026-11-10T10:21:36Z'));
    const later = given({ crossedFractions: [0.5, 0.75], firingRules: [], breach: null }).when(outages, '2026-11-10T10:35:00Z');
    expect(later.wakeAt).toBe(at('2026-11-10T10:43:12Z'));
  });

  it('waits for nothing once every outage has ended', () => {
    expect(given().when([outage('db-down', '2026-11-10T10:00:00Z', '2026-11-10T10:05:00Z')], '2026-11-10T10:35:00Z').wakeAt).toBeUndefined();
  });

  it('wakes at the end of the month to hand an open outage over to the next', () => {
    const decision = given({ crossedFractions: [0.5, 0.75], firingRules: [], breach: { eventId: 'b-1', effectiveAt: at('2026-11-30T23:00:00Z') } })
      .when([outage('db-down', '2026-11-30T22:00:00Z', null)], '2026-11-30T23:30:00Z');
    expect(decision.wakeAt).toBe(november.end);
  });

  it('leaves a cancelled alarm out: a false positive counts toward no SLA', () => {
    const decision = given().when([outage('flap', '2026-11-10T10:00:00Z', '2026-11-10T11:00:00Z', { cancelled: true })], '2026-11-10T12:00:00Z');
    expect(decision).toMatchObject({ verdicts: [], alarms: [], figures: { downtimeMs: 0 } });
  });

  it('counts only the stretches at a counted severity', () => {
    const warmingUp = outage('db-slow', '2026-11-10T10:00:00Z', '2026-11-10T11:00:00Z', {
      changes: [{ at: at('2026-11-10T10:00:00Z'), severity: 'warning', rank: 1 }, { at: at('2026-11-10T10:50:00Z'), severity: 'critical', rank: 2 }],
    });
    expect(given().when([warmingUp], '2026-11-10T12:00:00Z').figures.downtimeMs).toBe(10 * MINUTE);
  });

  it('cuts maintenance out and, counted as uptime, keeps the budget of the whole month', () => {
    const outages = [outage('db-down', '2026-11-10T10:00:00Z', '2026-11-10T10:40:00Z')];
    const maintenance = [{ start: at('2026-11-10T10:00:00Z'), end: at('2026-11-10T10:30:00Z') }];
    const excluded = given().when(outages, '2026-11-10T12:00:00Z', { maintenance });
    expect(excluded.figures).toMatchObject({ downtimeMs: 10 * MINUTE, errorBudgetMs: 43.17 * MINUTE });
    const asUptime = given(NothingPublished, policy({ maintenanceMode: 'count-as-uptime' })).when(outages, '2026-11-10T12:00:00Z', { maintenance });
    expect(asUptime.figures).toMatchObject({ downtimeMs: 10 * MINUTE, errorBudgetMs: 43.2 * MINUTE });
  });

  it('ignores a blip shorter than the minimum outage', () => {
    const decision = given(NothingPublished, policy({ minimumOutageMs: 2 * MINUTE })).when([outage('blip', '2026-11-10T10:00:00Z', '2026-11-10T10:01:00Z')], '2026-11-10T12:00:00Z');
    expect(decision.figures.downtimeMs).toBe(0);
  });

  it('announces a burn-rate rule when it starts to fire, once while it keeps firing', () => {
    const rules = policy({ burnRateRules: DefaultBurnRateRules, atRiskFractions: [] });
    const outages = [outage('db-down', '2026-11-10T10:00:00Z', null)];
    const first = given(NothingPublished, rules).when(outages, '2026-11-10T10:02:00Z');
    expect(first.verdicts).toEqual([expect.objectContaining({ type: 'sla-at-risk', burnRateRule: '14.4x-1h-5m', effectiveAt: at('2026-11-10T10:02:00Z') })]);
    expect(first.figures.burnRates[0]).toMatchObject({ firing: true, shortRate: expect.closeTo(400, 6) });
    expect(first.wakeAt).toBe(at('2026-11-10T10:02:10Z'));
    expect(given(first.state, rules).when(outages, '2026-11-10T10:02:05Z').verdicts).toEqual([]);
  });

  describe('corrected history', () => {
    const breached: WindowVerdictState = { crossedFractions: [0.5, 0.75], firingRules: [], breach: { eventId: 'breach-1', effectiveAt: at('2026-11-10T10:43:12Z') } };

    it('retracts a breach the corrected history no longer supports', () => {
      // A corrected clear: the outage ended at 10:20, not at 11:00.
      const decision = given(breached).when([outage('db-down', '2026-11-10T10:00:00Z', '2026-11-10T10:20:00Z')], '2026-11-10T12:00:00Z');
      expect(decision.verdicts).toEqual([expect.objectContaining({ type: 'sla-met', corrects: 'breach-1', effectiveAt: at('2026-11-10T10:43:12Z') })]);
      expect(decision.state).toEqual({ crossedFractions: [], firingRules: [], breach: null });
    });

    it('restates a breach that became true at another instant', () => {
      // A corrected raise: the outage started at 09:50, so the budget ran out ten minutes earlier.
      const decision = given(breached).when([outage('db-down', '2026-11-10T09:50:00Z', '2026-11-10T11:00:00Z')], '2026-11-10T12:00:00Z');
      expect(decision.verdicts).toEqual([expect.objectContaining({ type: 'sla-breached', corrects: 'breach-1', effectiveAt: at('2026-11-10T10:33:12Z') })]);
      expect(decision.state.breach).toEqual({ eventId: '', effectiveAt: at('2026-11-10T10:33:12Z') });
    });

    it('breaches a month that is over when a late event exhausts its budget, without at-risk', () => {
      const decision = given().when([outage('db-down', '2026-11-29T10:00:00Z', '2026-11-29T11:00:00Z')], '2026-12-02T09:00:00Z');
      expect(decision.verdicts.map((v) => v.type)).toEqual(['sla-breached']);
      expect(decision.wakeAt).toBeUndefined();
    });

    it('lets the rolling window recover without retracting its breach', () => {
      const rolling = slaWindowAt('rolling-30d', at('2026-12-20T12:00:00Z'), 'UTC');
      const decision = decideAvailability({
        policy: policy({ window: 'rolling-30d' }), window: rolling, now: rolling.end, maintenance: [], state: breached,
        outages: [outage('db-down', '2026-11-10T10:00:00Z', '2026-11-10T11:00:00Z')],
      });
      expect(decision.verdicts).toEqual([]);
      expect(decision.state.breach).toBeNull();
    });
  });
});
