import { issueToken } from '@vigil/auth';
import { Topics } from '@vigil/contracts';
import { createKafka } from '@vigil/messaging';
import { progress } from '../shared/progress';
import { sleep } from '../shared/child-process';
import { throwIfInterrupted } from '../shared/interruption';
import { createTransport, runLoad, type LoadRequest, type LoadResult, type Transport } from '../shared/http-load';
import { formatNumber, formatTable } from '../shared/table';
import { ratePerSecond, ratio, round, summarize, type LatencySummary } from '../shared/stats';
import { machine } from '../shared/machine';
import { measureCpu, type CpuWindow } from '../shared/cpu-usage';
import type { BenchContext, ScenarioResult } from '../shared/scenario';
import { generateAlerts, type BenchAlert } from './bench-alerts';
import { alertmanagerRequests } from './alertmanager-payload';
import { countAlerts, startAlertmanager, type RunningAlertmanager } from '../shared/alertmanager-server';
import { KafkaArrivals, type Arrivals } from './kafka-arrivals';
import { recordedAlarms, vigilRequests } from './vigil-payload';
import { benchDatabaseUrl, resetBenchDatabase } from '../shared/bench-database';
import { skipInboundBacklog, startIngestion, type RunningIngestion } from './vigil-ingestion-server';

export interface IngestOptions {
  /** Distinct alarm raises sent batched, to each target. */
  alerts: number;
  /** How many of them are also sent one per request (the same first ones, to each target). */
  singleAlerts: number;
  batchSize: number;
  concurrency: number;
  /** Alerts sent (half batched, half single) before anything is measured. */
  warmup: number;
  /** How long to wait for a case's events on Kafka after its last answer. */
  kafkaTimeoutMs: number;
}

export const DefaultIngestOptions: IngestOptions = {
  alerts: 20_000,
  singleAlerts: 10_000,
  batchSize: 500,
  concurrency: 16,
  warmup: 2_000,
  kafkaTimeoutMs: 60_000,
};

type Mode = 'batched' | 'single';

interface CaseResult {
  target: 'vigil' | 'alertmanager';
  mode: Mode;
  alerts: number;
  load: LoadResult;
  cpu: CpuWindow;
  latency: LatencySummary;
  acceptedPerS: number;
  /** Vigil only: the same events as they arrived on vigil.alarm-events.v1. */
  kafka?: Arrivals & { perS: number; drainMs: number };
  /** Alertmanager only: alerts it holds afterwards for this case. */
  held?: number;
}

/**
 * The same alerts, the same client, the same concurrency: Vigil's `POST /api/v1/alarms`
 * batched and one per request (durable in PostgreSQL before the 202, then on Kafka through
 * the outbox), and Prometheus Alertmanager's `POST /api/v2/alerts` (in memory) the same two ways.
 */
export async function runIngest(context: BenchContext, options: IngestOptions): Promise<ScenarioResult> {
  const startedBy = new Date(Date.now() - 60_000);
  const alerts = generateAlerts(options.alerts, startedBy);
  const singles = alerts.slice(0, Math.min(options.singleAlerts, alerts.length));
  const warmup = generateAlerts(options.warmup, startedBy);
  const transport = createTransport(context.client, options.concurrency);
  const cases: CaseResult[] = [];
  const facts: Record<string, string> = {};
  // Other work on the machine skews everything; say how busy it was before we began.
  const quiet = measureCpu();
  await sleep(1_000);
  facts.busyBefore = formatNumber(quiet().machineBusyPercent);
  try {
    await vigilCases(context, options, { alerts, singles, warmup }, transport, cases, facts);
    await alertmanagerCases(context, options, { alerts, singles, warmup }, transport, cases, facts);
  } finally {
    await transport.close();
  }
  return report(context, options, transport, cases, facts);
}

interface AlertSets {
  alerts: BenchAlert[];
  singles: BenchAlert[];
  warmup: BenchAlert[];
}

