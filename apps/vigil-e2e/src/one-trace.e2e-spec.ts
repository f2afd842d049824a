import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Topics, type ServiceName } from '@vigil/contracts';
import { EventCollector } from '@vigil/messaging/testing';
import { eventually, testEnv, uniqueTenant } from '@vigil/testing';
import { ServiceProcesses, repoRoot } from './service-processes';

const run = promisify(execFile);
const env = testEnv();

/** OTLP's SpanKind: 3 is CLIENT (an outbound call). */
const SPAN_KIND_CLIENT = 3;

interface ReceivedSpan { service: string; traceId: string; spanId: string; parentSpanId: string; name: string; kind: number }

/** An OTLP/HTTP receiver (JSON encoding) on a free port, keeping every span it is sent. */
async function startOtlpReceiver(): Promise<{ server: Server; url: string; spans: ReceivedSpan[] }> {
  const spans: ReceivedSpan[] = [];
  type OtlpJson = { resourceSpans?: Array<{ resource?: { attributes?: Array<{ key: string; value: { stringValue?: string } }> }; scopeSpans?: Array<{ spans?: Array<Omit<ReceivedSpan, 'service'>> }> }> };
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const body = JSON.parse(raw) as OtlpJson;
        for (const rs of body.resourceSpans ?? []) {
          const service = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '?';
          for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) spans.push({ service, traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId, name: s.name, kind: s.kind });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans };
}

describe('one alarm, one trace across the services', () => {
  const tenant = uniqueTenant('trace');
  const webhookCalls: IncomingHttpHeaders[] = [];
  /** The alarm's trace, sent by the monitor with the alarm. */
  const traceId = randomBytes(16).toString('hex');
  let otlp: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let webhook: Server;
  let services: ServiceProcesses;
  let collector: EventCollector;

  beforeAll(async () => {
    otlp = await startOtlpReceiver();
    webhook = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        webhookCalls.push(req.headers);
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
    services = new ServiceProcesses({
      KAFKA_BROKERS: env.KAFKA_BROKERS, DATABASE_URL: env.DATABASE_URL, VIGIL_HOME: env.VIGIL_HOME,
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '200',
    }, 14300);
    collector = await EventCollector.start(env.KAFKA_BROKERS, [Topics.alarmEvents]);
    await services.startAll();
  });

  afterAll(async () => {
    await services.stopAll();
    await collector.stop();
    await new Promise((resolve) => webhook.close(resolve));
    await new Promise((resolve) => otlp.server.close(resolve));
  });

  it('continues the sender\'s trace through ingestion, Kafka, the consumers of all five services and the notifier\'s outbound call', async () => {
    const configFile = join(repoRoot, 'tmp', `${tenant}.yaml`);
    const webhookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hook`;
    writeFileSync(configFile, [
      'apiVersion: vigil/v1', 'kind: Tenant', `metadata: { name: ${tenant} }`, 'spec: { displayName: Trace, timezone: Europe/Berlin }',
      '---', 'apiVersion: vigil/v1', 'kind: NotificationChannel', `metadata: { name: hook, tenant: ${tenant} }`, `spec: { type: webhook, url: "${webhookUrl}", secret: s }`,
      '---', 'apiVersion: vigil/v1', 'kind: EscalationPolicy', `metadata: { name: page-on-raise, tenant: ${tenant} }`,
      'spec: { on: [alarm-raised], match: { severities: [critical] }, levels: [ { after: 0s, notify: [hook] } ] }', '',
    ].join('\n'));
    const cli = (...args: string[]) => run(process.execPath, [join(repoRoot, 'tools/cli/bin/vigil.js'), ...args], { cwd: repoRoot, env: { ...process.env, ...services.cliEnv(), VIGIL_HOME: env.VIGIL_HOME } });
    await cli('apply', '-f', configFile);
    const token = (await cli('token', 'issue', '--tenant', tenant, '--scopes', 'alarms:write')).stdout.trim();

    // The monitor sends its own trace context, as an instrumented sender would.
    const response = await fetch(`${services.urlOf('alarm-ingestion')}/api/v1/alarms`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
      body: JSON.stringify({ alarmId: 'db-down', serviceId: 'checkout-api', severity: 'critical', status: 'raised', summary: 'down', occurredAt: new Date().toISOString() }),
    });
    expect(response.status).toBe(202);

    const message = await eventually('the raise on Kafka', async () => collector.messages.find((m) => (m.value as { tenantId?: string }).tenantId === tenant));
    expect(message.headers.traceparent?.split('-')[1]).toBe(traceId);

    const inTrace = (service: string) => otlp.spans.filter((s) => s.traceId === traceId && s.service === service);
    await eventually('spans of the trace from ingestion and each consumer of alarm events', async () =>
      ['alarm-ingestion', 'sla-calculator', 'escalation', 'reporting-api'].every((s) => inTrace(s).some((span) => s === 'alarm-ingestion' || span.name === `${Topics.alarmEvents} process`)), 60_000);
    // Ingestion's part: the HTTP request and the database work under it.
    expect(inTrace('alarm-ingestion').map((s) => s.name)).toEqual(expect.arrayContaining([expect.stringMatching(/^POST/), expect.stringMatching(/^(pg\.|insert|select|BEGIN|COMMIT)/i)]));

    // The escalation reaches the notifier's consumer in the same trace, and so does the outbound
    // call, although a delivery worker makes it from a durable timer: the receiver is told the trace.
    await eventually('the page to reach the webhook', async () => webhookCalls.length > 0, 60_000);
    await eventually('the notifier\'s consumer span in the trace', async () => inTrace('notifier').some((s) => s.name === `${Topics.escalationEvents} process`), 30_000);
    const [, receivedTraceId, callerSpanId] = String(webhookCalls[0].traceparent).split('-');
    expect(receivedTraceId).toBe(traceId);
    // The notifier's CLIENT span for that POST is in the trace, under the delivery timer's span.
    const call = await eventually('the notifier\'s outbound call span in the trace', async () =>
      inTrace('notifier').find((s) => s.kind === SPAN_KIND_CLIENT && s.spanId === callerSpanId), 30_000);
    expect(call.name).toMatch(/^POST/);
    // The delivery's span ends (and is exported) after the call's, once the outcome is written.
    const parent = await eventually('the span the call was made in', async () => inTrace('notifier').find((s) => s.spanId === call.parentSpanId), 30_000);
    expect(parent.name).toBe('timer delivery');
  });

  it('links the alarm request\'s and its delivery\'s latency to that trace by exemplars in OpenMetrics scrapes, not in Prometheus text', async () => {
    const scrape = async (service: ServiceName, accept?: string) => (await fetch(`${services.urlOf(service)}/metrics`, { headers: accept ? { accept } : {} })).text();
    const exemplarOf = (text: string, bucketOf: string) => text.split('\n').find((l) => l.startsWith(`${bucketOf}_bucket{`) && l.includes(`# {trace_id="${traceId}"`));

    const ingestion = await scrape('alarm-ingestion', 'application/openmetrics-text');
    expect(exemplarOf(ingestion, 'vigil_http_request_duration_seconds')).toContain('route="/api/v1/alarms"');
    const notifier = await scrape('notifier', 'application/openmetrics-text');
    expect(exemplarOf(notifier, 'vigil_notification_delivery_seconds')).toContain('outcome="delivered"');
    expect(await scrape('alarm-ingestion')).not.toContain(traceId);
  });
});
