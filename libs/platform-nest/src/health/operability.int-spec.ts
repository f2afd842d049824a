import { randomUUID } from 'node:crypto';
import { BadRequestException, Controller, Get, Module, Param } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import { issueToken, type Scope } from '@vigil/auth';
import { Topics } from '@vigil/contracts';
import { PolicyRegistry } from '@vigil/resilience';
import { startTestApp } from '../testing';
import { testEnv, uniqueTenant } from '@vigil/testing';
import { PlatformModule } from '../platform.module';

const env = testEnv();
const schema = `ops_${randomUUID().slice(0, 8)}`;

@Controller('api/v1/things')
class ThingsController {
  @Get(':id')
  get(@Param('id') id: string) {
    if (id === 'bad') throw new BadRequestException('id: must not be bad');
    return { id };
  }
}

@Module({ imports: [PlatformModule.forService({ service: 'escalation', schema, topics: [Topics.escalationEvents] })], controllers: [ThingsController] })
class OperabilityTestModule {}

/** Sample value of one series of the Prometheus text, by its labels. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** A response's media type and its parameters, in any order (Express reorders them). */
function mediaType(response: Response): string[] {
  const [type, ...params] = (response.headers.get('content-type') ?? '').split(';').map((p) => p.trim());
  return [type, ...params.sort()];
}

