import type { Severity } from '@vigil/contracts';
import { countedIntervals, latestSeverity, serviceDowntime, severitySegments, type IncidentTimes, type SeverityChange } from './severity-history.rules';

const at = (hhmm: string) => Date.parse(`2026-11-03T${hhmm}:00.000Z`);
const change = (hhmm: string, severity: Severity, rank: number): SeverityChange => ({ at: at(hhmm), severity, rank });
const outage = (from: string, to: string | null): IncidentTimes => ({ startedAt: at(from), endedAt: to === null ? null : at(to) });
const minutes = (intervals: Array<{ start: number; end: number }>) => intervals.map((i) => (i.end - i.start) / 60_000);
const COUNTED = new Set<Severity>(['critical', 'major']);

describe('severity over time of an outage', () => {
  it('counts warning 10:00 → critical 10:20 → cleared 11:00 as 40 minutes down', () => {
    expect(minutes(countedIntervals(outage('10:00', '11:00'), [change('10:00', 'warning', 1), change('10:20', 'critical', 2)], 'critical', COUNTED))).toEqual([40]);
  });

  it('stops counting at a change from critical to warning', () => {
    expect(minutes(countedIntervals(outage('10:00', '11:00'), [change('10:00', 'critical', 1), change('10:15', 'warning', 2)], 'warning', COUNTED))).toEqual([15]);
  });

  it('orders changes by their source time, not by their arrival', () => {
    const segments = severitySegments(outage('10:00', null), [change('10:00', 'warning', 1), change('10:20', 'critical', 2), change('10:10', 'major', 3)], 'major');
    expect(segments.map((s) => s.severity)).toEqual(['warning', 'major', 'critical']);
    expect(latestSeverity(outage('10:00', null), [change('10:00', 'warning', 1), change('10:20', 'critical', 2), change('10:10', 'major', 3)], 'major')).toBe('critical');
  });

  it('follows a corrected start and a corrected end', () => {
    const changes = [change('10:00', 'critical', 1), change('09:30', 'critical', 3), change('10:40', 'warning', 4)];
    expect(minutes(countedIntervals(outage('09:30', '10:30'), changes, 'critical', COUNTED))).toEqual([60]);
  });

  it('counts a change stamped before the start from the start, the later event winning', () => {
    expect(severitySegments(outage('10:00', '11:00'), [change('10:00', 'warning', 1), change('09:50', 'critical', 2)], 'warning').map((s) => s.severity)).toEqual(['critical']);
  });
});

describe('downtime of a service', () => {
  it('leaves a cancelled alarm out: a false positive counts toward no SLA', () => {
    const real = { ...outage('10:00', '10:30'), cancelled: false, severity: 'critical' as const, changes: [] };
    const falsePositive = { ...outage('10:20', '11:00'), cancelled: true, severity: 'critical' as const, changes: [] };
    expect(minutes(serviceDowntime([real, falsePositive], COUNTED))).toEqual([30]);
  });

  it('unites the counted stretches of several alarms and keeps an open one open', () => {
    const warmingUp = { ...outage('10:00', null), cancelled: false, severity: 'critical' as const, changes: [change('10:00', 'warning', 1), change('10:20', 'critical', 2)] };
    const other = { ...outage('10:10', '10:30'), cancelled: false, severity: 'major' as const, changes: [] };
    expect(serviceDowntime([warmingUp, other], COUNTED)).toEqual([{ start: at('10:10'), end: Infinity }]);
  });
});
