/**
 * SQL shared by the statements that read the read model: the reports' reads, the incidents list,
 * the rollups projection and the restatement check. Each fragment is a function of where the
 * statement holds the values it reads (placeholders such as `$3`, or a literal such as `null`),
 * so a statement composes them under its own numbering; the text they build is the one
 * PostgreSQL sees, so a change here shows in the benchmarks.
 */

/** Where a statement holds what a fragment about a window reads. */
export interface WindowPlaceholders {
  /** The tenant id. */
  tenant: string;
  /** The window, [start, end), as timestamptz. */
  start: string;
  end: string;
  /**
   * The moment whose knowledge the statement reads: an `as_of` instant, or null for everything
   * recorded so far (so an event stamped a little ahead of this clock counts at once).
   */
  knownAt: string;
}

/** The moment whose knowledge a query reads, from the placeholder of `WindowPlaceholders.knownAt`: infinity for null. */
export function knownAtOf(knownAt: string): string {
  return `coalesce(${knownAt}::timestamptz, 'infinity'::timestamptz)`;
}

/**
 * The tenant's time zone as known at `knownAt`: the latest version recorded by then, unless
 * deleted by then; null when there is none.
 */
export function tenantZone({ tenant, knownAt }: Pick<WindowPlaceholders, 'tenant' | 'knownAt'>): string {
  const known = knownAtOf(knownAt);
  return `(select t.timezone from (select timezone, deleted_at from reporting.tenants
             where tenant_id = ${tenant} and recorded_at <= ${known} order by generation desc limit 1) t
           where t.deleted_at is null or t.deleted_at > ${known})`;
}

/** Epoch milliseconds as a JSON number: no timestamp text to parse back. */
export const epochMs = (column: string) => `(floor(extract(epoch from ${column}) * 1000))::bigint`;

/**
 * Whether incident row `i` may touch the window as known at `knownAt`: started before the end,
 * and ended after the start or still open. As of a moment (`knownAt` set), also one ended or
 * corrected later (`incidentAsOf` then says exactly). Written so that, without `knownAt`, the as-of
 * terms fold away when PostgreSQL plans the statement with its values, and the start and end
 * indexes both bound it.
 */
export function incidentTouchesWindow(i: string, { start, end, knownAt }: Omit<WindowPlaceholders, 'tenant'>): string {
  return `${i}.started_at < ${end}
  and (${knownAt}::timestamptz is null or ${i}.recorded_at <= ${knownAt})
  and (${i}.ended_at > ${start} or ${i}.ended_at is null or (${knownAt}::timestamptz is not null and (${i}.ended_recorded_at > ${knownAt} or ${i}.corrections <> '[]'::jsonb)))`;
}

/**
 * Whether breach row `b` still counts as known at `knownAt`: no correction recorded by then names
 * it, but one restating it at its own instant.
 */
export function breachStands(b: string, { knownAt }: Pick<WindowPlaceholders, 'knownAt'>): string {
  return `not exists (select 1 from reporting.breach_corrections c
  where c.corrects = ${b}.event_id and c.recorded_at <= ${knownAtOf(knownAt)} and not (c.kind = 'sla-breached' and c.effective_at = ${b}.effective_at))`;
}

/**
 * The tenant's maintenance windows overlapping the window as known at `knownAt`, as a JSON array
 * (the shape `MaintenanceWindowView` reads): the latest version recorded by then of each, unless
 * deleted by then.
 */
export function maintenanceWindows({ tenant, start, end, knownAt }: WindowPlaceholders): string {
  const known = knownAtOf(knownAt);
  return `coalesce((select json_agg(json_build_object('name', w.name, 'services', w.services, 'start', ${epochMs('w.starts_at')},
             'end', ${epochMs('w.ends_at')}, 'reason', w.reason) order by w.starts_at)
           from (select distinct on (name) * from reporting.maintenance_windows
                 where tenant_id = ${tenant} and recorded_at <= ${known} order by name, generation desc) w
           where (w.deleted_at is null or w.deleted_at > ${known}) and w.starts_at < ${end} and w.ends_at > ${start}), '[]'::json)`;
}

/**
 * Incident row `i` as JSON with its severity statements recorded by `knownAt`: the shape
 * `incidentAsOf` reads.
 */
export function incidentJson(i: string, { knownAt }: Pick<WindowPlaceholders, 'knownAt'>): string {
  return `json_build_object('id', ${i}.id::text, 'alarmKey', ${i}.alarm_key, 'serviceId', ${i}.service_id, 'severity', ${i}.severity,
    'summary', ${i}.summary, 'startedAt', ${epochMs(`${i}.started_at`)}, 'endedAt', ${epochMs(`${i}.ended_at`)},
    'recordedAt', ${epochMs(`${i}.recorded_at`)}, 'endedRecordedAt', ${epochMs(`${i}.ended_recorded_at`)},
    'acknowledgedAt', ${epochMs(`${i}.acknowledged_at`)}, 'acknowledgedRecordedAt', ${epochMs(`${i}.acknowledged_recorded_at`)},
    'resolution', ${i}.resolution, 'raisedEventId', ${i}.raised_event_id, 'clearedEventId', ${i}.cleared_event_id,
    'acknowledgedEventId', ${i}.acknowledged_event_id, 'corrections', ${i}.corrections,
    'severities', coalesce((select json_agg(json_build_object('at', ${epochMs('s.effective_from')}, 'severity', s.severity, 'rank', s.rank, 'eventId', s.event_id)
        order by s.effective_from, s.rank, s.event_id)
      from reporting.incident_severities s where s.incident_id = ${i}.id and s.recorded_at <= ${knownAtOf(knownAt)}), '[]'::json))`;
}
