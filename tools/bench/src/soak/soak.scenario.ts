import { issueToken } from '@vigil/auth';
import { ConfigApplyRoute, ServiceNames, type ServiceName } from '@vigil/contracts';
import { createKafka } from '@vigil/messaging';
import { skipInboundBacklog, startIngestion } from '../ingest/vigil-ingestion-server';
import { generateAlerts } from '../ingest/bench-alerts';
import { PageReceiver } from '../notify/page-receiver';
import { benchDatabaseUrl, resetBenchDatabase } from '../shared/bench-database';
import { sleep } from '../shared/child-process';
import { interruption } from '../shared/interruption';
import { machine } from '../shared/machine';
import { progress } from '../shared/progress';
import type { BenchContext, ScenarioResult } from '../shared/scenario';
import { round } from '../shared/stats';
import { formatNumber, formatTable } from '../shared/table';
import { startVigilService, type RunningService } from '../shared/vigil-service';
import { growthPercent, memoryFrom, type MemorySample } from './memory-sample';

export interface SoakOptions {
  durationS: number;
  /** Alarm raises per second; each is cleared a few seconds later, so changes are twice this. */
  raisesPerS: number;
  sampleEveryS: number;
}

export const DefaultSoakOptions: SoakOptions = { durationS: 600, raisesPerS: 50, sampleEveryS: 15 };

const HOLD_MS = 3_000;
const MB = 1024 * 1024;

interface Load { changes: number; errors: number; reports: number; reportErrors: number }

/**
 * The five services under a steady, realistic load for a while: alarms raised and cleared,
 * a fifth of them critical (each pages a webhook receiver and runs a resolution clock), a
 * compliance report asked every few seconds. Memory of each service is read from its
 * `/metrics` throughout; the start is taken after a warm-up, so what grows is what leaks.
 */
export async function runSoak(context: BenchContext, options: SoakOptions): Promise<ScenarioResult> {
  const databaseUrl = benchDatabaseUrl(context.env);
  const postgres = await resetBenchDatabase(databaseUrl);
  const settings = { root: context.root, kafkaBrokers: context.kafkaBrokers, databaseUrl, vigilHome: context.vigilHome, logDir: context.logDir, logLevel: context.serviceLogLevel };
  const receiver = await PageReceiver.start();
  const services = new Map<ServiceName, RunningService>();
  const samples = new Map<ServiceName, MemorySample[]>(ServiceNames.map((n) => [n, []]));
  const load: Load = { changes: 0, errors: 0, reports: 0, reportErrors: 0 };
  let warmUpEndsAt = 0;
  try {
    await skipInboundBacklog(createKafka({ brokers: context.kafkaBrokers.split(','), clientId: 'vigil-bench' }));
    services.set('alarm-ingestion', await startIngestion(settings));
    for (const name of ServiceNames.filter((n) => n !== 'alarm-ingestion')) {
      const escalation = services.get('escalation');
      services.set(name, await startVigilService(name, settings, escalation ? { ESCALATION_PUBLIC_URL: escalation.url } : {}));
    }
    const tenant = `bench-${context.runId}-soak`;
    await configure(tenant, services, receiver, context.vigilHome);
    const writer = { authorization: `Bearer ${await issueToken({ tenantId: tenant, scopes: ['alarms:write'], home: context.vigilHome })}` };
    const reader = { authorization: `Bearer ${await issueToken({ tenantId: tenant, scopes: ['reports:read'], home: context.vigilHome })}` };

    const started = Date.now();
    const endsAt = started + options.durationS * 1000;
    warmUpEndsAt = started + Math.min(60_000, (options.durationS * 1000) / 5);
    progress(`soak: ${options.durationS} s, ${options.raisesPerS} raises/s (each cleared ${HOLD_MS / 1000} s later), memory every ${options.sampleEveryS} s`);
    await Promise.all([
      alarmLoad(`${services.get('alarm-ingestion')!.url}/api/v1/alarms`, writer, options.raisesPerS, endsAt, load),
      reportLoad(`${services.get('reporting-api')!.url}/api/v1/faults/sla/compliance`, reader, endsAt, load),
      sampleMemory(services, samples, options.sampleEveryS, endsAt),
    ]);
  } finally {
    for (const service of [...services.values()].reverse()) await service.process.stop();
    await receiver.close();
  }
  return report(context, options, samples, warmUpEndsAt, load, receiver, postgres);
}

