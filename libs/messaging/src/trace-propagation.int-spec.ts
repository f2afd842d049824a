import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import type { NodeSDK } from '@opentelemetry/sdk-node';
import { Topics, deadLetterTopicOf, eventKey, newEvent, type AnyEvent } from '@vigil/contracts';
import { startTracing, stopTracing } from '@vigil/observability/tracing';
import { openDatabase } from '@vigil/persistence';
import { EventCollector, startGroupAtEnd } from './testing';
import { eventually, testEnv, uniqueTenant } from '@vigil/testing';
import { PoisonMessageError } from './consumer-pipeline';
import { IdempotentConsumer } from './idempotent-consumer';
import { ensureTopics } from './kafka';
import { messagingMigrations } from './messaging.migration';
import { appendToOutbox } from './outbox';
import { OutboxRelay } from './outbox-relay';

const env = testEnv();
const traceIdOf = (traceparent: string | undefined) => traceparent?.split('-')[1];

/**
 * One alarm, one trace: the request's context goes into the outbox row, the relay sends
 * it as the `traceparent` header, and the consumer continues that trace for each message
 * — also when one produce request (and one fetch) carries messages of several traces —
 * so the events the handler publishes carry the same trace on.
 */
describe('trace context across the outbox, Kafka and the idempotent consumer', () => {
  const schema = `trace_${randomUUID().slice(0, 8)}`;
  const tenant = uniqueTenant();
  const spans = new InMemorySpanExporter();
  let sdk: NodeSDK;
  let dataSource: DataSource;
  let producer: Producer;
  let relay: OutboxRelay;
  let consumer: IdempotentConsumer;
  let collector: EventCollector;

  const raised = (alarmKey: string): AnyEvent =>
    newEvent({
      type: 'alarm-raised', tenantId: tenant, subject: alarmKey, sequence: 1, occurredAt: new Date().toISOString(),
      data: { alarmKey, serviceId: 'checkout', severity: 'critical', summary: alarmKey, source: 'test', labels: {}, raisedAt: new Date().toISOString() },
    }) as AnyEvent;

  /** What an HTTP request does: record the event and its outbox row in one transaction, inside the request's span. */
  const recordInRequest = (alarmKey: string) =>
    trace.getTracer('test').startActiveSpan(`POST /api/v1/alarms ${alarmKey}`, async (span) => {
      await dataSource.transaction((m) => appendToOutbox(m, schema, [{ event: raised(alarmKey), key: eventKey(tenant, 'checkout') }]));
      span.end();
      return span.spanContext();
    });

  beforeAll(async () => {
    sdk = startTracing({ service: 'trace-test', spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] });
    dataSource = await openDatabase({ url: env.DATABASE_URL, schema, applicationName: 'trace-test', migrations: messagingMigrations(schema) });
    const kafka = new Kafka({ clientId: 'trace-test', brokers: env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
    await ensureTopics(kafka, [Topics.alarmEvents, deadLetterTopicOf(Topics.alarmEvents)], { partitions: 12, replicationFactor: 1 });
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    relay = new OutboxRelay(dataSource, schema, producer);
    collector = await EventCollector.start(env.KAFKA_BROKERS, [Topics.alarmEvents, deadLetterTopicOf(Topics.alarmEvents)]);
    await startGroupAtEnd(kafka, `test.acknowledger-${schema}`, [Topics.alarmEvents]);
    // Reacts to a raise with a follow-on event in its own transaction, as every Vigil consumer does.
    consumer = new IdempotentConsumer(kafka, dataSource, producer, {
      name: `acknowledger-${schema}`,
      topics: [Topics.alarmEvents],
      handle: async (event, { manager }) => {
        if (event.tenantId !== tenant || event.type !== 'alarm-raised') return;
        if (event.subject === 'poison') throw new PoisonMessageError('this alarm can never be processed');
        const ack = newEvent({
          type: 'alarm-acknowledged', tenantId: tenant, subject: event.subject, sequence: 2, occurredAt: new Date().toISOString(),
          causedBy: event, data: { alarmKey: event.subject, serviceId: 'checkout', severity: 'critical', summary: 'ack', acknowledgedAt: new Date().toISOString() },
        }) as AnyEvent;
        await appendToOutbox(manager, schema, [{ event: ack, key: eventKey(tenant, 'checkout') }]);
      },
    }, { service: 'test', schema });
    await consumer.start();
    await consumer.joined;
  });

  afterAll(async () => {
    await consumer.stop();
    await collector.stop();
    await producer.disconnect();
    await dataSource.query(`drop schema ${schema} cascade`);
    await dataSource.destroy();
    await stopTracing(sdk);
  });

  it('carries each request trace to Kafka, into the consumer span and onto the events the consumer publishes, one trace per message in a batch', async () => {
    const first = await recordInRequest('first');
    const second = await recordInRequest('second');
    expect(first.traceId).not.toBe(second.traceId);

    // Both rows leave in one relay batch, one produce request.
    expect(await relay.publishBatch()).toBe(2);
    const raisedMessage = (key: string) => collector.messages.find((m) => (m.value as AnyEvent).tenantId === tenant && (m.value as AnyEvent).type === 'alarm-raised' && (m.value as AnyEvent).subject === key);
    await eventually('both raises on Kafka', async () => raisedMessage('first') && raisedMessage('second'));
    expect(traceIdOf(raisedMessage('first')?.headers.traceparent)).toBe(first.traceId);
    expect(traceIdOf(raisedMessage('second')?.headers.traceparent)).toBe(second.traceId);

    const consumerSpan = (traceId: string) => spans.getFinishedSpans().find((s) => s.name === `${Topics.alarmEvents} process` && s.spanContext().traceId === traceId);
    await eventually('a consumer span in each trace', async () => consumerSpan(first.traceId) && consumerSpan(second.traceId));
    expect(consumerSpan(first.traceId)?.parentSpanContext?.spanId).toBe(first.spanId);
    expect(consumerSpan(second.traceId)?.parentSpanContext?.spanId).toBe(second.spanId);

    // The consumer's own events continue the trace, as children of its span.
    await eventually('both follow-on events in the outbox', async () => (await relay.backlog()) === 2);
    await relay.publishBatch();
    const ackMessage = (key: string) => collector.messages.find((m) => (m.value as AnyEvent).tenantId === tenant && (m.value as AnyEvent).type === 'alarm-acknowledged' && (m.value as AnyEvent).subject === key);
    await eventually('both acknowledgements on Kafka', async () => ackMessage('first') && ackMessage('second'));
    for (const [key, request] of [['first', first], ['second', second]] as const) {
      const traceparent = ackMessage(key)?.headers.traceparent;
      expect(traceIdOf(traceparent)).toBe(request.traceId);
      expect(traceparent?.split('-')[2]).toBe(consumerSpan(request.traceId)?.spanContext().spanId);
    }
  });

  it('puts a dead-lettered message in the trace of the request that caused it', async () => {
    const request = await recordInRequest('poison');
    await relay.publishBatch();
    const deadLetter = await eventually('the poison message dead-lettered', async () =>
      collector.messages.find((m) => m.topic === deadLetterTopicOf(Topics.alarmEvents) && (m.value as AnyEvent).tenantId === tenant));
    expect(traceIdOf(deadLetter.headers.traceparent)).toBe(request.traceId);
    expect(deadLetter.headers['dlq-reason']).toContain('can never be processed');
  });
});
