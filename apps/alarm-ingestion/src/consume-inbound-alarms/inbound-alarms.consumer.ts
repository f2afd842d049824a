import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Consumer, EachMessagePayload } from 'kafkajs';
import { Topics } from '@vigil/contracts';
import { inMessageTrace } from '@vigil/observability';
import { ConsumerGroupTimeouts, ConsumerPipeline, PoisonMessageError, isBelowCheckpoint } from '@vigil/messaging';
import { BASE_CONFIG, BaseConfig, MessagingService, VigilMetrics } from '@vigil/platform-nest';
import { AlarmChangesRejectedError } from '../record-alarms/record-alarms.errors';
import { InboundLedger } from '../record-alarms/idempotency-keys.retention';
import { RecordAlarmsHandler } from '../record-alarms/record-alarms.handler';
import { parseInboundAlarm } from './inbound-alarm';
import { INBOUND_ALARMS_CONFIG, type InboundAlarmsConfig } from './inbound-alarms.config';

const STOP_TIMEOUT_MS = 10_000;

/**
 * Producers that publish to Kafka directly put raw alarm changes on
 * `vigil.alarms.inbound.v1` — plain JSON, not Vigil's event envelope, so this is its own
 * kafkajs consumer rather than the platform's envelope consumer. Each message is recorded
 * like a POST with the idempotency key `kafka/<topic>/<partition>/<offset>`, stored in the
 * same transaction as the events, so a redelivery records nothing twice (and one below the
 * partition's checkpoint, its key aged out, is recognised by its offset: ADR 0028); the offset is
 * committed only after that transaction. Through the platform's consumer pipeline: a message
 * that can never be recorded (unreadable, or rejected by the recording, such as an idempotency
 * key that stands for other content) goes to `vigil.alarms.inbound.dlq.v1` with its reason and
 * consumption goes on; anything else (the tenant over its rate, the database away) is retried,
 * then re-delivered by Kafka.
 */
@Injectable()
export class InboundAlarmsConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly groupId: string;
  private readonly logger = new Logger(InboundAlarmsConsumer.name);
  private readonly pipeline: ConsumerPipeline;
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
    this.pipeline = new ConsumerPipeline({
      consumer: this.groupId,
      deadLetters: messaging.producer,
      isPoison: (error) => error instanceof AlarmChangesRejectedError,
      log: (level, message, extra) => this.logger[level === 'info' ? 'log' : level]({ ...extra, msg: message }),
      onDeadLetter: (topic) => this.metrics.eventsConsumed.inc({ topic, type: 'inbound-alarm', outcome: 'dead-lettered' }),
    });
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
    const position = { consumer: InboundLedger, topic, partition, offset: message.offset, timestamp: message.timestamp };
    await this.pipeline.process({ topic, partition, message }, readInboundAlarm, async (inbound) => {
      await this.handler.record(inbound.tenantId, [inbound.change], `kafka/${topic}/${partition}/${message.offset}`,
        (manager) => isBelowCheckpoint(manager, 'ingestion', position));
      this.metrics.eventsConsumed.inc({ topic, type: 'inbound-alarm', outcome: 'processed' });
    });
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

/** The alarm change a message holds; one that holds none is poison, with the reason. */
function readInboundAlarm(value: Buffer | null) {
  const inbound = parseInboundAlarm(value, Date.now());
  if (!inbound.ok) throw new PoisonMessageError(inbound.reason);
  return inbound;
}
