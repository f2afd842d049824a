import path from 'node:path';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs, promisify } from 'node:util';
import { Client } from 'pg';
import { benchDatabaseUrl } from './shared/bench-database';
import { benchmarksMarkdown, type ScenarioRun } from './shared/benchmarks-report';
import { machine } from './shared/machine';
import { stopAll } from './shared/child-process';
import { TransportNames, type TransportName } from './shared/http-load';
import { progress } from './shared/progress';
import { interruption } from './shared/interruption';
import type { BenchContext, ScenarioResult } from './shared/scenario';
import { DefaultIngestOptions, runIngest, type IngestOptions } from './ingest/ingest.scenario';
import { DefaultNotifyOptions, runNotify, type NotifyOptions } from './notify/notify.scenario';
import { DefaultSlaOptions, runSla, type SlaOptions } from './sla/sla.scenario';
import { DefaultKafkaClientsOptions, runKafkaClients, type KafkaClientsOptions } from './kafka-clients/kafka-clients.scenario';
import { DefaultSoakOptions, runSoak, type SoakOptions } from './soak/soak.scenario';
import { DefaultReportOptions, runReport, type ReportOptions } from './report/report.scenario';

type Values = Record<string, string | boolean | undefined>;

interface Scenario {
  description: string;
  /** Checks the options before anything starts: a typo costs no run. */
  options(values: Values): unknown;
  run(context: BenchContext, options: unknown): Promise<ScenarioResult>;
  /** Left out of a run that names no scenario (the soak takes ten minutes). */
  onlyWhenNamed?: boolean;
}

/** Scenarios by name, in the order `npm run bench` (no name) runs them. */
export const Scenarios: Record<string, Scenario> = {
  ingest: {
    description: 'alarms in over HTTP, batched and single, to Kafka; side by side with Prometheus Alertmanager',
    options: (values): IngestOptions => ({
        alerts: integer(values, 'alerts', DefaultIngestOptions.alerts, 1, 200_000),
        singleAlerts: integer(values, 'single-alerts', DefaultIngestOptions.singleAlerts, 0, 200_000),
        batchSize: integer(values, 'batch-size', DefaultIngestOptions.batchSize, 2, 1_000),
        concurrency: integer(values, 'concurrency', DefaultIngestOptions.concurrency, 1, 256),
        warmup: integer(values, 'warmup', DefaultIngestOptions.warmup, 0, 20_000),
        kafkaTimeoutMs: integer(values, 'kafka-timeout', DefaultIngestOptions.kafkaTimeoutMs / 1000, 1, 600) * 1000,
    }),
    run: (context, options) => runIngest(context, options as IngestOptions),
  },
  notify: {
    description: 'a critical alarm POSTed to its page at a webhook, under other alarms; side by side with Prometheus Alertmanager',
    options: (values): NotifyOptions => ({
      pages: integer(values, 'pages', DefaultNotifyOptions.pages, 1, 10_000),
      intervalMs: integer(values, 'page-interval', DefaultNotifyOptions.intervalMs, 1, 10_000),
      backgroundPerS: integer(values, 'background', DefaultNotifyOptions.backgroundPerS, 0, 20_000),
      warmupPages: integer(values, 'warmup-pages', DefaultNotifyOptions.warmupPages, 0, 1_000),
      pageTimeoutMs: integer(values, 'page-timeout', DefaultNotifyOptions.pageTimeoutMs / 1000, 1, 600) * 1000,
    }),
    run: (context, options) => runNotify(context, options as NotifyOptions),
  },
  sla: {
    description: 'the SLA calculator fed alarm events: calculation time per event, and timer lateness with 100,000 timers pending',
    options: (values): SlaOptions => ({
      ...DefaultSlaOptions,
      alarms: integer(values, 'sla-alarms', DefaultSlaOptions.alarms, 100, 1_000_000),
      services: integer(values, 'sla-services', DefaultSlaOptions.services, 1, 100_000),
      timedAlarms: integer(values, 'sla-timed', DefaultSlaOptions.timedAlarms, 1, 20_000),
      pacedAlarms: integer(values, 'sla-paced', DefaultSlaOptions.pacedAlarms, 10, 100_000),
      pendingTimers: integer(values, 'pending-timers', DefaultSlaOptions.pendingTimers, 0, 2_000_000),
    }),
    run: (context, options) => runSla(context, options as SlaOptions),
  },
  soak: {
    description: 'the five services under a steady load for minutes; RSS and heap of each at the start and the end',
    options: (values): SoakOptions => ({
      durationS: integer(values, 'duration', DefaultSoakOptions.durationS, 10, 86_400),
      raisesPerS: integer(values, 'raises-per-s', DefaultSoakOptions.raisesPerS, 1, 2_000),
      sampleEveryS: DefaultSoakOptions.sampleEveryS,
    }),
    run: (context, options) => runSoak(context, options as SoakOptions),
    onlyWhenNamed: true,
  },
  kafka: {
    description: 'kafkajs against @platformatic/kafka on the relay\'s produce and a consumer group\'s read',
    options: (values): KafkaClientsOptions => ({
      messages: integer(values, 'messages', DefaultKafkaClientsOptions.messages, 1_000, 1_000_000),
      batchSize: integer(values, 'kafka-batch-size', DefaultKafkaClientsOptions.batchSize, 1, 10_000),
      rounds: integer(values, 'rounds', DefaultKafkaClientsOptions.rounds, 1, 10),
      timeoutMs: DefaultKafkaClientsOptions.timeoutMs,
    }),
    run: (context, options) => runKafkaClients(context, options as KafkaClientsOptions),
  },
  report: {
    description: 'reporting-api\'s 30/90-day compliance and monthly reports from its read model; side by side with a SUM query per day',
    options: (values): ReportOptions => ({
      alarms: integer(values, 'report-alarms', DefaultReportOptions.alarms, 1_000, 5_000_000),
      tenants: DefaultReportOptions.tenants,
      servicesPerTenant: DefaultReportOptions.servicesPerTenant,
      requests: integer(values, 'report-requests', DefaultReportOptions.requests, 10, 10_000),
      warmup: integer(values, 'report-warmup', DefaultReportOptions.warmup, 0, 1_000),
    }),
    run: (context, options) => runReport(context, options as ReportOptions),
  },
};


