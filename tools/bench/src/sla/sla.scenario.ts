import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Kafka, Producer } from 'kafkajs';
import { Client } from 'pg';
import { issueToken } from '@vigil/auth';
import { ConfigApplyRoute, Topics, eventKey, newEvent, type EventEnvelope, type SlaVerdictData } from '@vigil/contracts';
import { createKafka, topicOffsets } from '@vigil/messaging';
import { benchDatabaseUrl, resetBenchDatabase } from '../shared/bench-database';
import { sleep } from '../shared/child-process';
import { interruption, throwIfInterrupted } from '../shared/interruption';
import { machine } from '../shared/machine';
import { progress } from '../shared/progress';
import type { BenchContext, ScenarioResult } from '../shared/scenario';
import { ratePerSecond, round, summarize, type LatencySummary } from '../shared/stats';
import { formatNumber, formatTable } from '../shared/table';
import { startVigilService } from '../shared/vigil-service';
import { bucketDelta, histogramQuantile, observations, parseHistogram, type HistogramBuckets } from './histogram-quantile';

export interface SlaOptions {
  /** Alarm raises whose handling is timed (each opens an outage, starts a resolution clock and judges availability). */
  alarms: number;
  /** Services they are spread over. */
  services: number;
  /** Raises handled before timing. */
  warmup: number;
  /** Raises timed at a steady rate the calculator keeps up with, before the flood: an event's own calculation time, without others beside it. */
  pacedAlarms: number;
  /** Their rate, per second. */
  pacedRate: number;
  /** Alarms whose resolution timers (at-risk and deadline) are timed from due to the verdict on Kafka. */
  timedAlarms: number;
  /** Over how long the timed alarms are raised. */
  timedSpreadMs: number;
  /** Their resolution objective: at-risk at 75 % of it, breached at it. */
  objectiveS: number;
  /** Timers pending while the timed ones fire; the alarms' own are topped up with far-future ones. */
  pendingTimers: number;
  /** How long to wait for the calculator to handle the raises, and for the last timed verdict. */
  timeoutMs: number;
}

export const DefaultSlaOptions: SlaOptions = {
  alarms: 20_000, services: 2_000, warmup: 1_000, pacedAlarms: 300, pacedRate: 10, timedAlarms: 500, timedSpreadMs: 20_000, objectiveS: 30, pendingTimers: 100_000, timeoutMs: 600_000,
};

/** The calculator's consumer groups, moved to the end of their topics before it starts, so it handles only this run's events. */
const CalculatorGroups = [
  { groupId: 'sla-calculator.alarm-events', topic: Topics.alarmEvents },
  { groupId: 'sla-calculator.tenant-zones', topic: Topics.configEvents },
  { groupId: 'sla-calculator.availability-documents', topic: Topics.configEvents },
];
const EventHistogram = 'vigil_sla_alarm_event_seconds';
const DecisionHistogram = 'vigil_sla_decision_seconds';

async function skipBacklogs(kafka: Kafka): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = await admin.listTopics();
    for (const { groupId, topic } of CalculatorGroups) if (topics.includes(topic)) await admin.resetOffsets({ groupId, topic, earliest: false });
  } finally {
    await admin.disconnect();
  }
}