async function post(url: string, body: unknown, headers: Record<string, string>): Promise<void> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  if (response.status < 200 || response.status >= 300) throw new Error(`POST ${url} answered ${response.status}: ${text.slice(0, 200)}`);
}

async function configure(tenant: string, services: Map<ServiceName, RunningService>, receiver: PageReceiver, home: string): Promise<void> {
  const admin = { authorization: `Bearer ${await issueToken({ tenantId: tenant, scopes: ['admin'], home })}` };
  const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'vigil/v1', kind, metadata: { name, tenant }, spec });
  const apply = (service: ServiceName, body: unknown) => post(`${services.get(service)!.url}${ConfigApplyRoute}`, body, admin);
  await apply('alarm-ingestion', { ...doc('Tenant', tenant, { displayName: 'Soak', timezone: 'Europe/Berlin' }), metadata: { name: tenant } });
  await apply('sla-calculator', doc('SLAPolicy', 'soak-resolution', { type: 'resolution', services: ['*'], objectives: { critical: '1h', major: '2h' } }));
  await apply('sla-calculator', doc('SLAPolicy', 'soak-availability', { type: 'availability', services: ['*'], objective: 99.9, window: 'calendar-month' }));
  await apply('notifier', doc('NotificationChannel', 'soak-pager', { type: 'webhook', url: `${receiver.url}/vigil` }));
  await apply('escalation', doc('EscalationPolicy', 'soak-paging', { on: ['alarm-raised'], match: { severities: ['critical'] }, levels: [{ after: '0s', notify: ['soak-pager'] }] }));
}

/** Every 100 ms: the next raises, and the clears of those raised `HOLD_MS` ago. */
async function alarmLoad(url: string, headers: Record<string, string>, raisesPerS: number, endsAt: number, load: Load): Promise<void> {
  const perTick = Math.max(1, Math.round(raisesPerS / 10));
  const open: Array<{ change: Record<string, unknown>; clearAt: number }> = [];
  let n = 0;
  while (Date.now() < endsAt && !interruption.signal.aborted) {
    const tickStarted = Date.now();
    const raises = generateAlerts(perTick, new Date()).map((alert, i) => {
      const severity = (n + i) % 5 === 0 ? 'critical' : 'major';
      return { alarmId: `soak-${n + i}`, serviceId: alert.serviceId, severity, status: 'raised', summary: alert.summary, source: 'soak', labels: alert.labels, occurredAt: new Date().toISOString() };
    });
    n += perTick;
    const due = open.filter((o) => o.clearAt <= tickStarted);
    open.splice(0, due.length);
    const clears = due.map((o) => ({ ...o.change, status: 'cleared', occurredAt: new Date(o.clearAt).toISOString() }));
    const changes = [...raises, ...clears];
    try {
      await post(url, { alarms: changes }, headers);
      load.changes += changes.length;
      open.push(...raises.map((change) => ({ change, clearAt: tickStarted + HOLD_MS })));
    } catch {
      load.errors += 1;
    }
    await sleep(Math.max(0, 100 - (Date.now() - tickStarted)));
  }
}

async function reportLoad(url: string, headers: Record<string, string>, endsAt: number, load: Load): Promise<void> {
  while (Date.now() < endsAt && !interruption.signal.aborted) {
    const from = new Date(Date.now() - 29 * 86_400_000).toISOString().slice(0, 10);
    const response = await fetch(`${url}?from_date=${from}`, { headers, signal: AbortSignal.timeout(10_000) }).catch(() => undefined);
    if (response?.status === 200) load.reports += 1;
    else load.reportErrors += 1;
    await response?.body?.cancel();
    await sleep(5_000);
  }
}

