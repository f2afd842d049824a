import { Injectable } from '@nestjs/common';
import { IANAZone } from 'luxon';
import { DataSource } from 'typeorm';
import type { CreditTier } from '@vigil/contracts';
import { isDatabaseUnavailable } from '@vigil/persistence';
import { PolicyRegistry, type IPolicy } from '@vigil/resilience';
import type { Interval } from '@vigil/sla-engine';
import { selectTarget, type AvailabilityTarget, type EffectiveTarget } from '../domain/availability-target.rules';
import { TENANT_SCOPE, type RollupRow } from '../domain/daily-rollups.rules';
import { incidentAsOf, type IncidentRecord, type IncidentView, type MaintenanceWindowView } from '../domain/incident-as-of.rules';
import type { BreachFact } from '../domain/monthly-report.rules';
import type { HeldSpan } from '../domain/restatement.rules';
import { breachStands, epochMs, incidentJson, incidentTouchesWindow, knownAtOf, maintenanceWindows, tenantZone, type WindowPlaceholders } from './report-facts.sql';

/** What a report needs before it can resolve its range: the tenant's zone and the target of the scope. */
export interface ReportScope {
  zone: string;
  target: EffectiveTarget;
  /** The tenant's restatement version: cached closed answers hold while it stays. */
  version: string;
  /** Whether no version since the held answer's restated its span (false when nothing is held). */
  untouched: boolean;
}

/** The facts of a window as known at `asOf`. */
export interface ReportFacts {
  incidents: IncidentView[];
  breaches: BreachFact[];
  windows: MaintenanceWindowView[];
  /** The tiers of the target's credit schedule; null when the policy names none or it is not known. */
  creditTiers: CreditTier[] | null;
}

interface ScopeRow {
  timezone: string | null;
  targets: Array<Omit<AvailabilityTarget, 'services' | 'selector' | 'creditSchedule'> & {
    services: string[] | null; selector: AvailabilityTarget['selector'] | null; creditSchedule: string | null;
  }>;
  service_labels: Record<string, string> | null;
  version: string | null;
  untouched: boolean | null;
}

interface FactsRow {
  incidents: IncidentRecord[];
  breaches: BreachFact[];
  windows: MaintenanceWindowView[];
  credit_tiers: CreditTier[] | null;
}

/** The rollups of a window and what decides how far they answer it. */
export interface SettledDays {
  rows: RollupRow[];
  openSince: number | null;
  breaches: Array<{ at: number }>;
}

/** Runs one statement: through the `database` breaker for reports, in the projecting transaction for rollups. */
export type Query = <T>(sql: string, parameters: unknown[]) => Promise<T[]>;

/**
 * Reads the read model for reports, through the `database` breaker: once the database stops
 * answering, calls fail at once (and the caller answers from its cache) instead of waiting on
 * connection timeouts. The breaker is not critical: reporting stays ready, read-only degraded.
 */
@Injectable()
export class ReportFactsReader {
  readonly database: IPolicy;

  constructor(private readonly dataSource: DataSource, policies: PolicyRegistry) {
    this.database = policies.breaker('database', { critical: false, isFailure: isDatabaseUnavailable });
  }

  query<T>(sql: string, parameters: unknown[]): Promise<T[]> {
    return this.database.execute(() => this.dataSource.query(sql, parameters));
  }

  private readonly run: Query = (sql, parameters) => this.query(sql, parameters);

