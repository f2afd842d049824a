import type { Severity } from '@vigil/contracts';
import { countedIntervals, dailyAvailability, localDays, type Interval, type LocalDay, type SeverityChange } from '@vigil/sla-engine';
import type { EffectiveTarget } from '../read-model/availability-target';

/**
 * An incident as the compliance report needs it; `endedAt` null while the alarm is active.
 * `severity` is its latest severity, `severities` its history (without one, the incident
 * was at `severity` throughout).
 */
export interface IncidentSpan {
  serviceId: string;
  severity: Severity;
  startedAt: number;
  endedAt: number | null;
  severities?: SeverityChange[];
}

export interface ComplianceRecord {
  date: string;
  compliance_percentage: number;
  target_percentage: number;
  uptime_minutes: number;
  downtime_minutes: number;
  sla_breaches: number;
}

/** How many of the instants fall on each day (days in order, half-open); the ones outside every day are not counted. */
export function countPerDay(days: LocalDay[], instants: number[]): number[] {
  return days.map((day) => instants.filter((at) => at >= day.start && at < day.end).length);
}

/**
 * One record per local day the range touches. Down while any non-cancelled incident of the
 * scope is active at a counted severity (the union over time, never the sum), open ones up to `now`;
 * the caller has already narrowed incidents and breaches to the scope (tenant or service).
 */
export function dailyCompliance(input: {
  incidents: IncidentSpan[];
  breaches: number[];
  target: EffectiveTarget;
  zone: string;
  range: Interval;
  now: number;
}): ComplianceRecord[] {
  const counted = new Set<Severity>(input.target.countedSeverities);
  const outages = input.incidents.flatMap((incident) => countedIntervals(incident, incident.severities ?? [], incident.severity, counted));
  const availability = dailyAvailability({
    outages,
    range: input.range,
    zone: input.zone,
    now: input.now,
    targetPercentage: input.target.objective,
    minimumOutageMs: input.target.minimumOutageMs,
  });
  const breaches = countPerDay(localDays(input.range, input.zone), input.breaches);
  return availability.map((day, i) => ({
    date: day.date,
    compliance_percentage: day.compliancePercentage,
    target_percentage: day.targetPercentage,
    uptime_minutes: day.uptimeMinutes,
    downtime_minutes: day.downtimeMinutes,
    sla_breaches: breaches[i] ?? 0,
  }));
}

/** The window that holds every day of the range whole: what to fetch incidents and breaches for. */
export function daysWindow(range: Interval, zone: string): Interval | undefined {
  const days = localDays(range, zone);
  return days.length > 0 ? { start: days[0].start, end: days[days.length - 1].end } : undefined;
}
