import { randomBytes } from 'node:crypto';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import type { NodeSDK } from '@opentelemetry/sdk-node';
import { startTracing, stopTracing } from '@vigil/observability/tracing';
import { eventually, testEnv, uniqueTenant } from '@vigil/testing';
import { AppModule } from '../app.module';
import { triggered, useNotifier } from '../testing/notifier-test-kit';

testEnv();

/**
 * One alarm, one trace (ADR 0016): the consumer hands a delivery to the worker pool through
 * a durable timer, and the timer carries the escalation event's trace, so the outbound
 * call is a client span of that trace and the receiver is told it in `traceparent`.
 */
describe('notifier delivering in the trace of the escalation event, against real Kafka and PostgreSQL', () => {
  const spans = new InMemorySpanExporter();
  let sdk: NodeSDK;
  // Before the app boots (hooks run in order), so its outbound calls are instrumented.
  beforeAll(() => {
    sdk = startTracing({ service: 'notifier-trace-test', spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] });
  });
  const harness = useNotifier(AppModule);
  afterAll(() => stopTracing(sdk));

  it('makes the webhook call as a client span of the event\'s trace, under the delivery timer\'s span, and sends that trace on', async () => {
    const tenant = uniqueTenant();
    const hook = await harness.kit.receiver();
    await harness.kit.applyChannel(harness.base, tenant, 'ops-webhook', { type: 'webhook', url: hook.url });
    const traceId = randomBytes(16).toString('hex');
    await harness.kit.produceWithHeaders({ traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` }, triggered(tenant, ['ops-webhook']));

    const [request] = await eventually('the page to reach the webhook', async () => hook.requests.length > 0 && hook.requests);
    const [, receivedTraceId, callerSpanId] = String(request.headers.traceparent).split('-');
    expect(receivedTraceId).toBe(traceId);
    const inTrace = () => spans.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    const call = await eventually('the client span of the call', async () => inTrace().find((s) => s.spanContext().spanId === callerSpanId));
    expect(call.kind).toBe(SpanKind.CLIENT);
    expect(call.name).toMatch(/^POST/);
    // The delivery's span ends after the call's, once the outcome is written.
    const parent = await eventually('the span the call was made in', async () => inTrace().find((s) => s.spanContext().spanId === call.parentSpanContext?.spanId));
    expect(parent.name).toBe('timer delivery');
  });
});
