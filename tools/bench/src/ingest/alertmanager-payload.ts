import type { LoadRequest } from '../shared/http-load';
import { toRequests, type BenchAlert } from './bench-alerts';

/**
 * One alert as Alertmanager's API v2 takes it (`POST /api/v2/alerts`, `postableAlert`
 * in its OpenAPI spec): the body is always a JSON array of these.
 */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
}

export interface AlertmanagerPayloadOptions {
  /**
   * Until when the alert counts as firing. Prometheus sends a time in the future and
   * re-sends before it passes; an `endsAt` in the past would post a resolved alert.
   */
  endsAt: Date;
  /** Added to every alert's labels, e.g. to keep one run's cases apart. */
  extraLabels?: Record<string, string>;
}

/** Label names Alertmanager accepts (the Prometheus data model). */
export const LabelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * The alert as Prometheus would post it: identity and routing in labels (service and
 * severity among them, which is how Vigil's Alertmanager integration maps them), the
 * human text in annotations.
 */
export function toPostableAlert(alert: BenchAlert, options: AlertmanagerPayloadOptions): PostableAlert {
  const labels: Record<string, string> = { ...alert.labels, service: alert.serviceId, severity: alert.severity, ...options.extraLabels };
  for (const name of Object.keys(labels)) {
    if (!LabelName.test(name)) throw new Error(`"${name}" is not a valid Prometheus label name`);
  }
  if (options.endsAt.getTime() <= Date.parse(alert.startsAt)) throw new Error(`endsAt ${options.endsAt.toISOString()} is not after startsAt ${alert.startsAt}`);
  const expr = `ALERTS{alertname="${alert.labels.alertname ?? 'unknown'}"}`;
  return {
    labels,
    annotations: { summary: alert.summary, source: alert.source, alarm_id: alert.alarmId },
    startsAt: alert.startsAt,
    endsAt: options.endsAt.toISOString(),
    generatorURL: `http://prometheus.bench.invalid/graph?g0.expr=${encodeURIComponent(expr)}`,
  };
}

/** Bodies for `POST /api/v2/alerts`: arrays of at most `batchSize` alerts (one alert is an array of one). */
export function alertmanagerRequests(alerts: readonly BenchAlert[], batchSize: number, options: AlertmanagerPayloadOptions): LoadRequest[] {
  return toRequests(alerts, batchSize, (batch) => batch.map((alert) => toPostableAlert(alert, options)));
}
