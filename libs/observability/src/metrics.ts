import { TraceFlags, context, isSpanContextValid, trace } from '@opentelemetry/api';
import { Histogram, Registry, collectDefaultMetrics, type HistogramConfiguration, type RegistryContentType } from 'prom-client';

/** Plain Prometheus text (0.0.4): what a scrape gets unless it prefers OpenMetrics. */
export const PrometheusText: RegistryContentType = Registry.PROMETHEUS_CONTENT_TYPE;
/** OpenMetrics text (1.0.0): the only format in which prom-client shows exemplars. */
export const OpenMetricsText: RegistryContentType = Registry.OPENMETRICS_CONTENT_TYPE;

/** One Prometheus registry per process, labelled with the service. Render it with `renderMetrics`. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * A histogram whose observations may carry exemplars (`traceExemplar()`), registered in
 * `registry`. prom-client refuses exemplars on a registry made for Prometheus text, the
 * format that cannot show them; this one also renders OpenMetrics when a scraper asks for
 * it (`renderMetrics`), so the histogram is registered past that check (ADR 0019).
 */
export function histogramWithExemplars<T extends string>(registry: Registry, config: Omit<HistogramConfiguration<T>, 'registers' | 'enableExemplars'>): Histogram<T> {
  const histogram = new Histogram<T>({ ...config, enableExemplars: true, registers: [] });
  registry.registerMetric(histogram);
  return histogram;
}

/**
 * The active span as an exemplar's labels (`trace_id`, `span_id`), so a slow bucket leads
 * to a trace (and its log lines); none outside a trace or in one that was not sampled.
 */
export function traceExemplar(): Record<string, string> {
  const ids = trace.getSpan(context.active())?.spanContext();
  if (!ids || !isSpanContextValid(ids) || (ids.traceFlags & TraceFlags.SAMPLED) === 0) return {};
  return { trace_id: ids.traceId, span_id: ids.spanId };
}

const renders = new WeakMap<Registry, Promise<unknown>>();

/**
 * The registry's metrics in `contentType`. prom-client renders in the registry's own
 * format, so OpenMetrics is rendered by switching the registry for the one render and
 * back. Rendering OpenMetrics also strips `_total` from every counter's name for good
 * (prom-client 15.1, prometheus/client_js#829), which would rename the counters in the
 * next plain scrape: the names are put back. Renders of a registry run one at a time, as
 * collecting awaits (database, Kafka) and must not see the other format's state.
 */
export function renderMetrics(registry: Registry, contentType: RegistryContentType): Promise<string> {
  const previous = renders.get(registry) ?? Promise.resolve();
  const render = previous.then(() => renderAs(registry as Registry<RegistryContentType>, contentType));
  renders.set(registry, render.catch(() => undefined));
  return render;
}

async function renderAs(registry: Registry<RegistryContentType>, contentType: RegistryContentType): Promise<string> {
  const own = registry.contentType;
  if (contentType === own) return registry.metrics();
  const names = registry.getMetricsAsArray().map((metric) => [metric, metric.name] as const);
  registry.setContentType(contentType);
  try {
    return await registry.metrics();
  } finally {
    registry.setContentType(own);
    for (const [metric, name] of names) metric.name = name;
  }
}