describe('metrics, readiness and breaker reset of a platform service, against real Kafka and PostgreSQL', () => {
  let app: NestExpressApplication;
  let url: string;
  const tenant = uniqueTenant('ops');
  const scrape = async () => (await fetch(`${url}/metrics`)).text();
  const token = (scopes: Scope[]) => issueToken({ tenantId: tenant, scopes, home: env.VIGIL_HOME });

  beforeAll(async () => {
    ({ app, url } = await startTestApp(OperabilityTestModule));
  });

  afterAll(async () => {
    const dataSource = app.get(DataSource);
    await dataSource.query(`drop schema ${schema} cascade`);
    await app.close();
  });

  it('counts requests by method, route template and status, leaving probes and scrapes out', async () => {
    expect((await fetch(`${url}/api/v1/things/42`)).status).toBe(200);
    expect((await fetch(`${url}/api/v1/things/43`)).status).toBe(200);
    expect((await fetch(`${url}/api/v1/things/bad`)).status).toBe(400);
    expect((await fetch(`${url}/no/such/route`)).status).toBe(404);
    await fetch(`${url}/health/readiness`);

    const text = await scrape();
    expect(sample(text, 'vigil_http_request_duration_seconds_count', { method: 'GET', route: '/api/v1/things/:id', status: '200' })).toBe(2);
    expect(sample(text, 'vigil_http_request_duration_seconds_count', { route: '/api/v1/things/:id', status: '400' })).toBe(1);
    expect(sample(text, 'vigil_http_request_duration_seconds_count', { route: 'unmatched', status: '404' })).toBe(1);
    expect(sample(text, 'vigil_http_request_duration_seconds_bucket', { route: '/api/v1/things/:id', status: '200', le: '+Inf' })).toBe(2);
    expect(text).not.toMatch(/route="[^"]*(42|health|metrics)/);
    expect(text).toContain('service="escalation"');
  });

  it('exports the platform series: readiness components, outbox backlog and lag, consumer lag, events, timers, breakers', async () => {
    const text = await scrape();
    expect(sample(text, 'vigil_health_component_up', { component: 'database' })).toBe(1);
    expect(sample(text, 'vigil_health_component_up', { component: 'kafka' })).toBe(1);
    expect(text).toMatch(/^vigil_ready\{service="escalation"\} 1$/m);
    expect(text).toMatch(/^vigil_outbox_backlog\{service="escalation"\} 0$/m);
    expect(text).toMatch(/^vigil_outbox_lag_seconds\{service="escalation"\} 0$/m);
    expect(text).toMatch(/^vigil_timers_overdue\{service="escalation"\} 0$/m);

    // A timer loop that stopped: due timers pile up unfired.
    await app.get(DataSource).query(`create table ${schema}.timers (due_at timestamptz, retry_at timestamptz, fired_at timestamptz, cancelled_at timestamptz)`);
    await app.get(DataSource).query(`insert into ${schema}.timers values (now() - interval '5 minutes', null, null, null), (now() - interval '2 minutes', null, now(), null), (now(), null, null, null)`);
    expect(await scrape()).toMatch(/^vigil_timers_overdue\{service="escalation"\} 1$/m);
    for (const name of ['vigil_events_consumed_total', 'vigil_events_produced_total', 'vigil_timer_lateness_seconds', 'vigil_consumer_lag', 'vigil_circuit_breaker_open', 'process_cpu_seconds_total']) {
      expect(text).toContain(`# TYPE ${name} `);
    }
  });

  // The exemplars in it need a request's server span, made by the http instrumentation of a
  // real process (main.ts loads it first): apps/vigil-e2e/src/one-trace.e2e-spec.ts shows them.
  it('answers OpenMetrics to a scraper that prefers it, as Prometheus asks by default, and Prometheus text as before to others', async () => {
    expect((await fetch(`${url}/api/v1/things/44`)).status).toBe(200);
    const prometheus2 = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
    const prometheus3 = 'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1';
    for (const accept of [prometheus2, prometheus3, 'application/openmetrics-text']) {
      const open = await fetch(`${url}/metrics`, { headers: { accept } });
      expect(mediaType(open)).toEqual(['application/openmetrics-text', 'charset=utf-8', 'version=1.0.0']);
      expect(open.headers.get('vary')).toBe('Accept');
      const text = await open.text();
      expect(text).toContain('# TYPE vigil_events_consumed counter\n');
      expect(text).toContain('# TYPE vigil_http_request_duration_seconds histogram\n');
      expect(text.endsWith('# EOF\n')).toBe(true);
    }

    // Also after an OpenMetrics scrape, whatever a scraper that does not ask for it sends.
    for (const accept of [undefined, '*/*', 'text/plain;version=0.0.4', 'application/json']) {
      const plain = await fetch(`${url}/metrics`, { headers: accept ? { accept } : {} });
      expect(mediaType(plain)).toEqual(['text/plain', 'charset=utf-8', 'version=0.0.4']);
      const text = await plain.text();
      expect(text).toContain('# TYPE vigil_events_consumed_total counter\n');
      expect(sample(text, 'vigil_http_request_duration_seconds_count', { route: '/api/v1/things/:id', status: '200' })).toBeGreaterThan(0);
      expect(text).not.toContain('# EOF');
    }
  });

  it('fails readiness on an open critical breaker, shows it in metrics, and lets only an admin reset it', async () => {
    const policies = app.get(PolicyRegistry);
    const breaker = policies.breaker('test-dependency', { critical: true, threshold: 2 });
    for (let i = 0; i < 2; i++) await breaker.execute(() => Promise.reject(new Error('down'))).catch(() => undefined);

    expect((await fetch(`${url}/health/readiness`)).status).toBe(503);
    const open = await scrape();
    expect(sample(open, 'vigil_circuit_breaker_open', { breaker: 'test-dependency' })).toBe(1);
    expect(sample(open, 'vigil_health_component_up', { component: 'breakers' })).toBe(0);
    expect(open).toMatch(/^vigil_ready\{service="escalation"\} 0$/m);
    const reliability = (await (await fetch(`${url}/reliability`)).json()) as { breakers: Array<{ name: string; state: string }> };
    expect(reliability.breakers).toContainEqual(expect.objectContaining({ name: 'test-dependency', state: 'open' }));

    const reset = (authorization?: string, name = 'test-dependency') =>
      fetch(`${url}/reliability/circuit-breakers/${name}/reset`, { method: 'POST', headers: authorization ? { authorization } : {} });
    expect((await reset()).status).toBe(401);
    expect((await reset(`Bearer ${await token(['reports:read', 'escalations:write'])}`)).status).toBe(403);
    expect((await fetch(`${url}/health/readiness`)).status).toBe(503);
    expect((await reset(`Bearer ${await token(['admin'])}`, 'no-such-breaker')).status).toBe(404);
    const done = await reset(`Bearer ${await token(['admin'])}`);
    expect(done.status).toBe(200);
    expect(await done.json()).toEqual({ name: 'test-dependency', state: 'closed' });
    expect((await fetch(`${url}/health/readiness`)).status).toBe(200);
    expect(sample(await scrape(), 'vigil_circuit_breaker_open', { breaker: 'test-dependency' })).toBe(0);
  });
});
