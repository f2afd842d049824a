import { HttpException, Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Consumer, EachMessagePayload } from 'kafkajs';
import { Topics } from '@vigil/contracts';
import { inMessageTrace } from '@vigil/observability';
import { ConsumerGroupTimeouts, isBelowCheckpoint, sendDeadLetter } from '@vigil/messaging';
import { BASE_CONFIG, BaseConfig, MessagingService, VigilMetrics } from '@vigil/platform-nest';
import { retryPolicy } from '@vigil/resilience';
import { InboundLedger } from '../record-alarms/idempotency-keys.retention';
import { RecordAlarmsHandler } from '../record-alarms/record-alarms.handler';
import { parseInboundAlarm } from './inbound-alarm';
import { INBOUND_ALARMS_CONFIG, type InboundAlarmsConfig } from './inbound-alarms.config';

const STOP_TIMEOUT_MS = 10_000;

/**
 * No retry fixes a 4xx from the handler: it is about the message (e.g. its idempotency key
 * already stands for other content). A 429 or 5xx is about the moment, and is retried.
 */
const isPoison = (error: unknown): boolean =>
  error instanceof HttpException && error.getStatus() >= 400 && error.getStatus() < 500 && error.getStatus() !== 429;

/**
 * Producers that publish to Kafka directly put raw alarm changes on
 * `vigil.alarms.inbound.v1` — plain JSON, not Vigil's event envelope, so this is its own
 * kafkajs consumer rather than the platform's envelope consumer. Each message is recorded
 * like a POST with the idempotency key `kafka/<topic>/<partition>/<offset>`, stored in the
 * same transaction as the events, so a redelivery records nothing twice (and one below the
 * partition's checkpoint, its key aged out, is recognised by its offset: ADR 0028); the offset is
 * committed only after that transaction. A message that can never be recorded goes to
 * `vigil.alarms.inbound.dlq.v1` with its reason and consumption goes on; anything else
 * is retried, then re-delivered by Kafka.
 */
@Injectable()
export class InboundAlarmsConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly groupId: string;
  private readonly logger = new Logger(InboundAlarmsConsumer.name);
  private readonly retry = retryPolicy({ maxAttempts: 5, initialDelayMs: 200, maxDelayMs: 5_000, isTransient: (error) => !isPoison(error) });
  private consumer?: Consumer;
  private stopping?: Promise<void>;

  constructor(
    private readonly messaging: MessagingService,
    private readonly handler: RecordAlarmsHandler,
    private readonly metrics: VigilMetrics,
    @Inject(INBOUND_ALARMS_CONFIG) config: InboundAlarmsConfig,
    @Inject(BASE_CONFIG) private readonly baseConfig: BaseConfig,
  ) {
    this.groupId = config.INGESTION_INBOUND_CONSUMER_GROUP;
  }

  async onApplicationBootstrap(): Promise<void> {
    // Belt and braces: also stopped by the platform before its last outbox pass.
    this.messaging.stopBeforeDrain(() => this.stop());
    this.messaging.reportLag(this.groupId, [Topics.alarmsInbound]);
    const consumer = this.messaging.kafka.consumer({ groupId: this.groupId, ...ConsumerGroupTimeouts });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topic: Topics.alarmsInbound, fromBeginning: true });
    // A monitor that sends `traceparent` gets its alarm recorded in its own trace.
    await consumer.run({
      partitionsConsumedConcurrently: this.baseConfig.consumerConcurrency(),
      eachMessage: (payload) =>
        inMessageTrace(`${payload.topic} process`, payload.message.headers, {
          'messaging.system': 'kafka', 'messaging.destination.name': payload.topic, 'messaging.consumer.group.name': this.groupId,
        }, () => this.handleMessage(payload)),
    });
  }

  /** Stops before the platform drains the outbox: the message in hand finishes and its offset is committed. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  stop(): Promise<void> {
    this.stopping ??= this.disconnect();
    return this.stopping;
  }

  /** One message, start to end; public so a test can deliver the same message twice. */
  async handleMessage({ topic, partition, message }: Pick<EachMessagePayload, 'topic' | 'partition' | 'message'>): Promise<void> {
    const inbound = parseInboundAlarm(message.value, Date.now());
    if (!inbound.ok) {
      await this.deadLetter(topic, partition, message.offset, message.key, message.value, inbound.reason);
      return;
    }
    try {
      const position = { consumer: InboundLedger, topic, partition, offset: message.offset, timestamp: message.timestamp };
      await this.retry.execute(() => this.handler.record(inbound.tenantId, [inbound.change], `kafka/${topic}/${partition}/${message.offset}`,
        (manager) => isBelowCheckpoint(manager, 'ingestion', position)));
      this.metrics.eventsConsumed.inc({ topic, type: 'inbound-alarm', outcome: 'processed' });
    } catch (error) {
      if (isPoison(error)) {
        await this.deadLetter(topic, partition, message.offset, message.key, message.value, (error as Error).message);
        return;
      }
      this.logger.error({ msg: 'inbound alarm failed after retries; kafka will re-deliver', topic, partition, offset: message.offset, error: (error as Error).message });
      throw error;
    }
  }

  private async deadLetter(topic: string, partition: number, offset: string, key: Buffer | null, value: Buffer | null, reason: string): Promise<void> {
    this.logger.warn({ msg: 'inbound alarm dead-lettered', topic, partition, offset, reason });
    await sendDeadLetter(this.messaging.producer, { consumer: this.groupId, topic, partition, offset, key, value, reason });
    this.metrics.eventsConsumed.inc({ topic, type: 'inbound-alarm', outcome: 'dead-lettered' });
  }

  private async disconnect(): Promise<void> {
    if (!this.consumer) return;
    // Never let an unreachable broker hold up shutdown: uncommitted offsets are re-delivered and deduplicated.
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(() => {
      this.logger.warn({ msg: `inbound consumer did not stop within ${STOP_TIMEOUT_MS} ms` });
      resolve();
    }, STOP_TIMEOUT_MS)));
    try {
      await Promise.race([this.consumer.disconnect(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
