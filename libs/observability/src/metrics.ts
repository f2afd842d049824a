import { Registry, collectDefaultMetrics } from 'prom-client';

/** One Prometheus registry per process, labelled with the service. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}
