import { Injectable } from '@nestjs/common';
import type { Severity } from '@vigil/contracts';
import { badRequest } from '@vigil/platform-nest';
import { clipIntervals, totalLength, type Interval } from '@vigil/sla-engine';
import { incidentAsOf, incidentDowntime, type IncidentRecord, type IncidentView, type MaintenanceWindowView } from '../domain/incident-as-of.rules';
import { encodeCursor, queryDigest } from '../domain/incident-cursor.rules';
import { isoIn } from '../domain/local-time.rules';
import { resolveAsOf, resolveComplianceRange } from '../http/report-query';
import { isClosed, ReportCache, type CachedAnswer } from '../report-cache/report-cache';
import { ReportFactsReader, type ReportScope } from '../report-facts/report-facts.reader';
import { epochMs, incidentJson, incidentTouchesWindow, maintenanceWindows, type WindowPlaceholders } from '../report-facts/report-facts.sql';
import { IncidentRangeNames, type IncidentsQuery } from './incidents-query';

const MINUTE_MS = 60_000;
const minutes = (ms: number) => Math.round((ms / MINUTE_MS) * 100) / 100;

export interface IncidentItem {
  incident_id: string;
  alarm_key: string;
  service_id: string;
  severity: Severity;
  summary: string;
  started_at: string;
  ended_at: string | null;
  acknowledged_at: string | null;
  resolution: 'resolved' | 'cancelled' | null;
  /** Start to end (or to now / `as_of` while open). */
  duration_minutes: number;
  /** What it counted as down within the range under the scope's target (0 when cancelled or never at a counted severity). */
  downtime_minutes: number;
  event_ids: string[];
}

export interface IncidentsPage {
  tenant_id: string;
  service_id: string | null;
  from: string;
  to: string;
  timezone: string;
  as_of: string;
  incidents: IncidentItem[];
  /** Pass as `cursor` for the next page; null on the last. */
  next_cursor: string | null;
}

interface IncidentRow {
  incident: IncidentRecord;
  started_ms: number;
}

/**
 * The alarms behind the numbers: every incident of the range (cancelled and uncounted ones
 * too, marked by their downtime), ordered by start, a page at a time (keyset on the stored
 * start and id, so pages neither skip nor repeat while new incidents arrive).
 */
@Injectable()
export class IncidentsHandler {
  constructor(private readonly reader: ReportFactsReader, private readonly cache: ReportCache) {}

  page(tenantId: string, query: IncidentsQuery, wallClock: number, paginated = true): Promise<CachedAnswer<IncidentsPage>> {
    return this.cache.serve(
      `incidents:${tenantId}:${paginated}:${JSON.stringify(query)}`,
      (held) => this.reader.scope(tenantId, query.serviceId, held),
      (scope) => this.list(tenantId, query, wallClock, paginated, scope),
    );
  }

  private async list(tenantId: string, query: IncidentsQuery, wallClock: number, paginated: boolean, scope: ReportScope): Promise<{ body: IncidentsPage; closed: boolean; span?: Interval }> {
    const now = resolveAsOf(query.asOf, scope.zone, wallClock);
    // As of an earlier moment, the range's days and the counted severities are those known then.
    const { zone, target } = query.asOf ? await this.reader.scope(tenantId, query.serviceId, undefined, now) : scope;
    const range = resolveComplianceRange(query, zone, now, IncidentRangeNames);
    const digest = queryDigest({ tenantId, serviceId: query.serviceId, start: range.start, end: range.end, asOf: query.asOf ? now : undefined });
    if (query.cursor && query.cursor.query !== digest) {
      throw badRequest([{ field: 'cursor', rule: 'isCursorOfQuery', message: 'belongs to another query: keep from, to, service_id and as_of as they were' }]);
    }
    const limit = paginated ? query.limit : null;
    const at: WindowPlaceholders = { tenant: '$1', start: '$3', end: '$4', knownAt: '$5' };
    const [facts] = await this.reader.query<{ rows: IncidentRow[]; windows: MaintenanceWindowView[] }>(
      `select
         coalesce((select json_agg(json_build_object('incident', p.incident, 'started_ms', p.started_ms) order by p.started_at, p.id) from (
           select i.id, i.started_at, ${epochMs('i.started_at')} as started_ms, ${incidentJson('i', at)} as incident
           from reporting.incidents i
           where i.tenant_id = $1 and ($2::text is null or i.service_id = $2::text) and ${incidentTouchesWindow('i', at)}
             and ($6::timestamptz is null or (i.started_at, i.id) > ($6::timestamptz, $7::bigint))
           order by i.started_at, i.id
           limit $8) p), '[]'::json) as rows,
         ${maintenanceWindows(at)} as windows`,
      [
        tenantId, query.serviceId ?? null, new Date(range.start), new Date(range.end), query.asOf ? new Date(now) : null,
        query.cursor ? new Date(query.cursor.startedAt) : null, query.cursor?.id ?? null, limit === null ? null : limit + 1,
      ],
    );
    const more = limit !== null && facts.rows.length > limit;
    const rows = more ? facts.rows.slice(0, limit) : facts.rows;
    const counted = new Set<Severity>(target.countedSeverities);
    const iso = (instant: number) => isoIn(instant, zone);
    const items = rows
      .map((row) => incidentAsOf(row.incident, query.asOf ? now : Infinity))
      .filter((view): view is IncidentView => view !== undefined && overlaps(view, range))
      .map((view) => item(view, incidentDowntime(view, counted, facts.windows), range, now, iso));
    const last = rows.at(-1);
    const body = {
      tenant_id: tenantId,
      service_id: query.serviceId ?? null,
      from: iso(range.start),
      to: iso(range.end),
      timezone: zone,
      as_of: iso(now),
      incidents: items,
      next_cursor: more && last ? encodeCursor({ startedAt: last.started_ms, id: last.incident.id, query: digest }) : null,
    };
    return { body, closed: isClosed(range.end, query.asOf ? now : undefined, wallClock, scope.zone), span: range };
  }
}

const overlaps = (view: IncidentView, range: Interval) => view.startedAt < range.end && (view.endedAt === null || view.endedAt > range.start);

function item(view: IncidentView, down: Interval[], range: Interval, now: number, iso: (instant: number) => string): IncidentItem {
  const end = view.endedAt ?? now;
  return {
    incident_id: view.id,
    alarm_key: view.alarmKey,
    service_id: view.serviceId,
    severity: view.severity,
    summary: view.summary,
    started_at: iso(view.startedAt),
    ended_at: view.endedAt === null ? null : iso(view.endedAt),
    acknowledged_at: view.acknowledgedAt === null ? null : iso(view.acknowledgedAt),
    resolution: view.resolution,
    duration_minutes: minutes(Math.max(0, end - view.startedAt)),
    downtime_minutes: minutes(totalLength(clipIntervals(down, { start: range.start, end: Math.min(range.end, now) }))),
    event_ids: view.eventIds,
  };
}
