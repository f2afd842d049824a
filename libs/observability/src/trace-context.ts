import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, propagation, trace, type Attributes, type TextMapGetter } from '@opentelemetry/api';

/** Kafka headers as kafkajs hands them over (values may be buffers or repeated). */
export type MessageHeaders = Record<string, Buffer | string | Array<Buffer | string> | undefined>;

const headerGetter: TextMapGetter<MessageHeaders> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    const first = Array.isArray(value) ? value[0] : value;
    return first === undefined ? undefined : first.toString();
  },
};

const tracer = () => trace.getTracer('vigil');

/**
 * The active trace as W3C headers (`traceparent`, `tracestate`), to store with an event in
 * the outbox or with a timer: the relay and the timer loop run outside the request that
 * caused them, so the context has to travel with the data.
 */
export function traceHeaders(): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

/** The trace id of the active span, if any (for log lines and answers). */
export function currentTraceId(): string | undefined {
  const span = trace.getSpan(context.active());
  return span?.spanContext().traceId;
}

/**
 * Runs the handling of one message in a consumer span whose parent is the trace the
 * message carries, so everything done for it — database, the events it publishes, the
 * outbound calls — joins the trace of the request that caused it. Call it per message,
 * also inside a batch.
 */
export async function inMessageTrace<T>(name: string, headers: MessageHeaders | undefined, attributes: Attributes, work: () => Promise<T>): Promise<T> {
  const parent = propagation.extract(ROOT_CONTEXT, headers ?? {}, headerGetter);
  return tracer().startActiveSpan(name, { kind: SpanKind.CONSUMER, attributes }, parent, async (span) => {
    try {
      return await work();
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Sends the spans still buffered (before the process exits). */
export async function flushTraces(): Promise<void> {
  const provider = trace.getTracerProvider() as { getDelegate?: () => unknown };
  const delegate = (provider.getDelegate?.() ?? provider) as { forceFlush?: () => Promise<void> };
  await delegate.forceFlush?.();
}
