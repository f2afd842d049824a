import { Injectable } from '@nestjs/common';
import { Histogram } from 'prom-client';
import { VigilMetrics } from '@vigil/platform-nest';
import { localDays, type Interval, type LocalDay } from '@vigil/sla-engine';
import type { EffectiveTarget } from '../domain/availability-target.rules';
import { countPerDay, dailyCompliance, daysWindow, type ComplianceRecord } from '../domain/daily-compliance.rules';
import { coverage, rollupRecord, rollupRule, type RollupRow } from '../domain/daily-rollups.rules';
import { isoIn } from '../domain/local-time.rules';
import { resolveAsOf, resolveComplianceRange, type ComplianceQuery } from '../http/report-query';
import { isClosed, ReportCache, type CachedAnswer } from '../report-cache/report-cache';
import { ReportFactsReader, type ReportScope } from '../report-facts/report-facts.reader';

export interface ComplianceReport {
  tenant_id: string;
  service_id: string | null;
  from_date: string;
  to_date: string;
  timezone: string;
  /** The moment the answer is as of: now, or the `as_of` asked for. */
  as_of: string;
  records: ComplianceRecord[];
}

/**
 * Daily compliance of a tenant or one of its services. Two round trips: the tenant's zone,
 * targets and restatement version (the range means local days, so the zone comes first), then
 * the incidents, breaches and maintenance windows of those days together; only the first when
 * the answer is about closed days the cache holds unrestated. `as_of` reads the zone and targets
 * known then in between.
 */
@Injectable()
export class DailyComplianceHandler {
  private readonly duration: Histogram;

  constructor(private readonly reader: ReportFactsReader, private readonly cache: ReportCache, metrics: VigilMetrics) {
    this.duration = new Histogram({
      name: 'vigil_reporting_compliance_duration_seconds',
      help: 'Time to answer a daily compliance request (database reads and calculation)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2],
      registers: [metrics.registry],
    });
  }

  async execute(tenantId: string, query: ComplianceQuery, now: number): Promise<CachedAnswer<ComplianceReport>> {
    const stop = this.duration.startTimer();
    try {
      return await this.cache.serve(
        `compliance:${tenantId}:${JSON.stringify(query)}`,
        (held) => this.reader.scope(tenantId, query.serviceId, held),
        (scope) => this.report(tenantId, query, now, scope),
      );
    } finally {
      stop();
    }
  }

  private async report(tenantId: string, query: ComplianceQuery, wallClock: number, scope: ReportScope): Promise<{ body: ComplianceReport; closed: boolean; span?: Interval }> {
    // As of an earlier moment, that moment is "now": open alarms count up to it, later days are in
    // the future, and the days and the target are those of the zone and policies known then.
    const now = resolveAsOf(query.asOf, scope.zone, wallClock);
    const { zone, target } = query.asOf ? await this.reader.scope(tenantId, query.serviceId, undefined, now) : scope;
    const range = resolveComplianceRange(query, zone, now);
    // Computed once: a zone's days cost a millisecond or so per 90 (Luxon), a good part of an answer.
    const days = localDays(range, zone);
    const window = days.length > 0 ? { start: days[0].start, end: days[days.length - 1].end } : undefined;
    const records = query.asOf
      ? await this.fromIncidents(tenantId, query.serviceId, range, zone, target, now, now)
      : await this.fromRollups(tenantId, query.serviceId, days, zone, target, now);
    const body = {
      tenant_id: tenantId,
      service_id: query.serviceId ?? null,
      from_date: isoIn(range.start, zone),
      to_date: isoIn(range.end, zone),
      timezone: zone,
      as_of: isoIn(now, zone),
      records,
    };
    return { body, closed: isClosed(range.end, query.asOf ? now : undefined, wallClock, scope.zone), span: window };
  }

  /**
   * The settled days from the daily rollups (docs/adr/0018), the rest (today, days an open alarm
   * touches, days without a row under the scope's current rule) from the incidents.
   */
  private async fromRollups(tenantId: string, serviceId: string | undefined, days: LocalDay[], zone: string, target: EffectiveTarget, now: number): Promise<ComplianceRecord[]> {
    if (days.length === 0) return [];
    const window = { start: days[0].start, end: days[days.length - 1].end };
    const settled = await this.reader.settledDays(tenantId, serviceId, window, rollupRule(zone, target));
    const { before, live, after } = coverage(days, settled.rows, now, settled.openSince);
    const breaches = settled.breaches.map((b) => b.at);
    const perDay = countPerDay(days, breaches);
    const stored = (rows: RollupRow[], offset: number) => rows.map((row, i) => rollupRecord(row, target, perDay[offset + i] ?? 0));
    const computed = live ? await this.fromIncidents(tenantId, serviceId, live, zone, target, now, undefined, breaches) : [];
    return [...stored(before, 0), ...computed, ...stored(after, days.length - after.length)];
  }

  /** The days computed from the incidents, as known at `knownAt` (undefined: everything recorded). */
  private async fromIncidents(
    tenantId: string, serviceId: string | undefined, range: Interval, zone: string, target: EffectiveTarget, now: number,
    knownAt: number | undefined, breaches?: number[],
  ): Promise<ComplianceRecord[]> {
    const window = daysWindow(range, zone);
    const facts = window
      ? await this.reader.facts(tenantId, serviceId, window, knownAt, target)
      : { incidents: [], breaches: [], windows: [], creditTiers: null };
    return dailyCompliance({
      incidents: facts.incidents,
      breaches: breaches ?? facts.breaches.map((b) => b.at),
      windows: facts.windows,
      serviceId,
      target,
      zone,
      range,
      now,
    });
  }
}
