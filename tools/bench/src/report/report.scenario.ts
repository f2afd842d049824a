import path from 'node:path';
import { Client } from 'pg';
import { issueToken } from '@vigil/auth';
import { newEvent, Topics } from '@vigil/contracts';
import { createKafka } from '@vigil/messaging';
import { sleep } from '../shared/child-process';
import { benchDatabaseUrl, resetBenchDatabase } from '../shared/bench-database';
import { machine } from '../shared/machine';
import { progress } from '../shared/progress';
import type { BenchContext, ScenarioResult } from '../shared/scenario';
import { round, summarize, type LatencySummary } from '../shared/stats';
import { formatTable } from '../shared/table';
import { startVigilService } from '../shared/vigil-service';
import { loadReportData, naiveCompliance, serviceId, tenantId, type ReportDataShape } from './report-data';

export interface ReportOptions {
  alarms: number;
  tenants: number;
  servicesPerTenant: number;
  /** Requests timed per case. */
  requests: number;
  /** Requests before timing (not measured), per case. */
  warmup: number;
}

export const DefaultReportOptions: ReportOptions = { alarms: 1_000_000, tenants: 10, servicesPerTenant: 10, requests: 200, warmup: 20 };

const DAY_MS = 86_400_000;

interface Ask {
  tenant: string;
  service: string;
  /** First day (UTC midnight) and number of days. */
  from: number;
  days: number;
}

const isoDay = (instant: number) => new Date(instant).toISOString().slice(0, 10);

/**
 * Distinct asks (tenant, service, range) so every Vigil request is a cache miss and computes
 * from the read model; the naive baseline gets the very same asks. Deterministic, so runs compare.
 */
function asks(count: number, days: number, shape: ReportDataShape, salt: number): Ask[] {
  const spanDays = Math.round((shape.end - shape.start) / DAY_MS);
  const result: Ask[] = [];
  for (let i = 0; i < count; i++) {
    const n = i * 7919 + salt;
    const t = n % shape.tenants;
    const s = Math.floor(n / shape.tenants) % shape.servicesPerTenant;
    const offset = (i * 13 + salt) % (spanDays - days);
    result.push({ tenant: tenantId(t), service: serviceId(t, s), from: shape.start + offset * DAY_MS, days });
  }
  return result;
}

async function timed<T>(items: T[], each: (item: T) => Promise<void>): Promise<number[]> {
  const samples: number[] = [];
  for (const item of items) {
    const started = performance.now();
    await each(item);
    samples.push(performance.now() - started);
  }
  return samples;
}

/**
 * The read model is loaded by SQL, not by events, so its daily rollups are built the way the
 * projection rebuilds them when a tenant's zone changes: one `config-applied` Tenant (UTC) per
 * tenant on the config topic, waited for in the service's processed-event ledger.
 */
async function applyTenantZones(brokers: string, client: Client, tenants: number): Promise<void> {
  const kafka = createKafka({ brokers: brokers.split(','), clientId: 'vigil-bench-report', log: (level, message) => level === 'error' && progress(message) });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const ids: string[] = [];
  try {
    for (let t = 0; t < tenants; t++) {
      const tenant = tenantId(t);
      const event = newEvent({
        type: 'config-applied', tenantId: tenant, subject: `Tenant/${tenant}`, sequence: 1, occurredAt: new Date().toISOString(),
        data: { kind: 'Tenant', name: tenant, generation: 1, spec: { displayName: tenant, timezone: 'UTC' } },
      });
      ids.push(event.id);
      await producer.send({ topic: Topics.configEvents, acks: -1, messages: [{ key: `${tenant}/config`, value: JSON.stringify(event), headers: { 'event-type': event.type } }] });
    }
  } finally {
    await producer.disconnect();
  }
  const deadline = Date.now() + 30 * 60_000;
  for (;;) {
    const { rows } = await client.query<{ n: number }>(`select count(*)::int as n from reporting.processed_events where event_id = any($1::uuid[])`, [ids]);
    if (rows[0].n === ids.length) return;
    if (Date.now() > deadline) throw new Error(`reporting-api applied ${rows[0].n} of ${ids.length} tenant zones in 30 minutes`);
    await sleep(500);
  }
}

/** Answers the report cache gave so far, from the service's metrics. */
async function cacheHits(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('vigil_reporting_cache_requests_total{') && l.includes('outcome="hit"'));
  return line ? Number(line.split(' ').pop()) : 0;
}

/**
 * `report`: reporting-api answering 30- and 90-day compliance and monthly reports from its read
 * model, over HTTP, each request computing (no cache hit), against the straightforward approach
 * of the original requirements on the same data in the same database: one downtime SUM query per
 * day over an indexed alarms table. Plus the same 90-day ask repeated: what the cache answers.
 */
