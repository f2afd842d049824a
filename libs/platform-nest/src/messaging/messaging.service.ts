import { Inject, Injectable, Logger, Optional, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Admin, ISocketFactory, Kafka, Producer } from 'kafkajs';
import { Gauge } from 'prom-client';
import { DataSource, type EntityManager } from 'typeorm';
import { deadLetterTopicOf, type AnyEvent } from '@vigil/contracts';
import { IdempotentConsumer, OutboxRelay, appendToOutbox, consumerGroupLag, createKafka, ensureTopics, type ConsumerDefinition, type MessageContext, type OutboxMessage, type OutboxRecord } from '@vigil/messaging';
import { BASE_CONFIG, BaseConfig } from '../base.config';
import { KAFKA_SOCKET_FACTORY, PLATFORM_OPTIONS, type PlatformOptions } from '../platform.options';
import { VigilMetrics } from '../health/vigil-metrics';

/**
 * The service's Kafka side: one idempotent producer, the outbox relay of its schema,
 * and its consumers. Lifecycle: topics and producer at init, consumers after the app
 * is up; on shutdown consumers stop first (offsets committed), then the relay drains.
 */
@Injectable()
export class MessagingService implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(MessagingService.name);
  readonly kafka: Kafka;
  readonly producer: Producer;
  /** One admin connection for the health checks, rather than one per probe. */
  readonly admin: Admin;
  readonly relay: OutboxRelay;
  private readonly consumers: IdempotentConsumer[] = [];
  private readonly definitions: ConsumerDefinition[] = [];
  private readonly otherGroups: Array<{ groupId: string; topics: string[] }> = [];
  private readonly producersOfEvents: Array<() => Promise<void>> = [];
  /** The transactions of consumed events that wrote to the outbox: only their commits wake the relay. */
  private readonly wroteOutbox = new WeakSet<EntityManager>();
  private readonly commitListeners: Array<(manager: EntityManager) => void> = [];
  private producerConnected = false;

  constructor(
    @Inject(PLATFORM_OPTIONS) private readonly options: PlatformOptions,
    @Inject(BASE_CONFIG) private readonly config: BaseConfig,
    private readonly dataSource: DataSource,
    private readonly metrics: VigilMetrics,
    @Optional() @Inject(KAFKA_SOCKET_FACTORY) socketFactory?: ISocketFactory | null,
  ) {
    const log = (level: 'error' | 'warn' | 'info' | 'debug', message: string, extra?: Record<string, unknown>) =>
      level === 'debug' ? this.logger.debug({ ...extra, msg: message }) : this.logger[level === 'info' ? 'log' : level]({ ...extra, msg: message });
    this.kafka = createKafka({ brokers: config.brokers(), clientId: options.service, log, socketFactory: socketFactory ?? undefined });
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    this.admin = this.kafka.admin();
    this.producer.on('producer.connect', () => (this.producerConnected = true));
    this.producer.on('producer.disconnect', () => (this.producerConnected = false));
    this.relay = new OutboxRelay(dataSource, options.schema, this.producer, {
      log,
      onPublished: (count) => this.metrics.eventsProduced.inc(count),
    });
    this.exportOutboxGauges();
  }

  /** Backlog and lag are read when Prometheus scrapes; a database that does not answer leaves them unset rather than failing the scrape. */
  private exportOutboxGauges(): void {
    const relay = this.relay;
    const registers = [this.metrics.registry];
    new Gauge({
      name: 'vigil_outbox_backlog',
      help: 'Events committed to the outbox and not yet on Kafka',
      registers,
      async collect() {
        await relay.backlog().then((n) => this.set(n), () => this.reset());
      },
    });
    const lagOf = () => this.consumerLag();
    new Gauge({
      name: 'vigil_consumer_lag',
      help: 'Messages a consumer group has yet to read',
      labelNames: ['group'],
      registers,
      async collect() {
        this.reset();
        const lag = await lagOf().catch(() => ({}) as Record<string, number>);
        for (const [group, n] of Object.entries(lag)) this.set({ group }, n);
      },
    });
    new Gauge({
      name: 'vigil_outbox_lag_seconds',
      help: 'How long the oldest event in the outbox has waited for Kafka',
      registers,
      async collect() {
        await relay.lagSeconds().then((s) => this.set(s), () => this.reset());
      },
    });
  }

  /** Registers a consumer; it starts once the application is up. */
  consume(definition: ConsumerDefinition): void {
    this.definitions.push(definition);
  }

  /**
   * Registers something else that writes to the outbox (durable timers): on shutdown it is
   * stopped after the consumers and before the relay's last pass.
   */
  stopBeforeDrain(stop: () => Promise<void>): void {
    this.producersOfEvents.push(stop);
  }

  /** Appends events (and records that name their topic, such as dead letters) to the outbox in the caller's transaction. */
  async publish(manager: EntityManager, messages: Array<OutboxMessage | OutboxRecord>): Promise<void> {
    await appendToOutbox(manager, this.options.schema, messages);
    if (messages.length > 0) this.wroteOutbox.add(manager);
  }

  /**
   * Hears of every consumed event's committed transaction, by its manager (the durable timers
   * wake their poller when that transaction armed a timer due soon).
   */
  onCommitted(listener: (manager: EntityManager) => void): void {
    this.commitListeners.push(listener);
  }

  /** Asks the relay to publish now (after a commit that wrote to the outbox). */
  flush(): void {
    this.relay.kick();
  }

  get connected(): boolean {
    return this.producerConnected;
  }

  /**
   * Adds a consumer group the service runs outside `consume` (its own kafkajs consumer) to
   * the lag shown at `/health` and exported as `vigil_consumer_lag`.
   */
  reportLag(groupId: string, topics: string[]): void {
    this.otherGroups.push({ groupId, topics });
  }

  /** Messages each consumer group has yet to read, by group id. */
  async consumerLag(): Promise<Record<string, number>> {
    const entries = await Promise.all([
      ...this.consumers.map(async (c) => [c.groupId, await c.lag(this.admin)] as const),
      ...this.otherGroups.map(async (g) => [g.groupId, await consumerGroupLag(this.admin, g.groupId, g.topics)] as const),
    ]);
    return Object.fromEntries(entries);
  }

  async onModuleInit(): Promise<void> {
    const topics = [...this.options.topics];
    const consumed = this.options.topics.map((t) => deadLetterTopicOf(t));
    await ensureTopics(this.kafka, [...topics, ...consumed], {
      partitions: this.config.KAFKA_TOPIC_PARTITIONS,
      replicationFactor: this.config.KAFKA_REPLICATION_FACTOR,
    });
    await this.producer.connect();
    await this.admin.connect();
  }

  async onApplicationBootstrap(): Promise<void> {
    this.relay.start();
    for (const definition of this.definitions) {
      const consumer = new IdempotentConsumer(this.kafka, this.dataSource, this.producer, {
        ...definition,
        afterCommit: (event: AnyEvent, context: MessageContext) => {
          definition.afterCommit?.(event, context);
          // Most events publish nothing; a relay pass for each would be four round trips for nothing.
          if (this.wroteOutbox.has(context.manager)) this.relay.kick();
          for (const listener of this.commitListeners) listener(context.manager);
        },
      }, {
        service: this.options.service,
        schema: this.options.schema,
        partitionsConsumedConcurrently: this.config.consumerConcurrency(),
        log: (level, message, extra) => this.logger[level === 'info' ? 'log' : level]({ ...extra, msg: message }),
        onOutcome: (outcome, topic, type) => this.metrics.eventsConsumed.inc({ topic, type: type ?? 'unknown', outcome }),
      });
      await consumer.start();
      this.consumers.push(consumer);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.consumers.map((c) => c.stop()));
    await Promise.all(this.producersOfEvents.map((stop) => stop()));
    await this.relay.stop();
    // One last pass so events written by the final messages leave before we go.
    await this.relay.publishBatch().catch((error: Error) => this.logger.warn(`final outbox pass failed: ${error.message}`));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.admin.disconnect();
    await this.producer.disconnect();
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
