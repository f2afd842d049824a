import { spanProcessorsFromEnv } from './tracing';

describe('where spans go', () => {
  it('nowhere without an OTLP endpoint: spans still get ids, nothing connects', () => {
    const processors = spanProcessorsFromEnv({});
    expect(processors).toHaveLength(1);
    expect(processors?.[0].constructor.name).toBe('NoopSpanProcessor');
  });

  it('to the SDK\'s OTLP exporter when an endpoint or an exporter is configured', () => {
    expect(spanProcessorsFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318' })).toBeUndefined();
    expect(spanProcessorsFromEnv({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toBeUndefined();
    expect(spanProcessorsFromEnv({ OTEL_TRACES_EXPORTER: 'console' })).toBeUndefined();
  });
});
