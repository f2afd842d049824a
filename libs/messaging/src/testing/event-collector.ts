import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Consumer, type IHeaders } from 'kafkajs';
import { ensureTopics, topicOffsets } from '../index';
import { eventually } from '@vigil/testing';

export interface CollectedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: unknown;
  headers: Record<string, string>;
}

/**
 * Reads what is published to the topics from the moment it starts (a fresh group whose
 * offsets are set to the current ends first, so a long topic history is never replayed)
 * and keeps what it sees.
 */
export class EventCollector {
  readonly messages: CollectedMessage[] = [];
  private constructor(private readonly consumer: Consumer) {}

  static async start(brokers: string, topics: string[]): Promise<EventCollector> {
    const kafka = new Kafka({ clientId: 'vigil-test', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
    const groupId = `test-${randomUUID()}`;
    // On a fresh broker the collector may come before the services that create its topics: it creates
    // them as the platform does (the same defaults), so it never waits on a topic that is not there.
    await ensureTopics(kafka, topics, { partitions: Number(process.env.KAFKA_TOPIC_PARTITIONS ?? 12), replicationFactor: Number(process.env.KAFKA_REPLICATION_FACTOR ?? 1) });
    await startGroupAtEnd(kafka, groupId, topics);
    const consumer = kafka.consumer({ groupId });
    const collector = new EventCollector(consumer);
    await consumer.connect();
    for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const raw = message.value?.toString('utf8') ?? '';
        let value: unknown = raw;
        try {
          value = JSON.parse(raw);
        } catch {
          // Poison messages stay as raw text.
        }
        collector.messages.push({ topic, partition, offset: message.offset, key: message.key?.toString() ?? null, value, headers: decodeHeaders(message.headers) });
      },
    });
    return collector;
  }

  /** Events (parsed envelopes) of one tenant, in arrival order. */
  events(tenantId: string, type?: string): Array<{ id: string; type: string; data: Record<string, unknown>; [k: string]: unknown }> {
    return this.messages
      .map((m) => m.value as { tenantId?: string; type?: string })
      .filter((v): v is { id: string; type: string; data: Record<string, unknown>; tenantId: string } => typeof v === 'object' && v !== null && v.tenantId === tenantId && (!type || v.type === type));
  }

  async waitForEvent(tenantId: string, type: string, timeoutMs = 30_000, predicate: (data: Record<string, unknown>) => boolean = () => true) {
    return eventually(`${type} of ${tenantId}`, async () => this.events(tenantId, type).find((e) => predicate(e.data)), timeoutMs);
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}

/** Commits a new consumer group's offsets at the topics' current ends, so it reads only what comes next. */
export async function startGroupAtEnd(kafka: Kafka, groupId: string, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (const topic of topics) {
      const ends = await topicOffsets(admin, topic);
      await admin.setOffsets({ groupId, topic, partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })) });
    }
  } finally {
    await admin.disconnect();
  }
}

function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v.map(String).join(',') : String(v ?? '')]));
}