async function sampleMemory(services: Map<ServiceName, RunningService>, samples: Map<ServiceName, MemorySample[]>, everyS: number, endsAt: number): Promise<void> {
  for (;;) {
    await Promise.all([...services].map(async ([name, service]) => {
      const text = await fetch(`${service.url}/metrics`, { signal: AbortSignal.timeout(10_000) }).then((r) => r.text(), () => '');
      if (text) samples.get(name)!.push(memoryFrom(text, Date.now()));
    }));
    if (Date.now() >= endsAt || interruption.signal.aborted) return;
    await sleep(Math.min(everyS * 1000, Math.max(0, endsAt - Date.now())));
  }
}

function report(context: BenchContext, options: SoakOptions, samples: Map<ServiceName, MemorySample[]>, warmUpEndsAt: number, load: Load, receiver: PageReceiver, postgres: string): ScenarioResult {
  const m = machine();
  const figures: Record<string, unknown> = { scenario: 'soak', duration_s: options.durationS };
  const rows = ServiceNames.map((name) => {
    const all = samples.get(name)!;
    const measured = all.filter((s) => s.atMs >= warmUpEndsAt);
    const first = measured[0] ?? all[0];
    const last = all[all.length - 1];
    const key = name.replace(/-/g, '_');
    const mb = (bytes: number | undefined) => (bytes === undefined ? Number.NaN : bytes / MB);
    figures[`${key}_rss_start_mb`] = round(mb(first?.rssBytes), 1);
    figures[`${key}_rss_end_mb`] = round(mb(last?.rssBytes), 1);
    figures[`${key}_heap_start_mb`] = round(mb(first?.heapUsedBytes), 1);
    figures[`${key}_heap_end_mb`] = round(mb(last?.heapUsedBytes), 1);
    return [
      name, formatNumber(mb(first?.rssBytes), 1), formatNumber(mb(last?.rssBytes), 1), formatNumber(growthPercent(first?.rssBytes ?? 0, last?.rssBytes ?? Number.NaN), 1),
      formatNumber(mb(first?.heapUsedBytes), 1), formatNumber(mb(last?.heapUsedBytes), 1), formatNumber(growthPercent(first?.heapUsedBytes ?? 0, last?.heapUsedBytes ?? Number.NaN), 1),
      all.length,
    ];
  });
  Object.assign(figures, { changes: load.changes, errors: load.errors, pages: receiver.arrivals.size, reports: load.reports, report_errors: load.reportErrors, nproc: m.nproc, node: m.node });
  const lines = [
    '',
    `Soak — the five services for ${options.durationS} s under ${options.raisesPerS} alarm raises/s (each cleared ${HOLD_MS / 1000} s later), a fifth of them critical and paging, a 30-day compliance report every 5 s`,
    '',
    formatTable(['service', 'RSS start MB', 'RSS end MB', 'RSS %', 'heap start MB', 'heap end MB', 'heap %', 'samples'], rows),
    '',
    `  start           the first sample after the warm-up (${Math.round((warmUpEndsAt ? Math.min(60, options.durationS / 5) : 0))} s); end: the last sample`,
    `  load            ${formatNumber(load.changes)} alarm changes accepted (${load.errors} requests failed), ${formatNumber(receiver.arrivals.size)} pages arrived, ${load.reports} reports (${load.reportErrors} failed)`,
    `  machine         ${m.nproc} × ${m.cpu}, ${m.memoryGiB} GiB, Node ${m.node}, PostgreSQL ${postgres}; logs in ${context.logDirRelative}`,
    '',
  ];
  return { report: lines.join('\n'), figures, ok: load.errors === 0 && load.reportErrors === 0 && ServiceNames.every((n) => samples.get(n)!.length >= 2 && samples.get(n)!.every((x) => Number.isFinite(x.rssBytes) && Number.isFinite(x.heapUsedBytes))) };
}
