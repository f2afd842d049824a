import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import type { LoggerOptions } from 'pino';

/** Paths that never reach a log line: tokens, secrets and personal data. */
export const RedactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.authorization',
  '*.secret',
  '*.password',
  '*.token',
  '*.accessToken',
  '*.privateKey',
  '*.routingKey',
  'spec.secret',
  'spec.to',
];

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
/** A JWT (three base64url parts, the first a JSON header) or anything after `Bearer`. */
const TOKEN = /\beyJ[\w-]*\.[\w-]+\.[\w-]*|\bBearer\s+[\w.~+/=-]+/g;

/**
 * Personal data and tokens inside free text — an error message quoting a recipient, a
 * URL with a token — that redaction by path cannot see.
 */
export function scrubText(text: string): string {
  return text.replace(TOKEN, '[redacted]').replace(EMAIL, '[email]');
}

/**
 * Walks plain objects and arrays only: requests, responses and errors are left to pino's
 * serializers (and path redaction), which turn them into plain data afterwards.
 */
function scrubValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, depth + 1));
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubValue(v, depth + 1)]));
}

/** The active trace on every line, so a log line leads to its trace and back. */
function traceFields(): Record<string, string> {
  const span = trace.getSpan(context.active());
  const ids = span?.spanContext();
  return ids && isSpanContextValid(ids) ? { traceId: ids.traceId, spanId: ids.spanId } : {};
}

export function loggerOptions(service: string, level: string): LoggerOptions {
  return {
    level,
    base: { service },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    mixin: traceFields,
    formatters: {
      level: (label) => ({ level: label }),
      log: (object) => scrubValue(object, 0) as Record<string, unknown>,
    },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((a) => (typeof a === 'string' ? scrubText(a) : a)) as Parameters<typeof method>);
      },
    },
    redact: { paths: RedactedPaths, censor: '[redacted]' },
  };
}
