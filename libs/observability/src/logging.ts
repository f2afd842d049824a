import type { LoggerOptions } from 'pino';

/** Paths that never reach a log line: tokens, secrets and personal data. */
export const RedactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.secret',
  '*.password',
  '*.token',
  '*.routingKey',
  'spec.secret',
  'spec.to',
];

export function loggerOptions(service: string, level: string): LoggerOptions {
  return {
    level,
    base: { service },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: RedactedPaths, censor: '[redacted]' },
  };
}
