import type { CreditTier } from '@vigil/contracts';
import { localMonth } from '@vigil/sla-engine';
import { DefaultTarget, type EffectiveTarget } from './availability-target.rules';
import type { IncidentView, MaintenanceWindowView } from './incident-as-of.rules';
import { monthlyReport } from './monthly-report.rules';

const at = (iso: string) => Date.parse(iso);
const NOVEMBER = localMonth('2026-11', 'Europe/Berlin');
const AFTER = at('2026-12-05T00:00:00+01:00');
const STANDARD: CreditTier[] = [{ below: 99.9, credit: 10 }, { below: 99.0, credit: 25 }, { below: 95.0, credit: 100 }];
const MIN = 60_000;

let ids = 0;
function incident(startedAt: string, endedAt: string | null, options: Partial<IncidentView> = {}): IncidentView {
  ids += 1;
  return {
    id: String(ids), alarmKey: `alarm-${ids}`, serviceId: 'checkout-api', severity: 'critical', summary: 'down',
    startedAt: at(startedAt), endedAt: endedAt === null ? null : at(endedAt), acknowledgedAt: null,
    resolution: endedAt === null ? null : 'resolved', severities: [], eventIds: [`event-${ids}`], ...options,
  };
}

const window = (from: string, to: string, services = ['checkout-api']): MaintenanceWindowView => ({
  name: `window-${from}`, services, start: at(from), end: at(to), reason: 'upgrade',
});

function report(incidents: IncidentView[], options: { windows?: MaintenanceWindowView[]; target?: Partial<EffectiveTarget>; now?: number; serviceId?: string; tiers?: CreditTier[] | null } = {}) {
  return monthlyReport({
    incidents,
    breaches: [],
    windows: options.windows ?? [],
    target: { ...DefaultTarget, policy: 'checkout-availability', creditSchedule: 'standard', ...options.target },
    creditTiers: options.tiers === undefined ? STANDARD : options.tiers,
    period: NOVEMBER,
    now: options.now ?? AFTER,
    serviceId: 'serviceId' in options ? options.serviceId : 'checkout-api',
  });
}

