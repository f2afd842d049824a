/** One message as the outbox relay sends it: a `tenant/service` key, the envelope as text, string headers. */
export interface BenchMessage {
  key: string;
  value: string;
  headers: Record<string, string>;
}

export interface ConsumeResult {
  /** Subscribe (group join included) to the first message. */
  firstMessageMs: number;
  /** First message to the last expected one. */
  streamMs: number;
  messages: number;
}

/**
 * The two paths Vigil takes through a Kafka client: the relay's produce (batches sent one
 * after another by an idempotent producer with `acks=-1`) and a consumer group reading a
 * topic from its start, one message at a time, parsing each envelope.
 */
export interface KafkaClientUnderTest {
  readonly name: string;
  /** Sends the batches one after another; answers each batch's send-to-acknowledged time. */
  produce(topic: string, batches: BenchMessage[][]): Promise<number[]>;
  consume(topic: string, groupId: string, expected: number, timeoutMs: number): Promise<ConsumeResult>;
  close(): Promise<void>;
}

/** Resolves when `count()` reaches `expected`, rejects after `timeoutMs`. */
export function whenCounted(count: () => number, expected: number, timeoutMs: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      if (count() >= expected) {
        clearInterval(timer);
        resolve();
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(timer);
        reject(new Error(`${what}: ${count()} of ${expected} messages within ${timeoutMs / 1000} s`));
      }
    }, 5);
  });
}
