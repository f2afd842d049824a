import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Type } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { issueToken } from '@vigil/auth';
import { Topics, eventKey, newEvent, type EscalationTriggeredDataV1, type EventEnvelope, type NotificationChannelSpec } from '@vigil/contracts';
import { EventCollector } from '@vigil/messaging/testing';
import { startTestApp } from '@vigil/platform-nest/testing';
import { testEnv } from '@vigil/testing';

export interface Received { headers: IncomingHttpHeaders; raw: Buffer; body: Record<string, unknown>; at: number }
export interface Answer { status: number; headers?: Record<string, string>; /** Hold the answer back this long. */ delayMs?: number }

/**
 * A receiver on 127.0.0.1 that answers each request with what `answer(n)` says (n from 1).
 * `hang` leaves a request without an answer until the receiver closes.
 */
export async function startReceiver(answer: (n: number) => Answer | 'hang' = () => ({ status: 200 })) {
  const requests: Received[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      requests.push({ headers: req.headers, raw, body: JSON.parse(raw.toString('utf8')), at: Date.now() });
      const reply = answer(requests.length);
      if (reply === 'hang') return;
      const send = () => res.writeHead(reply.status, { 'content-type': 'text/plain', ...reply.headers }).end(reply.status >= 300 ? `status ${reply.status}` : 'ok');
      if (reply.delayMs) setTimeout(send, reply.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/vigil`,
    host: `127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
export type Receiver = Awaited<ReturnType<typeof startReceiver>>;

export const testAlarm = { alarmKey: 'fp-db-down', serviceId: 'checkout-api', severity: 'critical' as const, summary: 'Primary DB unreachable' };

export function triggered(tenantId: string, targets: string[], escalationId: string = randomUUID()) {
  return newEvent({
    type: 'escalation-triggered', tenantId, subject: escalationId, occurredAt: new Date().toISOString(),
    data: {
      escalationId, policy: 'critical-paging', level: 1, round: 0, targets, serviceId: testAlarm.serviceId, alarms: [testAlarm],
      reason: { trigger: 'sla-breached', eventId: randomUUID(), policy: 'checkout-availability', detail: 'error budget exhausted' },
    },
  });
}

/** The same page as the escalation service wrote it before version 2, naming its one `alarm`: what the topic still holds. */
export function triggeredV1(tenantId: string, targets: string[], escalationId: string = randomUUID()) {
  const { data: { serviceId: _serviceId, alarms: _alarms, ...unchanged }, ...envelope } = triggered(tenantId, targets, escalationId);
  const data: EscalationTriggeredDataV1 = { ...unchanged, alarm: testAlarm };
  return { ...envelope, version: 1, data };
}

/** What an acknowledgement or resolution takes of the page before it, whatever its version. */
type Trigger = Pick<EventEnvelope, 'id' | 'correlationId' | 'tenantId'> & { data: { escalationId: string } };

export function acknowledgedAfter(trigger: Trigger, acknowledgedBy = 'ada') {
  const { escalationId } = trigger.data;
  return newEvent({
    type: 'escalation-acknowledged', tenantId: trigger.tenantId, subject: escalationId, occurredAt: new Date().toISOString(), causedBy: trigger,
    data: { escalationId, alarm: testAlarm, acknowledgedBy, acknowledgedAt: new Date().toISOString() },
  });
}

export function resolvedAfter(trigger: Trigger) {
  const { escalationId } = trigger.data;
  return newEvent({
    type: 'escalation-resolved', tenantId: trigger.tenantId, subject: escalationId, occurredAt: new Date().toISOString(), causedBy: trigger,
    data: { escalationId, alarm: testAlarm, resolvedAt: new Date().toISOString() },
  });
}

/** An event as written to the topic: of the current version, or an older one a replay still meets. */
type Produced = Pick<EventEnvelope, 'tenantId' | 'type'>;

/** A Kafka producer, receivers, and the apply call, shared by the notifier's int tests (which bring the collector). */
export class NotifierTestKit {
  private producer!: Producer;
  private readonly receivers: Receiver[] = [];

  constructor(private readonly env: { KAFKA_BROKERS: string; VIGIL_HOME: string }) {}

  async start(): Promise<this> {
    this.producer = new Kafka({ clientId: 'notifier-test', brokers: this.env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING }).producer();
    await this.producer.connect();
    return this;
  }

  async stop(): Promise<void> {
    await this.producer?.disconnect();
    await Promise.all(this.receivers.map((r) => r.close()));
  }

  async receiver(answer?: Parameters<typeof startReceiver>[0]): Promise<Receiver> {
    const r = await startReceiver(answer);
    this.receivers.push(r);
    return r;
  }

  async applyChannel(base: string, tenantId: string, name: string, spec: NotificationChannelSpec): Promise<void> {
    const token = await issueToken({ tenantId, scopes: ['admin'], home: this.env.VIGIL_HOME });
    const response = await fetch(`${base}/api/v1/config/apply`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ apiVersion: 'vigil/v1', kind: 'NotificationChannel', metadata: { name, tenant: tenantId }, spec }),
    });
    const body = await response.json();
    if (response.status !== 200) throw new Error(`apply ${name}: ${response.status} ${JSON.stringify(body)}`);
  }

  async produce(...events: Produced[]): Promise<void> {
    await this.produceWithHeaders({}, ...events);
  }

  /** As a relay publishes them, with headers such as `traceparent` besides the event type. */
  async produceWithHeaders(headers: Record<string, string>, ...events: Produced[]): Promise<void> {
    await this.producer.send({
      topic: Topics.escalationEvents,
      acks: -1,
      messages: events.map((e) => ({ key: eventKey(e.tenantId, testAlarm.serviceId), value: JSON.stringify(e), headers: { 'event-type': e.type, ...headers } })),
    });
  }
}

/**
 * Boots the notifier once for a test file (before all, closed after all) with a collector
 * on the notification topics and the kit; the returned object is filled in `beforeAll`.
 */
export function useNotifier(appModule: Type<unknown>) {
  const env = testEnv();
  const harness = { app: undefined as unknown as NestExpressApplication, base: '', collector: undefined as unknown as EventCollector, kit: new NotifierTestKit(env) };
  beforeAll(async () => {
    const started = await startTestApp(appModule);
    harness.app = started.app;
    harness.base = started.url.replace('[::1]', '127.0.0.1');
    harness.collector = await EventCollector.start(env.KAFKA_BROKERS, [Topics.notificationEvents, Topics.notificationDeadLetters]);
    await harness.kit.start();
  });
  afterAll(async () => {
    await harness.kit.stop();
    await harness.collector?.stop();
    await harness.app?.close();
  });
  return harness;
}