async function vigilCases(context: BenchContext, options: IngestOptions, sets: AlertSets, transport: Transport, cases: CaseResult[], facts: Record<string, string>) {
  const databaseUrl = benchDatabaseUrl(context.env);
  facts.postgres = await resetBenchDatabase(databaseUrl);
  let ingestion: RunningIngestion | undefined;
  const kafka = createKafka({
    brokers: context.kafkaBrokers.split(','),
    clientId: 'vigil-bench',
    log: (level, message) => {
      if (level === 'error') progress(message);
    },
  });
  const arrivals = new KafkaArrivals(kafka, Topics.alarmEvents);
  try {
    await skipInboundBacklog(kafka);
    ingestion = await startIngestion({
      root: context.root,
      kafkaBrokers: context.kafkaBrokers,
      databaseUrl,
      vigilHome: context.vigilHome,
      logDir: context.logDir,
      logLevel: context.serviceLogLevel,
    });
    const url = `${ingestion.url}/api/v1/alarms`;
    const tenantOf = (name: string) => `bench-${context.runId}-${name}`;

    const runCase = async (name: string, mode: Mode, batch: BenchAlert[]): Promise<CaseResult> => {
      throwIfInterrupted();
      const tenantId = tenantOf(name);
      const token = await issueToken({ tenantId, scopes: ['alarms:write'], home: context.vigilHome });
      const requests = vigilRequests(batch, mode === 'single' ? 1 : options.batchSize);
      const since = await arrivals.endOffsets();
      progress(`vigil ${name}: ${batch.length} alarms in ${requests.length} requests, ${options.concurrency} at a time`);
      const cpuWindow = measureCpu();
      const load = await runLoad({
        url,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        requests,
        concurrency: options.concurrency,
        transport,
        accepted: recordedAlarms,
      });
      const cpu = cpuWindow();
      checkLoad(`vigil ${name}`, load);
      const found = await arrivals.await({ tenantId, eventType: 'alarm-raised', expected: load.eventsAccepted, since, timeoutMs: options.kafkaTimeoutMs });
      if (!found.complete) progress(`vigil ${name}: only ${found.events} of ${load.eventsAccepted} events reached ${Topics.alarmEvents} within ${options.kafkaTimeoutMs / 1000} s`);
      const lastAnswer = load.startedAtEpochMs + load.elapsedMs;
      const result: CaseResult = {
        target: 'vigil',
        mode,
        alerts: batch.length,
        load,
        cpu,
        latency: summarize(load.latenciesMs),
        acceptedPerS: ratePerSecond(load.eventsAccepted, load.elapsedMs),
        kafka: {
          ...found,
          // Only a complete arrival has a rate: a partial one would flatter the figure.
          perS: found.complete ? ratePerSecond(found.events, found.lastAtEpochMs - load.startedAtEpochMs) : Number.NaN,
          drainMs: found.complete ? Math.max(0, found.lastAtEpochMs - lastAnswer) : Number.NaN,
        },
      };
      progress(`vigil ${name}: ${formatNumber(result.acceptedPerS)} alarms/s accepted, ${formatNumber(result.kafka?.perS)} /s HTTP→Kafka`);
      return result;
    };

    await warm('vigil', sets.warmup, (half, mode) => runCase(`warmup-${mode}`, mode, half));
    cases.push(await runCase('batched', 'batched', sets.alerts));
    if (sets.singles.length > 0) cases.push(await runCase('single', 'single', sets.singles));
  } finally {
    await ingestion?.process.stop();
  }
}

async function alertmanagerCases(context: BenchContext, options: IngestOptions, sets: AlertSets, transport: Transport, cases: CaseResult[], facts: Record<string, string>) {
  let alertmanager: RunningAlertmanager | undefined;
  try {
    alertmanager = await startAlertmanager(context.logDir);
    facts.alertmanager = alertmanager.version;
    const { url: base } = alertmanager;
    // Firing until well after the run, as Prometheus posts a firing alert.
    const endsAt = new Date(Date.now() + 3_600_000);

    const runCase = async (name: string, mode: Mode, batch: BenchAlert[], verify: boolean): Promise<CaseResult> => {
      throwIfInterrupted();
      // A label per case keeps the cases' alerts apart, as the tenant does on Vigil's side.
      const requests: LoadRequest[] = alertmanagerRequests(batch, mode === 'single' ? 1 : options.batchSize, { endsAt, extraLabels: { bench_case: name } });
      progress(`alertmanager ${name}: ${batch.length} alerts in ${requests.length} requests, ${options.concurrency} at a time`);
      const cpuWindow = measureCpu();
      const load = await runLoad({
        url: `${base}/api/v2/alerts`,
        headers: { 'content-type': 'application/json' },
        requests,
        concurrency: options.concurrency,
        transport,
        accepted: (_answer, request) => request.events,
      });
      const cpu = cpuWindow();
      checkLoad(`alertmanager ${name}`, load);
      const result: CaseResult = {
        target: 'alertmanager',
        mode,
        alerts: batch.length,
        load,
        cpu,
        latency: summarize(load.latenciesMs),
        acceptedPerS: ratePerSecond(load.eventsAccepted, load.elapsedMs),
      };
      if (verify) {
        result.held = await countAlerts(base, `bench_case="${name}"`);
        if (result.held !== batch.length) progress(`alertmanager ${name}: holds ${result.held} of the ${batch.length} alerts posted`);
      }
      progress(`alertmanager ${name}: ${formatNumber(result.acceptedPerS)} alerts/s accepted`);
      return result;
    };

    await warm('alertmanager', sets.warmup, (half, mode) => runCase(`warmup_${mode}`, mode, half, false));
    cases.push(await runCase('batched', 'batched', sets.alerts, true));
    if (sets.singles.length > 0) cases.push(await runCase('single', 'single', sets.singles, true));
  } finally {
    await alertmanager?.stop();
  }
}

