import type { Severity } from '@vigil/contracts';
import { unionIntervals, type Interval } from './interval.algebra';

/**
 * One statement of an alarm's severity: from `at` (source time) on, the alarm had `severity`.
 * A raise states the first severity, `alarm-severity-changed` a later one, a corrected raise
 * the severity at its earlier start. `rank` orders statements that take effect at the same
 * instant: the alarm stream's sequence, so the later event wins; 0 for a severity only
 * assumed (an outage recorded from its clear, before its raise was seen).
 */
export interface SeverityChange {
  at: number;
  severity: Severity;
  rank: number;
}

/** A stretch of an outage at one severity; `end` is `Infinity` while the alarm is active. */
export interface SeveritySegment extends Interval {
  severity: Severity;
}

/** An outage's span in source time; `endedAt` null while the alarm is active. */
export interface IncidentTimes {
  startedAt: number;
  endedAt: number | null;
}

/**
 * The outage's time at each severity, in order. The history is ordered by the source's own
 * times, never by arrival, so late and out-of-order events land where they belong:
 *
 * - each change holds from its `at` until the next change;
 * - a change stamped before the outage's start counts from the start (a late raise with
 *   another severity is recorded by ingestion as a change, and the outage goes on at it);
 * - among changes that take effect at the same instant, the highest rank wins;
 * - changes at or after the end (a corrected, earlier clear) are cut off with it;
 * - an outage without any change is at `fallback` throughout.
 */
export function severitySegments(incident: IncidentTimes, changes: readonly SeverityChange[], fallback: Severity): SeveritySegment[] {
  const start = incident.startedAt;
  const end = incident.endedAt ?? Infinity;
  if (!(end > start)) return [];
  const effective = changes
    .map((c) => ({ at: Math.max(c.at, start), severity: c.severity, rank: c.rank }))
    .filter((c) => c.at < end)
    .sort((a, b) => a.at - b.at || a.rank - b.rank);
  // The last of each instant wins (sorted by rank within it).
  const points: Array<{ at: number; severity: Severity }> = [];
  for (const change of effective) {
    const last = points[points.length - 1];
    if (last && last.at === change.at) last.severity = change.severity;
    else points.push({ at: change.at, severity: change.severity });
  }
  if (points.length === 0 || points[0].at > start) points.unshift({ at: start, severity: points[0]?.severity ?? fallback });
  const segments: SeveritySegment[] = [];
  points.forEach((point, i) => {
    const until = i + 1 < points.length ? points[i + 1].at : end;
    const last = segments[segments.length - 1];
    if (last && last.severity === point.severity) last.end = until;
    else segments.push({ start: point.at, end: until, severity: point.severity });
  });
  return segments;
}

/** The severity the outage has at its end (or now, while active). */
export function latestSeverity(incident: IncidentTimes, changes: readonly SeverityChange[], fallback: Severity): Severity {
  return severitySegments(incident, changes, fallback).at(-1)?.severity ?? fallback;
}

/** Where the outage counts as down: the stretches at a counted severity (what availability will sum). */
export function countedIntervals(incident: IncidentTimes, changes: readonly SeverityChange[], fallback: Severity, counted: ReadonlySet<Severity>): Interval[] {
  return severitySegments(incident, changes, fallback)
    .filter((segment) => counted.has(segment.severity))
    .map(({ start, end }) => ({ start, end }));
}

/** One alarm's outage as availability sees it: its span, its severity over time, and whether it was a false positive. */
export interface RecordedOutage extends IncidentTimes {
  /** A `cancelled` clear: the alarm was a false positive and counts toward no SLA. */
  cancelled: boolean;
  severity: Severity;
  changes: readonly SeverityChange[];
}

/**
 * Where a service is down: the union of its outages' stretches at a counted severity, cancelled
 * alarms left out, each open one ending at `Infinity` (the caller cuts it at `now`).
 */
export function serviceDowntime(outages: readonly RecordedOutage[], counted: ReadonlySet<Severity>): Interval[] {
  return unionIntervals(outages.filter((o) => !o.cancelled).flatMap((o) => countedIntervals(o, o.changes, o.severity, counted)));
}
