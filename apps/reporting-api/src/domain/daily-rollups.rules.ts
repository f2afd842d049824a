import type { Interval, LocalDay } from '@vigil/sla-engine';
import type { EffectiveTarget } from './availability-target.rules';
import type { ComplianceRecord } from './daily-compliance.rules';

/** The scope of the whole tenant in `daily_rollups` (a service is never named `*`: it means every service). */
export const TENANT_SCOPE = '*';

/** A closed day's figures as the projection stored them. */
export interface RollupRow {
  start: number;
  date: string;
  compliance: number;
  uptime: number;
  downtime: number;
}

/**
 * What a day's figures depend on besides the facts: the zone (where the day is) and how downtime
 * counts. The objective is not part of it: the records take it from the target when read.
 */
export function rollupRule(zone: string, target: EffectiveTarget): string {
  return JSON.stringify([zone, [...target.countedSeverities].sort(), target.minimumOutageMs, target.maintenanceMode ?? 'exclude']);
}

/** The days of a range in order: a stored row for each settled one, `live` for the stretch to compute from the incidents. */
export interface RangeCoverage {
  before: RollupRow[];
  /** From the first to the last day that has to be computed from the incidents (absent: none has). */
  live?: Interval;
  after: RollupRow[];
}

/**
 * Which of a range's days (`localDays`, in order) the rollups answer: those already over (`now`), not touched by an alarm
 * still open (`openSince`: open alarms count up to now) and with a row under the scope's current
 * rule. The others, and whatever lies between them, are computed from the incidents: one stretch,
 * so the facts are read in one go.
 */
export function coverage(localDays: LocalDay[], rows: RollupRow[], now: number, openSince: number | null): RangeCoverage {
  const settledUntil = Math.min(now, openSince ?? Infinity);
  const byStart = new Map(rows.map((row) => [row.start, row]));
  const days = localDays.map((day) => ({ day, row: day.end <= settledUntil ? byStart.get(day.start) : undefined }));
  const first = days.findIndex((d) => d.row === undefined);
  if (first < 0) return { before: days.map((d) => d.row as RollupRow), after: [] };
  const last = days.length - 1 - [...days].reverse().findIndex((d) => d.row === undefined);
  return {
    before: days.slice(0, first).map((d) => d.row as RollupRow),
    live: { start: days[first].day.start, end: days[last].day.end },
    after: days.slice(last + 1).map((d) => d.row as RollupRow),
  };
}

/** A stored day as the record the report shows: the target is the scope's now, breaches are counted when read. */
export function rollupRecord(row: RollupRow, target: EffectiveTarget, breaches: number): ComplianceRecord {
  return {
    date: row.date,
    compliance_percentage: row.compliance,
    target_percentage: target.objective,
    uptime_minutes: row.uptime,
    downtime_minutes: row.downtime,
    sla_breaches: breaches,
  };
}