  /** Whether the database answers within two seconds (the breaker, when open, says no at once). */
  async ping(): Promise<{ status: 'up' } | { status: 'down'; error: string }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the database did not answer in 2 s')), 2_000);
    });
    try {
      await Promise.race([this.query('select 1', []), timeout]);
      return { status: 'up' };
    } catch (error) {
      return { status: 'down', error: (error as Error).message };
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The tenant's zone (UTC when reporting has none, or this runtime does not know it) and the
   * target of the scope, as known at `knownAtMs` (undefined: now, everything recorded).
   */
  scope(tenantId: string, serviceId: string | undefined, held?: HeldSpan, knownAtMs?: number): Promise<ReportScope> {
    return readScope(this.run, tenantId, serviceId, held, knownAtMs);
  }

  /**
   * What the daily rollups hold for the scope's days in the window under `rule`, since when an
   * alarm of the scope has been open (null: none is), and the breaches of the window: one round trip.
   */
  async settledDays(tenantId: string, serviceId: string | undefined, window: Interval, rule: string): Promise<SettledDays> {
    // Everything recorded so far: `$5` is null.
    const at: WindowPlaceholders = { tenant: '$1', start: '$3', end: '$4', knownAt: '$5' };
    const [row] = await this.query<{ rows: RollupRow[]; open_since: string | null; breaches: Array<{ at: number }> }>(
      `select
         coalesce((select json_agg(json_build_object('start', ${epochMs('r.day_start')}, 'date', r.date, 'compliance', r.compliance_percentage,
             'uptime', r.uptime_minutes, 'downtime', r.downtime_minutes) order by r.day_start)
           from reporting.daily_rollups r
           where r.tenant_id = $1 and r.scope = coalesce($2::text, '${TENANT_SCOPE}') and r.day_start >= $3 and r.day_start < $4 and r.rule = $6), '[]'::json) as rows,
         (select ${epochMs('min(i.started_at)')} from reporting.incidents i
           where i.tenant_id = $1 and ($2::text is null or i.service_id = $2::text) and i.ended_at is null) as open_since,
         coalesce((select json_agg(json_build_object('at', ${epochMs('b.effective_at')}) order by b.effective_at)
           from reporting.breaches b
           where b.tenant_id = $1 and ($2::text is null or b.service_id = $2::text) and b.effective_at >= $3 and b.effective_at < $4
             and ${breachStands('b', at)}), '[]'::json) as breaches`,
      [tenantId, serviceId ?? null, new Date(window.start), new Date(window.end), null, rule],
    );
    return { rows: row.rows, openSince: row.open_since === null ? null : Number(row.open_since), breaches: row.breaches };
  }

  /** The facts of the window as recorded by `knownAt` (undefined: all): see `readFacts`. */
  facts(tenantId: string, serviceId: string | undefined, window: Interval, knownAt: number | undefined, target: EffectiveTarget): Promise<ReportFacts> {
    return readFacts(this.run, tenantId, serviceId, window, knownAt, target.countedSeverities, target.creditSchedule);
  }
}

/**
 * The tenant's zone (UTC when reporting has none, or this runtime does not know it) and the target
 * of the scope, as known at `knownAtMs` (undefined: everything recorded; the version and the held
 * check are the tenant's current ones either way).
 */
