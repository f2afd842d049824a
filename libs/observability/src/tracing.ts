import { context, propagation, trace } from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { getNodeAutoInstrumentations } from '@opentelemetry/auto-instrumentations-node';
import { NoopSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { basename, dirname } from 'node:path';

export interface TracingOptions {
  /** `service.name` of the spans; defaults to OTEL_SERVICE_NAME, else the app folder of the main module. */
  service?: string;
  /** Where spans go; tests pass an in-memory exporter's processor. Defaults to the environment's. */
  spanProcessors?: SpanProcessor[];
  env?: NodeJS.ProcessEnv;
}

/** `dist/apps/<app>/src/main.js` → `<app>`: the first line of main.ts cannot pass arguments before its imports run. */
function serviceOfMainModule(): string | undefined {
  const main = require.main?.filename;
  if (!main) return undefined;
  const appDir = dirname(dirname(main));
  return basename(dirname(appDir)) === 'apps' ? basename(appDir) : undefined;
}

/**
 * Spans go to OTLP only when an endpoint is configured (OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT; protocol and headers from the usual OTEL_ variables),
 * or another exporter is named in OTEL_TRACES_EXPORTER.
 * Without one, spans are still made — their ids reach logs and Kafka headers, so a trace
 * can be followed by id — but nothing is exported and nothing tries to connect.
 */
export function spanProcessorsFromEnv(env: NodeJS.ProcessEnv): SpanProcessor[] | undefined {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  // An explicit OTEL_TRACES_EXPORTER (e.g. `console` while debugging) is the SDK's to honour.
  return endpoint || env.OTEL_TRACES_EXPORTER ? undefined : [new NoopSpanProcessor()];
}

/**
 * Starts OpenTelemetry before anything it instruments is loaded: HTTP in and out (also
 * fetch/undici), Express and Nest routes and PostgreSQL. File system, DNS and socket spans are noise at Vigil's scale and stay off.
 * Kafka context is carried by Vigil itself (outbox headers, per-message consumer spans):
 * the kafkajs instrumentation would stamp the relay's poll instead of the request.
 * Metrics stay with prom-client (`/metrics`); OTel exports no metrics or logs.
 */
export function startTracing(options: TracingOptions = {}): NodeSDK {
  const env = options.env ?? process.env;
  const sdk = new NodeSDK({
    serviceName: options.service ?? env.OTEL_SERVICE_NAME ?? serviceOfMainModule() ?? 'vigil',
    spanProcessors: options.spanProcessors ?? spanProcessorsFromEnv(env),
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      getNodeAutoInstrumentations({
        '@opentelemetry/instrumentation-fs': { enabled: false },
        '@opentelemetry/instrumentation-dns': { enabled: false },
        '@opentelemetry/instrumentation-net': { enabled: false },
        '@opentelemetry/instrumentation-kafkajs': { enabled: false },
        '@opentelemetry/instrumentation-runtime-node': { enabled: false },
        '@opentelemetry/instrumentation-http': {
          // Probes and scrapes every few seconds would drown the traces that matter.
          ignoreIncomingRequestHook: (req) => /^\/(health|metrics)/.test(req.url ?? ''),
        },
        // Trace ids reach log lines through loggerOptions' mixin, which needs no patching.
        '@opentelemetry/instrumentation-pino': { enabled: false },
      }),
    ],
  });
  sdk.start();
  return sdk;
}

/**
 * Stops tracing started in this process and unregisters the global API. Shutting the SDK
 * down alone leaves the instrumentations subscribed (undici's diagnostics channels are
 * process-wide), still injecting `traceparent` into outgoing requests; tests that start
 * tracing in a jest worker call this so the test files after them see no tracing.
 */
export async function stopTracing(sdk: NodeSDK): Promise<void> {
  await sdk.shutdown();
  trace.disable();
  propagation.disable();
  context.disable();
}