export const Usage = `usage: npm run bench -- [scenario...] [options]

scenarios (none: every one but soak, in this order, and docs/BENCHMARKS.md is written)
${Object.entries(Scenarios)
  .map(([name, s]) => `  ${name.padEnd(8)} ${s.description}`)
  .join('\n')}

options
  --client http|fetch        HTTP client, the same for every target (default http: node:http keep-alive agent)
  --concurrency N            requests in flight (default ${DefaultIngestOptions.concurrency})
  --service-log-level L      LOG_LEVEL of the services the bench starts (default warn)

ingest
  --alerts N                 distinct alarm raises sent batched to each target (default ${DefaultIngestOptions.alerts})
  --single-alerts N          how many of them are also sent one per request (default ${DefaultIngestOptions.singleAlerts}; 0: none)
  --batch-size N             alerts per batched request, 2..1000 (default ${DefaultIngestOptions.batchSize})
  --warmup N                 alerts sent before measuring, per target (default ${DefaultIngestOptions.warmup})
  --kafka-timeout S          seconds to wait for a case's events on Kafka (default ${DefaultIngestOptions.kafkaTimeoutMs / 1000})

notify
  --pages N                  critical alarms timed, per target (default ${DefaultNotifyOptions.pages})
  --page-interval MS         between two pages (default ${DefaultNotifyOptions.intervalMs})
  --background N             other alarms per second alongside (default ${DefaultNotifyOptions.backgroundPerS}; 0: none)
  --warmup-pages N           pages sent before timing (default ${DefaultNotifyOptions.warmupPages})
  --page-timeout S           seconds to wait for the last page (default ${DefaultNotifyOptions.pageTimeoutMs / 1000})

sla
  --sla-alarms N             alarm raises whose handling is timed (default ${DefaultSlaOptions.alarms})
  --sla-services N           services they are spread over (default ${DefaultSlaOptions.services})
  --sla-timed N              alarms whose resolution timers are timed, due → verdict on Kafka (default ${DefaultSlaOptions.timedAlarms})
  --sla-paced N              alarm raises timed one at a time, ${DefaultSlaOptions.pacedRate} a second, before the flood (default ${DefaultSlaOptions.pacedAlarms})
  --pending-timers N         timers pending meanwhile, topped up with far-future ones (default ${DefaultSlaOptions.pendingTimers})

kafka
  --messages N               messages each client produces and consumes per round (default ${DefaultKafkaClientsOptions.messages})
  --kafka-batch-size N       messages per produce request, as the relay batches (default ${DefaultKafkaClientsOptions.batchSize})
  --rounds N                 rounds; the best of them is reported (default ${DefaultKafkaClientsOptions.rounds})

soak
  --duration S               seconds under load (default ${DefaultSoakOptions.durationS})
  --raises-per-s N           alarm raises per second, each cleared 3 s later (default ${DefaultSoakOptions.raisesPerS})

report
  --report-alarms N          alarms generated over 10 tenants and 100 services, 365 days (default ${DefaultReportOptions.alarms})
  --report-requests N        requests timed per case (default ${DefaultReportOptions.requests})
  --report-warmup N          requests per case before timing (default ${DefaultReportOptions.warmup})

Progress goes to stderr; stdout gets each scenario's table and, last, one JSON line of its figures.
Environment: KAFKA_BROKERS, DATABASE_URL (the bench uses database vigil_bench on that server,
or BENCH_DATABASE_URL), VIGIL_HOME.
`;

