import type { Severity } from '@vigil/contracts';
import { dailyAvailability, localDays, type Interval, type LocalDay } from '@vigil/sla-engine';
import type { EffectiveTarget } from './availability-target.rules';
import { incidentDowntime, scopeMaintenance, type DowntimeSource, type MaintenanceWindowView } from './incident-as-of.rules';

/** An incident as the compliance report needs it; `endedAt` null while the alarm is active. */
export type IncidentSpan = DowntimeSource;

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
 * scope is active at a counted severity (the union over time, never the sum), open ones up to `now`,
 * maintenance cut out;
 * the caller has already narrowed incidents and breaches to the scope (tenant or service).
 */
export function dailyCompliance(input: {
  incidents: IncidentSpan[];
  breaches: number[];
  target: EffectiveTarget;
  zone: string;
  range: Interval;
  now: number;
  /** Maintenance windows of the range; each cuts its services' outages, and those of the whole scope leave the denominator (or count as uptime). */
  windows?: MaintenanceWindowView[];
  serviceId?: string;
}): ComplianceRecord[] {
  const counted = new Set<Severity>(input.target.countedSeverities);
  const windows = input.windows ?? [];
  const outages = input.incidents.flatMap((incident) => incidentDowntime(incident, counted, windows));
  const availability = dailyAvailability({
    outages,
    range: input.range,
    zone: input.zone,
    now: input.now,
    targetPercentage: input.target.objective,
    minimumOutageMs: input.target.minimumOutageMs,
    maintenance: scopeMaintenance(windows, input.serviceId),
    maintenanceMode: input.target.maintenanceMode ?? 'exclude',
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
