import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { DataSource, EntityManager } from 'typeorm';
import { parseEvent, type AnyEvent } from '@vigil/contracts';
import { PoisonMessageError, topicOffsets } from '@vigil/messaging';
import { projectEvent } from '../read-model/read-model.consumer';
import { inSchema, ShadowSchema } from './shadow-schema';

/** Where the log ends, per `topic:partition`: the offset the next message will get. */
export type Watermarks = Map<string, number>;

export async function highWatermarks(kafka: Kafka, topics: string[]): Promise<Watermarks> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const marks: Watermarks = new Map();
    for (const topic of topics) {
      for (const p of await topicOffsets(admin, topic)) {
        // An empty or fully compacted partition has nothing to read: reached from the start.
        marks.set(`${topic}:${p.partition}`, Number(p.high) > Number(p.low) ? Number(p.high) : 0);
      }
    }
    return marks;
  } finally {
    await admin.disconnect();
  }
}

interface Decoded {
  event: AnyEvent;
  topic: string;
  partition: number;
  offset: string;
}

/**
 * Replays the topics from offset zero into the shadow schema with the live projection code, a
 * batch per transaction with a ledger of its own, so an event the log holds twice applies once.
 * It goes on consuming past the point it started at until stopped, so a swap can wait for it to
 * reach the end of the log as it is at that moment. What the live consumer dead-lettered
 * (unreadable, invalid) is skipped here too.
 */
export class ReadModelReplay {
  private consumer?: Consumer;
  private readonly reached = new Map<string, number>();
  private failure?: Error;
  readonly groupId = `reporting-api.rebuild-${randomUUID()}`;
  applied = 0;
  skipped = 0;

  constructor(private readonly kafka: Kafka, private readonly dataSource: DataSource, private readonly topics: string[]) {}

  async start(): Promise<void> {
    this.consumer = this.kafka.consumer({ groupId: this.groupId, sessionTimeout: 30_000, heartbeatInterval: 3_000 });
    await this.consumer.connect();
    for (const topic of this.topics) await this.consumer.subscribe({ topic, fromBeginning: true });
    await this.consumer.run({
      eachBatch: async ({ batch }) => {
        try {
          const decoded = batch.messages.map((m) => this.decode(batch.topic, batch.partition, m)).filter((d): d is Decoded => d !== undefined);
          await this.apply(decoded);
          this.reached.set(`${batch.topic}:${batch.partition}`, Number(batch.lastOffset()) + 1);
        } catch (error) {
          this.failure ??= error as Error;
          throw error;
        }
      },
    });
  }

  /** Whether every partition has been read up to its watermark. Throws what stopped the replay, if anything did. */
  hasReached(marks: Watermarks): boolean {
    if (this.failure) throw this.failure;
    return [...marks].every(([key, high]) => high === 0 || (this.reached.get(key) ?? 0) >= high);
  }

  async waitUntilReached(marks: Watermarks, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.hasReached(marks)) {
      if (Date.now() > deadline) throw new Error(`the replay did not reach the end of the log within ${Math.round(timeoutMs / 1000)} s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Stops consuming (the batch in hand commits first) and forgets the replay's consumer group. */
  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await admin.deleteGroups([this.groupId]).catch(() => undefined);
    } finally {
      await admin.disconnect();
    }
  }

  private decode(topic: string, partition: number, message: KafkaMessage): Decoded | undefined {
    try {
      return { event: parseEvent(JSON.parse(message.value?.toString('utf8') ?? 'null')), topic, partition, offset: message.offset };
    } catch {
      this.skipped += 1;
      return undefined;
    }
  }

  /** One transaction for the batch; when an event in it can never be applied, again one event at a time without it. */
  private async apply(events: Decoded[]): Promise<void> {
    try {
      await this.dataSource.transaction(async (manager) => {
        for (const e of events) await this.applyOne(e, manager);
      });
      this.applied += events.length;
    } catch (error) {
      if (!(error instanceof PoisonMessageError)) throw error;
      for (const e of events) {
        try {
          await this.dataSource.transaction((manager) => this.applyOne(e, manager));
          this.applied += 1;
        } catch (single) {
          if (!(single instanceof PoisonMessageError)) throw single;
          this.skipped += 1;
        }
      }
    }
  }

  private async applyOne({ event, topic, partition, offset }: Decoded, manager: EntityManager): Promise<void> {
    const fresh: unknown[] = await manager.query(
      `insert into ${ShadowSchema}.processed_events (consumer, event_id, topic, partition, "offset") values ('read-model', $1, $2, $3, $4)
       on conflict do nothing returning event_id`,
      [event.id, topic, partition, offset],
    );
    if (fresh.length > 0) await projectEvent(event, inSchema(manager, ShadowSchema));
  }
}