class UsageError extends Error {}

function integer(values: Values, name: string, fallback: number, min: number, max: number): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (typeof raw !== 'string' || !/^\d+$/.test(raw) || !Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${String(raw)}"`);
  }
  return value;
}

export interface ParsedArgs {
  scenarios: string[];
  /** Each selected scenario's checked options. */
  options: Record<string, unknown>;
  values: Values;
  help: boolean;
  /** A run that names no scenario is the full one: it writes docs/BENCHMARKS.md. */
  full: boolean;
}

/** Scenario names and options; throws a UsageError for anything it does not know. */
export function parseBenchArgs(argv: readonly string[]): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        client: { type: 'string' },
        concurrency: { type: 'string' },
        'service-log-level': { type: 'string' },
        alerts: { type: 'string' },
        'single-alerts': { type: 'string' },
        'batch-size': { type: 'string' },
        warmup: { type: 'string' },
        'kafka-timeout': { type: 'string' },
        pages: { type: 'string' },
        'page-interval': { type: 'string' },
        background: { type: 'string' },
        'warmup-pages': { type: 'string' },
        'page-timeout': { type: 'string' },
        'sla-alarms': { type: 'string' },
        'sla-services': { type: 'string' },
        'sla-timed': { type: 'string' },
        'sla-paced': { type: 'string' },
        'pending-timers': { type: 'string' },
        messages: { type: 'string' },
        'kafka-batch-size': { type: 'string' },
        duration: { type: 'string' },
        'raises-per-s': { type: 'string' },
        rounds: { type: 'string' },
        'report-alarms': { type: 'string' },
        'report-requests': { type: 'string' },
        'report-warmup': { type: 'string' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const values = parsed.values as Values;
  for (const name of parsed.positionals) {
    if (!(name in Scenarios)) throw new UsageError(`unknown scenario "${name}"`);
  }
  const client = values.client ?? 'http';
  if (!TransportNames.includes(client as TransportName)) throw new UsageError(`--client must be one of ${TransportNames.join(', ')}, got "${String(client)}"`);
  const level = values['service-log-level'] ?? 'warn';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(String(level))) throw new UsageError(`--service-log-level: unknown level "${String(level)}"`);
  const scenarios = parsed.positionals.length > 0 ? [...new Set(parsed.positionals)] : Object.keys(Scenarios).filter((name) => !Scenarios[name].onlyWhenNamed);
  const options = Object.fromEntries(scenarios.map((name) => [name, Scenarios[name].options(values)]));
  return { scenarios, options, values, help: values.help === true, full: parsed.positionals.length === 0 };
}

