import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { topicOffsets } from '@vigil/messaging';
import { interruption } from '../shared/interruption';

/** Where each partition of a topic ended at one moment: the place to read a case's events from. */
export type PartitionOffsets = Array<{ partition: number; offset: string }>;

export interface Arrivals {
  /** Distinct event ids of the wanted type seen for the tenant. */
  events: number;
  /** Messages of the tenant seen more than once (at-least-once publishing). */
  redelivered: number;
  /** Broker-side message timestamps (the relay's produce time, epoch ms) of the first and last event. */
  firstAtEpochMs: number;
  lastAtEpochMs: number;
  /** False when the wait ran out before every expected event arrived. */
  complete: boolean;
}

/**
 * Counts what one tenant's traffic put on a topic. The offsets are taken before the case
 * starts and the topic is read afterwards, so the consumer takes no CPU from the run it
 * measures; the time an event reached Kafka is the message's own timestamp.
 */
export class KafkaArrivals {
  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
  ) {}

  async endOffsets(): Promise<PartitionOffsets> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const offsets = await topicOffsets(admin, this.topic);
      return offsets.map(({ partition, offset }) => ({ partition, offset }));
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * Reads from `since` until `expected` distinct events of `eventType` for `tenantId`
   * (Kafka key `tenant/service`) have been seen, or `timeoutMs` passed.
   */
  async await(options: { tenantId: string; eventType: string; expected: number; since: PartitionOffsets; timeoutMs: number }): Promise<Arrivals> {
    if (options.expected <= 0) return { events: 0, redelivered: 0, firstAtEpochMs: Number.NaN, lastAtEpochMs: Number.NaN, complete: true };
    const prefix = `${options.tenantId}/`;
    const seen = new Set<string>();
    let redelivered = 0;
    let first = Number.POSITIVE_INFINITY;
    let last = 0;
    const consumer = this.kafka.consumer({ groupId: `vigil-bench-${randomUUID()}`, maxWaitTimeInMs: 100, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: this.topic, fromBeginning: false });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          for (const message of batch.messages) {
            const key = message.key?.toString('utf8');
            if (!key?.startsWith(prefix) || !message.value) continue;
            const event = JSON.parse(message.value.toString('utf8')) as { id?: string; type?: string; tenantId?: string };
            if (event.tenantId !== options.tenantId || event.type !== options.eventType || !event.id) continue;
            if (seen.has(event.id)) {
              redelivered += 1;
              continue;
            }
            seen.add(event.id);
            const at = Number(message.timestamp);
            if (at < first) first = at;
            if (at > last) last = at;
          }
          if (seen.size >= options.expected) finish();
        },
      });
      // Each partition from where it ended before the case: a fresh group alone would
      // start at the end as of its join, after the events it is here to count.
      for (const { partition, offset } of options.since) consumer.seek({ topic: this.topic, partition, offset });
      const timer = setTimeout(finish, options.timeoutMs);
      interruption.signal.addEventListener('abort', finish, { once: true });
      await done;
      clearTimeout(timer);
      interruption.signal.removeEventListener('abort', finish);
    } finally {
      await consumer.disconnect();
    }
    return { events: seen.size, redelivered, firstAtEpochMs: first, lastAtEpochMs: last, complete: seen.size >= options.expected };
  }
}
