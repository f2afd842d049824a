import { Injectable } from '@nestjs/common';
import { DateTime, IANAZone } from 'luxon';
import { Histogram } from 'prom-client';
import { DataSource } from 'typeorm';
import { VigilMetrics } from '@vigil/platform-nest';
import { selectTarget, type AvailabilityTarget } from '../read-model/availability-target';
import { resolveComplianceRange, type ComplianceQuery } from './compliance-query';
import { dailyCompliance, daysWindow, type ComplianceRecord, type IncidentSpan } from './daily-compliance';

export interface ComplianceReport {
  tenant_id: string;
  service_id: string | null;
  from_date: string;
  to_date: string;
  timezone: string;
  records: ComplianceRecord[];
}

interface ScopeRow {
  timezone: string | null;
  targets: Array<Omit<AvailabilityTarget, 'services' | 'selector'> & { services: string[] | null; selector: AvailabilityTarget['selector'] | null }>;
  service_labels: Record<string, string> | null;
}

interface FactsRow {
  incidents: IncidentSpan[];
  breaches: number[];
}

/**
 * Daily compliance of a tenant or one of its services. Two round trips: the tenant's zone and
 * targets (the range means local days, so the zone comes first), then the incidents and
 * breaches of those days together.
 */
@Injectable()
export class DailyComplianceHandler {
  private readonly duration: Histogram;

  constructor(private readonly dataSource: DataSource, metrics: VigilMetrics) {
    this.duration = new Histogram({
      name: 'vigil_reporting_compliance_duration_seconds',
      help: 'Time to answer a daily compliance request (queries and calculation)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2],
      registers: [metrics.registry],
    });
  }

  async execute(tenantId: string, query: ComplianceQuery, now: number): Promise<ComplianceReport> {
    const stop = this.duration.startTimer();
    try {
      return await this.report(tenantId, query, now);
    } finally {
      stop();
    }
  }

  private async report(tenantId: string, query: ComplianceQuery, now: number): Promise<ComplianceReport> {
    const serviceId = query.serviceId ?? null;
    const [scope]: ScopeRow[] = await this.dataSource.query(
      `select
         (select timezone from reporting.tenants where tenant_id = $1) as timezone,
         coalesce((select json_agg(json_build_object(
             'policy', policy, 'services', services, 'selector', selector, 'objective', objective,
             'countedSeverities', counted_severities, 'minimumOutageMs', minimum_outage_ms) order by policy)
           from reporting.availability_targets where tenant_id = $1), '[]'::json) as targets,
         (select labels from reporting.incidents where tenant_id = $1 and service_id = $2::text
           order by started_at desc limit 1) as service_labels`,
      [tenantId, serviceId],
    );
    // A tenant reporting has not heard of (or whose zone this runtime does not know) reads in UTC.
    const zone = scope.timezone && IANAZone.isValidZone(scope.timezone) ? scope.timezone : 'UTC';
    const range = resolveComplianceRange(query, zone, now);
    const targets: AvailabilityTarget[] = scope.targets.map((t) => ({
      ...t,
      services: t.services ?? undefined,
      selector: t.selector ?? undefined,
    }));
    const target = selectTarget(targets, query.serviceId, scope.service_labels ?? {});
    const window = daysWindow(range, zone);

    let facts: FactsRow = { incidents: [], breaches: [] };
    if (window) {
      [facts] = await this.dataSource.query(
        `select
           coalesce((select json_agg(json_build_object('serviceId', i.service_id, 'severity', i.severity,
               'startedAt', ${epochMs('i.started_at')}, 'endedAt', ${epochMs('i.ended_at')},
               'severities', coalesce((select json_agg(json_build_object('at', ${epochMs('s.effective_from')}, 'severity', s.severity, 'rank', s.rank))
                 from reporting.incident_severities s where s.incident_id = i.id), '[]'::json)))
             from reporting.incidents i
             where i.tenant_id = $1 and ($2::text is null or i.service_id = $2::text)
               and i.started_at < $4 and (i.ended_at is null or i.ended_at > $3)
               and i.resolution is distinct from 'cancelled'
               -- Down only while at a counted severity: leave out incidents that never had one.
               and (i.severity = any($5::text[]) or exists (select 1 from reporting.incident_severities s
                 where s.incident_id = i.id and s.severity = any($5::text[])))), '[]'::json) as incidents,
           coalesce((select json_agg(${epochMs('effective_at')})
             from reporting.breaches
             where tenant_id = $1 and ($2::text is null or service_id = $2::text)
               and effective_at >= $3 and effective_at < $4), '[]'::json) as breaches`,
        [tenantId, serviceId, new Date(window.start), new Date(window.end), target.countedSeverities],
      );
    }
    const records = dailyCompliance({ incidents: facts.incidents, breaches: facts.breaches, target, zone, range, now });
    return {
      tenant_id: tenantId,
      service_id: serviceId,
      from_date: isoIn(range.start, zone),
      to_date: isoIn(range.end, zone),
      timezone: zone,
      records,
    };
  }
}

/** Epoch milliseconds as a JSON number: no timestamp text to parse back. */
const epochMs = (column: string) => `(floor(extract(epoch from ${column}) * 1000))::bigint`;

function isoIn(instant: number, zone: string): string {
  return DateTime.fromMillis(instant, { zone }).toISO({ suppressMilliseconds: true }) ?? new Date(instant).toISOString();
}