describe('monthlyReport', () => {
  // November 2026 in Berlin: 30 days of 1440 minutes = 43,200 minutes, all at +01:00.
  const overlapping = [incident('2026-11-03T10:00:00+01:00', '2026-11-03T11:00:00+01:00'), incident('2026-11-03T10:30:00+01:00', '2026-11-03T11:30:00+01:00', { severity: 'major' })];
  const cancelled = incident('2026-11-05T09:00:00+01:00', '2026-11-05T10:00:00+01:00', { resolution: 'cancelled' });
  const duringMaintenance = incident('2026-11-10T02:00:00+01:00', '2026-11-10T04:00:00+01:00');
  const upgrade = window('2026-11-10T03:00:00+01:00', '2026-11-10T05:00:00+01:00');

  it('counts overlapping incidents once, leaves out a cancelled one and cuts out maintenance from the denominator', () => {
    const figures = report([...overlapping, cancelled, duringMaintenance], { windows: [upgrade] });
    // Down 10:00-11:30 (90) and 02:00-03:00 (60) = 150 of 43,200 - 120 maintenance = 43,080 minutes.
    expect(figures.downtimeMs).toBe(150 * MIN);
    expect(figures.periodMs).toBe(43_080 * MIN);
    expect(figures.availabilityPercentage).toBeCloseTo((42_930 / 43_080) * 100, 10);
    // 99.65 % is below 99.9: the 10 % tier.
    expect(figures.creditPercentage).toBe(10);
    // Budget 0.1 % of 43,080 minutes = 43.08 minutes, 150 used.
    expect(figures.errorBudgetMs).toBe(43.08 * MIN);
    expect(figures.budgetConsumed).toBeCloseTo(150 / 43.08, 10);
    expect(figures.periodComplete).toBe(true);
  });

  it('shows each incident\'s share with its intervals and events, and the MTTR of the incidents that ended', () => {
    const figures = report([...overlapping, cancelled, duringMaintenance], { windows: [upgrade] });
    expect(figures.evidence.map((e) => [e.incident.alarmKey, e.downtimeMs / MIN, e.intervals])).toEqual([
      [overlapping[0].alarmKey, 60, [{ start: at('2026-11-03T10:00:00+01:00'), end: at('2026-11-03T11:00:00+01:00') }]],
      [overlapping[1].alarmKey, 60, [{ start: at('2026-11-03T10:30:00+01:00'), end: at('2026-11-03T11:30:00+01:00') }]],
      [duringMaintenance.alarmKey, 60, [{ start: at('2026-11-10T02:00:00+01:00'), end: at('2026-11-10T03:00:00+01:00') }]],
    ]);
    // 60, 60 and 120 minutes from start to end; the cancelled one is no incident.
    expect(figures.mttrMs).toBe(80 * MIN);
    expect(figures.maintenance).toEqual([upgrade]);
  });

  it('keeps maintenance in the denominator as uptime when the policy says count-as-uptime', () => {
    const figures = report([duringMaintenance], { windows: [upgrade], target: { maintenanceMode: 'count-as-uptime' } });
    expect(figures.periodMs).toBe(43_200 * MIN);
    expect(figures.downtimeMs).toBe(60 * MIN);
    expect(figures.availabilityPercentage).toBeCloseTo((43_140 / 43_200) * 100, 10);
  });

  it('does not let another service\'s maintenance hide an outage of the tenant', () => {
    const payments = incident('2026-11-10T03:00:00+01:00', '2026-11-10T03:30:00+01:00', { serviceId: 'payments-api' });
    const figures = report([duringMaintenance, payments], { windows: [upgrade], serviceId: undefined });
    // checkout-api 02:00-03:00 counts, payments-api 03:00-03:30 too: a window of checkout-api leaves the tenant's denominator whole.
    expect(figures.downtimeMs).toBe(90 * MIN);
    expect(figures.periodMs).toBe(43_200 * MIN);
  });

  it('ignores blips under the minimum outage, in the total and in the evidence', () => {
    const blip = incident('2026-11-12T12:00:00+01:00', '2026-11-12T12:03:00+01:00');
    const figures = report([blip, overlapping[0]], { target: { minimumOutageMs: 5 * MIN } });
    expect(figures.downtimeMs).toBe(60 * MIN);
    expect(figures.evidence.map((e) => e.incident.alarmKey)).toEqual([overlapping[0].alarmKey]);
  });

  it('shows a month in progress to date, an open incident counting up to now, against the whole month\'s budget', () => {
    const now = at('2026-11-15T00:00:00+01:00');
    const open = incident('2026-11-14T23:00:00+01:00', null);
    const figures = report([open], { now });
    expect(figures.periodComplete).toBe(false);
    expect(figures.periodMs).toBe(14 * 1440 * MIN);
    expect(figures.downtimeMs).toBe(60 * MIN);
    expect(figures.errorBudgetMs).toBe(43.2 * MIN);
    expect(figures.mttrMs).toBeNull();
  });

  it('counts the part of an outage that falls in the month, and its full length for the MTTR when it ended in the month', () => {
    const acrossTheMonth = incident('2026-10-31T23:00:00+01:00', '2026-11-01T01:00:00+01:00');
    const figures = report([acrossTheMonth]);
    expect(figures.downtimeMs).toBe(60 * MIN);
    expect(figures.mttrMs).toBe(120 * MIN);
  });

  it('gives no credit without a credit schedule, and the largest tier that applies with one', () => {
    const day = incident('2026-11-03T00:00:00+01:00', '2026-11-04T12:00:00+01:00');
    expect(report([day], { tiers: null }).creditPercentage).toBe(0);
    // 36 hours of 720: 95 % exactly, not below 95: the 25 % tier.
    expect(report([day]).availabilityPercentage).toBe(95);
    expect(report([day]).creditPercentage).toBe(25);
  });
});
