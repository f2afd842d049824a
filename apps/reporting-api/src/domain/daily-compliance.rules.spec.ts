import { localDays } from '@vigil/sla-engine';
import { DefaultTarget, type EffectiveTarget } from './availability-target.rules';
import { countPerDay, dailyCompliance, daysWindow, type IncidentSpan } from './daily-compliance.rules';

const BERLIN = 'Europe/Berlin';
const at = (iso: string) => Date.parse(iso);
const NOW = at('2026-11-22T10:00:00Z');
const days = (from: string, to: string) => ({ start: at(from), end: at(to) });

function incident(startedAt: string, endedAt: string | null, severity: IncidentSpan['severity'] = 'critical', serviceId = 'checkout-api'): IncidentSpan {
  return { serviceId, severity, startedAt: at(startedAt), endedAt: endedAt === null ? null : at(endedAt) };
}

function given(incidents: IncidentSpan[], options: { breaches?: string[]; target?: EffectiveTarget; now?: number; zone?: string } = {}) {
  return {
    whenReportedFor: (range: { start: number; end: number }) =>
      dailyCompliance({
        incidents,
        breaches: (options.breaches ?? []).map(at),
        target: options.target ?? DefaultTarget,
        zone: options.zone ?? BERLIN,
        range,
        now: options.now ?? NOW,
      }),
  };
}

describe('countPerDay', () => {
  const nov = localDays(days('2026-11-02T00:00:00+01:00', '2026-11-05T00:00:00+01:00'), BERLIN);

  it('counts each instant on the local day it falls on', () => {
    const counts = countPerDay(nov, [at('2026-11-02T23:59:59+01:00'), at('2026-11-03T00:00:00+01:00'), at('2026-11-03T12:00:00+01:00')]);
    expect(counts).toEqual([1, 2, 0]);
  });

  it('puts an instant that is still the previous day in UTC on the local day', () => {
    // 23:30 UTC on the 2nd is 00:30 on the 3rd in Berlin.
    expect(countPerDay(nov, [at('2026-11-02T23:30:00Z')])).toEqual([0, 1, 0]);
  });

  it('counts nothing outside the days', () => {
    expect(countPerDay(nov, [at('2026-11-01T12:00:00+01:00'), at('2026-11-05T00:00:00+01:00')])).toEqual([0, 0, 0]);
  });
});

