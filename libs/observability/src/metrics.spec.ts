import { ROOT_CONTEXT, TraceFlags, context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import type { NodeSDK } from '@opentelemetry/sdk-node';
import { Counter, Registry } from 'prom-client';
import { OpenMetricsText, PrometheusText, histogramWithExemplars, renderMetrics, traceExemplar } from './metrics';
import { startTracing, stopTracing } from './tracing';

/** A registry as the services make it, minus the default process metrics. */
function registryWithTraffic() {
  const registry = new Registry();
  registry.setDefaultLabels({ service: 'metrics-test' });
  const requests = histogramWithExemplars(registry, { name: 'test_request_seconds', help: 'requests', labelNames: ['route'], buckets: [0.1, 1] });
  const events = new Counter({ name: 'test_events_total', help: 'events', registers: [registry] });
  return { registry, requests, events };
}

describe('metrics', () => {
  let sdk: NodeSDK;
  beforeAll(() => {
    sdk = startTracing({ service: 'metrics-test', spanProcessors: [new SimpleSpanProcessor({ exporter: new InMemorySpanExporter() })] });
  });
  afterAll(() => stopTracing(sdk));

  it('show the trace id of an observation as its exemplar in OpenMetrics, and no exemplar in Prometheus text', async () => {
    const { registry, requests } = registryWithTraffic();
    const traceId = trace.getTracer('test').startActiveSpan('request', (span) => {
      requests.startTimer({ route: '/things' }, traceExemplar())();
      span.end();
      return span.spanContext().traceId;
    });

    const open = await renderMetrics(registry, OpenMetricsText);
    expect(open).toMatch(new RegExp(`^test_request_seconds_bucket\\{le="0.1",service="metrics-test",route="/things"\\} 1 # \\{trace_id="${traceId}",span_id="[0-9a-f]{16}"\\} [0-9.e-]+ [0-9.]+$`, 'm'));
    expect(open.endsWith('# EOF\n')).toBe(true);

    const plain = await renderMetrics(registry, PrometheusText);
    expect(plain).toContain('test_request_seconds_bucket{le="0.1",service="metrics-test",route="/things"} 1\n');
    expect(plain).not.toContain(traceId);
    expect(plain).not.toContain('# EOF');
  });

  it('keep counters named with _total in Prometheus text after an OpenMetrics render', async () => {
    const { registry, events } = registryWithTraffic();
    events.inc(3);
    await renderMetrics(registry, OpenMetricsText);
    expect(await renderMetrics(registry, PrometheusText)).toContain('# TYPE test_events_total counter\ntest_events_total{service="metrics-test"} 3\n');
    // And the registry's own rendering is still Prometheus text.
    expect(await registry.metrics()).toContain('test_events_total{service="metrics-test"} 3\n');
  });

  it('render in the format asked for when scrapes of both formats overlap', async () => {
    const { registry, events } = registryWithTraffic();
    events.inc();
    const [open, plain] = await Promise.all([renderMetrics(registry, OpenMetricsText), renderMetrics(registry, PrometheusText)]);
    expect(open).toContain('# TYPE test_events counter\n');
    expect(open.endsWith('# EOF\n')).toBe(true);
    expect(plain).toContain('# TYPE test_events_total counter\n');
    expect(plain).not.toContain('# EOF');
  });

  it('have no exemplar outside a trace or in a trace that was not sampled', () => {
    expect(traceExemplar()).toEqual({});
    const unsampled = trace.setSpanContext(ROOT_CONTEXT, { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: TraceFlags.NONE });
    expect(context.with(unsampled, traceExemplar)).toEqual({});
    const sampled = trace.setSpanContext(ROOT_CONTEXT, { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: TraceFlags.SAMPLED });
    expect(context.with(sampled, traceExemplar)).toEqual({ trace_id: 'a'.repeat(32), span_id: 'b'.repeat(16) });
  });
});
