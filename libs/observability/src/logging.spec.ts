import { Writable } from 'node:stream';
import pino from 'pino';
import { trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import type { NodeSDK } from '@opentelemetry/sdk-node';
import { loggerOptions, scrubText } from './logging';
import { startTracing, stopTracing } from './tracing';

/** A logger configured as the services' is, writing its JSON lines into an array. */
function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino(loggerOptions('alarm-ingestion', 'info'), sink), lines };
}

describe('log lines', () => {
  let sdk: NodeSDK;
  beforeAll(() => {
    sdk = startTracing({ service: 'logging-test', spanProcessors: [new SimpleSpanProcessor({ exporter: new InMemorySpanExporter() })] });
  });
  afterAll(() => stopTracing(sdk));

  it('are JSON with service, level, time, correlation id and tenant as given', () => {
    const { logger, lines } = capturingLogger();
    logger.child({ correlationId: 'c-1', tenantId: 'acme' }).info({ alarms: 3 }, 'alarms recorded');
    expect(lines[0]).toEqual(expect.objectContaining({ service: 'alarm-ingestion', level: 'info', correlationId: 'c-1', tenantId: 'acme', alarms: 3, msg: 'alarms recorded' }));
    expect(Date.parse(lines[0].time as string)).not.toBeNaN();
  });

  it('carry the trace and span id of the active span, and none outside a trace', () => {
    const { logger, lines } = capturingLogger();
    const ids = trace.getTracer('test').startActiveSpan('request', (span) => {
      logger.info('inside');
      span.end();
      return span.spanContext();
    });
    logger.info('outside');
    expect(lines[0]).toEqual(expect.objectContaining({ msg: 'inside', traceId: ids.traceId, spanId: ids.spanId }));
    expect(lines[1].traceId).toBeUndefined();
  });

  it('redact tokens, secrets and passwords by path', () => {
    const { logger, lines } = capturingLogger();
    logger.info({
      req: { headers: { authorization: 'Bearer abc.def.ghi', cookie: 'session=1', 'x-api-key': 'k-123' } },
      spec: { type: 'webhook', url: 'https://hooks.example.com/x', secret: 'change-me', to: ['oncall@example.com'] },
      smtp: { password: 'hunter2' },
      channel: { routingKey: 'R0UT1NG' },
    }, 'channel applied');
    const text = JSON.stringify(lines[0]);
    for (const secret of ['abc.def.ghi', 'session=1', 'k-123', 'change-me', 'oncall@example.com', 'hunter2', 'R0UT1NG']) expect(text).not.toContain(secret);
    expect(lines[0]).toEqual(expect.objectContaining({ spec: expect.objectContaining({ secret: '[redacted]', to: '[redacted]', url: 'https://hooks.example.com/x' }) }));
  });

  it('scrub e-mail addresses and tokens from messages and free-text fields wherever they appear', () => {
    const { logger, lines } = capturingLogger();
    const jwt = 'eyJhbGciOiJFUzI1NiJ9.eyJ0ZW5hbnQiOiJhY21lIn0.c2lnbmF0dXJl';
    logger.warn({ error: `550 mailbox jane.doe@acme.example unavailable`, nested: { notes: [`token ${jwt}`] } }, `delivery to jane.doe@acme.example failed with Bearer ${jwt}`);
    const text = JSON.stringify(lines[0]);
    expect(text).not.toContain('jane.doe@acme.example');
    expect(text).not.toContain(jwt);
    expect(lines[0]).toEqual(expect.objectContaining({ msg: 'delivery to [email] failed with [redacted]', error: '550 mailbox [email] unavailable', nested: { notes: ['token [redacted]'] } }));
  });

  it('leave text without personal data or tokens as it is', () => {
    expect(scrubText('alarm checkout-api/high-latency raised at 2026-11-22T08:00:00Z (v1.2.3)')).toBe('alarm checkout-api/high-latency raised at 2026-11-22T08:00:00Z (v1.2.3)');
  });
});
