import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { topicOffsets } from '@vigil/messaging';

export interface ReadMessage {
  topic: string;
  key: string;
  headers: Record<string, string>;
  /** The parsed JSON value, or the raw text when it is not JSON (a poison message). */
  value: unknown;
}

/**
 * Everything on `topics` from offset zero up to their ends as of now, read by a group of
 * its own: the audit works from what actually reached Kafka, not from what a collector
 * running through the faults happened to see.
 */
export async function readTopics(brokers: string, topics: string[], timeoutMs = 120_000): Promise<ReadMessage[]> {
  const kafka = new Kafka({ clientId: 'faults-audit', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const remaining = new Map<string, bigint>();
  try {
    const existing = new Set(await admin.listTopics());
    for (const topic of topics.filter((t) => existing.has(t))) {
      for (const p of await topicOffsets(admin, topic)) {
        if (BigInt(p.high) > 0n) remaining.set(`${topic}/${p.partition}`, BigInt(p.high));
      }
    }
  } finally {
    await admin.disconnect();
  }
  const messages: ReadMessage[] = [];
  if (remaining.size === 0) return messages;
  const consumer = kafka.consumer({ groupId: `faults-audit-${randomUUID()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...new Set([...remaining.keys()].map((k) => k.slice(0, k.lastIndexOf('/'))))], fromBeginning: true });
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`reading ${topics.join(', ')}: ${remaining.size} partitions not read to their end within ${timeoutMs / 1000} s`)), timeoutMs);
      void consumer.run({
        eachMessage: async ({ topic, partition, message }) => {
          const text = message.value?.toString('utf8') ?? '';
          let value: unknown = text;
          try {
            value = JSON.parse(text);
          } catch {
            // A poison message stays text.
          }
          const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
          messages.push({ topic, key: message.key?.toString('utf8') ?? '', headers, value });
          const slot = `${topic}/${partition}`;
          const end = remaining.get(slot);
          if (end !== undefined && BigInt(message.offset) + 1n >= end) remaining.delete(slot);
          if (remaining.size === 0) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await done;
  } finally {
    await consumer.disconnect();
  }
  return messages;
}
