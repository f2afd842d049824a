import type { Admin, Consumer, EachBatchPayload, EachMessagePayload, KafkaMessage, Kafka, Producer } from 'kafkajs';
import type { DataSource, EntityManager } from 'typeorm';
import { parseEvent, InvalidEventError, type AnyEvent } from '@vigil/contracts';
import { inMessageTrace } from '@vigil/observability';
import { assertIdentifier, preparedQuery } from '@vigil/persistence';
import { ConsumerPipeline, PoisonMessageError } from './consumer-pipeline';
import { ConsumerGroupTimeouts, consumerGroupLag } from './kafka';
import { coveredSince } from './ledger-checkpoints';

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
  /**
   * Up to this many events of one partition share a transaction: one ledger statement and one
   * commit for all of them, each still handled on its own, in order, in its own trace. The
   * handler must let events share a transaction (none may depend on another's commit). A
   * transaction that fails is undone and its events are applied again one at a time, so a
   * poison message is dead-lettered alone. Absent or 1: each event has its own transaction.
   */
  eventsPerTransaction?: number;
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
 * The ledger ages out (ADR 0028): a message at or below its partition's checkpoint was applied
 * before, whatever its id, and is skipped too. Transient failures are retried with backoff and
 * then surface to kafkajs, which re-delivers; only a message that can never succeed goes to the
 * dead-letter topic.
 */
export class IdempotentConsumer {
  private consumer?: Consumer;
  private markJoined!: () => void;
  /** Resolves once the consumer has joined its group and been given partitions. */
  readonly joined = new Promise<void>((resolve) => (this.markJoined = resolve));
  private readonly pipeline: ConsumerPipeline;
  private readonly ledger: string;
  private readonly checkpoints: string;
  readonly groupId: string;

  constructor(
    private readonly kafka: Kafka,
    private readonly dataSource: DataSource,
    deadLetters: Producer,
    private readonly definition: ConsumerDefinition,
    private readonly options: ConsumerOptions,
  ) {
    this.ledger = `${assertIdentifier(options.schema)}.processed_events`;
    this.checkpoints = `${options.schema}.processed_checkpoints`;
    this.groupId = `${options.service}.${definition.name}`;
    this.pipeline = new ConsumerPipeline({
      consumer: this.groupId, deadLetters, log: options.log, onDeadLetter: (topic, type) => options.onOutcome?.('dead-lettered', topic, type),
    });
  }

