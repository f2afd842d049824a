import type { DocumentKind } from './document-kinds';

export const Redacted = '[redacted]';

/** Fields that are credentials wherever they appear in a spec. */
const SECRET_KEYS = new Set(['secret', 'pass', 'password', 'routingKey', 'token', 'apiKey']);

/**
 * The spec as `config-applied` carries it. Event topics keep everything forever and every
 * service may read them, so credentials stay in the owning service's own table: a channel's
 * secret, SMTP password or PagerDuty routing key, and a Slack URL (the URL is the credential).
 */
export function publishedSpec(kind: DocumentKind, spec: Record<string, unknown>): Record<string, unknown> {
  const copy = redact(spec) as Record<string, unknown>;
  if (kind === 'NotificationChannel' && copy.type === 'slack' && typeof copy.url === 'string') copy.url = Redacted;
  return copy;
}

function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, SECRET_KEYS.has(key) && v !== undefined ? Redacted : redact(v)]));
}
