import type { Severity } from '@vigil/contracts';
import { countedIntervals, latestSeverity, subtractIntervals, type Interval, type SeverityChange } from '@vigil/sla-engine';

/** A moved start or end of an incident, as the projection recorded it (`recordedAt` absent on rows from before it was kept). */
export interface IncidentCorrection {
  eventId: string;
  field: 'started_at' | 'ended_at';
  from: string;
  to: string;
  recordedAt?: string;
}

export interface SeverityStatement extends SeverityChange {
  eventId: string;
}

/** An incident row as the read model holds it now, with when each statement about it was recorded. */
export interface IncidentRecord {
  id: string;
  alarmKey: string;
  serviceId: string;
  severity: Severity;
  summary: string;
  startedAt: number;
  endedAt: number | null;
  recordedAt: number;
  endedRecordedAt: number | null;
  acknowledgedAt: number | null;
  acknowledgedRecordedAt: number | null;
  resolution: 'resolved' | 'cancelled' | null;
  raisedEventId: string | null;
  clearedEventId: string | null;
  acknowledgedEventId: string | null;
  corrections: IncidentCorrection[];
  /** Only the statements recorded by the moment asked about (the query leaves the later ones out). */
  severities: SeverityStatement[];
}

/** An incident as it was known at one moment. */
export type IncidentView = Pick<
  IncidentRecord, 'id' | 'alarmKey' | 'serviceId' | 'severity' | 'summary' | 'startedAt' | 'endedAt' | 'acknowledgedAt' | 'resolution' | 'severities'
> & {
  /** Every event the view is built from: raise, clear, acknowledgement, severity statements, corrections. */
  eventIds: string[];
};

const knownBy = (recordedAt: string | undefined, asOf: number) => recordedAt === undefined || Date.parse(recordedAt) <= asOf;

/**
 * The incident as known at `asOf`: undefined when nothing of it was recorded yet; open when
 * its clear was recorded later; its start and end as they stood before the corrections recorded
 * after `asOf` (each correction keeps the value it replaced, and they are kept in recording order).
 */
export function incidentAsOf(row: IncidentRecord, asOf: number): IncidentView | undefined {
  if (row.recordedAt > asOf) return undefined;
  const known = row.corrections.filter((c) => knownBy(c.recordedAt, asOf));
  const undoneFrom = (field: IncidentCorrection['field']) => row.corrections.find((c) => c.field === field && !knownBy(c.recordedAt, asOf))?.from;
  const laterStart = undoneFrom('started_at');
  const cleared = row.endedAt !== null && row.endedRecordedAt !== null && row.endedRecordedAt <= asOf;
  const laterEnd = undoneFrom('ended_at');
  const acknowledged = row.acknowledgedAt !== null && row.acknowledgedRecordedAt !== null && row.acknowledgedRecordedAt <= asOf;
  // The raise's id is among the severity statements (a raise states the first severity).
  const eventIds = [
    ...row.severities.map((s) => s.eventId),
    ...known.map((c) => c.eventId),
    cleared ? row.clearedEventId : null,
    acknowledged ? row.acknowledgedEventId : null,
  ].filter((id): id is string => id !== null);
  const times = {
    startedAt: laterStart !== undefined ? Date.parse(laterStart) : row.startedAt,
    endedAt: cleared ? (laterEnd !== undefined ? Date.parse(laterEnd) : row.endedAt) : null,
  };
  return {
    id: row.id,
    alarmKey: row.alarmKey,
    serviceId: row.serviceId,
    // The latest severity among the statements known then.
    severity: row.severities.length > 0 ? latestSeverity(times, row.severities, row.severity) : row.severity,
    summary: row.summary,
    ...times,
    acknowledgedAt: acknowledged ? row.acknowledgedAt : null,
    resolution: cleared ? row.resolution : null,
    severities: row.severities,
    eventIds: [...new Set(eventIds)],
  };
}

/** A maintenance window as known at the moment asked about. */
export interface MaintenanceWindowView extends Interval {
  name: string;
  services: string[];
  reason: string | null;
}

export const coversService = (window: MaintenanceWindowView, serviceId: string) => window.services.includes('*') || window.services.includes(serviceId);

/**
 * What downtime is computed from: the span, the latest severity and the history (without
 * one, the incident was at `severity` throughout), and whether it was cancelled.
 */
export type DowntimeSource = Pick<IncidentView, 'serviceId' | 'severity' | 'startedAt' | 'endedAt'> & {
  severities?: SeverityChange[];
  resolution?: IncidentView['resolution'];
};

/**
 * Where one incident counts as down: the stretches at a counted severity, minus the maintenance
 * windows of its own service (a window of one service never hides another's outage). A
 * cancelled incident was a false positive and counts nowhere.
 */
export function incidentDowntime(incident: DowntimeSource, counted: ReadonlySet<Severity>, windows: MaintenanceWindowView[]): Interval[] {
  if (incident.resolution === 'cancelled') return [];
  const down = countedIntervals(incident, incident.severities ?? [], incident.severity, counted);
  const own = windows.filter((w) => coversService(w, incident.serviceId));
  return own.length > 0 ? subtractIntervals(down, own) : down;
}

/**
 * The windows that take time out of the scope's denominator: for one service its own, for the
 * whole tenant only those covering every service (`*`).
 */
export function scopeMaintenance(windows: MaintenanceWindowView[], serviceId: string | undefined): Interval[] {
  return windows
    .filter((w) => (serviceId === undefined ? w.services.includes('*') : coversService(w, serviceId)))
    .map(({ start, end }) => ({ start, end }));
}