  async start(): Promise<void> {
    this.consumer = this.kafka.consumer({ groupId: this.groupId, ...ConsumerGroupTimeouts });
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => this.markJoined());
    await this.consumer.connect();
    for (const topic of this.definition.topics) await this.consumer.subscribe({ topic, fromBeginning: true });
    const partitionsConsumedConcurrently = this.options.partitionsConsumedConcurrently ?? 3;
    if ((this.definition.eventsPerTransaction ?? 1) > 1) {
      await this.consumer.run({ partitionsConsumedConcurrently, eachBatchAutoResolve: false, eachBatch: (payload) => this.onBatch(payload) });
      return;
    }
    await this.consumer.run({
      partitionsConsumedConcurrently,
      eachMessage: (payload) => this.inTrace(payload.topic, payload.partition, payload.message, () => this.onMessage(payload)),
    });
  }

  /** Each message continues the trace its producer stored in the headers. */
  private inTrace<T>(topic: string, partition: number, message: KafkaMessage, work: () => Promise<T>): Promise<T> {
    return inMessageTrace(`${topic} process`, message.headers, {
      'messaging.system': 'kafka', 'messaging.destination.name': topic, 'messaging.consumer.group.name': this.groupId,
      'messaging.kafka.offset': message.offset, 'messaging.destination.partition.id': String(partition),
    }, work);
  }

  /** Stops fetching, lets the message in hand finish and commits its offset. */
  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }

  /** What this consumer has yet to read, asked through the caller's admin connection. */
  lag(admin: Admin): Promise<number> {
    return consumerGroupLag(admin, this.groupId, this.definition.topics);
  }

  private onMessage(payload: Pick<EachMessagePayload, 'topic' | 'partition' | 'message'>): Promise<void> {
    const { topic, partition, message } = payload;
    return this.pipeline.process(payload, readEvent, (event) => this.apply(event, topic, partition, message), (event) => event.type);
  }

  /**
   * A partition's fetched messages in runs of `eventsPerTransaction`, each run in one transaction;
   * an offset is resolved only once its run has committed (or its messages were applied alone).
   */
  private async onBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const size = this.definition.eventsPerTransaction ?? 1;
    for (let i = 0; i < batch.messages.length; i += size) {
      if (!isRunning() || isStale()) return;
      const run = batch.messages.slice(i, i + size);
      if (await this.appliedTogether(batch.topic, batch.partition, run)) {
        resolveOffset(run.at(-1)!.offset);
      } else {
        for (const message of run) {
          await this.inTrace(batch.topic, batch.partition, message, () => this.onMessage({ topic: batch.topic, partition: batch.partition, message }));
          resolveOffset(message.offset);
        }
      }
      await heartbeat();
    }
  }

  /** Whether the run was applied in one transaction: not when it is a single message, holds one that is no event, or failed. */
  private async appliedTogether(topic: string, partition: number, run: KafkaMessage[]): Promise<boolean> {
    const events = run.map((message) => parseOrUndefined(message.value));
    if (run.length < 2 || events.some((e) => e === undefined)) return false;
    try {
      await this.applyTogether(topic, partition, run, events as AnyEvent[]);
      return true;
    } catch (error) {
      this.options.log?.('warn', 'events sharing a transaction failed; applying them one at a time', {
        consumer: this.groupId, topic, partition, from: run[0].offset, to: run.at(-1)!.offset, error: (error as Error).message,
      });
      return false;
    }
  }

  /** Several events in one transaction: one ledger statement says which are new, each new one is handled in its own trace. */
  private async applyTogether(topic: string, partition: number, messages: KafkaMessage[], events: AnyEvent[]): Promise<void> {
    const handled = await this.dataSource.transaction(async (manager) => {
      const inserted = await preparedQuery<{ event_id: string }>(manager,
        `insert into ${this.ledger} (consumer, event_id, topic, partition, "offset")
         select $1, e.id, $3, $4, e.o from unnest($2::uuid[], $5::bigint[], $6::timestamptz[]) as e (id, o, since)
         where not exists (select 1 from ${this.checkpoints} c
           where c.consumer = $1 and c.topic = $3 and c.partition = $4 and c."offset" >= e.o and c.processed_at >= e.since)
         on conflict do nothing returning event_id`,
        [this.definition.name, events.map((e) => e.id), topic, partition, messages.map((m) => m.offset), messages.map((m) => coveredSince(m.timestamp))],
      );
      // The same event twice in one run is one ledger row: the first delivery handles it. PostgreSQL answers uuids in lower case.
      const fresh = new Set(inserted.map((r) => r.event_id));
      const contexts: Array<MessageContext | undefined> = [];
      for (const [i, event] of events.entries()) {
        if (!fresh.delete(event.id.toLowerCase())) {
          contexts.push(undefined);
          continue;
        }
        const context = { manager, topic, partition, offset: messages[i].offset };
        await this.inTrace(topic, partition, messages[i], () => this.definition.handle(event, context));
        contexts.push(context);
      }
      return contexts;
    });
    for (const [i, event] of events.entries()) {
      const context = handled[i];
      this.options.onOutcome?.(context ? 'processed' : 'duplicate', topic, event.type);
      if (context) this.definition.afterCommit?.(event, context);
    }
  }

  private async apply(event: AnyEvent, topic: string, partition: number, { offset, timestamp }: Pick<KafkaMessage, 'offset' | 'timestamp'>): Promise<void> {
    const context = await this.dataSource.transaction(async (manager): Promise<MessageContext | undefined> => {
      const inserted = await preparedQuery(manager,
        `insert into ${this.ledger} (consumer, event_id, topic, partition, "offset")
         select $1::text, $2::uuid, $3::text, $4::int, $5::bigint
         where not exists (select 1 from ${this.checkpoints} c
           where c.consumer = $1 and c.topic = $3 and c.partition = $4 and c."offset" >= $5 and c.processed_at >= $6::timestamptz)
         on conflict do nothing returning event_id`,
        [this.definition.name, event.id, topic, partition, offset, coveredSince(timestamp)],
      );
      if (inserted.length === 0) return undefined;
      const handled = { manager, topic, partition, offset };
      await this.definition.handle(event, handled);
      return handled;
    });
    this.options.onOutcome?.(context ? 'processed' : 'duplicate', topic, event.type);
    if (context) this.definition.afterCommit?.(event, context);
  }
}

/** The event a message holds; throws `InvalidEventError`, or a JSON error, when it holds none. */
function eventIn(value: Buffer | null): AnyEvent {
  return parseEvent(JSON.parse(value?.toString('utf8') ?? 'null'));
}

/** The event a message holds; one that holds none is poison, with the reason. */
function readEvent(value: Buffer | null): AnyEvent {
  try {
    return eventIn(value);
  } catch (error) {
    throw new PoisonMessageError(error instanceof InvalidEventError ? error.message : `not JSON: ${(error as Error).message}`);
  }
}

/** The event a message holds, or `undefined` when it holds none (applied alone, it is dead-lettered with the reason). */
function parseOrUndefined(value: Buffer | null): AnyEvent | undefined {
  try {
    return eventIn(value);
  } catch {
    return undefined;
  }
}
