import type { KafkaMessage, Producer } from 'kafkajs';
import { retryPolicy } from '@vigil/resilience';
import { sendDeadLetter } from './kafka';

/** Thrown for a message that can never be processed: it goes to the dead-letter topic. */
export class PoisonMessageError extends Error {}

export interface PipelineOptions {
  /** The consumer group, named on each dead letter. */
  consumer: string;
  /** Where dead letters are sent (`<topic>.dlq`). */
  deadLetters: Producer;
  /** Errors no retry fixes, besides `PoisonMessageError` (a consumer's own domain errors). */
  isPoison?: (error: unknown) => boolean;
  log?: (level: 'info' | 'warn' | 'error', message: string, extra?: Record<string, unknown>) => void;
  onDeadLetter?: (topic: string, type?: string) => void;
}

/**
 * What every Kafka consumer of Vigil does with a message: read it, apply it with retries and
 * backoff on transient failures, and dead-letter it (with the reason) only when it can never
 * succeed, so consumption goes on. Anything else surfaces to kafkajs after the retries, which
 * delivers the message again: a consumer never catches, logs and moves on.
 */
export class ConsumerPipeline {
  private readonly retry: ReturnType<typeof retryPolicy>;

  constructor(private readonly options: PipelineOptions) {
    this.retry = retryPolicy({ maxAttempts: 5, initialDelayMs: 200, maxDelayMs: 5_000, isTransient: (error) => !this.isPoison(error) });
  }

  /**
   * `read` turns the message's value into what `apply` takes, throwing `PoisonMessageError`
   * when it holds nothing that could be applied; `typeOf` names it in metrics.
   */
  async process<T>(
    { topic, partition, message }: { topic: string; partition: number; message: KafkaMessage },
    read: (value: Buffer | null) => T,
    apply: (item: T) => Promise<void>,
    typeOf: (item: T) => string | undefined = () => undefined,
  ): Promise<void> {
    let item: T;
    try {
      item = read(message.value);
    } catch (error) {
      if (!(error instanceof PoisonMessageError)) throw error;
      await this.deadLetter(topic, partition, message, error.message);
      return;
    }
    try {
      await this.retry.execute(() => apply(item));
    } catch (error) {
      if (this.isPoison(error)) {
        await this.deadLetter(topic, partition, message, (error as Error).message, typeOf(item));
        return;
      }
      this.options.log?.('error', 'message processing failed after retries; kafka will re-deliver', {
        consumer: this.options.consumer, topic, partition, offset: message.offset, error: (error as Error).message,
      });
      throw error;
    }
  }

  private isPoison(error: unknown): boolean {
    return error instanceof PoisonMessageError || (this.options.isPoison?.(error) ?? false);
  }

  private async deadLetter(topic: string, partition: number, message: KafkaMessage, reason: string, type?: string): Promise<void> {
    const { consumer } = this.options;
    this.options.log?.('warn', 'message dead-lettered', { consumer, topic, partition, offset: message.offset, reason });
    await sendDeadLetter(this.options.deadLetters, { consumer, topic, partition, offset: message.offset, key: message.key, value: message.value, reason });
    this.options.onDeadLetter?.(topic, type);
  }
}
