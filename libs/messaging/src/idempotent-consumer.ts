import type { Admin, Consumer, EachMessagePayload, Kafka, Producer } from 'kafkajs';
import type { DataSource, EntityManager } from 'typeorm';
import { parseEvent, InvalidEventError, type AnyEvent } from '@vigil/contracts';
import { inMessageTrace } from '@vigil/observability';
import { assertIdentifier } from '@vigil/persistence';
import { retryPolicy } from '@vigil/resilience';
import { ConsumerGroupTimeouts, consumerGroupLag, sendDeadLetter } from './kafka';

/** Thrown by a handler for a message that can never be processed: it goes to the dead-letter topic. */
export class PoisonMessageError extends Error {}

export interface MessageContext {
  /** The transaction the read-model change must use: the ledger row commits with it. */
  manager: EntityManager;
  topic: string;
  partition: number;
  offset: string;
}

export interface ConsumerDefinition {
  /** Names the consumer group (`<service>.<name>`) and the ledger rows. */
  name: string;
  topics: string[];
  handle(event: AnyEvent, context: MessageContext): Promise<void>;
  /**
   * Called after the transaction committed (e.g. to kick the outbox relay), with the context
   * the handler had: its manager tells which transaction that was.
   */
  afterCommit?(event: AnyEvent, context: MessageContext): void;
}

export interface ConsumerOptions {
  service: string;
  schema: string;
  partitionsConsumedConcurrently?: number;
  log?: (level: 'info' | 'warn' | 'error', message: string, extra?: Record<string, unknown>) => void;
  onOutcome?: (outcome: 'processed' | 'duplicate' | 'dead-lettered', topic: string, type?: string) => void;
}

/**
 * Consumes events at least once and applies each at most once: the event id is recorded
 * in the service's `processed_events` in the same transaction as the read-model change.
 * Transient failures are retried with backoff and then surface to kafkajs, which
 * re-delivers; only a message that can never succeed goes to the dead-letter topic.
 */
export class IdempotentConsumer {
  private consumer?: Consumer;
  private markJoined!: () => void;
  /** Resolves once the consumer has joined its group and been given partitions. */
  readonly joined = new Promise<void>((resolve) => (this.markJoined = resolve));
  private readonly retry = retryPolicy({ maxAttempts: 5, initialDelayMs: 200, maxDelayMs: 5_000, isTransient: (e) => !(e instanceof PoisonMessageError) });
  private readonly ledger: string;
  readonly groupId: string;

  constructor(
    private readonly kafka: Kafka,
    private readonly dataSource: DataSource,
    private readonly deadLetters: Producer,
    private readonly definition: ConsumerDefinition,
    private readonly options: ConsumerOptions,
  ) {
    this.ledger = `${assertIdentifier(options.schema)}.processed_events`;
    this.groupId = `${options.service}.${definition.name}`;
  }

  async start(): Promise<void> {
    this.consumer = this.kafka.consumer({ groupId: this.groupId, ...ConsumerGroupTimeouts });
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => this.markJoined());
    await this.consumer.connect();
    for (const topic of this.definition.topics) await this.consumer.subscribe({ topic, fromBeginning: true });
    await this.consumer.run({
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 3,
      // Each message continues the trace its producer stored in the headers.
      eachMessage: (payload) =>
        inMessageTrace(`${payload.topic} process`, payload.message.headers, {
          'messaging.system': 'kafka', 'messaging.destination.name': payload.topic, 'messaging.consumer.group.name': this.groupId,
          'messaging.kafka.offset': payload.message.offset, 'messaging.destination.partition.id': String(payload.partition),
        }, () => this.onMessage(payload)),
    });
  }

  /** Stops fetching, lets the message in hand finish and commits its offset. */
  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }

  /** What this consumer has yet to read, asked through the caller's admin connection. */
  lag(admin: Admin): Promise<number> {
    return consumerGroupLag(admin, this.groupId, this.definition.topics);
  }

  private async onMessage({ topic, partition, message }: EachMessagePayload): Promise<void> {
    let event: AnyEvent;
    try {
      event = parseEvent(JSON.parse(message.value?.toString('utf8') ?? 'null'));
    } catch (error) {
      const reason = error instanceof InvalidEventError ? error.message : `not JSON: ${(error as Error).message}`;
      await this.deadLetter(topic, partition, message.offset, message.key, message.value, reason);
      return;
    }
    try {
      await this.retry.execute(() => this.apply(event, topic, partition, message.offset));
    } catch (error) {
      if (error instanceof PoisonMessageError) {
        await this.deadLetter(topic, partition, message.offset, message.key, message.value, error.message, event.type);
        return;
      }
      this.options.log?.('error', 'event processing failed after retries; kafka will re-deliver', {
        consumer: this.groupId, topic, partition, offset: message.offset, eventId: event.id, error: (error as Error).message,
      });
      throw error;
    }
  }

  private async apply(event: AnyEvent, topic: string, partition: number, offset: string): Promise<void> {
    const context = await this.dataSource.transaction(async (manager): Promise<MessageContext | undefined> => {
      const inserted: unknown[] = await manager.query(
        `insert into ${this.ledger} (consumer, event_id, topic, partition, "offset") values ($1, $2, $3, $4, $5)
         on conflict do nothing returning event_id`,
        [this.definition.name, event.id, topic, partition, offset],
      );
      if (inserted.length === 0) return undefined;
      const handled = { manager, topic, partition, offset };
      await this.definition.handle(event, handled);
      return handled;
    });
    this.options.onOutcome?.(context ? 'processed' : 'duplicate', topic, event.type);
    if (context) this.definition.afterCommit?.(event, context);
  }

  private async deadLetter(
    topic: string, partition: number, offset: string, key: Buffer | null, value: Buffer | null, reason: string, type?: string,
  ): Promise<void> {
    this.options.log?.('warn', 'message dead-lettered', { consumer: this.groupId, topic, partition, offset, reason });
    await sendDeadLetter(this.deadLetters, { consumer: this.groupId, topic, partition, offset, key, value, reason });
    this.options.onOutcome?.('dead-lettered', topic, type);
  }
}
