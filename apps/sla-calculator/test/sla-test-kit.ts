import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { Client } from 'pg';
import { issueToken } from '@vigil/auth';
import {
  ConfigApplyRoute, Topics, eventKey, newEvent, type AlarmClearedData, type AlarmRaisedData, type AnyEvent, type ApplyResult, type EventEnvelope,
} from '@vigil/contracts';
import { startTestApp } from '@vigil/platform-nest/testing';
import { testEnv, uniqueTenant } from '@vigil/testing';
import { AppModule } from '../src/app.module';

/** The real broker and database the int tests run against, with timers polled often. */
export function useTestEnvironment(): void {
  testEnv();
  process.env.TIMER_POLL_MS ??= '200';
}

export const newTenant = () => uniqueTenant();

/** The calculator on a free port, its HTTP configured as in production (validation that names fields, errors without stacks). */
export async function startApp(): Promise<{ app: INestApplication; url: string }> {
  const { app, url } = await startTestApp(AppModule);
  return { app, url };
}

/** A bearer token of the tenant with the scopes given. */
export async function tokenFor(tenantId: string, scopes: Parameters<typeof issueToken>[0]['scopes']): Promise<string> {
  return issueToken({ tenantId, scopes, home: process.env.VIGIL_HOME });
}

/** `vigil apply` of one document, as an admin of its tenant. */
export async function applyDocument(url: string, doc: { kind: string; metadata: { name: string; tenant: string }; spec: object }): Promise<ApplyResult> {
  const token = await issueToken({ tenantId: doc.metadata.tenant, scopes: ['admin'], home: process.env.VIGIL_HOME });
  const response = await fetch(`${url}${ConfigApplyRoute}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ apiVersion: 'vigil/v1', ...doc }),
  });
  const body = await response.json();
  if (response.status !== 200) throw new Error(`apply answered ${response.status}: ${JSON.stringify(body)}`);
  return body as ApplyResult;
}

export interface AlarmSpec {
  tenantId: string;
  alarmKey?: string;
  serviceId?: string;
  severity?: AlarmRaisedData['severity'];
  raisedAt: Date;
  labels?: Record<string, string>;
}

function ref(spec: AlarmSpec) {
  return { alarmKey: spec.alarmKey ?? 'alarm-1', serviceId: spec.serviceId ?? 'checkout-api', severity: spec.severity ?? 'critical', summary: 'checkout answers 500' };
}

export function alarmRaised(spec: AlarmSpec): EventEnvelope<'alarm-raised'> {
  const raisedAt = spec.raisedAt.toISOString();
  return newEvent({
    type: 'alarm-raised', tenantId: spec.tenantId, subject: ref(spec).alarmKey, sequence: 1, occurredAt: raisedAt,
    data: { ...ref(spec), source: 'int-test', labels: spec.labels ?? {}, raisedAt },
  });
}

export function alarmCleared(spec: AlarmSpec & { clearedAt: Date; resolution?: AlarmClearedData['resolution'] }): EventEnvelope<'alarm-cleared'> {
  return newEvent({
    type: 'alarm-cleared', tenantId: spec.tenantId, subject: ref(spec).alarmKey, sequence: 2, occurredAt: spec.clearedAt.toISOString(),
    data: { ...ref(spec), resolution: spec.resolution ?? 'resolved', raisedAt: spec.raisedAt.toISOString(), clearedAt: spec.clearedAt.toISOString() },
  });
}

export function alarmSeverityChanged(spec: AlarmSpec & { previousSeverity: AlarmRaisedData['severity']; changedAt: Date; sequence?: number }): EventEnvelope<'alarm-severity-changed'> {
  return newEvent({
    type: 'alarm-severity-changed', tenantId: spec.tenantId, subject: ref(spec).alarmKey, sequence: spec.sequence ?? 2, occurredAt: spec.changedAt.toISOString(),
    data: { ...ref(spec), previousSeverity: spec.previousSeverity, changedAt: spec.changedAt.toISOString(), raisedAt: spec.raisedAt.toISOString() },
  });
}

/** A late raise of the active alarm (`corrects` the raise given): the outage started at `spec.raisedAt`, earlier than recorded. */
export function alarmRaiseCorrected(spec: AlarmSpec & { corrects: EventEnvelope<'alarm-raised'>; sequence?: number }): EventEnvelope<'alarm-raised'> {
  const event = alarmRaised(spec);
  return { ...event, sequence: spec.sequence ?? 2, data: { ...event.data, corrects: spec.corrects.id } };
}

/** A late clear of the cleared alarm (`corrects` the clear given): the outage ended at `spec.clearedAt`, earlier than recorded. */
export function alarmClearCorrected(spec: AlarmSpec & { clearedAt: Date; corrects: EventEnvelope<'alarm-cleared'>; sequence?: number }): EventEnvelope<'alarm-cleared'> {
  const event = alarmCleared(spec);
  return { ...event, sequence: spec.sequence ?? 3, data: { ...event.data, corrects: spec.corrects.id } };
}

export function alarmAcknowledged(spec: AlarmSpec): EventEnvelope<'alarm-acknowledged'> {
  const now = new Date().toISOString();
  return newEvent({ type: 'alarm-acknowledged', tenantId: spec.tenantId, subject: ref(spec).alarmKey, sequence: 2, occurredAt: now, data: { ...ref(spec), acknowledgedAt: now } });
}

export function tenantApplied(tenantId: string, timezone: string, generation = 1): EventEnvelope<'config-applied'> {
  return newEvent({
    type: 'config-applied', tenantId, subject: `Tenant/${tenantId}`, sequence: generation, occurredAt: new Date().toISOString(),
    data: { kind: 'Tenant', name: tenantId, generation, spec: { timezone } },
  });
}

/** Produces to the real broker, keyed as the platform keys events. */
export class EventProducer {
  private readonly kafka = new Kafka({ clientId: `sla-int-${randomUUID().slice(0, 8)}`, brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
  private readonly producer: Producer = this.kafka.producer({ allowAutoTopicCreation: false });

  async connect(): Promise<void> {
    await this.producer.connect();
  }

  async send(...events: AnyEvent[]): Promise<void> {
    for (const event of events) {
      const isConfig = event.type === 'config-applied' || event.type === 'config-deleted';
      const serviceId = (event.data as { serviceId?: string }).serviceId ?? 'config';
      await this.producer.send({
        topic: isConfig ? Topics.configEvents : Topics.alarmEvents,
        acks: -1,
        messages: [{ key: isConfig ? `${event.tenantId}/config` : eventKey(event.tenantId, serviceId), value: JSON.stringify(event), headers: { 'event-type': event.type } }],
      });
    }
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
  }
}

/**
 * The resolution policy of the tests' marker alarms (see `passMarker`). It times only alarms with
 * the marker label, at a severity no other policy of the tests times or counts as down.
 */
export const MarkerPolicy = 'test-marker';
const MarkerLabels = { 'vigil-test': 'marker' };

const isMarkerVerdict = (event: AnyEvent) => (event.data as { policy?: string }).policy === MarkerPolicy;

/** Reads vigil.sla-events.v1 from the beginning with a group of its own. */
export class SlaEventsReader {
  private readonly kafka = new Kafka({ clientId: `sla-int-reader-${randomUUID().slice(0, 8)}`, brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
  private readonly consumer: Consumer = this.kafka.consumer({ groupId: `sla-int-reader-${randomUUID()}` });
  private readonly events: AnyEvent[] = [];

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: Topics.slaEvents, fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ message }) => {
        this.events.push(JSON.parse(message.value!.toString('utf8')) as AnyEvent);
      },
    });
  }

  /** The tenant's SLA events, without the verdicts of the tests' marker alarms. */
  of(tenantId: string): AnyEvent[] {
    return this.events.filter((e) => e.tenantId === tenantId && !isMarkerVerdict(e));
  }

  /** Waits until the `sla-met` of a marker alarm has been read. */
  async waitForMarker(tenantId: string, alarmKey: string, timeoutMs = 20_000): Promise<void> {
    await eventually(() => this.events.some((e) => e.tenantId === tenantId && e.subject === alarmKey && e.type === 'sla-met' && isMarkerVerdict(e)) || undefined, timeoutMs, `marker ${alarmKey} of ${tenantId}`);
  }

  async waitFor(tenantId: string, predicate: (events: AnyEvent[]) => boolean, timeoutMs = 20_000): Promise<AnyEvent[]> {
    return eventually(() => {
      const events = this.of(tenantId);
      return predicate(events) ? events : undefined;
    }, timeoutMs, `sla events of ${tenantId}`);
  }

  async close(): Promise<void> {
    await this.consumer.disconnect();
  }
}

/** A connection of the test's own for asserting on the calculator's tables. */
export async function connectDatabase(): Promise<Client> {
  const client = new Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  return client;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `probe` answers something, bounded. */
export async function eventually<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** Waits until the calculator's consumer recorded an event in its ledger. */
export async function processed(db: Client, consumer: string, eventId: string): Promise<void> {
  await eventually(async () => {
    const { rowCount } = await db.query('select 1 from sla.processed_events where consumer = $1 and event_id = $2', [consumer, eventId]);
    return rowCount ? true : undefined;
  }, 20_000, `${consumer} to process ${eventId}`);
}

/** Returns once the calculator's alarm consumer has processed an event of a tenant of its own. */
export async function consumingAlarms(producer: EventProducer, db: Client): Promise<void> {
  const probe = alarmAcknowledged({ tenantId: newTenant(), raisedAt: new Date() });
  await producer.send(probe);
  await processed(db, 'alarm-events', probe.id);
}

const markerPolicies = new Map<string, Promise<unknown>>();

/**
 * Shows that nothing more arrived, where a sleep would only hope so. Once every timer of the
 * tenant due by `after` (default: now) has fired or been cancelled, raises and clears a marker
 * alarm on the service (the same Kafka key as its other alarms) and waits until its `sla-met`
 * has been read. By then the calculator has handled every alarm event sent before on that key,
 * and the reader has every SLA event of that key that those events or those timers wrote: the
 * outbox publishes in order and one key is one partition. The marker's verdicts are left out of
 * `reader.of`; its clock is `MarkerPolicy`'s, its alarm a `warning`, counted by no availability
 * policy of the tests.
 */
export async function passMarker(
  calculator: Pick<Calculator, 'url' | 'producer' | 'reader' | 'db'>, tenantId: string, options: { serviceId?: string; after?: number } = {},
): Promise<void> {
  if (!markerPolicies.has(tenantId)) {
    markerPolicies.set(tenantId, applyDocument(calculator.url, {
      kind: 'SLAPolicy', metadata: { name: MarkerPolicy, tenant: tenantId },
      spec: { type: 'resolution', services: ['*'], selector: { matchLabels: MarkerLabels }, objectives: { warning: '1h' } },
    }));
  }
  await markerPolicies.get(tenantId);
  const until = options.after ?? Date.now();
  await eventually(async () => {
    if (Date.now() < until) return undefined;
    const { rowCount } = await calculator.db.query(
      'select 1 from sla.timers where tenant_id = $1 and due_at <= $2 and fired_at is null and cancelled_at is null limit 1', [tenantId, new Date(until)],
    );
    return rowCount === 0 ? true : undefined;
  }, Math.max(0, until - Date.now()) + 20_000, `the timers of ${tenantId} due by ${new Date(until).toISOString()}`);
  const marker: AlarmSpec = { tenantId, alarmKey: `marker-${randomUUID().slice(0, 8)}`, serviceId: options.serviceId, severity: 'warning', raisedAt: new Date(), labels: MarkerLabels };
  await calculator.producer.send(alarmRaised(marker), alarmCleared({ ...marker, clearedAt: marker.raisedAt }));
  await calculator.reader.waitForMarker(tenantId, marker.alarmKey!);
}

/** What an int test of the calculator works with; `url` is known once the app is up. */
export interface Calculator {
  readonly url: string;
  readonly app: INestApplication;
  producer: EventProducer;
  reader: SlaEventsReader;
  db: Client;
}

/**
 * Starts the calculator, a producer, a reader of the SLA events and a database connection
 * before the tests of the file, and stops them after (the app only when `app` is not false).
 */
export function calculatorHarness(options: { app?: boolean } = {}): Calculator {
  let started: { app: INestApplication; url: string } | undefined;
  const harness: Calculator = {
    get url() {
      if (!started) throw new Error('the calculator is not started');
      return started.url;
    },
    get app() {
      if (!started) throw new Error('the calculator is not started');
      return started.app;
    },
    producer: new EventProducer(),
    reader: new SlaEventsReader(),
    db: new Client({ connectionString: process.env.DATABASE_URL }),
  };
  beforeAll(async () => {
    if (options.app !== false) started = await startApp();
    await harness.producer.connect();
    await harness.reader.start();
    await harness.db.connect();
    // Tests that time verdicts to the second need the alarm consumer to have joined its group already.
    if (started) await consumingAlarms(harness.producer, harness.db);
  });
  afterAll(async () => {
    await harness.reader.close();
    await harness.producer.close();
    await harness.db.end();
    await started?.app.close();
  });
  return harness;
}
