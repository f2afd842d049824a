import type { NestExpressApplication } from '@nestjs/platform-express';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { issueToken, type Scope } from '@vigil/auth';
import { newEvent, type DocumentKind, type EventEnvelope } from '@vigil/contracts';
import { startTestApp } from '@vigil/platform-nest/testing';
import { eventually, testEnv } from '@vigil/testing';
import { AppModule } from '../app.module';

/** Events, tokens and an HTTP client for the reporting int tests: the app as it runs, on the real broker and database. */

export const CONVERGE_MS = 45_000;

export type Severity = 'critical' | 'major' | 'minor' | 'warning';

export interface AlarmSpec {
  tenantId: string;
  alarmKey: string;
  serviceId: string;
  severity?: Severity;
  raisedAt: string;
  /** The envelope's recordedAt (default: now), for `as_of` histories. */
  recordedAt?: string;
}

export function configApplied(tenantId: string, kind: DocumentKind, name: string, spec: Record<string, unknown>, options: { generation?: number; recordedAt?: string } = {}) {
  return newEvent({
    type: 'config-applied', tenantId, subject: `${kind}/${name}`, sequence: options.generation ?? 1, occurredAt: new Date().toISOString(),
    ...(options.recordedAt ? { recordedAt: options.recordedAt } : {}),
    data: { kind, name, generation: options.generation ?? 1, spec },
  });
}

export const tenantConfigured = (tenantId: string, timezone: string) => configApplied(tenantId, 'Tenant', tenantId, { displayName: tenantId, timezone });

export const policyConfigured = (tenantId: string, name: string, spec: Record<string, unknown>) => configApplied(tenantId, 'SLAPolicy', name, spec);

export function raised(alarm: AlarmSpec, sequence = 1): EventEnvelope<'alarm-raised'> {
  const { tenantId, alarmKey, serviceId, severity = 'critical', raisedAt, recordedAt } = alarm;
  return newEvent({
    type: 'alarm-raised', tenantId, subject: alarmKey, sequence, occurredAt: raisedAt, ...(recordedAt ? { recordedAt } : {}),
    data: { alarmKey, serviceId, severity, summary: `${alarmKey} down`, source: 'prometheus', labels: { team: 'payments' }, raisedAt },
  });
}

export function cleared(alarm: AlarmSpec, clearedAt: string, resolution: 'resolved' | 'cancelled' = 'resolved', recordedAt?: string): EventEnvelope<'alarm-cleared'> {
  const { tenantId, alarmKey, serviceId, severity = 'critical', raisedAt } = alarm;
  return newEvent({
    type: 'alarm-cleared', tenantId, subject: alarmKey, sequence: 2, occurredAt: clearedAt, ...(recordedAt ? { recordedAt } : {}),
    data: { alarmKey, serviceId, severity, summary: `${alarmKey} down`, resolution, raisedAt, clearedAt },
  });
}

export function severityChanged(alarm: AlarmSpec, previousSeverity: Severity, severity: Severity, changedAt: string, sequence: number): EventEnvelope<'alarm-severity-changed'> {
  const { tenantId, alarmKey, serviceId, raisedAt } = alarm;
  return newEvent({
    type: 'alarm-severity-changed', tenantId, subject: alarmKey, sequence, occurredAt: changedAt,
    data: { alarmKey, serviceId, severity, previousSeverity, summary: `${alarmKey} down`, changedAt, raisedAt },
  });
}

/** A late raise of the active alarm: the outage started at `raisedAt`, earlier than recorded. */
export function correctedRaise(alarm: AlarmSpec, corrects: EventEnvelope<'alarm-raised'>, raisedAt: string, sequence: number): EventEnvelope<'alarm-raised'> {
  const event = raised({ ...alarm, raisedAt });
  return { ...event, sequence, data: { ...event.data, corrects: corrects.id } };
}