async function post(url: string, body: unknown, headers: Record<string, string>): Promise<void> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  if (response.status < 200 || response.status >= 300) throw new Error(`POST ${url} answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
}

/** The calculator's histograms of alarm-event handling and of the pure availability decision. */
async function scrape(url: string): Promise<{ events: HistogramBuckets; decisions: HistogramBuckets }> {
  const response = await fetch(`${url}/metrics`);
  if (!response.ok) throw new Error(`GET ${url}/metrics answered ${response.status}`);
  const text = await response.text();
  return { events: parseHistogram(text, EventHistogram), decisions: parseHistogram(text, DecisionHistogram) };
}

function raise(tenantId: string, serviceId: string, alarmKey: string, severity: 'critical' | 'major', raisedAt = new Date()): EventEnvelope<'alarm-raised'> {
  return newEvent({
    type: 'alarm-raised', tenantId, subject: alarmKey, sequence: 1, occurredAt: raisedAt.toISOString(),
    data: { alarmKey, serviceId, severity, summary: `${serviceId} down`, source: 'vigil-bench', labels: {}, raisedAt: raisedAt.toISOString() },
  });
}

async function send(producer: Producer, events: Array<EventEnvelope<'alarm-raised'>>): Promise<void> {
  for (let i = 0; i < events.length; i += 1_000) {
    const chunk = events.slice(i, i + 1_000);
    await producer.send({
      topic: Topics.alarmEvents, acks: -1,
      messages: chunk.map((e) => ({ key: eventKey(e.tenantId, e.data.serviceId), value: JSON.stringify(e), headers: { 'event-type': e.type } })),
    });
  }
}

/** Waits until the calculator's alarm consumer has handled `count` events of this run (its ledger rows). */
async function handled(db: Client, count: number, timeoutMs: number): Promise<boolean> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    throwIfInterrupted();
    const { rows } = await db.query<{ n: number }>(`select count(*)::int as n from sla.processed_events where consumer = 'alarm-events'`);
    if (rows[0].n >= count) return true;
    if (performance.now() > until) return false;
    await sleep(100);
  }
}

/**
 * Waits until no pending timer comes due within `horizonMs`: the flood's own timers fired (every
 * service's fast-burn verdict comes due together, about 52 s after its outage began), so the
 * timed clocks measure timers among 100,000 pending rather than queued behind that burst, which is
 * reported apart. Answers whether it came to that before `timeoutMs`.
 */
async function floodTimersFired(db: Client, horizonMs: number, timeoutMs: number): Promise<boolean> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    throwIfInterrupted();
    const { rows } = await db.query<{ n: number }>(
      `select count(*)::int as n from sla.timers where fired_at is null and cancelled_at is null and due_at <= now() + $1 * interval '1 millisecond'`, [horizonMs],
    );
    if (rows[0].n === 0) return true;
    if (performance.now() > until) return false;
    await sleep(500);
  }
}

/** How late the availability timers due since the flood began fired (fired_at − due_at, as the database stamped them), summarized as the timed ones are. */
async function burstLateness(db: Client, tenantId: string, since: Date): Promise<LatencySummary> {
  const { rows } = await db.query<{ ms: number }>(
    `select (extract(epoch from fired_at - due_at) * 1000)::float8 as ms
     from sla.timers where tenant_id = $1 and kind = 'availability-budget' and fired_at is not null and due_at >= $2`,
    [tenantId, since.toISOString()],
  );
  return summarize(rows.map((r) => r.ms));
}

async function pendingTimers(db: Client): Promise<number> {
  const { rows } = await db.query<{ n: number }>('select count(*)::int as n from sla.timers where fired_at is null and cancelled_at is null');
  return rows[0].n;
}

/**
 * Reads the SLA verdicts of the timed alarms from the offsets noted before they were raised,
 * until every one has arrived or the time is up: lateness is the message's own timestamp (when
 * the relay put it on Kafka) minus `effectiveAt`, which for a timer's verdict is its due time.
 */
async function timedVerdicts(
  kafka: Kafka, since: Array<{ partition: number; offset: string }>, tenantId: string, alarmKeys: ReadonlySet<string>, expected: number, timeoutMs: number,
): Promise<{ lateness: number[]; duplicates: number }> {
  const seen = new Set<string>();
  const lateness: number[] = [];
  let duplicates = 0;
  const consumer = kafka.consumer({ groupId: `vigil-bench-${randomUUID()}`, maxWaitTimeInMs: 100, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: Topics.slaEvents, fromBeginning: false });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          if (!message.value || !message.key?.toString('utf8').startsWith(`${tenantId}/`)) continue;
          const event = JSON.parse(message.value.toString('utf8')) as { type: string; tenantId: string; data: SlaVerdictData };
          const { alarm, policyType, effectiveAt } = event.data;
          if (event.tenantId !== tenantId || policyType !== 'resolution' || !alarm || !alarmKeys.has(alarm.alarmKey)) continue;
          const verdict = `${event.type}/${alarm.alarmKey}`;
          if (seen.has(verdict)) {
            duplicates += 1;
            continue;
          }
          seen.add(verdict);
          lateness.push(Number(message.timestamp) - Date.parse(effectiveAt));
        }
        if (seen.size >= expected) finish();
      },
    });
    for (const { partition, offset } of since) consumer.seek({ topic: Topics.slaEvents, partition, offset });
    const timer = setTimeout(finish, timeoutMs);
    interruption.signal.addEventListener('abort', finish, { once: true });
    await done;
    clearTimeout(timer);
    interruption.signal.removeEventListener('abort', finish);
  } finally {
    await consumer.disconnect();
  }
  return { lateness, duplicates };
}

/**
 * The SLA calculator alone, fed alarm events on Kafka: how long it takes to handle one (outage
 * interval, resolution clock, availability of every window, in its transaction), and how late
 * its durable timers publish their verdicts while 100,000 timers are pending.
 */
export async function runSla(context: BenchContext, options: SlaOptions): Promise<ScenarioResult> {
  const databaseUrl = benchDatabaseUrl(context.env);
  const postgres = await resetBenchDatabase(databaseUrl);
  const kafka = createKafka({ brokers: context.kafkaBrokers.split(','), clientId: 'vigil-bench-sla', log: (level, message) => level === 'error' && progress(message) });
  await skipBacklogs(kafka);
  const calculator = await startVigilService('sla-calculator', {
    root: context.root, kafkaBrokers: context.kafkaBrokers, databaseUrl, vigilHome: context.vigilHome, logDir: context.logDir, logLevel: context.serviceLogLevel,
  });
  const db = new Client({ connectionString: databaseUrl });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  try {
    await db.connect();
    await producer.connect();
    const tenant = `bench-${context.runId}-sla`;
    const admin = { authorization: `Bearer ${await issueToken({ tenantId: tenant, scopes: ['admin'], home: context.vigilHome })}` };
    const apply = (name: string, spec: Record<string, unknown>) =>
      post(`${calculator.url}${ConfigApplyRoute}`, { apiVersion: 'vigil/v1', kind: 'SLAPolicy', metadata: { name, tenant }, spec }, admin);
    await apply('availability', { type: 'availability', services: ['*'], objective: 99.9, window: 'calendar-month' });
    await apply('resolution', { type: 'resolution', services: ['*'], objectives: { critical: '4h', major: `${options.objectiveS}s` } });

    progress(`sla: warm-up, ${options.warmup} raises`);
    await send(producer, Array.from({ length: options.warmup }, (_, i) => raise(tenant, `warm-${i % 100}`, `warm-${i}`, 'critical')));
    if (!(await handled(db, options.warmup, options.timeoutMs))) throw new Error('the calculator did not handle the warm-up raises in time');
    // Planner statistics, as autovacuum keeps them on a running database: without any (this machine's
    // PostgreSQL runs with autovacuum off, and the database is new) every index looks empty and the
    // planner scans whole partial indexes where one probe does.
    await db.query('analyze');

    progress(`sla: ${options.pacedAlarms} raises at ${options.pacedRate} a second, each timed by the calculator`);
    const beforePaced = await scrape(calculator.url);
    const perTick = Math.max(1, Math.round(options.pacedRate / 10));
    for (let sent = 0; sent < options.pacedAlarms; sent += perTick) {
      throwIfInterrupted();
      const count = Math.min(perTick, options.pacedAlarms - sent);
      await send(producer, Array.from({ length: count }, (_, i) => raise(tenant, `paced-${(sent + i) % options.services}`, `paced-${sent + i}`, 'critical')));
      await sleep(100);
    }
    const pacedHandled = await handled(db, options.warmup + options.pacedAlarms, options.timeoutMs);
    const afterPaced = await scrape(calculator.url);
    const paced = bucketDelta(beforePaced.events, afterPaced.events);

    progress(`sla: ${options.alarms} raises over ${options.services} services, each handled and timed by the calculator`);
    const before = afterPaced;
    const floodStartedAt = new Date();
    const started = performance.now();
    await send(producer, Array.from({ length: options.alarms }, (_, i) => raise(tenant, `svc-${i % options.services}`, `alarm-${i}`, 'critical')));
    const allHandled = await handled(db, options.warmup + options.pacedAlarms + options.alarms, options.timeoutMs);
    const handlingMs = performance.now() - started;
    const after = await scrape(calculator.url);
    const calc = bucketDelta(before.events, after.events);
    const decisions = bucketDelta(before.decisions, after.decisions);
    progress(`sla: ${observations(calc)} raises handled in ${(handlingMs / 1000).toFixed(1)} s`);

    const horizonMs = options.timedSpreadMs + options.objectiveS * 1000;
    progress('sla: waiting for the timers the flood armed that come due before the timed clocks end');
    const burstFired = await floodTimersFired(db, horizonMs, options.timeoutMs);
    const burst = await burstLateness(db, tenant, floodStartedAt);
    progress(`sla: ${burst.count} availability timers fired after the flood, lateness p50 ${burst.p50.toFixed(0)} ms, max ${burst.max.toFixed(0)} ms`);

    const armed = await pendingTimers(db);
    const padding = Math.max(0, options.pendingTimers - armed);
    if (padding > 0) {
      // Far-future timers of the kind the alarms arm: rows the due-timer query must not be slowed by.
      await db.query(
        `insert into sla.timers (tenant_id, kind, subject, due_at, payload)
         select $1, 'resolution-deadline', 'bench-padding/' || n, now() + interval '30 days' + n * interval '1 second', '{}' from generate_series(1, $2) n`,
        [tenant, padding],
      );
      await db.query('analyze sla.timers');
    }
    const pending = await pendingTimers(db);
    progress(`sla: ${pending} timers pending (${armed} armed by the calculator, ${padding} far-future added); raising ${options.timedAlarms} alarms with a ${options.objectiveS}s objective over ${options.timedSpreadMs / 1000} s`);

    const admin2 = kafka.admin();
    await admin2.connect();
    const since = (await topicOffsets(admin2, Topics.slaEvents)).map(({ partition, offset }) => ({ partition, offset }));
    await admin2.disconnect();
    const keys = new Set<string>();
    const ticks = Math.max(1, Math.round(options.timedSpreadMs / 100));
    const reading = timedVerdicts(kafka, since, tenant, keys, 2 * options.timedAlarms, options.timedSpreadMs + options.objectiveS * 1000 + 120_000);
    for (let tick = 0, sent = 0; tick < ticks && sent < options.timedAlarms; tick++) {
      throwIfInterrupted();
      const count = Math.round(((tick + 1) * options.timedAlarms) / ticks) - sent;
      const batch = Array.from({ length: count }, (_, i) => raise(tenant, `timed-${(sent + i) % 100}`, `timed-${sent + i}`, 'major'));
      for (const event of batch) keys.add(event.data.alarmKey);
      await send(producer, batch);
      sent += count;
      await sleep(100);
    }
    const { lateness, duplicates } = await reading;
    const late = summarize(lateness);
    const m = machine();
    const p50 = histogramQuantile(calc, 0.5) * 1000;
    const p99 = histogramQuantile(calc, 0.99) * 1000;
    const pacedP50 = histogramQuantile(paced, 0.5) * 1000;
    const pacedP99 = histogramQuantile(paced, 0.99) * 1000;
    const decideP50 = histogramQuantile(decisions, 0.5) * 1000;
    const decideP99 = histogramQuantile(decisions, 0.99) * 1000;
    const lines = [
      '',
      `SLA — ${options.pacedAlarms} alarm raises at ${options.pacedRate} a second, then ${options.alarms} at once, over ${options.services} services (availability 99.9 % monthly and a resolution objective for every service), then ${options.timedAlarms} resolution clocks timed with ${pending} timers pending`,
      '',
      formatTable(
        ['measure', 'count', 'p50 ms', 'p99 ms', 'max ms', 'per s'],
        [
          [`calculation per alarm event, ${options.pacedRate} a second`, observations(paced), formatNumber(pacedP50, 2), formatNumber(pacedP99, 2), '–', '–'],
          ['calculation per alarm event, flood', observations(calc), formatNumber(p50, 2), formatNumber(p99, 2), '–', formatNumber(ratePerSecond(observations(calc), handlingMs))],
          ['  of which: availability decision (pure)', observations(decisions), formatNumber(decideP50, 3), formatNumber(decideP99, 3), '–', '–'],
          ['timer due → verdict on Kafka', `${late.count} of ${2 * options.timedAlarms}`, formatNumber(late.p50, 1), formatNumber(late.p99, 1), formatNumber(late.max, 1), '–'],
          ['availability timers after the flood, due → fired', burst.count, formatNumber(burst.p50, 1), formatNumber(burst.p99, 1), formatNumber(burst.max, 1), '–'],
        ],
      ),
      '',
      '  calculation     one alarm-raised handled inside its transaction (outage, resolution clock and timers, availability of every',
      '                  window and its timer), read from the calculator\'s vigil_sla_alarm_event_seconds histogram (buckets 10 % apart,',
      `                  interpolated); paced: ${Math.max(1, Math.round(options.pacedRate / 10))} raise(s) every 100 ms, each handled before the next arrives; flood: all`,
      `                  ${options.alarms} produced at once, handled ${Math.min(3, m.nproc)} partitions at a time on this machine's ${m.nproc} cores, up to 50 of a`,
      '                  partition\'s events in one transaction (ADR 0025); per s: raises handled per second, produced to handled, one consumer',
      '  decision        one availability window decided by the pure rules (figures, verdicts, next wake-up), from vigil_sla_decision_seconds;',
      '                  the rest of a new alarm\'s raise is its PostgreSQL statements: 9, or 7 in a transaction whose first event read the',
      '                  tenant\'s documents and zone; prepared, on generic plans (ADR 0026)',
      '  timer lateness  Kafka timestamp of each at-risk and breach verdict of the timed alarms − its timer\'s due time (effectiveAt),',
      '                  raised once no timer the flood armed comes due before they end',
      `  after the flood every service\'s fast-burn verdict comes due at once, about 52 s after its outage began: fired_at − due_at of`,
      `                  those ${burst.count} availability timers and the ones they re-armed, as the database stamped them (the timed clocks wait for them)`,
      `  pending timers  ${armed} armed by the calculator (resolution at-risk and deadline, availability budget) + ${padding} far-future rows`,
      `  machine         ${m.nproc} × ${m.cpu}, Node ${m.node}, PostgreSQL ${postgres}; logs in ${context.logDirRelative}`,
    ];
    const ok = pacedHandled && allHandled && burstFired && late.count === 2 * options.timedAlarms && duplicates === 0;
    return {
      report: lines.join('\n'),
      figures: {
        scenario: 'sla',
        calc_p50_ms: round(p50, 3),
        calc_p99_ms: round(p99, 3),
        calc_paced_p50_ms: round(pacedP50, 3),
        calc_paced_p99_ms: round(pacedP99, 3),
        timer_lateness_p99_ms: round(late.p99, 1),
        pending_timers: pending,
        timer_lateness_p50_ms: round(late.p50, 1),
        timer_lateness_max_ms: round(late.max, 1),
        decide_p50_ms: round(decideP50, 4),
        decide_p99_ms: round(decideP99, 4),
        events_handled: observations(calc),
        events_per_s: round(ratePerSecond(observations(calc), handlingMs), 0),
        timed_verdicts: 2 * options.timedAlarms,
        timed_verdicts_arrived: late.count,
        duplicate_verdicts: duplicates,
        timers_armed_by_calculator: armed,
        burst_timers: burst.count,
        burst_lateness_p50_ms: round(burst.p50, 1),
        burst_lateness_p99_ms: round(burst.p99, 1),
        burst_lateness_max_ms: round(burst.max, 1),
      },
      ok,
    };
  } finally {
    await producer.disconnect().catch(() => undefined);
    await db.end().catch(() => undefined);
    await calculator.process.stop();
  }
}