describe('dailyCompliance', () => {
  const twoDays = days('2026-11-02T00:00:00+01:00', '2026-11-04T00:00:00+01:00');

  it('splits an outage across local midnight between the two days', () => {
    const records = given([incident('2026-11-02T22:30:00Z', '2026-11-03T00:00:00Z')]).whenReportedFor(twoDays);
    expect(records).toEqual([
      { date: '2026-11-02T00:00:00+01:00', compliance_percentage: 97.92, target_percentage: 99.9, uptime_minutes: 1410, downtime_minutes: 30, sla_breaches: 0 },
      { date: '2026-11-03T00:00:00+01:00', compliance_percentage: 95.83, target_percentage: 99.9, uptime_minutes: 1380, downtime_minutes: 60, sla_breaches: 0 },
    ]);
  });

  it('includes days without downtime at 100 %', () => {
    const records = given([]).whenReportedFor(days('2026-11-02T00:00:00+01:00', '2026-11-05T00:00:00+01:00'));
    expect(records.map((r) => [r.compliance_percentage, r.downtime_minutes, r.uptime_minutes])).toEqual([
      [100, 0, 1440], [100, 0, 1440], [100, 0, 1440],
    ]);
  });

  it('counts overlapping incidents of different services once (the union, never the sum)', () => {
    const records = given([
      incident('2026-11-02T10:00:00+01:00', '2026-11-02T11:00:00+01:00', 'critical', 'checkout-api'),
      incident('2026-11-02T10:30:00+01:00', '2026-11-02T11:30:00+01:00', 'major', 'payments-api'),
    ]).whenReportedFor(days('2026-11-02T00:00:00+01:00', '2026-11-03T00:00:00+01:00'));
    expect(records[0].downtime_minutes).toBe(90);
  });

  it('leaves out severities the target does not count', () => {
    const incidents = [incident('2026-11-02T10:00:00+01:00', '2026-11-02T11:00:00+01:00', 'minor')];
    const day = days('2026-11-02T00:00:00+01:00', '2026-11-03T00:00:00+01:00');
    expect(given(incidents).whenReportedFor(day)[0].downtime_minutes).toBe(0);
    const minorCounts = { ...DefaultTarget, countedSeverities: ['critical' as const, 'minor' as const] };
    expect(given(incidents, { target: minorCounts }).whenReportedFor(day)[0].downtime_minutes).toBe(60);
  });

  it('counts an incident down only while its severity is a counted one: warning 10:00 → critical 10:20 → cleared 11:00 is 40 minutes', () => {
    const escalated: IncidentSpan = {
      ...incident('2026-11-02T10:00:00+01:00', '2026-11-02T11:00:00+01:00', 'critical'),
      severities: [{ at: at('2026-11-02T10:00:00+01:00'), severity: 'warning', rank: 1 }, { at: at('2026-11-02T10:20:00+01:00'), severity: 'critical', rank: 2 }],
    };
    const records = given([escalated]).whenReportedFor(days('2026-11-02T00:00:00+01:00', '2026-11-03T00:00:00+01:00'));
    expect(records[0]).toMatchObject({ downtime_minutes: 40, uptime_minutes: 1400 });
  });

  it('stops counting when a critical incident changes to warning, and counts the union with other incidents', () => {
    const downgraded: IncidentSpan = {
      ...incident('2026-11-02T10:00:00+01:00', '2026-11-02T11:00:00+01:00', 'warning'),
      severities: [{ at: at('2026-11-02T10:00:00+01:00'), severity: 'critical', rank: 1 }, { at: at('2026-11-02T10:15:00+01:00'), severity: 'warning', rank: 2 }],
    };
    const day = days('2026-11-02T00:00:00+01:00', '2026-11-03T00:00:00+01:00');
    expect(given([downgraded]).whenReportedFor(day)[0].downtime_minutes).toBe(15);
    const overlapping = incident('2026-11-02T10:10:00+01:00', '2026-11-02T10:30:00+01:00', 'major', 'payments-api');
    expect(given([downgraded, overlapping]).whenReportedFor(day)[0].downtime_minutes).toBe(30);
  });

  it('ignores blips shorter than the policy\'s minimum outage', () => {
    const target = { ...DefaultTarget, minimumOutageMs: 5 * 60_000 };
    const records = given([incident('2026-11-02T10:00:00+01:00', '2026-11-02T10:04:00+01:00')], { target })
      .whenReportedFor(days('2026-11-02T00:00:00+01:00', '2026-11-03T00:00:00+01:00'));
    expect(records[0].downtime_minutes).toBe(0);
  });

  it('counts an open incident up to now, and the rest of today not at all', () => {
    const now = at('2026-11-22T10:00:00+01:00');
    const records = given([incident('2026-11-22T09:00:00+01:00', null)], { now })
      .whenReportedFor(days('2026-11-22T00:00:00+01:00', '2026-11-23T00:00:00+01:00'));
    expect(records[0]).toMatchObject({ downtime_minutes: 60, uptime_minutes: 540, compliance_percentage: 90 });
  });

  it('measures a spring-forward day as 1380 minutes and a fall-back day as 1500', () => {
    const spring = given([]).whenReportedFor(days('2026-03-29T00:00:00+01:00', '2026-03-30T00:00:00+02:00'));
    expect(spring).toEqual([expect.objectContaining({ date: '2026-03-29T00:00:00+01:00', uptime_minutes: 1380, downtime_minutes: 0 })]);
    const autumn = given([]).whenReportedFor(days('2026-10-25T00:00:00+02:00', '2026-10-26T00:00:00+01:00'));
    expect(autumn).toEqual([expect.objectContaining({ date: '2026-10-25T00:00:00+02:00', uptime_minutes: 1500 })]);
  });

  it('counts breaches on the local day they became effective and carries the target', () => {
    const target = { ...DefaultTarget, policy: 'checkout-availability', objective: 99.5 };
    const records = given([], { target, breaches: ['2026-11-02T23:30:00Z', '2026-11-03T09:00:00+01:00', '2026-11-02T08:00:00+01:00'] })
      .whenReportedFor(twoDays);
    expect(records.map((r) => [r.sla_breaches, r.target_percentage])).toEqual([[1, 99.5], [2, 99.5]]);
  });

  it('clamps compliance at 0 for a day down from start to end', () => {
    const records = given([incident('2026-11-01T00:00:00Z', '2026-11-05T00:00:00Z')]).whenReportedFor(twoDays);
    expect(records.map((r) => [r.compliance_percentage, r.uptime_minutes, r.downtime_minutes])).toEqual([[0, 0, 1440], [0, 0, 1440]]);
  });
});

describe('daysWindow', () => {
  it('widens a range of instants to the whole local days it touches', () => {
    expect(daysWindow(days('2026-11-02T10:00:00Z', '2026-11-03T05:00:00Z'), BERLIN)).toEqual(
      days('2026-11-02T00:00:00+01:00', '2026-11-04T00:00:00+01:00'),
    );
  });

  it('is empty for an empty range', () => {
    expect(daysWindow(days('2026-11-02T10:00:00Z', '2026-11-02T10:00:00Z'), BERLIN)).toBeUndefined();
  });
});