/** A late clear of the cleared alarm: the outage ended at `clearedAt`, earlier than recorded. */
export function correctedClear(alarm: AlarmSpec, corrects: EventEnvelope<'alarm-cleared'>, clearedAt: string, sequence: number, recordedAt?: string): EventEnvelope<'alarm-cleared'> {
  const event = cleared(alarm, clearedAt, 'resolved', recordedAt);
  return { ...event, sequence, data: { ...event.data, corrects: corrects.id } };
}

export function breached(tenantId: string, serviceId: string, policy: string, effectiveAt: string): EventEnvelope<'sla-breached'> {
  return newEvent({
    type: 'sla-breached', tenantId, subject: `${policy}/${serviceId}`, sequence: 1, occurredAt: effectiveAt,
    data: { policy, policyType: 'availability', serviceId, reason: 'error budget exhausted', budgetConsumed: 1, effectiveAt },
  });
}

/** Jest's equality (asymmetric matchers included) as a predicate. */
export function matches(actual: unknown, expected: unknown): boolean {
  try {
    expect(actual).toEqual(expected);
    return true;
  } catch {
    return false;
  }
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  text: string;
}

/** Starts the app before the file's tests and stops it after them; the getter gives the running harness. */
export function useReportingHarness(options: () => Parameters<typeof ReportingHarness.start>[0] = () => ({})): () => ReportingHarness {
  let harness: ReportingHarness | undefined;
  beforeAll(async () => {
    harness = await ReportingHarness.start(options());
  }, 60_000);
  afterAll(async () => {
    await harness?.stop();
  });
  return () => {
    if (!harness) throw new Error('the reporting app did not start');
    return harness;
  };
}

/** The running app with a producer to feed it and a client to read it back. */
export class ReportingHarness {
  private constructor(
    readonly app: NestExpressApplication,
    readonly base: string,
    readonly dataSource: DataSource,
    private readonly producer: Producer,
    private readonly home: string,
  ) {}

  /** `databaseUrl` points the app elsewhere than the test database (through a TcpProxy, to cut it). */
  static async start(options: { databaseUrl?: string } = {}): Promise<ReportingHarness> {
    const env = testEnv();
    if (options.databaseUrl) process.env.DATABASE_URL = options.databaseUrl;
    const { app, url, dataSource } = await startTestApp(AppModule).finally(() => {
      process.env.DATABASE_URL = env.DATABASE_URL;
    });
    const producer = new Kafka({ clientId: 'reporting-api-int-test', brokers: env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    return new ReportingHarness(app, url, dataSource, producer, env.VIGIL_HOME);
  }

  async stop(): Promise<void> {
    await this.producer.disconnect();
    await this.app.close();
  }

  tokenFor(tenantId: string, scopes: Scope[] = ['reports:read']): Promise<string> {
    return issueToken({ tenantId, scopes, home: this.home });
  }

  /** Events of the current version, or of an older one a replay still meets. */
  async produce(topic: string, key: string, ...events: Array<Pick<EventEnvelope, 'type'>>): Promise<void> {
    await this.producer.send({
      topic,
      acks: -1,
      messages: events.map((event) => ({ key, value: JSON.stringify(event), headers: { 'event-type': event.type } })),
    });
  }

  async get(path: string, token: string | undefined, query: Record<string, string> = {}, headers: Record<string, string> = {}, method = 'GET'): Promise<HttpAnswer> {
    const search = new URLSearchParams(query).toString();
    const response = await fetch(`${this.base}${path}${search ? `?${search}` : ''}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    });
    const text = await response.text();
    let body: unknown = undefined;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: response.status, headers: response.headers, body, text };
  }

  /** Polls `path` until its body matches `expected`, then asserts it (so a timeout shows the difference). */
  async expectEventually(path: string, token: string, query: Record<string, string>, expected: unknown): Promise<void> {
    let last: unknown;
    await eventually(`${path} ${JSON.stringify(query)}`, async () => {
      const { body } = await this.get(path, token, query);
      last = body;
      return matches(body, expected);
    }, CONVERGE_MS).catch(() => undefined);
    expect(last).toEqual(expected);
  }
}
