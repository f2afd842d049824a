import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { createMetricsRegistry, histogramWithExemplars } from '@vigil/observability';
import { PLATFORM_OPTIONS, type PlatformOptions } from '../platform.options';

/** The metrics every service exports (DESIGN.md, Observability); apps add their own to `registry`. */
@Injectable()
export class VigilMetrics {
  readonly registry: Registry;
  readonly eventsConsumed: Counter<'topic' | 'type' | 'outcome'>;
  readonly eventsProduced: Counter;
  readonly timerLateness: Histogram;
  readonly httpRequests: Histogram<'method' | 'route' | 'status'>;
  readonly breakerState: Gauge<'breaker'>;
  /** Set on each scrape from the readiness checks, so an alert can name the component. */
  readonly componentUp: Gauge<'component'>;
  readonly ready: Gauge;
  readonly timersOverdue: Gauge;
  readonly retentionDeleted: Counter<'table'>;

  constructor(@Inject(PLATFORM_OPTIONS) options: PlatformOptions) {
    this.registry = createMetricsRegistry(options.service);
    const registers = [this.registry];
    this.eventsConsumed = new Counter({ name: 'vigil_events_consumed_total', help: 'Events consumed, by outcome', labelNames: ['topic', 'type', 'outcome'], registers });
    this.eventsProduced = new Counter({ name: 'vigil_events_produced_total', help: 'Events published from the outbox', registers });
    this.timerLateness = new Histogram({ name: 'vigil_timer_lateness_seconds', help: 'How late durable timers fired', buckets: [0.1, 0.5, 1, 5, 15, 60, 300], registers });
    // With the request's trace id as an exemplar, shown to scrapers that ask for OpenMetrics (ADR 0019).
    this.httpRequests = histogramWithExemplars(this.registry, { name: 'vigil_http_request_duration_seconds', help: 'HTTP requests by method, route template and status (probes and scrapes left out)', labelNames: ['method', 'route', 'status'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2, 5] });
    this.breakerState = new Gauge({ name: 'vigil_circuit_breaker_open', help: '1 while a breaker is open', labelNames: ['breaker'], registers });
    this.componentUp = new Gauge({ name: 'vigil_health_component_up', help: '1 while a readiness component (database, kafka, breakers) is up', labelNames: ['component'], registers });
    this.timersOverdue = new Gauge({ name: 'vigil_timers_overdue', help: 'Durable timers due more than a minute ago and not fired: a stopped or starved timer loop', registers });
    this.retentionDeleted = new Counter({ name: 'vigil_retention_deleted_rows_total', help: 'Rows the retention job deleted, by schema-qualified table', labelNames: ['table'], registers });
    this.ready = new Gauge({ name: 'vigil_ready', help: '1 while the service is ready (what /health/readiness answers)', registers });
  }
}
