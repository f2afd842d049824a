import { performance } from 'node:perf_hooks';
import { issueToken } from '@vigil/auth';
import { ConfigApplyRoute } from '@vigil/contracts';
import { createKafka } from '@vigil/messaging';
import { alertmanagerConfig, startAlertmanager, type RunningAlertmanager } from '../shared/alertmanager-server';
import { benchDatabaseUrl, resetBenchDatabase } from '../shared/bench-database';
import { sleep } from '../shared/child-process';
import { throwIfInterrupted } from '../shared/interruption';
import { machine } from '../shared/machine';
import { progress } from '../shared/progress';
import type { BenchContext, ScenarioResult } from '../shared/scenario';
import { ratio, round, summarize, type LatencySummary } from '../shared/stats';
import { formatNumber, formatTable } from '../shared/table';
import { startVigilService, type RunningService } from '../shared/vigil-service';
import { toPostableAlert } from '../ingest/alertmanager-payload';
import { generateAlerts, type BenchAlert } from '../ingest/bench-alerts';
import { toVigilAlarm } from '../ingest/vigil-payload';
import { skipInboundBacklog, startIngestion } from '../ingest/vigil-ingestion-server';
import { PageReceiver } from './page-receiver';

export interface NotifyOptions {
  /** Critical alarms timed from POST to the receiver, per target. */
  pages: number;
  /** Between two pages (open loop: the next goes whether or not the last arrived). */
  intervalMs: number;
  /** Other alarms per second, sent all along in batches every 100 ms; they page nobody. */
  backgroundPerS: number;
  /** Pages sent and awaited before the timed ones. */
  warmupPages: number;
  /** How long to wait for the last page after it was sent. */
  pageTimeoutMs: number;
}

export const DefaultNotifyOptions: NotifyOptions = { pages: 200, intervalMs: 100, backgroundPerS: 200, warmupPages: 20, pageTimeoutMs: 60_000 };

interface Target {
  name: string;
  /** One page: resolves once the target answered 2xx. */
  page(alert: BenchAlert): Promise<void>;
  /** A batch of other alarms. */
  background(alerts: BenchAlert[]): Promise<void>;
}

interface CaseResult {
  target: string;
  latency: LatencySummary;
  sent: number;
  arrived: number;
  backgroundSent: number;
  backgroundPerS: number;
  errors: number;
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<void> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await response.text();
  if (response.status < 200 || response.status >= 300) throw new Error(`POST ${url} answered ${response.status}: ${text.slice(0, 200)}`);
}

/** `count` alarms of one severity, ids under `prefix`, ready to send now. */
function alarms(prefix: string, count: number, severity: BenchAlert['severity']): BenchAlert[] {
  return generateAlerts(count, new Date()).map((a, i) => ({ ...a, alarmId: `${prefix}-${String(i + 1).padStart(6, '0')}`, severity }));
}

/**
 * Times pages through `target` while other alarms keep coming: every page's POST is sent
 * `intervalMs` after the one before, and its latency is the receiver's first arrival for
 * its key minus the moment its POST left.
 */
