import { performance } from 'node:perf_hooks';
import { Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { whenCounted, type BenchMessage, type ConsumeResult, type KafkaClientUnderTest } from './kafka-client';

/** @platformatic/kafka with the same guarantees as the relay's producer: idempotent, `acks=-1`, one request in flight. */
export class PlatformaticClient implements KafkaClientUnderTest {
  readonly name = '@platformatic/kafka';
  private readonly producer: Producer<string, string, string, string>;

  constructor(private readonly brokers: string[]) {
    this.producer = new Producer({
      clientId: 'vigil-bench-platformatic',
      bootstrapBrokers: brokers,
      idempotent: true,
      acks: -1,
      autocreateTopics: false,
      serializers: stringSerializers,
    });
  }

  async produce(topic: string, batches: BenchMessage[][]): Promise<number[]> {
    const latencies: number[] = [];
    for (const batch of batches) {
      const started = performance.now();
      await this.producer.send({ messages: batch.map((m) => ({ topic, key: m.key, value: m.value, headers: m.headers })) });
      latencies.push(performance.now() - started);
    }
    return latencies;
  }

  async consume(topic: string, groupId: string, expected: number, timeoutMs: number): Promise<ConsumeResult> {
    const consumer = new Consumer({
      clientId: 'vigil-bench-platformatic',
      bootstrapBrokers: this.brokers,
      groupId,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
      deserializers: stringDeserializers,
    });
    let count = 0;
    let firstAt = 0;
    let lastAt = 0;
    const started = performance.now();
    try {
      const stream = await consumer.consume({ topics: [topic], mode: 'committed', fallbackMode: 'earliest', autocommit: true });
      try {
        stream.on('data', (message: { value: string }) => {
          JSON.parse(message.value);
          if (count === 0) firstAt = performance.now();
          count += 1;
          lastAt = performance.now();
        });
        await whenCounted(() => count, expected, timeoutMs, '@platformatic/kafka consume');
      } finally {
        await stream.close();
      }
    } finally {
      await consumer.close(true);
    }
    return { firstMessageMs: firstAt - started, streamMs: lastAt - firstAt, messages: count };
  }

  async close(): Promise<void> {
    await this.producer.close();
  }
}
