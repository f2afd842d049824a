import { Injectable } from '@nestjs/common';
import { badRequest } from '@vigil/platform-nest';
import { localMonth, type Interval } from '@vigil/sla-engine';
import { isoIn } from '../domain/local-time.rules';
import { monthlyReport } from '../domain/monthly-report.rules';
import { resolveAsOf } from '../http/report-query';
import { isClosed, ReportCache, type CachedAnswer } from '../report-cache/report-cache';
import { ReportFactsReader, type ReportScope } from '../report-facts/report-facts.reader';
import type { MonthlyReportQuery } from './monthly-report-query';

const MINUTE_MS = 60_000;
const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
const minutes = (ms: number) => round(ms / MINUTE_MS, 2);

export interface MonthlyReportBody {
  tenant_id: string;
  service_id: string | null;
  month: string;
  timezone: string;
  from: string;
  to: string;
  as_of: string;
  period_complete: boolean;
  policy: string | null;
  target_percentage: number;
  availability_percentage: number;
  period_minutes: number;
  uptime_minutes: number;
  downtime_minutes: number;
  incidents: number;
  mttr_minutes: number | null;
  breaches: number;
  error_budget_minutes: number;
  error_budget_used_minutes: number;
  /** Null when the objective is 100 % and there was downtime (the budget was zero). */
  error_budget_used_percentage: number | null;
  credit_schedule: string | null;
  credit_percentage: number;
  evidence: {
    incidents: Array<{
      incident_id: string; alarm_key: string; service_id: string; severity: string; summary: string;
      started_at: string; ended_at: string | null; acknowledged_at: string | null; resolution: string | null;
      downtime_minutes: number; intervals: Array<{ from: string; to: string }>; event_ids: string[];
    }>;
    breaches: Array<{ effective_at: string; policy: string; service_id: string; alarm_key: string | null; reason: string; event_id: string }>;
    maintenance_windows: Array<{ name: string; services: string[]; from: string; to: string; reason: string | null }>;
  };
}

/** The monthly report of a tenant or one service: two round trips, like daily compliance. */
@Injectable()
export class MonthlyReportHandler {
  constructor(private readonly reader: ReportFactsReader, private readonly cache: ReportCache) {}

  execute(tenantId: string, query: MonthlyReportQuery, wallClock: number): Promise<CachedAnswer<MonthlyReportBody>> {
    return this.cache.serve(
      `monthly:${tenantId}:${JSON.stringify(query)}`,
      (held) => this.reader.scope(tenantId, query.serviceId, held),
      (scope) => this.report(tenantId, query, wallClock, scope),
    );
  }

  private async report(tenantId: string, query: MonthlyReportQuery, wallClock: number, scope: ReportScope): Promise<{ body: MonthlyReportBody; closed: boolean; span?: Interval }> {
    const now = resolveAsOf(query.asOf, scope.zone, wallClock);
    // As of an earlier moment, the month and the objective are those of the zone and policies known then.
    const { zone, target } = query.asOf ? await this.reader.scope(tenantId, query.serviceId, undefined, now) : scope;
    const period = localMonth(query.month, zone);
    if (period.start > now) {
      throw badRequest([{ field: 'month', rule: 'isNotInTheFuture', message: query.asOf ? 'must not start after as_of' : 'must not be in the future' }]);
    }
    const facts = await this.reader.facts(tenantId, query.serviceId, period, query.asOf ? now : undefined, target);
    const figures = monthlyReport({ ...facts, target, period, now, serviceId: query.serviceId });
    const iso = (instant: number) => isoIn(instant, zone);
    const span = (i: Interval) => ({ from: iso(i.start), to: iso(i.end) });
    const body: MonthlyReportBody = {
      tenant_id: tenantId,
      service_id: query.serviceId ?? null,
      month: query.month,
      timezone: zone,
      from: iso(period.start),
      to: iso(period.end),
      as_of: iso(now),
      period_complete: figures.periodComplete,
      policy: target.policy,
      target_percentage: target.objective,
      availability_percentage: round(figures.availabilityPercentage, 3),
      period_minutes: minutes(figures.periodMs),
      uptime_minutes: minutes(figures.uptimeMs),
      downtime_minutes: minutes(figures.downtimeMs),
      incidents: figures.evidence.length,
      mttr_minutes: figures.mttrMs === null ? null : minutes(figures.mttrMs),
      breaches: figures.breaches.length,
      error_budget_minutes: minutes(figures.errorBudgetMs),
      error_budget_used_minutes: minutes(figures.errorBudgetUsedMs),
      error_budget_used_percentage: Number.isFinite(figures.budgetConsumed) ? round(figures.budgetConsumed * 100, 2) : null,
      credit_schedule: facts.creditTiers ? (target.creditSchedule ?? null) : null,
      credit_percentage: figures.creditPercentage,
      evidence: {
        incidents: figures.evidence.map(({ incident, intervals, downtimeMs }) => ({
          incident_id: incident.id,
          alarm_key: incident.alarmKey,
          service_id: incident.serviceId,
          severity: incident.severity,
          summary: incident.summary,
          started_at: iso(incident.startedAt),
          ended_at: incident.endedAt === null ? null : iso(incident.endedAt),
          acknowledged_at: incident.acknowledgedAt === null ? null : iso(incident.acknowledgedAt),
          resolution: incident.resolution,
          downtime_minutes: minutes(downtimeMs),
          intervals: intervals.map(span),
          event_ids: incident.eventIds,
        })),
        breaches: figures.breaches.map((b) => ({
          effective_at: iso(b.at), policy: b.policy, service_id: b.serviceId, alarm_key: b.alarmKey, reason: b.reason, event_id: b.eventId,
        })),
        maintenance_windows: figures.maintenance.map((w) => ({ name: w.name, services: w.services, ...span(w), reason: w.reason })),
      },
    };
    return { body, closed: isClosed(period.end, query.asOf ? now : undefined, wallClock, scope.zone), span: period };
  }
}