async function measure(target: Target, receiver: PageReceiver, options: NotifyOptions, runId: string): Promise<CaseResult> {
  let errors = 0;
  const fail = (what: string) => (error: Error) => {
    errors += 1;
    if (errors <= 5) progress(`${target.name} ${what}: ${error.message}`);
  };
  const backgroundAlarms = alarms(`bg-${target.name}-${runId}`, Math.ceil((options.backgroundPerS * (options.pages * options.intervalMs + options.pageTimeoutMs + 60_000)) / 1000), 'warning');
  let backgroundSent = 0;
  const perTick = Math.max(1, Math.round(options.backgroundPerS / 10));
  const backgroundStarted = performance.now();
  const ticker = options.backgroundPerS > 0 ? setInterval(() => {
    const batch = backgroundAlarms.slice(backgroundSent, backgroundSent + perTick);
    backgroundSent += batch.length;
    if (batch.length > 0) target.background(batch).catch(fail('background'));
  }, 100) : undefined;
  try {
    const run = async (pages: BenchAlert[], timed: boolean) => {
      const sentAt = new Map<string, number>();
      const sends: Array<Promise<void>> = [];
      for (const page of pages) {
        throwIfInterrupted();
        sentAt.set(page.alarmId, performance.now());
        sends.push(target.page(page).catch(fail('page')));
        await sleep(options.intervalMs);
      }
      await Promise.all(sends);
      const deadline = performance.now() + options.pageTimeoutMs;
      while (pages.some((p) => !receiver.arrivals.has(p.alarmId)) && performance.now() < deadline) await sleep(20);
      const latencies = pages.filter((p) => receiver.arrivals.has(p.alarmId)).map((p) => receiver.arrivals.get(p.alarmId)! - sentAt.get(p.alarmId)!);
      if (timed) progress(`${target.name}: ${latencies.length} of ${pages.length} pages arrived`);
      return latencies;
    };
    progress(`${target.name}: warm-up, ${options.warmupPages} pages`);
    await run(alarms(`warm-${target.name}-${runId}`, options.warmupPages, 'critical'), false);
    progress(`${target.name}: ${options.pages} pages, one every ${options.intervalMs} ms, ${options.backgroundPerS} other alarms/s`);
    const latencies = await run(alarms(`page-${target.name}-${runId}`, options.pages, 'critical'), true);
    const elapsed = performance.now() - backgroundStarted;
    return {
      target: target.name, latency: summarize(latencies), sent: options.pages, arrived: latencies.length,
      backgroundSent, backgroundPerS: (backgroundSent * 1000) / elapsed, errors,
    };
  } finally {
    if (ticker) clearInterval(ticker);
  }
}

async function vigilCase(context: BenchContext, options: NotifyOptions, receiver: PageReceiver, facts: Record<string, string>): Promise<CaseResult> {
  const databaseUrl = benchDatabaseUrl(context.env);
  facts.postgres = await resetBenchDatabase(databaseUrl);
  const settings = { root: context.root, kafkaBrokers: context.kafkaBrokers, databaseUrl, vigilHome: context.vigilHome, logDir: context.logDir, logLevel: context.serviceLogLevel };
  const kafka = createKafka({ brokers: context.kafkaBrokers.split(','), clientId: 'vigil-bench', log: (level, message) => level === 'error' && progress(message) });
  const services: RunningService[] = [];
  try {
    await skipInboundBacklog(kafka);
    const ingestion = await startIngestion(settings);
    services.push(ingestion);
    const escalation = await startVigilService('escalation', settings);
    services.push(escalation);
    const notifier = await startVigilService('notifier', settings, { ESCALATION_PUBLIC_URL: escalation.url });
    services.push(notifier);

    const tenant = `bench-${context.runId}-notify`;
    const admin = { authorization: `Bearer ${await issueToken({ tenantId: tenant, scopes: ['admin'], home: context.vigilHome })}` };
    const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'vigil/v1', kind, metadata: { name, tenant }, spec });
    await post(`${notifier.url}${ConfigApplyRoute}`, doc('NotificationChannel', 'bench-pager', { type: 'webhook', url: `${receiver.url}/vigil` }), admin);
    await post(`${escalation.url}${ConfigApplyRoute}`, doc('EscalationPolicy', 'critical-paging', {
      on: ['alarm-raised'], match: { severities: ['critical'] }, levels: [{ after: '0s', notify: ['bench-pager'] }],
    }), admin);
    const writer = { authorization: `Bearer ${await issueToken({ tenantId: tenant, scopes: ['alarms:write'], home: context.vigilHome })}` };
    const alarmsUrl = `${ingestion.url}/api/v1/alarms`;
    return await measure({
      name: 'vigil',
      page: (alert) => post(alarmsUrl, toVigilAlarm(alert), writer),
      background: (batch) => post(alarmsUrl, { alarms: batch.map(toVigilAlarm) }, writer),
    }, receiver, options, context.runId);
  } finally {
    for (const service of services.reverse()) await service.process.stop();
  }
}