function context(client: TransportName, serviceLogLevel: string): BenchContext {
  // dist/tools/bench/src/main.js → the workspace root.
  const root = path.resolve(__dirname, '../../../..');
  const runId = Date.now().toString(36);
  const logDir = path.join(root, '.vigil', 'bench', runId);
  return {
    root,
    runId,
    env: process.env,
    kafkaBrokers: process.env.KAFKA_BROKERS?.trim() || '127.0.0.1:19092',
    kafkaVersion: process.env.VIGIL_KAFKA_VERSION?.trim() || undefined,
    vigilHome: path.resolve(process.env.VIGIL_HOME?.trim() || path.join(root, '.vigil')),
    logDir,
    logDirRelative: path.relative(root, logDir),
    client,
    serviceLogLevel,
  };
}

/** Stops the bench's own broker, wipes its data and starts it again (scripts/lib/kafka.sh, the variables scripts/vigil.sh set). */
async function freshBroker(root: string): Promise<void> {
  const script = `source "${root}/scripts/lib/kafka.sh" && vigil_stop_kafka && rm -rf "$VIGIL_KAFKA_RUN_DIR" && vigil_ensure_kafka`;
  const { KAFKA_BROKERS: _own, ...env } = process.env;
  await promisify(execFile)('bash', ['-c', script], { env, timeout: 180_000 });
}

async function postgresVersion(ctx: BenchContext): Promise<string> {
  const client = new Client({ connectionString: benchDatabaseUrl(ctx.env) });
  try {
    await client.connect();
    return (await client.query<{ server_version: string }>('show server_version')).rows[0]?.server_version ?? 'unknown';
  } catch {
    return 'unknown';
  } finally {
    await client.end().catch(() => undefined);
  }
}

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  let args: ParsedArgs;
  try {
    args = parseBenchArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`bench: ${error.message}\n\n${Usage}`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(Usage);
    return 0;
  }
  const ctx = context((args.values.client as TransportName | undefined) ?? 'http', String(args.values['service-log-level'] ?? 'warn'));
  let exitCode = 0;
  const startedAt = new Date();
  const runs: ScenarioRun[] = [];
  for (const [i, name] of args.scenarios.entries()) {
    const started = Date.now();
    progress(`scenario ${name} (run ${ctx.runId})`);
    // Services consume their topics from offset zero: on a broker an earlier scenario used they
    // would first work through its events, and the figures would measure that backlog.
    if (i > 0 && process.env.VIGIL_BENCH_OWN_BROKER === '1') {
      progress(`a fresh broker for ${name}`);
      await freshBroker(ctx.root);
    }
    const run: ScenarioRun = { name, description: Scenarios[name].description, seconds: 0 };
    try {
      run.result = await Scenarios[name].run(ctx, args.options[name]);
      process.stdout.write(`${run.result.report}\n${JSON.stringify(run.result.figures)}\n`);
      if (!run.result.ok) {
        progress(`scenario ${name}: some requests failed or events did not arrive; the figures above are suspect`);
        exitCode = 1;
      }
    } catch (error) {
      if (interruption.signal.aborted) break;
      run.error = (error as Error).message;
      progress(`scenario ${name} failed: ${(error as Error).stack ?? error}`);
      exitCode = 1;
    } finally {
      await stopAll();
    }
    run.seconds = (Date.now() - started) / 1000;
    runs.push(run);
    progress(`scenario ${name} took ${run.seconds.toFixed(1)} s`);
  }
  if (args.full && !interruption.signal.aborted) {
    const file = path.join(ctx.root, 'docs', 'BENCHMARKS.md');
    const versions = { Node: process.version, Kafka: ctx.kafkaVersion ?? 'as given by KAFKA_BROKERS', PostgreSQL: await postgresVersion(ctx), kafkajs: packageVersion('kafkajs') };
    writeFileSync(file, benchmarksMarkdown(runs, { runId: ctx.runId, startedAt, machine: machine(), versions, command: 'npm run bench' }));
    progress(`wrote ${path.relative(ctx.root, file)}`);
  }
  return exitCode;
}

if (require.main === module) {
  let interrupted = false;
  const interrupt = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    progress(`${signal}: stopping what the bench started`);
    interruption.abort();
    void stopAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  // After a signal the handler above exits, once everything is stopped.
  main(process.argv.slice(2)).then(
    (code) => interrupted || process.exit(code),
    (error: Error) => {
      progress(error.stack ?? error.message);
      void stopAll().finally(() => interrupted || process.exit(1));
    },
  );
}