export async function readScope(query: Query, tenantId: string, serviceId: string | undefined, held?: HeldSpan, knownAtMs?: number): Promise<ReportScope> {
  const at = { tenant: '$1', knownAt: '$6' };
  const known = knownAtOf(at.knownAt);
  const [row] = await query<ScopeRow>(
    `select
       ${tenantZone(at)} as timezone,
       -- Each policy's latest version recorded by then, unless deleted by then.
       coalesce((select json_agg(json_build_object(
           'policy', a.policy, 'services', a.services, 'selector', a.selector, 'objective', a.objective,
           'countedSeverities', a.counted_severities, 'minimumOutageMs', a.minimum_outage_ms,
           'maintenanceMode', a.maintenance_mode, 'creditSchedule', a.credit_schedule) order by a.policy)
         from (select distinct on (policy) * from reporting.availability_targets
               where tenant_id = $1 and recorded_at <= ${known} order by policy, generation desc) a
         where a.deleted_at is null or a.deleted_at > ${known}), '[]'::json) as targets,
       (select labels from reporting.incidents where tenant_id = $1 and service_id = $2::text and recorded_at <= ${known}
         order by started_at desc limit 1) as service_labels,
       (select version::text from reporting.restatements where tenant_id = $1) as version,
       -- Held at version $3 for [$4, $5): every version since says what it touched, and none touched that.
       $3::bigint is not null and (select count(*) filter (where s.starts_at < $5 and s.ends_at > $4) = 0
           and count(*) = coalesce((select version from reporting.restatements where tenant_id = $1), 0) - $3::bigint
         from reporting.restated_spans s where s.tenant_id = $1 and s.version > $3::bigint) as untouched`,
    [
      tenantId, serviceId ?? null, held?.version ?? null, held ? new Date(held.span.start) : null, held ? new Date(held.span.end) : null,
      knownAtMs === undefined ? null : new Date(knownAtMs),
    ],
  );
  const zone = row.timezone && IANAZone.isValidZone(row.timezone) ? row.timezone : 'UTC';
  const targets: AvailabilityTarget[] = row.targets.map((t) => ({
    ...t,
    services: t.services ?? undefined,
    selector: t.selector ?? undefined,
    creditSchedule: t.creditSchedule ?? undefined,
  }));
  return { zone, target: selectTarget(targets, serviceId, row.service_labels ?? {}), version: row.version ?? '0', untouched: row.untouched === true };
}

/**
 * Incidents that may have been down in the window at a counted severity, breaches, maintenance
 * windows and the credit schedule, each as recorded by `knownAt` (undefined: all), in one round trip. The row
 * filter is a superset (a start or end corrected after `asOf` may widen the incident back);
 * `incidentAsOf` then says exactly what was known.
 */
export async function readFacts(
  query: Query, tenantId: string, serviceId: string | undefined, window: Interval, knownAt: number | undefined,
  countedSeverities: readonly string[], creditSchedule: string | undefined,
): Promise<ReportFacts> {
  const at: WindowPlaceholders = { tenant: '$1', start: '$3', end: '$4', knownAt: '$5' };
  const known = knownAtOf(at.knownAt);
  const [row] = await query<FactsRow>(
    `select
       coalesce((select json_agg(${incidentJson('i', at)})
         from reporting.incidents i
         where i.tenant_id = $1 and ($2::text is null or i.service_id = $2::text) and ${incidentTouchesWindow('i', at)}
           and (i.resolution is distinct from 'cancelled' or ($5::timestamptz is not null and i.ended_recorded_at > $5))
           -- Down only while at a counted severity: leave out incidents that never had one.
           and (i.severity = any($6::text[]) or exists (select 1 from reporting.incident_severities s
             where s.incident_id = i.id and s.severity = any($6::text[])))), '[]'::json) as incidents,
       coalesce((select json_agg(json_build_object('at', ${epochMs('b.effective_at')}, 'eventId', b.event_id, 'policy', b.policy,
           'serviceId', b.service_id, 'alarmKey', b.alarm_key, 'reason', b.reason) order by b.effective_at)
         from reporting.breaches b
         where b.tenant_id = $1 and ($2::text is null or b.service_id = $2::text)
           and b.effective_at >= $3 and b.effective_at < $4 and b.recorded_at <= ${known} and ${breachStands('b', at)}), '[]'::json) as breaches,
       ${maintenanceWindows(at)} as windows,
       (select c.tiers from reporting.credit_schedules c
         where c.tenant_id = $1 and c.name = $7::text and c.recorded_at <= ${known} and (c.deleted_at is null or c.deleted_at > ${known})
         order by c.generation desc limit 1) as credit_tiers`,
    [tenantId, serviceId ?? null, new Date(window.start), new Date(window.end), knownAt === undefined ? null : new Date(knownAt), countedSeverities, creditSchedule ?? null],
  );
  return {
    incidents: row.incidents.map((r) => incidentAsOf(r, knownAt ?? Infinity)).filter((v): v is IncidentView => v !== undefined),
    breaches: row.breaches,
    windows: row.windows,
    creditTiers: row.credit_tiers,
  };
}