async function alertmanagerCase(context: BenchContext, options: NotifyOptions, receiver: PageReceiver, facts: Record<string, string>): Promise<CaseResult> {
  let alertmanager: RunningAlertmanager | undefined;
  try {
    alertmanager = await startAlertmanager(context.logDir, alertmanagerConfig(`${receiver.url}/alertmanager`));
    facts.alertmanager = alertmanager.version;
    const url = `${alertmanager.url}/api/v2/alerts`;
    const postable = (alert: BenchAlert) => toPostableAlert(alert, { endsAt: new Date(Date.now() + 3_600_000), extraLabels: { alarm_key: alert.alarmId } });
    return await measure({
      name: 'alertmanager',
      page: (alert) => post(url, [postable(alert)]),
      background: (batch) => post(url, batch.map(postable)),
    }, receiver, options, context.runId);
  } finally {
    await alertmanager?.stop();
  }
}

/**
 * Raise to page: a critical alarm POSTed to Vigil (ingestion → Kafka → escalation →
 * Kafka → notifier → webhook) and to Prometheus Alertmanager (a route with
 * `group_wait: 0s` to the same webhook receiver), timed to the receiver's arrival, while
 * other alarms keep coming.
 */
export async function runNotify(context: BenchContext, options: NotifyOptions): Promise<ScenarioResult> {
  const receiver = await PageReceiver.start();
  const facts: Record<string, string> = {};
  const cases: CaseResult[] = [];
  try {
    cases.push(await vigilCase(context, options, receiver, facts));
    cases.push(await alertmanagerCase(context, options, receiver, facts));
  } finally {
    await receiver.close();
  }
  const [vigil, am] = cases;
  const m = machine();
  const lines = [
    '',
    `Notify — ${options.pages} critical alarms, one every ${options.intervalMs} ms, POST to webhook arrival, with ${options.backgroundPerS} other alarms/s alongside`,
    '',
    formatTable(
      ['target', 'pages', 'arrived', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'other alarms/s', 'errors'],
      cases.map((c) => [
        c.target === 'vigil' ? 'Vigil (ingestion → escalation → notifier)' : `Alertmanager ${facts.alertmanager ?? ''} (group_wait 0s)`,
        c.sent, c.arrived, formatNumber(c.latency.p50, 1), formatNumber(c.latency.p95, 1), formatNumber(c.latency.p99, 1), formatNumber(c.latency.max, 1),
        formatNumber(c.backgroundPerS), c.errors,
      ]),
    ),
    '',
    '  p50…max ms      POST of a critical alarm sent → its page at the webhook receiver (one clock: the bench process)',
    '  other alarms/s  warning alarms posted alongside in batches every 100 ms; they match no paging route or policy',
    `  machine         ${m.nproc} × ${m.cpu}, Node ${m.node}, PostgreSQL ${facts.postgres ?? '?'}; logs in ${context.logDirRelative}`,
  ];
  const ok = cases.every((c) => c.arrived === c.sent && c.errors === 0) && receiver.repeats === 0;
  return {
    report: lines.join('\n'),
    figures: {
      scenario: 'notify',
      raise_to_page_p50_ms: round(vigil.latency.p50, 1),
      raise_to_page_p99_ms: round(vigil.latency.p99, 1),
      alertmanager_p99_ms: round(am.latency.p99, 1),
      ratio_vs_alertmanager: round(ratio(am.latency.p99, vigil.latency.p99), 3),
      raise_to_page_p95_ms: round(vigil.latency.p95, 1),
      alertmanager_p50_ms: round(am.latency.p50, 1),
      pages: options.pages,
      pages_arrived: vigil.arrived,
      background_alarms_per_s: round(vigil.backgroundPerS, 0),
      duplicate_pages: receiver.repeats,
    },
    ok,
  };
}
