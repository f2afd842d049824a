import type { LoadRequest } from '../shared/http-load';

/** One alarm raise, neutral of format: what a monitor knows when something fires. */
export interface BenchAlert {
  /** The source's stable key; distinct for every alert of a set. */
  alarmId: string;
  serviceId: string;
  severity: 'critical' | 'major' | 'minor' | 'warning';
  summary: string;
  source: string;
  /** Prometheus-style labels (valid label names); their set is distinct per alert. */
  labels: Record<string, string>;
  /** ISO 8601, when it started firing at the source. */
  startsAt: string;
}

const SERVICES = 48;
const SEVERITIES: readonly BenchAlert['severity'][] = ['critical', 'major', 'major', 'minor', 'warning', 'warning'];
const ALERTNAMES = ['HighErrorRate', 'HighLatency', 'InstanceDown', 'DiskFillingUp', 'CertificateExpiring', 'QueueBacklog'];
const TEAMS = ['payments', 'search', 'platform', 'identity'];

/**
 * `count` distinct alarm raises spread over 48 services (so Kafka keys spread over the
 * partitions) and the usual severities, started one millisecond apart before `startedBy`.
 * Deterministic: the same arguments give the same alerts, so every target gets exactly
 * the same ones.
 */
export function generateAlerts(count: number, startedBy: Date): BenchAlert[] {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`alert count must be a whole number ≥ 0, got ${count}`);
  const last = startedBy.getTime();
  return Array.from({ length: count }, (_, i) => {
    const n = String(i + 1).padStart(6, '0');
    const service = `svc-${String((i % SERVICES) + 1).padStart(2, '0')}`;
    const alertname = ALERTNAMES[i % ALERTNAMES.length];
    const severity = SEVERITIES[i % SEVERITIES.length];
    return {
      alarmId: `bench-${n}`,
      serviceId: service,
      severity,
      summary: `${alertname} on ${service} host-${n}`,
      source: 'vigil-bench',
      labels: { alertname, instance: `host-${n}:9100`, job: service, team: TEAMS[i % TEAMS.length], region: i % 2 ? 'eu-west-1' : 'eu-central-1' },
      startsAt: new Date(last - (count - i)).toISOString(),
    };
  });
}

/** `items` cut into consecutive chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`chunk size must be a whole number ≥ 1, got ${size}`);
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/** Serialised request bodies, built before the clock starts so the client's JSON work is not timed. */
export function toRequests<T>(alerts: readonly BenchAlert[], batchSize: number, body: (batch: BenchAlert[]) => T): LoadRequest[] {
  return chunk(alerts, batchSize).map((batch) => ({ body: Buffer.from(JSON.stringify(body(batch))), events: batch.length }));
}
