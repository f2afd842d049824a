import { performance } from 'node:perf_hooks';
import type { Consumer, Kafka } from 'kafkajs';
import { createKafka } from '@vigil/messaging';
import { progress } from '../shared/progress';
import { whenCounted, type BenchMessage, type ConsumeResult, type KafkaClientUnderTest } from './kafka-client';

/** kafkajs configured as Vigil's services configure it (`createKafka`, the relay's producer settings). */
export class KafkajsClient implements KafkaClientUnderTest {
  readonly name = 'kafkajs';
  private readonly kafka: Kafka;
  private readonly producer;

  constructor(brokers: string[]) {
    this.kafka = createKafka({ brokers, clientId: 'vigil-bench-kafkajs', log: (level, message) => level === 'error' && progress(message) });
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  }

  async produce(topic: string, batches: BenchMessage[][]): Promise<number[]> {
    await this.producer.connect();
    const latencies: number[] = [];
    for (const messages of batches) {
      const started = performance.now();
      await this.producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages }] });
      latencies.push(performance.now() - started);
    }
    return latencies;
  }

  async consume(topic: string, groupId: string, expected: number, timeoutMs: number): Promise<ConsumeResult> {
    const consumer: Consumer = this.kafka.consumer({ groupId, sessionTimeout: 30_000, heartbeatInterval: 3_000 });
    let count = 0;
    let firstAt = 0;
    let lastAt = 0;
    const started = performance.now();
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          JSON.parse(message.value!.toString('utf8'));
          if (count === 0) firstAt = performance.now();
          count += 1;
          lastAt = performance.now();
        },
      });
      await whenCounted(() => count, expected, timeoutMs, 'kafkajs consume');
    } finally {
      await consumer.disconnect();
    }
    return { firstMessageMs: firstAt - started, streamMs: lastAt - firstAt, messages: count };
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
  }
}
