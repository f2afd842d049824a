import { Kafka, logLevel, type Admin, type ISocketFactory, type ITopicConfig, type LogEntry, type Producer } from 'kafkajs';
import { deadLetterTopicOf } from '@vigil/contracts';
import { traceHeaders } from '@vigil/observability';

export interface KafkaOptions {
  brokers: string[];
  clientId: string;
  log?: (level: 'error' | 'warn' | 'info' | 'debug', message: string, extra: Record<string, unknown>) => void;
  /** How connections are made; tests pass one they can cut to play a Kafka outage. */
  socketFactory?: ISocketFactory;
}

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

export function createKafka(options: KafkaOptions): Kafka {
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    connectionTimeout: 5_000,
    requestTimeout: 30_000,
    // Reconnect attempts at most 5 s apart, so recovery after an outage is quick.
    retry: { initialRetryTime: 300, maxRetryTime: 5_000, retries: 8 },
    logLevel: logLevel.WARN,
    ...(options.socketFactory ? { socketFactory: options.socketFactory } : {}),
    logCreator: () => (entry: LogEntry) => {
      const { message, ...extra } = entry.log;
      options.log?.(LEVELS[entry.level] ?? 'info', `kafka: ${message}`, { namespace: entry.namespace, ...extra });
    },
  });
}

/**
 * Consumer-group timing for every Vigil consumer. A member that dies without leaving (a
 * crash, `kill -9`) holds its partitions until its session times out, and its replacement
 * cannot join before: 10 s rather than kafkajs's 30 s is how long a restarted service waits.
 * Handlers are short database transactions, far inside it.
 */
export const ConsumerGroupTimeouts = { sessionTimeout: 10_000, heartbeatInterval: 1_000 } as const;

export interface TopicSettings { partitions: number; replicationFactor: number }

/** Creates missing topics. Event topics keep everything: any read model can be rebuilt from offset zero. */
export async function ensureTopics(kafka: Kafka, topics: readonly string[], settings: TopicSettings): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing: ITopicConfig[] = [...new Set(topics)]
      .filter((topic) => !existing.has(topic))
      .map((topic) => ({
        topic,
        numPartitions: settings.partitions,
        replicationFactor: settings.replicationFactor,
        configEntries: [{ name: 'retention.ms', value: '-1' }],
      }));
    if (missing.length > 0) {
      try {
        // Not kafkajs's own wait: it lets an UNKNOWN_TOPIC_OR_PARTITION from a metadata refresh escape
        // as an unhandled rejection, which ends the process (seen with five services starting together).
        await admin.createTopics({ topics: missing, waitForLeaders: false });
      } catch (error) {
        // A replica starting at the same moment created them first.
        if (!/already exists/i.test(String((error as Error).message))) throw error;
      }
    }
    // Whoever created them, a topic is usable once each partition has a leader: until then a
    // producer or a subscription fails with UNKNOWN_TOPIC_OR_PARTITION (services starting
    // together against a new broker).
    await waitForLeaders(admin, [...new Set(topics)]);
  } finally {
    await admin.disconnect();
  }
}

async function waitForLeaders(admin: Admin, topics: string[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const led = await admin.fetchTopicMetadata({ topics }).then(
      ({ topics: found }) => found.length === topics.length && found.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0)),
      () => false,
    );
    // The metadata names a leader a moment before that broker serves the partition; a
    // ListOffsets answered by every leader is the proof that the topic can be used.
    if (led && (await answerListOffsets(admin, topics))) return;
    if (Date.now() > deadline) throw new Error(`Kafka topics without leaders after ${timeoutMs / 1000} s: ${topics.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function answerListOffsets(admin: Admin, topics: string[]): Promise<boolean> {
  try {
    await Promise.all(topics.map((topic) => admin.fetchTopicOffsets(topic)));
    return true;
  } catch (error) {
    if (isRetriable(error)) return false;
    throw error;
  }
}

/** A Kafka error the client may try again (a leader moving or not yet serving, a timeout), as kafkajs marks it. */
export function isRetriable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { retriable?: unknown }).retriable === true;
}

/**
 * `admin.fetchTopicOffsets`, tried again while Kafka answers with a retriable error. kafkajs
 * retries only an unknown topic there and gives up on NOT_LEADER_OR_FOLLOWER, which a
 * partition answers for a moment after it was created or its leader moved.
 */
export async function topicOffsets(admin: Admin, topic: string, timeoutMs = 30_000): Promise<Array<{ partition: number; offset: string; high: string; low: string }>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await admin.fetchTopicOffsets(topic);
    } catch (error) {
      if (!isRetriable(error) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/**
 * Messages on `topics` that consumer group `groupId` has not committed yet. A partition the
 * group never committed counts from its start, which is where a new group begins.
 */
export async function consumerGroupLag(admin: Admin, groupId: string, topics: string[]): Promise<number> {
  let total = 0;
  const committed = await admin.fetchOffsets({ groupId, topics });
  for (const { topic, partitions } of committed) {
    const ends = await topicOffsets(admin, topic);
    for (const p of partitions) {
      const end = ends.find((e) => e.partition === p.partition);
      const at = Number(p.offset) < 0 ? Number(end?.low ?? 0) : Number(p.offset);
      total += Math.max(0, Number(end?.high ?? 0) - at);
    }
  }
  return total;
}

export interface DeadLetter {
  consumer: string;
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  reason: string;
}

/**
 * Parks a message a consumer can never process on its topic's dead-letter topic, as it came,
 * with the reason and where it came from in headers, in the active trace (the consumer span).
 */
export async function sendDeadLetter(producer: Producer, letter: DeadLetter): Promise<void> {
  await producer.send({
    topic: deadLetterTopicOf(letter.topic),
    acks: -1,
    messages: [{
      key: letter.key,
      value: letter.value,
      headers: {
        ...traceHeaders(),
        'dlq-reason': letter.reason.slice(0, 2_000), 'dlq-source-topic': letter.topic, 'dlq-source-partition': String(letter.partition),
        'dlq-source-offset': letter.offset, 'dlq-consumer': letter.consumer,
      },
    }],
  });
}