export async function runReport(context: BenchContext, options: ReportOptions): Promise<ScenarioResult> {
  const databaseUrl = benchDatabaseUrl(context.env);
  const postgres = await resetBenchDatabase(databaseUrl);
  const service = await startVigilService('reporting-api', {
    root: context.root, kafkaBrokers: context.kafkaBrokers, databaseUrl, vigilHome: context.vigilHome,
    logDir: context.logDir, logLevel: context.serviceLogLevel,
  });
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
    const shape: ReportDataShape = { alarms: options.alarms, tenants: options.tenants, servicesPerTenant: options.servicesPerTenant, start: today - 365 * DAY_MS, end: today };
    const loadStarted = Date.now();
    progress(`loading ${options.alarms.toLocaleString('en-US')} alarms over ${options.tenants} tenants and ${options.tenants * options.servicesPerTenant} services`);
    await loadReportData(client, shape);
    progress(`loaded in ${((Date.now() - loadStarted) / 1000).toFixed(1)} s`);
    const rollupsStarted = Date.now();
    progress(`building the daily rollups: each tenant's zone applied through Kafka, which restates all of its days`);
    await applyTenantZones(context.kafkaBrokers, client, options.tenants);
    const rollupsSeconds = (Date.now() - rollupsStarted) / 1000;
    progress(`rollups built in ${rollupsSeconds.toFixed(1)} s`);
    const cacheHitsBefore = await cacheHits(service.url);

    const tokens = new Map<string, string>();
    for (let t = 0; t < options.tenants; t++) tokens.set(tenantId(t), await issueToken({ tenantId: tenantId(t), scopes: ['reports:read'], home: context.vigilHome }));
    let failures = 0;
    const get = async (tenant: string, route: string, query: Record<string, string>) => {
      const response = await fetch(`${service.url}${route}?${new URLSearchParams(query)}`, { headers: { authorization: `Bearer ${tokens.get(tenant)}` } });
      await response.arrayBuffer();
      if (response.status !== 200) failures += 1;
    };
    const compliance = (a: Ask) => get(a.tenant, '/api/v1/faults/sla/compliance', {
      from_date: isoDay(a.from), to_date: isoDay(a.from + (a.days - 1) * DAY_MS), service_id: a.service,
    });
    const monthly = (a: Ask) => get(a.tenant, '/api/v1/sla/reports/monthly', { month: isoDay(a.from).slice(0, 7), service_id: a.service });
    const naive = async (a: Ask) => {
      await naiveCompliance(client, a.tenant, a.service, a.from, a.days);
    };

    const cases: Array<{ name: string; key: string; samples: number[] }> = [];
    const measure = async (name: string, key: string, run: (a: Ask) => Promise<void>, list: Ask[]) => {
      progress(`case ${name}: ${options.warmup} warm-up, ${options.requests} timed`);
      await timed(list.slice(0, options.warmup), run);
      cases.push({ name, key, samples: await timed(list.slice(options.warmup), run) });
    };
    const n = options.requests + options.warmup;
    const asks30 = asks(n, 30, shape, 1);
    const asks90 = asks(n, 90, shape, 2);
    const months = asks(n, 1, shape, 3);
    await measure('Vigil compliance 30 days', 'compliance_30d', compliance, asks30);
    await measure('Vigil compliance 90 days', 'compliance_90d', compliance, asks90);
    await measure('Vigil monthly report', 'monthly', monthly, months);
    await measure('naive compliance 30 days', 'naive_30d', naive, asks30);
    await measure('naive compliance 90 days', 'naive_90d', naive, asks90);
    const uncachedHits = (await cacheHits(service.url)) - cacheHitsBefore;
    const repeated = Array.from({ length: n }, () => asks90[0]);
    await measure('Vigil compliance 90 days, cached', 'compliance_90d_cached', compliance, repeated);

    const summaries = new Map<string, LatencySummary>(cases.map((c) => [c.key, summarize(c.samples)]));
    const of = (key: string) => summaries.get(key) as LatencySummary;
    const figures: Record<string, unknown> = {
      scenario: 'report',
      alarms: options.alarms,
      tenants: options.tenants,
      services: options.tenants * options.servicesPerTenant,
      requests_per_case: options.requests,
    };
    for (const c of cases) {
      const s = of(c.key);
      figures[`${c.key}_p50_ms`] = round(s.p50, 2);
      figures[`${c.key}_p95_ms`] = round(s.p95, 2);
      figures[`${c.key}_p99_ms`] = round(s.p99, 2);
    }
    figures.ratio_vs_naive = round(of('naive_90d').p95 / of('compliance_90d').p95, 2);
    figures.ratio_vs_naive_30d = round(of('naive_30d').p95 / of('compliance_30d').p95, 2);
    figures.rollups_build_s = round(rollupsSeconds, 1);
    figures.cache_hits_uncached_cases = uncachedHits;
    figures.failed_requests = failures;
    figures.machine = machine();
    figures.postgres = postgres;
    const table = formatTable(
      ['case', 'requests', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'],
      cases.map((c) => {
        const s = of(c.key);
        return [c.name, s.count, round(s.p50, 2), round(s.p95, 2), round(s.p99, 2), round(s.max, 2)];
      }),
    );
    const report = [
      `report: ${options.alarms.toLocaleString('en-US')} alarms, ${options.tenants} tenants, ${options.tenants * options.servicesPerTenant} services, 365 days; one client, one request at a time`,
      table,
      `Vigil: reporting-api over HTTP, every timed request a distinct (tenant, service, range), so none is a cache hit (but "cached"): ${uncachedHits} cache hits in those cases.`,
      `Daily rollups (docs/adr/0018) built by the projection after the load, by applying each tenant's zone (UTC): ${rollupsSeconds.toFixed(1)} s.`,
      `naive: one SUM query per day over naive.alarms (indexed by tenant, service, start), from the bench process, no HTTP.`,
      `ratio_vs_naive: naive 90-day p95 / Vigil 90-day p95 = ${String(figures.ratio_vs_naive)}; logs in ${path.join(context.logDirRelative)}`,
    ].join('\n');
    return { report, figures, ok: failures === 0 };
  } finally {
    await client.end();
    await service.process.stop();
  }
}