/** Half the warm-up batched, half one per request: both code paths hot (JIT, pools, caches). */
async function warm(target: string, warmup: BenchAlert[], run: (alerts: BenchAlert[], mode: Mode) => Promise<CaseResult>): Promise<void> {
  if (warmup.length === 0) return;
  const half = Math.ceil(warmup.length / 2);
  progress(`${target}: warming up with ${warmup.length} alerts (not measured)`);
  await run(warmup.slice(0, half), 'batched');
  if (warmup.length > half) await run(warmup.slice(half), 'single');
}

function checkLoad(name: string, load: LoadResult): void {
  if (load.failures > 0) progress(`${name}: ${load.failures} requests failed, e.g. ${load.firstFailure}`);
  if (load.retries > 0) progress(`${name}: ${load.retries} requests were retried after 429/503`);
}

function report(context: BenchContext, options: IngestOptions, transport: Transport, cases: CaseResult[], facts: Record<string, string>): ScenarioResult {
  const find = (target: CaseResult['target'], mode: Mode) => cases.find((c) => c.target === target && c.mode === mode);
  const vb = find('vigil', 'batched');
  const vs = find('vigil', 'single');
  const ab = find('alertmanager', 'batched');
  const as = find('alertmanager', 'single');
  const m = machine();

  const rows = cases.map((c) => [
    c.target === 'vigil' ? 'Vigil POST /api/v1/alarms' : 'Alertmanager POST /api/v2/alerts',
    c.mode === 'batched' ? `batched ×${options.batchSize}` : 'single',
    c.alerts,
    c.load.requests,
    formatNumber(c.acceptedPerS),
    formatNumber(c.latency.p50, 1),
    formatNumber(c.latency.p95, 1),
    formatNumber(c.latency.p99, 1),
    formatNumber(c.latency.max, 1),
    c.kafka ? formatNumber(c.kafka.perS) : '–',
    c.kafka ? formatNumber(c.kafka.drainMs) : '–',
    c.kafka ? `${c.kafka.events}` : c.held !== undefined ? `${c.held} held` : '–',
    formatNumber(c.cpu.machineBusyPercent),
    formatNumber(c.cpu.clientPercentOfOneCpu),
    c.load.failures + c.load.retries === 0 ? '0' : `${c.load.failures} failed, ${c.load.retries} retried`,
  ]);
  const headline = ratio(vb?.kafka?.perS ?? Number.NaN, ab?.acceptedPerS ?? Number.NaN);
  const acceptedRatio = ratio(vb?.acceptedPerS ?? Number.NaN, ab?.acceptedPerS ?? Number.NaN);
  const singleRatio = ratio(vs?.kafka?.perS ?? Number.NaN, as?.acceptedPerS ?? Number.NaN);

  const lines = [
    '',
    `Ingest — the same ${formatNumber(options.alerts)} distinct alarm raises (${formatNumber(vs?.alerts ?? 0)} of them also one per request), the same client, ${options.concurrency} requests in flight`,
    '',
    formatTable(
      ['target', 'mode', 'alerts', 'requests', 'accepted/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'HTTP→Kafka/s', 'Kafka drain ms', 'on Kafka', 'CPU busy %', 'client %', 'errors'],
      rows,
    ),
    '',
    '  accepted/s      alerts answered 2xx per second of sending (Vigil: 202 after the PostgreSQL commit; Alertmanager: 200, kept in memory)',
    '  p50…max ms      time of one request, sent to answered (single: one alert per request; batched: the whole batch)',
    `  HTTP→Kafka/s    Vigil: alerts ÷ (last event's timestamp on ${Topics.alarmEvents} − first request sent)`,
    '  Kafka drain ms  Vigil: last event on Kafka − last 202 answered (what the outbox relay still had to publish)',
    `  CPU busy %      all ${m.nproc} CPUs of the machine while the requests ran (everything: target, PostgreSQL, Kafka, client, other work)`,
    '  client %        CPU the bench client itself used, in % of one CPU',
    '',
    `  ratio_vs_alertmanager = Vigil batched HTTP→Kafka/s ÷ Alertmanager batched accepted/s = ${formatNumber(headline, 2)}  (higher is better for Vigil)`,
    `  accepted only (202 vs 200), batched: ${formatNumber(acceptedRatio, 2)}; single, HTTP→Kafka vs accepted: ${formatNumber(singleRatio, 2)}`,
    '',
    `  machine: ${m.nproc} CPUs (${m.cpu}), ${m.memoryGiB} GiB, ${m.os}; Node ${m.node}; PostgreSQL ${facts.postgres ?? '?'}; ` +
      `Kafka ${context.kafkaVersion ?? '?'} at ${context.kafkaBrokers}; Alertmanager ${facts.alertmanager ?? '?'}`,
    `  client: ${transport.name}; services and infrastructure on the same machine as the client; alarm-ingestion LOG_LEVEL=${context.serviceLogLevel}`,
    `  machine busy before the run: ${facts.busyBefore} % of all CPUs (other work running alongside makes every figure lower and noisier)`,
    `  logs: ${context.logDirRelative}`,
    '',
  ];

  const figures = {
    scenario: 'ingest',
    events_per_s_batched: round(vb?.kafka?.perS ?? Number.NaN),
    events_per_s_single: round(vs?.kafka?.perS ?? Number.NaN),
    p50_ms: round(vs?.latency.p50 ?? Number.NaN, 2),
    p99_ms: round(vs?.latency.p99 ?? Number.NaN, 2),
    alertmanager_events_per_s: round(ab?.acceptedPerS ?? Number.NaN),
    ratio_vs_alertmanager: round(headline, 2),
    p95_ms: round(vs?.latency.p95 ?? Number.NaN, 2),
    accepted_per_s_batched: round(vb?.acceptedPerS ?? Number.NaN),
    accepted_per_s_single: round(vs?.acceptedPerS ?? Number.NaN),
    kafka_drain_ms_batched: round(vb?.kafka?.drainMs ?? Number.NaN),
    kafka_drain_ms_single: round(vs?.kafka?.drainMs ?? Number.NaN),
    p50_ms_batched: round(vb?.latency.p50 ?? Number.NaN, 2),
    p95_ms_batched: round(vb?.latency.p95 ?? Number.NaN, 2),
    p99_ms_batched: round(vb?.latency.p99 ?? Number.NaN, 2),
    alertmanager_events_per_s_single: round(as?.acceptedPerS ?? Number.NaN),
    alertmanager_p50_ms: round(as?.latency.p50 ?? Number.NaN, 2),
    alertmanager_p99_ms: round(as?.latency.p99 ?? Number.NaN, 2),
    alertmanager_p50_ms_batched: round(ab?.latency.p50 ?? Number.NaN, 2),
    alertmanager_p99_ms_batched: round(ab?.latency.p99 ?? Number.NaN, 2),
    ratio_accepted_vs_alertmanager: round(acceptedRatio, 2),
    ratio_single_vs_alertmanager: round(singleRatio, 2),
    errors: cases.reduce((sum, c) => sum + c.load.failures, 0),
    alerts: options.alerts,
    single_alerts: vs?.alerts ?? 0,
    batch_size: options.batchSize,
    concurrency: options.concurrency,
    client: context.client,
    nproc: m.nproc,
    node: m.node,
  };
  const ok = vb !== undefined && ab !== undefined && cases.every((c) => c.load.failures === 0 && (c.kafka?.complete ?? true) && (c.held ?? c.alerts) === c.alerts);
  return { report: lines.join('\n'), figures, ok };
}
